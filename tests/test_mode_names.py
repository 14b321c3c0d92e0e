"""Missing modes by name: digits as digits, stacked digits as "007", mixture components by index and centre."""

import json

import numpy as np
import pandas as pd

from ganeval.data.digits import load_digits_images, stacked_digits
from ganeval.data.mixtures import GRID25
from ganeval.data.mode_names import MAX_SHOWN, mode_name, mode_names, names_text
from ganeval.diagnostics.collapse import detect_collapse
from ganeval.metrics import mode_coverage
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score


def test_digit_classes_are_named_by_their_digit():
    assert mode_names([0, 7, 9], 10) == ["0", "7", "9"]


def test_stacked_digits_are_three_digit_strings():
    # index 100 r + 10 g + b: red 0, green 0, blue 7 is "007"
    assert mode_names([7, 42, 100, 999], 1000) == ["007", "042", "100", "999"]


def test_mixture_components_by_index_and_centre():
    assert mode_names([0, 3, 17, 24], 25, "grid25") == ["#0 (-4, -4)", "#3 (-4, 2)", "#17 (2, 0)", "#24 (4, 4)"]
    assert mode_name(3, 25, GRID25) == "#3 (-4, 2)"  # the Mixture itself, as score passes it
    # ring8's centres at +-90 degrees are 1e-16 off zero: no "1.22e-16", no "-0"
    assert mode_names([1, 2, 6], 8, "ring8") == ["#1 (1.41, 1.41)", "#2 (0, 2)", "#6 (0, -2)"]


def test_long_lists_show_twenty_then_how_many_more():
    names = mode_names(range(100), 1000)
    assert names_text(names) == ", ".join(f"{i:03d}" for i in range(MAX_SHOWN)) + " and 80 more"
    assert names_text(names[:MAX_SHOWN]).endswith(f"{MAX_SHOWN - 1:03d}")  # exactly twenty: no "and 0 more"
    assert names_text([]) == "none"


def test_mode_coverage_lists_the_modes_it_does_not_count():
    # modes 1 and 3 have no samples; mode 2's only samples are of low quality; mode 4 is absent from the reference
    fake = np.array([0] * 10 + [2] * 10)
    high_quality = np.array([True] * 10 + [False] * 10)
    result = mode_coverage(fake, 5, reference_modes=np.array([0, 1, 2, 3]), high_quality=high_quality)
    assert result.modes_covered == 1 and result.missing.tolist() == [1, 2, 3]


def test_score_names_the_missing_digit():
    images, labels = load_digits_images()
    result = score(
        images[labels != 7],
        "digits",
        metrics=["modes_covered"],
        options=MetricOptions(n=600, bootstrap=0),
        extraction=Extraction(cache=False, progress=False),
    )
    assert result.modes.missing == [7] and result.modes.names == ["7"] and result.modes.n_modes == 10
    assert result.to_dict()["missing_modes"] == {"n_modes": 10, "indices": [7], "names": ["7"]}
    assert "missing modes (1 of 10): 7" in result.table()


def test_score_names_the_missing_grid25_components():
    points, modes = GRID25.sample(2000, seed=0)
    kept = ~np.isin(modes, [3, 17])
    result = score(
        points[kept],
        "grid25",
        metrics=["modes_covered"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(progress=False),
    )
    assert result.modes.names == ["#3 (-4, 2)", "#17 (2, 0)"]
    assert result.summary().endswith(": 23 of 25 modes (missing: #3 (-4, 2), #17 (2, 0))")


def test_score_names_missing_stacked_digits_and_cuts_the_list():
    images, modes = stacked_digits(1000, seed=1)
    result = score(
        images[modes >= 100],
        "stacked-digits",
        metrics=["modes_covered"],
        options=MetricOptions(n=1000, bootstrap=0),
        extraction=Extraction(cache=False, progress=False),
    )
    missing = result.modes.missing
    assert result.modes.names == [f"{m:03d}" for m in missing]
    red_zero = [m for m in missing if m < 100]
    assert len(red_zero) >= 95  # no sample has a red 0 (a rare misread may still land there)
    assert len(missing) == 1000 - result.metrics["modes_covered"].value > MAX_SHOWN
    assert (
        f"(missing: {', '.join(result.modes.names[:MAX_SHOWN])} and {len(missing) - MAX_SHOWN} more)"
        in result.summary()
    )


def test_no_missing_modes_without_mode_metrics():
    points, _ = GRID25.sample(300, seed=0)
    result = score(
        points,
        "grid25",
        metrics=["fid", "mode_kl"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(progress=False),
    )
    assert result.modes is None and result.to_dict()["missing_modes"] is None
    assert "missing modes" not in result.table()


def test_check_table_names_the_missing_modes_of_both_sides(tmp_path):
    from ganeval.gate import check
    from ganeval.gate.formats import markdown

    points, modes = GRID25.sample(600, seed=0)
    baseline_points, candidate_points = points[modes != 3][:500], points[~np.isin(modes, [3, 17])][:500]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(
        json.dumps(
            score(
                baseline_points,
                "grid25",
                metrics=["fid", "modes_covered"],
                options=MetricOptions(bootstrap=0),
                extraction=Extraction(progress=False),
            ).to_dict()
        )
    )
    report = check(candidate_points, baseline)
    assert report.missing_modes == {"baseline": ["#3 (-4, 2)"], "candidate": ["#3 (-4, 2)", "#17 (2, 0)"]}
    assert "\nmissing modes: candidate #3 (-4, 2), #17 (2, 0); baseline #3 (-4, 2)\n" in report.table()
    assert "`missing modes: candidate #3 (-4, 2), #17 (2, 0); baseline #3 (-4, 2)`" in markdown(report)
    assert report.to_dict()["missing_modes"]["candidate"] == ["#3 (-4, 2)", "#17 (2, 0)"]


def collapsed_log(n_modes: int, kept: list[int]) -> pd.DataFrame:
    """Evaluations where every mode is hit, then only the `kept` modes."""
    uniform, narrow = [100] * n_modes, [800 if m in kept else 0 for m in range(n_modes)]
    rows = [{"step": 10 * (i + 1), "mode_counts": json.dumps(uniform if i < 5 else narrow)} for i in range(10)]
    return pd.DataFrame(rows)


def test_collapse_evidence_names_the_missing_modes():
    (ring,) = detect_collapse(collapsed_log(8, [3, 4]), 8, "ring8")
    assert ring.evidence["missing_modes"] == [0, 1, 2, 5, 6, 7]
    assert ring.evidence["missing_mode_names"][:3] == ["#0 (2, 0)", "#1 (1.41, 1.41)", "#2 (0, 2)"]
    assert "(missing: #0 (2, 0), #1 (1.41, 1.41), #2 (0, 2), #5 (-1.41, -1.41)," in ring.explanation
    (digits,) = detect_collapse(collapsed_log(10, [1, 7]), 10, "digits")
    assert digits.evidence["missing_mode_names"] == ["0", "2", "3", "4", "5", "6", "8", "9"]
    (stacked,) = detect_collapse(collapsed_log(1000, list(range(500, 1000))), 1000, "stacked-digits")
    assert stacked.evidence["missing_mode_names"] == [f"{m:03d}" for m in range(500)]
    assert "(missing: 000, 001, " in stacked.explanation and ", 019 and 480 more)" in stacked.explanation


def test_diagnose_names_modes_by_the_runs_data_set():
    from ganeval.diagnostics import diagnose

    steps = pd.DataFrame({"step": range(101)})
    (collapse,) = [
        f for f in diagnose(steps, collapsed_log(25, [12]), {"data": "grid25"}).findings if f.kind == "collapse"
    ]
    assert collapse.evidence["missing_mode_names"][:2] == ["#0 (-4, -4)", "#1 (-4, -2)"]


def test_compare_tables_name_the_missing_modes(tmp_path):
    from ganeval.compare import Entry, build, result_entry
    from ganeval.compare.report import compact_table

    points, modes = GRID25.sample(600, seed=0)
    paths = []
    for name, dropped in (("one", [3]), ("none", [])):
        paths.append(tmp_path / f"{name}.json")
        kept = points[~np.isin(modes, dropped)][:500]
        paths[-1].write_text(
            json.dumps(
                score(
                    kept,
                    "grid25",
                    metrics=["fid", "modes_covered"],
                    options=MetricOptions(bootstrap=0),
                    extraction=Extraction(progress=False),
                ).to_dict()
            )
        )
    comparison = build([result_entry(path) for path in paths])
    assert comparison.table()["missing modes"].to_dict() == {"one": "#3 (-4, 2)", "none": "none"}
    assert compact_table(comparison).set_index("variant")["missing modes"].to_dict() == {
        "one": "#3 (-4, 2)",
        "none": "none",
    }
    # seeds of a variant that miss different modes are listed per seed; results from before the names: n/a
    metric = {"modes_covered": {"value": 9.0, "ci": None}}
    entries = [
        Entry("a0", "a", 0, metric, missing_modes=["7"]),
        Entry("a1", "a", 1, metric, missing_modes=[]),
        Entry("b0", "b", 0, metric),
        Entry("b1", "b", 1, metric, missing_modes=["7"]),
    ]
    assert build(entries).table()["missing modes"].to_dict() == {
        "a": "seed 0: 7; seed 1: none",
        "b": "seed 0: n/a; seed 1: 7",
    }
    assert "missing modes" not in build([Entry("c", "c", 0, metric), Entry("d", "d", 0, metric)]).table()


def test_runs_without_final_scores_take_the_missing_modes_from_their_log():
    from ganeval.compare import logged_missing_modes

    assert logged_missing_modes(collapsed_log(8, [3, 4]), 8, "ring8")[:2] == ["#0 (2, 0)", "#1 (1.41, 1.41)"]
    assert logged_missing_modes(collapsed_log(10, [1]), 10, None) == ["0", "2", "3", "4", "5", "6", "7", "8", "9"]
    assert logged_missing_modes(pd.DataFrame({"step": [10], "fid": [1.0]}), 8, "ring8") is None
