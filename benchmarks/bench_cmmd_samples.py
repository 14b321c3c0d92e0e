"""CMMD against FID: how many samples each needs to tell two digits generators apart.

The sample-efficiency claim of the CMMD paper (Jayasumana et al., CVPR 2024), measured on the bundled
digits features (the digits extractor, 92-d). The two generators are the bundled dcgan
(ci/dcgan-digits: `ganeval train dcgan --data digits` at its defaults, 1,500 steps, seed 0) and the same
training stopped early (`--steps EARLY`, default 500, seed 0; trained into --early-run unless a run is
there already: about 2 to 4 minutes on 2 cores). The later one is the better: FID and CMMD agree on that
at full size (printed first).

For each sample size n, `--repeats` times: n samples drawn without replacement from a pool of
`--pool` samples of each generator and n from the 1,797 bundled digits (one reference draw for both
generators; at n = 1,600 the reference draws overlap almost wholly, so the reference's own sampling
noise fades), then FID and unbiased CMMD of each generator against that reference. Reported per n:
- ranked: the share of repeats where the metric ranks the later generator better;
- separated: the share of repeats where a 95% paired bootstrap interval of metric(early) - metric(late)
  lies above 0. Each of `--resamples` resamples redraws the rows of all three sets with replacement and
  recomputes both metrics on them (the reference resample shared by both); the interval is "centred" as
  ganeval's FID and KID intervals are (percentiles shifted so the resamples' median falls on the
  full-sample difference). CMMD's resamples are the complete-sample U-statistics over distinct pairs
  (no duplicate bias), all from one pass over the kernel tiles.
The smallest n where "separated" reaches 95% is the answer to "how many samples to separate them at 95%
confidence, 95% of the time".

    python3 benchmarks/bench_cmmd_samples.py [--early-run DIR --early-steps 500 --repeats 40 --resamples 100]
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # small LAPACK calls: threads only
    os.environ.setdefault(_name, "1")  # contend (10x slower on 2 shared cores)

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from _common import ROOT, ForeignLoad  # noqa: E402

from ganeval.cli import main as ganeval_main  # noqa: E402
from ganeval.data.digits import load_digits_images  # noqa: E402
from ganeval.features import get_extractor  # noqa: E402
from ganeval.metrics import fid_from_features  # noqa: E402
from ganeval.metrics.cmmd import SCALE, SIGMA, _weighted_cmmd, cmmd  # noqa: E402
from ganeval.plugins import load_run  # noqa: E402

BUNDLED = ROOT / "ci" / "dcgan-digits"


def features_of(images: np.ndarray, extractor, batch: int = 1000) -> np.ndarray:
    return np.concatenate([extractor.extract(images[i : i + batch])["features"] for i in range(0, len(images), batch)])


def early_run(folder: Path, steps: int) -> Path:
    """The run stopped at `steps` (defaults and seed 0 as the bundled run), trained unless already there."""
    if not (folder / "checkpoint.pt").exists():
        print(f"training dcgan on digits for {steps} steps into {folder} ...", flush=True)
        start = time.perf_counter()
        code = ganeval_main(["train", "dcgan", "--data", "digits", "--out", str(folder), "--steps", str(steps)])
        if code != 0:
            raise SystemExit(f"training failed (exit {code})")
        print(f"  trained in {time.perf_counter() - start:.0f} s", flush=True)
    return folder


def fid(real: np.ndarray, fake: np.ndarray) -> float:
    with warnings.catch_warnings():  # n < 92: singular covariances, exact in sample space (fid_from_features)
        warnings.simplefilter("ignore")
        return fid_from_features(real, fake)


def counts(rows: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(rows, minlength=size).astype(float)


def centred_low(full: float, resampled: np.ndarray) -> float:
    """The 2.5% end of the centred 95% interval (ganeval.metrics.bootstrap's "centred" method)."""
    low = np.nanpercentile(resampled, 2.5, method="lower")
    return full + low - np.nanpercentile(resampled, 50, method="nearest")


def one_repeat(ref: np.ndarray, early: np.ndarray, late: np.ndarray, resamples: int, rng) -> dict[str, tuple]:
    """(ranked correctly, separated) for FID and CMMD on one draw of the three sets."""
    n = len(ref)
    draws = [[rng.integers(0, n, n) for _ in range(3)] for _ in range(resamples)]  # ref, early, late rows
    # FID: recomputed on each resample's rows
    fid_early, fid_late = fid(ref, early), fid(ref, late)
    diffs = np.array([fid(ref[r], early[e]) - fid(ref[r], late[t]) for r, e, t in draws])
    out = {"fid": (fid_late < fid_early, centred_low(fid_early - fid_late, diffs) > 0)}
    # CMMD: row 0 the full samples, then the resamples as multiplicities, one kernel pass per generator
    w_ref = np.stack([np.ones(n), *(counts(r, n) for r, _, _ in draws)])
    w_early = np.stack([np.ones(n), *(counts(e, n) for _, e, _ in draws)])
    w_late = np.stack([np.ones(n), *(counts(t, n) for _, _, t in draws)])
    on_early = _weighted_cmmd(ref, early, w_ref, w_early, SIGMA, SCALE, True)
    on_late = _weighted_cmmd(ref, late, w_ref, w_late, SIGMA, SCALE, True)
    diff = on_early - on_late
    out["cmmd"] = (on_late[0] < on_early[0], centred_low(diff[0], diff[1:]) > 0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,50,100,200,400,800,1200,1600")
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--resamples", type=int, default=100)
    parser.add_argument("--pool", type=int, default=8000, help="samples drawn once from each generator")
    parser.add_argument("--early-steps", type=int, default=500)
    parser.add_argument("--early-run", type=Path, default=None, help="run folder of the early generator")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load = ForeignLoad()
    start = time.perf_counter()
    folder = args.early_run or Path(tempfile.gettempdir()) / f"ganeval-bench-dcgan-digits-{args.early_steps}"
    generators = {"early": load_run(early_run(folder, args.early_steps)), "late": load_run(BUNDLED)}
    extractor = get_extractor("digits")
    images, _ = load_digits_images()
    ref = features_of(images, extractor)
    pools = {name: features_of(g.sample(args.pool, seed=args.seed + 1), extractor) for name, g in generators.items()}
    print(f"early: {folder} (step {generators['early'].step}); late: {BUNDLED} (step {generators['late'].step})")
    print(f"features: digits extractor, {ref.shape[1]}-d; reference: {len(ref)} bundled digits; pools: {args.pool}")
    for name, pool in pools.items():
        print(f"  full size, {name}: FID {fid(ref, pool):.1f}, CMMD {cmmd(ref, pool):.4f} ({len(ref)} vs {len(pool)})")
    print(f"prepared in {time.perf_counter() - start:.0f} s\n", flush=True)

    rng = np.random.default_rng(args.seed)
    rows = []
    print("| n | FID ranked | FID separated | CMMD ranked | CMMD separated | seconds |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        begun = time.perf_counter()
        tally = {"fid": np.zeros(2), "cmmd": np.zeros(2)}
        for _ in range(args.repeats):
            draw = {name: pool[rng.choice(len(pool), n, replace=False)] for name, pool in pools.items()}
            result = one_repeat(
                ref[rng.choice(len(ref), n, replace=False)], draw["early"], draw["late"], args.resamples, rng
            )
            for metric, flags in result.items():
                tally[metric] += np.array(flags, float)
        shares = {metric: tally[metric] / args.repeats for metric in tally}
        rows.append((n, shares))
        f, c = shares["fid"], shares["cmmd"]
        print(
            f"| {n} | {f[0]:.0%} | {f[1]:.0%} | {c[0]:.0%} | {c[1]:.0%} | {time.perf_counter() - begun:.0f} |",
            flush=True,
        )
    print()
    for metric in ("fid", "cmmd"):
        ranked = next((n for n, s in rows if s[metric][0] >= 0.95), None)
        separated = next((n for n, s in rows if s[metric][1] >= 0.95), None)
        say = lambda v: f"n = {v}" if v else f"not reached by n = {sizes[-1]}"  # noqa: E731
        print(
            f"{metric}: ranks correctly in >= 95% of repeats from {say(ranked)}; "
            f"separated at 95% in >= 95% of repeats from {say(separated)}"
        )
    print(
        f"\nrepeats {args.repeats}, resamples {args.resamples}, seed {args.seed}; "
        f"{time.perf_counter() - start:.0f} s in all"
    )
    print(load.report())


if __name__ == "__main__":
    main()
