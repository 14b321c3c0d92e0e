"""Real run folders from public repositories, with the truth worked out from their own numbers
(tests/fixtures/logs/stylegan/README.md says where each comes from and why its truth holds).

    from truth_runs import REAL_RUNS, diagnose_real_run   # with tests/ on sys.path, as pytest puts it
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ganeval.diagnostics import diagnose
from ganeval.diagnostics.log import read_log

FIXTURES = Path(__file__).parent / "fixtures" / "logs"


@dataclass(frozen=True)
class RealRun:
    """A published run folder (`folder` under tests/fixtures/logs) and the verdict it must get."""

    name: str
    folder: str
    truth: str
    why: str
    needs: str | None = None  # what the diagnostics must do before they can judge it (None: nothing)


REAL_RUNS = [
    RealRun(
        "rpg-sprites",
        "stylegan/rpg-sprites",
        "unreliable-metrics",
        "StyleGAN2-ADA: its 8 FIDs are 1e50..1e68 and negative (-3.1e68): the metric computation is broken",
    ),
    RealRun(
        "phytoplankton",
        "stylegan/phytoplankton",
        "healthy",
        "StyleGAN3: FID 418 -> 33 by 1200 kimg, then 28.8-31.0 to 3000 kimg; r_t held at 0.56-0.64 (target 0.6)",
    ),
    RealRun(
        "art-of-music",
        "stylegan/art-of-music",
        "D-overfitting",
        "StyleGAN2-ADA (log.txt only): p climbs 0.43 -> 1.68 (r_t above target throughout) while FID worsens "
        "58.3 -> 78.2",
    ),
    RealRun(
        "imgs-fid",
        "stylegan/imgs-fid",
        "undertrained",
        "a metric log only: FID 409 -> 12.65 over 31 evaluations, still falling over the last 30% (15.8 -> 12.65)",
    ),
]


def read_real_run(run: RealRun):
    """(steps, evals, manifest) of a real run folder, read by the format that recognises it."""
    return read_log(FIXTURES / run.folder)


def diagnose_real_run(run: RealRun):
    return diagnose(*read_real_run(run), run=run.name)
