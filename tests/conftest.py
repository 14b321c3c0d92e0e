import contextlib
import io
import os

import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory):
    """Tests never read or write the user's reference cache: one fresh cache folder per test session
    (tests that need a private or broken cache set GANEVAL_CACHE_DIR themselves)."""
    previous = os.environ.get("GANEVAL_CACHE_DIR")
    os.environ["GANEVAL_CACHE_DIR"] = str(tmp_path_factory.mktemp("ganeval-cache"))
    yield
    if previous is None:
        os.environ.pop("GANEVAL_CACHE_DIR", None)
    else:
        os.environ["GANEVAL_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def inception_test_weights(tmp_path_factory):
    """The deterministic InceptionV3 test weights (tests/inception_test_weights.py), built once per session:
    5-12 s on 2 cores."""
    from inception_test_weights import make_test_weights

    return make_test_weights(tmp_path_factory.mktemp("inception") / "inception-test.pth", seed=0)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def correlated_gaussian(rng, n, d, shift=0.0, scale=1.0):
    """Well-conditioned correlated Gaussian features (n x d)."""
    mixing = np.eye(d) + rng.standard_normal((d, d)) / np.sqrt(4 * d)
    return (rng.standard_normal((n, d)) @ mixing) * scale + shift


@contextlib.contextmanager
def quiet():
    """Silence peers that print (prdc prints the sample counts)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


@pytest.fixture
def poison_generator_loss(monkeypatch):
    """poison_generator_loss(variant_name, call): the generator loss of that call (1-based) becomes NaN."""

    def poison(variant_name: str, call: int) -> None:
        import reference_models

        variant = reference_models.VARIANTS[variant_name]
        original = variant.g_loss
        calls = {"n": 0}

        def poisoned(discriminator, fake):
            calls["n"] += 1
            loss = original(discriminator, fake)
            return loss * float("nan") if calls["n"] == call else loss

        monkeypatch.setattr(variant, "g_loss", poisoned)

    return poison
