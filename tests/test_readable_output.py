"""Output a person reads: numbers with the digits their uncertainty allows (ganeval.numbers), and
`ganeval compare`'s text within 120 columns: the answer, the headline metrics, the rest in the JSON."""

import json

import pytest

from ganeval.cli import main
from ganeval.compare import Entry, build
from ganeval.diagnostics.findings import RunDiagnosis
from ganeval.numbers import decimals, number, with_interval, with_spread

QUALITY = {  # per metric: a good and a bad variant's values over three seeds
    "fid": ([10.0, 11.0, 10.5], [30.0, 31.0, 29.0]),
    "kid": ([0.01, 0.012, 0.011], [0.05, 0.052, 0.049]),
    "inception_score": ([2.1, 2.2, 2.15], [1.5, 1.6, 1.55]),
    "precision": ([0.80, 0.82, 0.81], [0.40, 0.42, 0.41]),
    "recall": ([0.9, 0.8, 0.85], [0.9, 0.85, 0.8]),
    "density": ([1.0, 1.1, 0.9], [0.5, 0.6, 0.55]),
    "coverage": ([0.8, 0.81, 0.79], [0.3, 0.31, 0.29]),
    "modes_covered": ([8.0, 8.0, 7.0], [2.0, 3.0, 3.0]),
    "mode_kl": ([0.01, 0.02, 0.03], [0.5, 0.6, 0.7]),
    "d_ece": ([0.1, 0.2, 0.15], [0.1, 0.2, 0.15]),
    "wall_time_s": ([50.2, 51.3, 49.9], [80.1, 81.0, 79.5]),
}


def _comparison(names=("good", "bad"), metrics=QUALITY):
    entries = []
    for index, (variant, verdict) in enumerate(zip(names, ("healthy", "collapsed"))):
        for seed in range(3):
            values = {m: {"value": pair[index][seed], "ci": None} for m, pair in metrics.items()}
            entries.append(Entry(f"{variant}{seed}", variant, seed, values, diagnosis=RunDiagnosis(verdict, "")))
    return build(entries, data="ring8")


def test_digits_follow_the_uncertainty():
    assert number(0.89649, 0.02) == "0.896" and number(0.89649, 0.0004) == "0.89649"
    assert with_spread(240.0, 170.0) == "240 ± 170"  # was '240 ± 1.7e+02'
    assert with_spread(0.806, 0.01) == "0.806 ± 0.010"  # the std's rounding sets the place: 0.0099999 too
    assert with_spread(0.806, 0.0099999) == "0.806 ± 0.010"
    assert with_interval(147.63, 126.8, 180.3) == "148 [127, 180]"
    assert with_interval(0.0123456, 0.0101, 0.0142) == "0.0123 [0.0101, 0.0142]"
    assert number(123456.7) == "123457" and number(0.806) == "0.806" and number(12.3456) == "12.3"  # no exponent
    assert number(1.0, 1e-12) == "1.00000"  # at most six significant digits
    assert (number(float("nan")), with_interval(2.5, float("nan"), float("nan")), decimals(0.0)) == ("nan", "2.50", 0)
    assert with_interval(9.0, 9.0, 9.0) == "9 [9, 9]" and number(25.0) == "25"  # counts without an uncertainty


def test_compare_fits_120_columns_answer_first_then_the_headline_metrics():
    comparison = _comparison()
    lines = comparison.text().splitlines()
    assert max(map(len, lines)) <= 120
    assert lines[0].startswith("Use good on ring8. Beyond noise")  # the report's answer, without its Markdown
    header = lines[lines.index("") + 1]
    assert header.split()[:4] == ["fid", "↓", "kid", "↓"] and header.split()[-1] == "verdict"
    good = next(line for line in lines if line.startswith("good "))
    assert good.split()[1:4] == ["10.50", "±", "0.50"] and good.endswith("healthy")
    left_out = next(line for line in lines if line.startswith("left out here"))
    assert "wall_time_s" in left_out and "fid" not in left_out  # the last headline metrics make way, fid never
    assert "fid: good > bad" in lines  # the rankings follow


def test_a_small_comparison_prints_every_headline_metric_and_long_names_are_cut():
    small = _comparison(metrics={m: QUALITY[m] for m in ("fid", "precision", "recall")})
    text = small.text()
    assert "left out here" not in text and "precision ↑" in text and "recall ↑" in text
    long = _comparison(names=("g" * 200, "b\x1b[31m" * 40), metrics={m: QUALITY[m] for m in ("fid", "precision")})
    lines = long.text().splitlines()
    assert max(map(len, lines)) <= 120 and "\x1b" not in long.text()
    assert any(line.startswith("g" * 27 + "...") for line in lines)


def test_compare_command_prints_no_line_over_120_columns(tmp_path, capsys):
    paths = []
    for name, shift in (("base", 0.0), ("new", 5.0)):
        metrics = {
            m: {"value": pair[0][0] + shift, "ci": [pair[0][0] + shift - 0.5, pair[0][0] + shift + 0.5]}
            for m, pair in QUALITY.items()
            if m not in ("d_ece", "wall_time_s")
        }
        paths.append(tmp_path / f"{name}-{'x' * 80}.json")
        paths[-1].write_text(json.dumps({"metrics": metrics, "provenance": {}}))
    assert main(["compare", *map(str, paths), "--json", str(tmp_path / "c.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 120 and any(line.startswith("fid: ") for line in lines)
    payload = json.loads((tmp_path / "c.json").read_text())  # the JSON keeps every metric at full precision
    assert {row["metric"] for row in payload["summary"]} >= {"density", "mode_kl", "kid"}


@pytest.mark.parametrize("value", [0.0001234, 1.0, 42.0, 99999.0])
def test_a_number_without_uncertainty_keeps_three_significant_digits(value):
    assert float(number(value)) == pytest.approx(value, rel=5e-3)


def test_check_table_shows_the_digits_each_interval_allows():
    from types import SimpleNamespace

    from ganeval.gate.decision import PASS, MetricDecision
    from ganeval.gate.formats import rows

    fid = MetricDecision("fid", False, 147.63, (126.8, 180.3), 150.214, (131.2, 171.9), 5.0, 0.3, 2.3, PASS, "")
    precision = MetricDecision("precision", True, 0.89649, (0.8712, 0.9168), 0.80612, None, 0.005, None, 2.3, PASS, "")
    table = rows(SimpleNamespace(decisions=[fid, precision]))
    assert table[0][1:5] == ["148 [127, 180]", "150 [131, 172]", "+3", "5"]  # was 147.63 [126.8, 180.3], +2.584
    assert table[1][1:5] == ["0.896 [0.871, 0.917]", "0.806", "-0.090", "0.005"]
