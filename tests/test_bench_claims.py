"""benchmarks/bench_claims.py: when a claim holds, and that a finished run is reused, not retrained."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

import reference_models

BENCHMARKS = pathlib.Path(__file__).parents[1] / "benchmarks"


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # its `from _common import ...`
    spec = importlib.util.spec_from_file_location("bench_claims", BENCHMARKS / "bench_claims.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_claim_holds_only_when_the_measurement_bears_it_out(bench):
    ring = bench.Claim("wgan-gp", "ring8", "README.md:1", modes=8, hq=0.78)
    assert bench.holds(ring, {"modes_covered": 8, "high_quality_fraction": 0.78})
    assert bench.holds(ring, {"modes_covered": 8, "high_quality_fraction": 0.775})  # "78%" rounds it
    assert bench.holds(ring, {"modes_covered": 8, "high_quality_fraction": 0.91})  # better than claimed
    assert not bench.holds(ring, {"modes_covered": 8, "high_quality_fraction": 0.63})  # issue 24's measurement
    assert not bench.holds(ring, {"modes_covered": 7, "high_quality_fraction": 0.80})
    grid = bench.Claim("wgan-gp", "grid25", "README.md:1", modes=24, hq=0.066)
    assert not bench.holds(grid, {"modes_covered": 0, "high_quality_fraction": 0.07})
    digits = bench.Claim("dcgan", "digits", "README.md:1", modes=10, fid=204.0)
    assert bench.holds(digits, {"modes_covered": 10, "fid": 210.0})
    assert not bench.holds(digits, {"modes_covered": 10, "fid": 230.0})


def test_every_claim_names_a_variant_its_data_and_where_it_is_made(bench):
    for claim in bench.CLAIMS:
        reference_models.get_variant(claim.variant).training_data(claim.data)  # raises for a wrong pair
        for place in claim.where.split("; "):  # each "file:line" exists and names the variant or its data
            path, line = place.rsplit(":", 1)
            assert path in ("README.md", "benchmarks/README.md", "docs/trainers.md"), place
            text = (BENCHMARKS.parent / path).read_text().splitlines()[int(line) - 1]
            assert claim.variant in text or claim.data in text, (place, text)
    assert len({claim.name for claim in bench.CLAIMS}) == len(bench.CLAIMS)


def test_a_finished_run_with_the_same_settings_is_measured_again_without_training(bench, tmp_path, monkeypatch):
    settings = (("eval_every", 2), ("eval_n", 50))
    claim = bench.Claim("gan-ns", "ring8", "README.md:1", modes=8, hq=0.5, steps=4, settings=settings, n=200)
    run = bench.trained(claim, tmp_path)
    first = bench.measure(run, claim.n)
    assert 0 <= first["modes_covered"] <= 8 and 0 <= first["high_quality_fraction"] <= 1

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run with the same settings was trained again")

    monkeypatch.setattr(reference_models, "train", no_training)
    assert bench.trained(claim, tmp_path) == run
    assert bench.measure(run, claim.n) == first  # the same samples, the same numbers
    other = claim._replace(settings=(*settings, ("lr_d", 1e-3)))  # another setting: another run
    with pytest.raises(AssertionError, match="trained again"):
        bench.trained(other, tmp_path)
    row = bench.row(claim, first)
    assert row.startswith("| gan-ns | ring8 | 4 | 0 | eval_every=2, eval_n=50 | 8 modes, 50.0% HQ |")
