"""The stylegan log format: real StyleGAN2-ADA / StyleGAN3 run folders (tests/fixtures/logs/stylegan,
sources in its README) and hand-made ones read into the vocabulary, damaged files refused naming the
file and the line, and `ganeval report` on a run folder as the trainer left it."""

from __future__ import annotations

import json
import math
import os
import shutil
import warnings

import numpy as np
import pytest
from truth_runs import FIXTURES

from ganeval.cli import main
from ganeval.diagnostics.log import detect_format, read_log
from ganeval.diagnostics.log.stylegan import FORMAT
from ganeval.diagnostics.logfile import LogWarning
from ganeval.errors import GanevalError

RUNS = FIXTURES / "stylegan"


def stats_lines(folder):
    return [json.loads(line) for line in (folder / "stats.jsonl").read_text().splitlines()]


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def tick(kimg: float, **stats) -> str:
    """One stats.jsonl line as the trainer writes it: every statistic as {num, mean, std}."""
    record = {name: {"num": 8, "mean": value, "std": 0.1} for name, value in stats.items()}
    record["Progress/kimg"] = {"num": 1, "mean": kimg, "std": 0.0}
    return json.dumps({**record, "timestamp": 1.7e9 + kimg}) + "\n"


def metric(name: str, kimg: int, **results) -> str:
    return (
        json.dumps(
            {
                "results": results,
                "metric": name,
                "total_time": 500.0,
                "total_time_str": "8m 20s",
                "num_gpus": 1,
                "snapshot_pkl": f"network-snapshot-{kimg:06d}.pkl",
                "timestamp": 1.7e9,
            }
        )
        + "\n"
    )


OPTIONS = {
    "num_gpus": 1,
    "metrics": ["fid50k_full"],
    "training_set_kwargs": {"path": "~/datasets/mine.zip", "max_size": 1000, "resolution": 64, "xflip": False},
    "G_kwargs": {"class_name": "training.networks.Generator"},
    "G_opt_kwargs": {"lr": 0.0025},
    "D_opt_kwargs": {"lr": 0.0025},
    "loss_kwargs": {"r1_gamma": 0.8},
    "total_kimg": 12,
    "batch_size": 32,
    "ada_target": 0.6,
    "augment_kwargs": {"class_name": "training.augment.AugmentPipe", "xflip": 1},
}


def minimal_run(tmp_path, options=OPTIONS, ticks=None, metrics=None, name="run"):
    """A run folder of three ticks (0.032, 4.032, 8.032 kimg) and FID at 0 and 8 kimg, as the trainer writes it."""
    folder = tmp_path / name
    folder.mkdir()
    if options is not None:
        (folder / "training_options.json").write_text(json.dumps(options, indent=2))
    if ticks is None:
        ticks = [
            tick(
                k,
                **{
                    "Loss/G/loss": g,
                    "Loss/D/loss": d,
                    "Loss/scores/real": r,
                    "Loss/scores/fake": f,
                    "Loss/signs/real": s,
                    "Progress/augment": p,
                    "Loss/r1_penalty": 0.5,
                },
            )  # fmt: skip
            for k, g, d, r, f, s, p in [
                (0.032, 3.0, 0.2, 3.0, -3.0, 1.0, 0.0),
                (4.032, 2.0, 0.6, 1.0, -1.0, 0.7, 0.03),
                (8.032, 1.5, 0.9, 0.0, -0.5, 0.6, 0.05),
            ]
        ]
    (folder / "stats.jsonl").write_text("".join(ticks))
    if metrics is None:
        metrics = {
            "fid50k_full": [metric("fid50k_full", 0, fid50k_full=300.0), metric("fid50k_full", 8, fid50k_full=90.0)]
        }
    for name_, lines in metrics.items():
        (folder / f"metric-{name_}.jsonl").write_text("".join(lines))
    return folder


# --- real run folders -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rpg-sprites", "phytoplankton", "art-of-music", "imgs-fid", "gans-gamma10"])
def test_every_real_run_folder_is_recognised_as_stylegan(name):
    assert FORMAT.recognizes(RUNS / name)
    assert detect_format(RUNS / name).name == "stylegan"


def test_a_stylegan2_ada_run_reads_its_statistics_into_the_vocabulary():
    folder = RUNS / "rpg-sprites"
    steps, evals, manifest = read_log(folder)
    raw = stats_lines(folder)
    assert len(steps) == len(raw) == 80
    kimg = np.array([line["Progress/kimg"]["mean"] for line in raw])
    assert steps["step"].dtype == np.int64 and list(steps["step"][:3]) == [0, 4, 8] and steps["step"].iloc[-1] == 316
    assert np.array_equal(steps["step"], np.floor(kimg + 1e-6).astype(int)) and np.all(np.diff(steps["step"]) > 0)
    assert np.array_equal(steps["kimg"], kimg)
    for ours, theirs in [
        ("loss_g", "Loss/G/loss"),
        ("loss_d", "Loss/D/loss"),
        ("d_real_logit", "Loss/scores/real"),
        ("d_fake_logit", "Loss/scores/fake"),
        ("ada_rt", "Loss/signs/real"),
        ("ada_p", "Progress/augment"),
        ("time", "Timing/total_sec"),
        ("loss_r1_penalty", "Loss/r1_penalty"),
        ("loss_signs_fake", "Loss/signs/fake"),
        ("timing_sec_per_kimg", "Timing/sec_per_kimg"),
    ]:
        assert np.array_equal(steps[ours], [line[theirs]["mean"] for line in raw]), ours
    np.testing.assert_allclose(steps["d_real"], sigmoid(steps["d_real_logit"]), rtol=1e-12)
    np.testing.assert_allclose(steps["d_fake"], sigmoid(steps["d_fake_logit"]), rtol=1e-12)
    assert steps["d_real"].between(0, 1).all() and steps["d_fake"].between(0, 1).all()
    assert steps["d_real"].iloc[0] == pytest.approx(0.96290, abs=1e-5)  # logit 3.256: D sure of the real images
    assert manifest["d_output"] == "logit" and manifest["step_unit"] == "kimg" and manifest["log_format"] == "stylegan"


def test_a_broken_metric_log_is_kept_as_read():
    steps, evals, manifest = read_log(RUNS / "rpg-sprites")
    lines = [json.loads(line) for line in (RUNS / "rpg-sprites" / "metric-fid50k_full.jsonl").read_text().splitlines()]
    assert list(evals["step"]) == [0, 40, 80, 120, 160, 200, 240, 280]
    assert list(evals["fid"]) == [line["results"]["fid50k_full"] for line in lines]
    assert evals["fid"].iloc[3] == -3.1003938667223236e68 and evals["fid"].iloc[0] == 1.1769565753850026e57
    assert manifest["metrics"] == {"fid": "fid50k_full"}


def test_the_manifest_says_how_the_run_was_trained():
    _, _, manifest = read_log(RUNS / "rpg-sprites")
    assert manifest["ada_target"] == 0.6 and manifest["augment"] == "ada"
    assert manifest["variant"] == "stylegan2-ada" and manifest["dataset_size"] == 912 and manifest["resolution"] == 128
    assert manifest["batch_size"] == 32 and manifest["r1_gamma"] == 0.1024 and manifest["total_kimg"] == 25000
    assert manifest["finished"] is False  # stopped at 316 of 25000 kimg
    assert manifest["resume_pkl"].endswith("network-snapshot-000200.pkl")
    assert manifest["source_files"] == ["stats.jsonl", "metric-fid50k_full.jsonl", "training_options.json"]
    assert "data" not in manifest  # "data" names a bundled set to the diagnostics; a user's folder is "dataset"


def test_a_stylegan3_run_that_finished():
    steps, evals, manifest = read_log(RUNS / "phytoplankton")
    assert steps["step"].iloc[0] == 0 and steps["step"].iloc[-1] == 3000 and steps["kimg"].iloc[-1] == 3000.0
    assert list(evals["step"]) == [0, 400, 800, 1200, 1600, 2000, 2400, 2800, 3000]
    assert evals["fid"].iloc[0] == pytest.approx(418.04175466546536, rel=0, abs=0)
    assert manifest["variant"] == "stylegan3" and manifest["finished"] is True
    assert manifest["r1_gamma"] == 8.0 and manifest["num_gpus"] == 2 and manifest["ada_target"] == 0.6
    assert steps["ada_rt"].iloc[len(steps) // 4 :].between(0.5, 0.7).all()  # ADA holds r_t at its target


def test_log_txt_is_read_when_stats_jsonl_is_missing():
    steps, evals, manifest = read_log(RUNS / "art-of-music")
    assert manifest["source_files"] == ["log.txt", "training_options.json"]
    assert len(steps) == 146 and steps["step"].iloc[0] == 1360 and steps["step"].iloc[-1] == 1940
    assert list(steps["tick"][:2]) == [0, 1] and steps["ada_p"].iloc[0] == 0.430 and steps["ada_p"].iloc[-1] == 1.682
    assert steps["time"].iloc[0] == 63 and steps["time"].iloc[-1] == 86400 + 14 * 3600 + 14 * 60  # "1d 14h 14m"
    assert steps["timing_sec_per_kimg"].iloc[1] == 216.93
    assert "d_output" not in manifest and "d_real" not in steps  # log.txt prints no D outputs
    # the metric lines log.txt echoes are its evaluations, when no metric-*.jsonl is there
    assert list(evals["step"]) == [1360, 1440, 1520, 1600, 1680, 1760, 1840, 1920]
    assert evals["fid"].iloc[0] == 58.27348851472019 and evals["fid"].iloc[-1] == 78.15670098674191
    assert manifest["ada_target"] == 0.6 and manifest["conditional"] is True


def test_log_txt_says_what_stats_jsonl_says(tmp_path):
    """The same run read from log.txt alone: the same ticks, kimg to the 0.1 and p to the 0.001 it prints,
    and one tick more (320 kimg: printed, then the run was stopped while it evaluated FID, before the
    tick reached stats.jsonl)."""
    both = read_log(RUNS / "rpg-sprites")[0]
    folder = tmp_path / "rpg"
    shutil.copytree(RUNS / "rpg-sprites", folder)
    (folder / "stats.jsonl").unlink()
    steps, evals, manifest = read_log(folder)
    assert manifest["source_files"] == ["log.txt", "metric-fid50k_full.jsonl", "training_options.json"]
    assert np.array_equal(steps["step"][:-1], both["step"]) and steps["step"].iloc[-1] == 320
    np.testing.assert_allclose(steps["kimg"][:-1], both["kimg"], atol=0.05)
    np.testing.assert_allclose(steps["ada_p"][:-1], both["ada_p"], atol=0.0005 + 1e-9)
    assert len(evals) == 8 and evals["fid"].iloc[3] == -3.1003938667223236e68


@pytest.mark.parametrize(("name", "n"), [("imgs-fid", 31), ("gans-gamma10", 5)])
def test_a_folder_of_metric_files_alone_gives_evaluations_and_no_steps(name, n):
    steps, evals, manifest = read_log(RUNS / name)
    assert steps.empty and list(steps.columns) == ["step"]
    assert len(evals) == n and evals["step"].is_monotonic_increasing and evals["fid"].notna().all()
    assert manifest["step_unit"] == "kimg" and manifest["source_files"] == ["metric-fid50k_full.jsonl"]
    assert "ada_target" not in manifest and "d_output" not in manifest


# --- hand-made run folders --------------------------------------------------------------------


def test_a_minimal_run_folder(tmp_path):
    steps, evals, manifest = read_log(minimal_run(tmp_path))
    assert list(steps["step"]) == [0, 4, 8] and list(steps["kimg"]) == [0.032, 4.032, 8.032]
    assert list(steps["d_real"]) == pytest.approx(list(sigmoid([3.0, 1.0, 0.0])))
    assert list(steps["d_fake"]) == pytest.approx(list(sigmoid([-3.0, -1.0, -0.5])))
    assert list(steps["ada_rt"]) == [1.0, 0.7, 0.6] and list(steps["loss_r1_penalty"]) == [0.5] * 3
    assert list(evals["step"]) == [0, 8] and list(evals["fid"]) == [300.0, 90.0]
    assert manifest["finished"] is False and manifest["dataset"] == "~/datasets/mine.zip"
    assert manifest["lr_g"] == 0.0025 and manifest["ada_target"] == 0.6


def test_every_metric_of_metric_main_maps_onto_ours(tmp_path):
    metrics = {
        "fid50k_full": [metric("fid50k_full", 0, fid50k_full=50.0)],
        "fid50k": [metric("fid50k", 0, fid50k=51.0)],
        "kid50k_full": [metric("kid50k_full", 0, kid50k_full=0.01)],
        "pr50k3_full": [metric("pr50k3_full", 0, pr50k3_full_precision=0.7, pr50k3_full_recall=0.4)],
        "is50k": [metric("is50k", 0, is50k_mean=9.1, is50k_std=0.1)],
        "ppl2_wend": [metric("ppl2_wend", 0, ppl2_wend=150.0)],
        "eqt50k_int": [metric("eqt50k_int", 0, eqt50k_int=40.0)],
    }
    _, evals, manifest = read_log(minimal_run(tmp_path, metrics=metrics))
    row = evals.iloc[0]
    assert (row["fid"], row["kid"], row["precision"], row["recall"]) == (50.0, 0.01, 0.7, 0.4)
    assert (row["inception_score"], row["ppl"]) == (9.1, 150.0)
    assert (row["fid50k"], row["is50k_std"], row["eqt50k_int"]) == (51.0, 0.1, 40.0)  # the rest keep their names
    assert manifest["metrics"] == {
        "fid": "fid50k_full",  # the full data set's FID before fid50k
        "kid": "kid50k_full",
        "precision": "pr50k3_full_precision",
        "recall": "pr50k3_full_recall",
        "inception_score": "is50k_mean",
        "ppl": "ppl2_wend",
    }
    _, evals, manifest = read_log(minimal_run(tmp_path, metrics=metrics, name="mapped"), column_map={"fid": "fid50k"})
    assert evals["fid"].iloc[0] == 51.0  # --map fid=fid50k picks the other one


def test_non_finite_and_absurd_metric_values_are_kept(tmp_path):
    lines = [
        metric("fid50k_full", 0, fid50k_full=math.inf),
        metric("fid50k_full", 4, fid50k_full=math.nan),
        metric("fid50k_full", 8, fid50k_full=-3e68),
    ]
    text = "".join(lines)
    assert "Infinity" in text and "NaN" in text  # as Python's json writes them, and the trainer with it
    _, evals, _ = read_log(minimal_run(tmp_path, metrics={"fid50k_full": lines}))
    assert evals["fid"].iloc[0] == math.inf and math.isnan(evals["fid"].iloc[1]) and evals["fid"].iloc[2] == -3e68


@pytest.mark.parametrize(
    ("options", "augment", "target"),
    [
        ({**OPTIONS, "ada_target": 0.7}, "ada", 0.7),
        ({k: v for k, v in OPTIONS.items() if k != "ada_target"} | {"augment_p": 0.2}, "fixed", None),
        ({k: v for k, v in OPTIONS.items() if k not in ("ada_target", "augment_kwargs")}, "noaug", None),
    ],
)
def test_ada_target_comes_from_the_options_and_only_when_ada_is_on(tmp_path, options, augment, target):
    _, _, manifest = read_log(minimal_run(tmp_path, options=options))
    assert manifest["augment"] == augment and manifest.get("ada_target") == target


def test_without_options_a_moving_p_means_ada_at_its_default_target(tmp_path):
    _, _, manifest = read_log(minimal_run(tmp_path, options=None))
    assert manifest["augment"] == "ada" and manifest["ada_target"] == 0.6 and "finished" not in manifest
    assert manifest["source_files"] == ["stats.jsonl", "metric-fid50k_full.jsonl"]


def test_a_file_of_the_run_stands_for_its_folder(tmp_path):
    folder = minimal_run(tmp_path)
    for name in ("stats.jsonl", "metric-fid50k_full.jsonl", "training_options.json"):
        assert FORMAT.recognizes(folder / name)
        assert list(read_log(folder / name)[0]["step"]) == [0, 4, 8]


def test_column_maps_name_statistics_or_their_columns(tmp_path):
    folder = minimal_run(tmp_path)
    steps = read_log(folder, column_map={"grad_norm_d": "Loss/r1_penalty"})[0]
    assert list(steps["grad_norm_d"]) == [0.5] * 3 and "loss_r1_penalty" not in steps
    assert list(read_log(folder, column_map={"grad_norm_d": "loss_r1_penalty"})[0]["grad_norm_d"]) == [0.5] * 3
    with pytest.raises(GanevalError, match=r"--map grad_norm_g=Loss/G/grad: .* no statistic or metric .*Loss/G/loss"):
        read_log(folder, column_map={"grad_norm_g": "Loss/G/grad"})
    steps = read_log(folder, column_map={"loss_g": "Loss/r1_penalty"})[0]  # the statistic it displaces keeps its name
    assert list(steps["loss_g"]) == [0.5] * 3 and list(steps["loss_g_loss"]) == [3.0, 2.0, 1.5]
    with pytest.raises(GanevalError, match=r"--map step=Loss/r1_penalty: a StyleGAN run's steps are its kimg"):
        read_log(folder, column_map={"step": "Loss/r1_penalty"})


def test_folders_that_are_not_stylegan_runs_are_not_recognised(tmp_path):
    (tmp_path / "empty").mkdir()
    assert not FORMAT.recognizes(tmp_path / "empty")
    other = tmp_path / "other"
    other.mkdir()
    (other / "training_options.json").write_text("{}")
    (other / "stats.jsonl").write_text('{"loss": 1.0}\n')  # another trainer's stats.jsonl
    (other / "log.txt").write_text("epoch 1 loss 0.5\n")
    assert not FORMAT.recognizes(other)
    assert not FORMAT.recognizes(tmp_path / "absent")
    (tmp_path / "notes.txt").write_text("tick 0 kimg 0.0\n")
    assert not FORMAT.recognizes(tmp_path / "notes.txt")


def test_a_ganeval_run_folder_stays_ganeval(tmp_path):
    folder = minimal_run(tmp_path)
    (folder / "steps.csv").write_text("step,loss_d\n1,0.5\n")
    assert detect_format(folder).name == "ganeval"


# --- damaged files ----------------------------------------------------------------------------


def good_ticks():
    return [
        tick(0.032, **{"Loss/G/loss": 1.0}),
        tick(4.032, **{"Loss/G/loss": 0.9}),
        tick(8.032, **{"Loss/G/loss": 0.8}),
    ]


@pytest.mark.parametrize(
    ("ticks", "message"),
    [
        ([good_ticks()[0], "{not json\n", good_ticks()[2]], r"stats\.jsonl, line 2: not valid JSON"),
        ([good_ticks()[0], "[1, 2]\n"], r"stats\.jsonl, line 2: a JSON list, not an object"),
        ([good_ticks()[0], json.dumps({"Loss/G/loss": {"mean": 1.0}}) + "\n"], r"line 2: no 'Progress/kimg'"),
        (
            [good_ticks()[0], tick(4.032, **{"Loss/G/loss": "high"})],
            r"stats\.jsonl, line 2, 'Loss/G/loss': 'high' is not a number",
        ),
        (
            [good_ticks()[0], good_ticks()[1], good_ticks()[0]],
            r"line 3: kimg 0\.032 after kimg 4\.032 on line 2.*mixed",
        ),
        ([good_ticks()[0], tick(-1.0)], r"line 2: kimg -1\.0 is not a number >= 0"),
    ],
)
def test_a_damaged_stats_jsonl_is_refused_naming_file_and_line(tmp_path, ticks, message):
    with pytest.raises(GanevalError, match=message):
        read_log(minimal_run(tmp_path, ticks=ticks))


def test_a_torn_last_tick_is_dropped_with_a_warning(tmp_path):
    torn = "".join(good_ticks())[:-40]  # the writer stopped mid-line
    folder = minimal_run(tmp_path, ticks=[torn])
    with pytest.warns(LogWarning, match=r"stats\.jsonl: the last line \(line 3\) is incomplete"):
        steps = read_log(folder)[0]
    assert list(steps["step"]) == [0, 4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a whole last line without its newline is no torn line
        assert list(
            read_log(minimal_run(tmp_path, ticks=["".join(good_ticks()).rstrip("\n")], name="b"))[0]["step"]
        ) == [0, 4, 8]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"metric": "fid50k_full"}\n', r"metric-fid50k_full\.jsonl, line 2: no 'results' object"),
        (
            json.dumps({"results": {"fid50k_full": 3.0}, "snapshot_pkl": None}) + "\n",
            r"line 2: 'snapshot_pkl' is None, not a network-snapshot-KKKKKK\.pkl name",
        ),
        (metric("fid50k_full", 8, fid50k_full="12.5"), r"line 2, 'fid50k_full': '12\.5' is not a number"),
        ("fid 12.5\n", r"metric-fid50k_full\.jsonl, line 2: not valid JSON"),
    ],
)
def test_a_damaged_metric_file_is_refused_naming_file_and_line(tmp_path, line, message):
    lines = [metric("fid50k_full", 0, fid50k_full=300.0), line]
    with pytest.raises(GanevalError, match=message):
        read_log(minimal_run(tmp_path, metrics={"fid50k_full": lines}))


def test_a_snapshot_evaluated_twice_keeps_its_later_value_with_a_warning(tmp_path):
    lines = [metric("fid50k_full", 0, fid50k_full=300.0), metric("fid50k_full", 0, fid50k_full=280.0)]
    with pytest.warns(
        LogWarning, match=r"line 2: fid50k_full of the snapshot at kimg 0 again \(280, was 300 on line 1\)"
    ):
        evals = read_log(minimal_run(tmp_path, metrics={"fid50k_full": lines}))[1]
    assert list(evals["fid"]) == [280.0]
    same = [metric("fid50k_full", 0, fid50k_full=300.0)] * 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(read_log(minimal_run(tmp_path, metrics={"fid50k_full": same}, name="same"))[1]["fid"]) == [300.0]


def test_damaged_options_and_log_txt_are_refused(tmp_path):
    folder = minimal_run(tmp_path)
    (folder / "training_options.json").write_text('{"batch_size": 32,')
    with pytest.raises(GanevalError, match=r"training_options\.json is not valid JSON"):
        read_log(folder)
    (folder / "training_options.json").write_text("[]")
    with pytest.raises(GanevalError, match=r"training_options\.json holds a JSON list, not an object"):
        read_log(folder)
    folder = minimal_run(tmp_path, name="txt")
    (folder / "stats.jsonl").unlink()
    (folder / "log.txt").write_text(
        "tick 0     kimg 0.0      time 2m 22s  augment 0.000\ntick 1     kimg 4.0   augment x.5\n"
    )
    with pytest.raises(GanevalError, match=r"log\.txt, line 2, field 'augment': 'x\.5' is not a number"):
        read_log(folder)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("planted", ["fifo", "dev-zero"])
def test_a_stats_file_that_is_not_a_regular_file_is_refused_before_it_is_read(tmp_path, planted):
    folder = minimal_run(tmp_path)
    (folder / "stats.jsonl").unlink()
    if planted == "fifo":
        os.mkfifo(folder / "stats.jsonl")
    else:
        (folder / "stats.jsonl").symlink_to("/dev/zero")
    assert FORMAT.recognizes(folder)  # it is a StyleGAN folder: the reader says what is wrong with the file
    with pytest.raises(GanevalError, match=r"stats\.jsonl is not a regular file"):
        read_log(folder)


# --- the report on a run folder as the trainer left it ----------------------------------------


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("phytoplankton", "healthy"),
        ("rpg-sprites", "unreliable-metrics"),
        ("art-of-music", "D-overfitting"),
        ("imgs-fid", "undertrained"),  # a metric file alone: judged on its evaluations
    ],
)
def test_ganeval_report_on_a_stylegan_run_folder(name, verdict, tmp_path, capsys):
    out, findings = tmp_path / "report", tmp_path / "findings.json"
    assert main(["report", str(RUNS / name), "--out", str(out), "--json", str(findings)]) == 0
    assert (out / "report.html").is_file() and (out / "report.md").is_file()
    payload = json.loads(findings.read_text())
    assert payload["run"] == name and payload["verdict"] == verdict, payload["findings"]
    markdown = (out / "report.md").read_text()
    assert verdict in markdown and "kimg" in markdown
