import contextlib
import io

import numpy as np
import pytest


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
