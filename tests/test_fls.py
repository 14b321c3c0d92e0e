"""FLS against a from-scratch torch implementation of the authors' formula (autograd and torch's Adam, as
marcojira/fls and dgm-eval's fls.py fit it), its behaviour on copies, and its registration."""

import json
import math

import numpy as np
import pytest
import torch

from ganeval.cli import main
from ganeval.data import RING8
from ganeval.errors import GanevalError
from ganeval.gate.decision import DEFAULT_TOLERANCES
from ganeval.metrics import Samples, applicable_metrics, compute_metrics, feature_likelihood, get_metric
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score


def authors_fls(fitting, baseline, test, generated) -> tuple[float, float]:
    """FLS and FLS overfit as the authors compute them, in float64: joint standardisation, log-variances fitted
    by 100 steps of torch's Adam (0.5, then 0.05 from step 50) with a clamp, the test NLL gap, the overfit share."""
    sets = [torch.tensor(x, dtype=torch.float64) for x in (fitting, baseline, test, generated)]
    joined = torch.cat(sets)
    fitting, baseline, test, generated = [(x - joined.mean(0)) / joined.std(0) for x in sets]
    dims = fitting.shape[1]

    def log_terms(points, centres, log_var):
        squared = torch.cdist(points, centres) ** 2
        return -0.5 * squared / torch.exp(log_var) - dims / 2 * log_var + math.log(1 / centres.shape[0])

    def fit(centres):
        log_var = torch.zeros(len(centres), dtype=torch.float64, requires_grad=True)
        adam = torch.optim.Adam([log_var], lr=0.5)
        schedule = torch.optim.lr_scheduler.MultiStepLR(adam, milestones=[50], gamma=0.1)
        for _ in range(100):
            loss = -torch.logsumexp(log_terms(fitting, centres, log_var), dim=1).mean()
            adam.zero_grad()
            loss.backward()
            adam.step()
            schedule.step()
            with torch.no_grad():
                log_var.clamp_(-100, 20)
        return log_var.detach()

    def test_nll(centres, log_var):
        return -torch.logsumexp(log_terms(test, centres, log_var), dim=1).mean().item()

    spread, base_spread = fit(generated), fit(baseline)
    fls = 100 * math.exp(-2 * (test_nll(generated, spread) - test_nll(baseline, base_spread)) / dims)
    gap = torch.logsumexp(log_terms(fitting, generated, spread), 0) - torch.logsumexp(
        log_terms(test, generated, spread), 0
    )
    return fls, (gap > 0).double().mean().item() * 100 - 50


def drawn_like_ours(train, test, generated, seed):
    """The four sets feature_likelihood draws with `seed` (all of them here: n = half the training set)."""
    rng = np.random.default_rng(seed)
    n = len(test)
    test = test[np.sort(rng.choice(n, n, replace=False))]
    generated = generated[np.sort(rng.choice(n, n, replace=False))]
    drawn = rng.choice(len(train), 2 * n, replace=False)
    return train[np.sort(drawn[:n])], train[np.sort(drawn[n:])], test, generated


def gaussian_sets(rng, n=30, d=6):
    return rng.standard_normal((2 * n, d)), rng.standard_normal((n, d))


@pytest.mark.parametrize("kind", ["fresh", "shifted", "copies"])
def test_matches_a_from_scratch_implementation_of_the_authors_formula(rng, kind):
    train, test = gaussian_sets(rng)
    generated = {
        "fresh": rng.standard_normal((30, 6)),
        "shifted": rng.standard_normal((30, 6)) * 1.3 + 0.4,
        "copies": train[rng.choice(60, 30, replace=False)],
    }[kind]
    ours = feature_likelihood(train, test, generated, seed=7)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 30 x 30 distances: threads only contend
    try:
        fls, overfit = authors_fls(*drawn_like_ours(train, test, generated, seed=7))
    finally:
        torch.set_num_threads(threads)
    assert ours.fls == pytest.approx(fls, rel=1e-9)
    assert ours.overfit == pytest.approx(overfit, abs=1e-12)
    assert ours.dims == 6 and ours.test_nll_generated.shape == ours.overfit_centres.shape == (30,)


def test_copies_of_the_training_set_score_worse_than_fresh_samples(rng):
    train, test = gaussian_sets(rng, n=150, d=8)
    fresh = feature_likelihood(train, test, rng.standard_normal((150, 8)), seed=1)
    copies = feature_likelihood(train, test, train[rng.choice(300, 150, replace=False)], seed=1)
    noised = feature_likelihood(train, test, train[:150] + 0.05 * rng.standard_normal((150, 8)), seed=1)
    assert 85 < fresh.fls < 115 and abs(fresh.overfit) < 15  # as good as the training data, no gap
    assert copies.fls < fresh.fls - 20 and noised.fls < fresh.fls - 20
    assert copies.overfit > fresh.overfit + 15 and noised.overfit > fresh.overfit + 15


def test_large_sets_are_taken_a_chunk_of_rows_at_a_time(rng, monkeypatch):
    import ganeval.metrics._checks as checks

    train, test = gaussian_sets(rng, n=100, d=5)
    generated = train[:100] + 0.1 * rng.standard_normal((100, 5))
    whole = feature_likelihood(train, test, generated, seed=1)
    monkeypatch.setattr(checks, "CHUNK_BYTES", 8 * 100 * 7)  # 7 rows a chunk
    chunked = feature_likelihood(train, test, generated, seed=1)
    assert chunked.fls == pytest.approx(whole.fls, rel=1e-12) and chunked.overfit == whole.overfit


def test_constant_features_are_left_out_and_all_constant_refused(rng):
    train, test = gaussian_sets(rng, n=30, d=4)
    generated = rng.standard_normal((30, 4))
    padded = [np.hstack([x, np.full((len(x), 1), 3.0)]) for x in (train, test, generated)]
    assert feature_likelihood(*padded, seed=2).fls == feature_likelihood(train, test, generated, seed=2).fls
    with pytest.raises(GanevalError, match="every feature is the same"):
        feature_likelihood(np.ones((8, 3)), np.ones((4, 3)), np.ones((4, 3)))
    with pytest.raises(GanevalError, match="train"):
        feature_likelihood(train[:3], test, generated)  # a fitting half and a baseline half of 2 at least


def test_registered_opt_in_needing_the_training_set(rng):
    fls, overfit = get_metric("fls"), get_metric("fls_overfit")
    assert fls.higher_is_better and fls.bounds() == (0.0, None) and not fls.default and fls.needs_train
    assert not overfit.higher_is_better and overfit.bounds() == (-50.0, 50.0) and overfit.family == "fls"
    assert DEFAULT_TOLERANCES["fls"] == DEFAULT_TOLERANCES["fls_overfit"] == 2.0
    train, test = gaussian_sets(rng, n=40, d=5)
    real, fake, trained = Samples(features=test), Samples(features=rng.standard_normal((40, 5))), Samples(train)
    assert "fls" not in applicable_metrics(real, fake, train=trained)
    assert "fls" not in applicable_metrics(real, fake, opt_in=True)
    assert {"fls", "fls_overfit"} <= set(applicable_metrics(real, fake, train=trained, opt_in=True))
    values = compute_metrics(["fls", "fls_overfit"], real, fake, MetricOptions(seed=4), 40, train=trained)
    found = feature_likelihood(train, test, fake.features, seed=4)
    assert values["fls"].value == found.fls and values["fls_overfit"].value == found.overfit
    for interval in values.values():
        assert interval.low <= interval.value <= interval.high and interval.low < interval.high
    with pytest.raises(GanevalError, match="'fls' needs features of the training samples"):
        compute_metrics(["fls"], real, fake)


def test_score_and_the_cli_take_the_training_set_with_train(tmp_path):
    train, _ = RING8.sample(400, seed=11)
    generated, _ = RING8.sample(200, seed=12)
    options = MetricOptions(n=200, bootstrap=0)
    result = score(
        generated,
        "ring8",
        metrics=["fls", "fls_overfit"],
        train=train,
        options=options,
        extraction=Extraction(progress=False),
    )
    assert 50 < result.metrics["fls"].value < 150 and abs(result.metrics["fls_overfit"].value) <= 50
    np.save(tmp_path / "train.npy", train)
    np.save(tmp_path / "copies.npy", train[:200])
    out = tmp_path / "copies.json"
    args = ["score", str(tmp_path / "copies.npy"), "--ref", "ring8", "--train", str(tmp_path / "train.npy")]
    assert main([*args, "--metrics", "fls", "--n", "200", "--bootstrap", "0", "--quiet", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["metrics"]["fls"]["value"] < result.metrics["fls"].value  # copies: worse


def test_a_reference_that_is_the_training_set_is_refused():
    generated, _ = RING8.sample(200, seed=12)
    options = MetricOptions(n=200, bootstrap=0)
    with pytest.raises(GanevalError, match="fls and fls_overfit need a reference held out from training"):
        score(
            generated,
            "ring8",
            metrics=["fls", "fls_overfit"],
            train="ring8",
            options=options,
            extraction=Extraction(progress=False),
        )
