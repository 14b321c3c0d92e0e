"""Intra-FID and CAS (issue 25, item 4): the math against closed forms and independent computations, their
registration as opt-in metrics, and labels read from labelled folders, labels files and conditional runs."""

from statistics import NormalDist

import numpy as np
import pytest

from ganeval.errors import GanevalError
from ganeval.gate.decision import DEFAULT_TOLERANCES
from ganeval.metrics import (
    Samples,
    applicable_metrics,
    classifier_accuracy_score,
    compute_metrics,
    fid_from_features,
    get_metric,
    intra_fid,
)
from ganeval.metrics.intra_fid import intra_fid_interval
from ganeval.options import Extraction, MetricOptions


def classes(rng, per_class, dim, means):
    """Gaussian classes around `means` (C x dim), unit spread: features and integer labels."""
    labels = np.repeat(np.arange(len(means)), per_class)
    return means[labels] + rng.standard_normal((labels.size, dim)), labels


def test_intra_fid_of_shifted_copies_is_the_mean_squared_shift(rng):
    real, labels = classes(rng, 40, 6, rng.standard_normal((3, 6)) * 3)
    shifts = np.array([[0.0] * 6, [1.0] + [0.0] * 5, [2.0, 2.0] + [0.0] * 4])  # |shift|^2: 0, 1, 8
    result = intra_fid(real, labels, real + shifts[labels], labels)  # same covariance per class: FID = |shift|^2
    assert result.per_class == pytest.approx({0: 0.0, 1: 1.0, 2: 8.0}, abs=1e-9)
    assert result.value == pytest.approx(3.0, abs=1e-9)


def test_intra_fid_is_the_mean_of_each_class_fid(rng):
    real, real_labels = classes(rng, 50, 5, rng.standard_normal((4, 5)))
    fake, fake_labels = classes(rng, 30, 5, rng.standard_normal((4, 5)))
    order = rng.permutation(len(fake))  # classes need not come in blocks
    fake, fake_labels = fake[order], fake_labels[order]
    expected = [fid_from_features(real[real_labels == c], fake[fake_labels == c]) for c in range(4)]
    assert intra_fid(real, real_labels, fake, fake_labels).value == pytest.approx(np.mean(expected), rel=1e-12)
    named = np.array(["zero", "one", "two", "three"])  # class names match as well as indices
    assert intra_fid(real, named[real_labels], fake, named[fake_labels]).value == pytest.approx(np.mean(expected))


def test_intra_fid_sees_swapped_classes_that_fid_does_not(rng):
    real, labels = classes(rng, 100, 4, np.array([[6.0, 0, 0, 0], [-6.0, 0, 0, 0]]))
    fake, _ = classes(rng, 100, 4, np.array([[6.0, 0, 0, 0], [-6.0, 0, 0, 0]]))
    swapped = 1 - labels  # every image good, every label wrong
    assert fid_from_features(real, fake) < 1.0
    assert intra_fid(real, labels, fake, labels).value < 1.0
    assert intra_fid(real, labels, fake, swapped).value > 100.0  # |12|^2 = 144 per class


def test_intra_fid_interval_resamples_within_each_class(rng):
    real, labels = classes(rng, 60, 3, rng.standard_normal((3, 3)))
    fake, fake_labels = classes(rng, 60, 3, rng.standard_normal((3, 3)))
    interval = intra_fid_interval(real, labels, fake, fake_labels, 40, seed=3)
    assert interval.value == pytest.approx(intra_fid(real, labels, fake, fake_labels).value)
    assert interval.low <= interval.value <= interval.high
    assert intra_fid_interval(real, labels, fake, fake_labels, 40, seed=3) == interval  # seeded
    # one class of one sample per side would be a resample without a covariance; each keeps its count
    few = np.array([0, 0, 1, 1, 2, 2])
    with pytest.warns(UserWarning, match="singular"):  # 2 samples per class in 3 dimensions
        tight = intra_fid_interval(real[:6], few, fake[:6], few, 20, seed=0)
    assert np.isfinite([tight.low, tight.high]).all()


def test_intra_fid_refuses_unknown_classes_and_classes_too_small(rng):
    real, labels = classes(rng, 10, 3, np.eye(3))
    with pytest.raises(GanevalError, match=r"class\(es\) the reference lacks: 7"):
        intra_fid(real, labels, real, np.where(labels == 2, 7, labels))
    with pytest.raises(GanevalError, match="class 2 has 10 reference and 1 generated sample"):
        intra_fid(real, labels, real[:21], labels[:21])
    with pytest.raises(GanevalError, match="class 2 has 10 reference and 0 generated"):
        intra_fid(real, labels, real[:20], labels[:20])
    with pytest.raises(GanevalError, match="labels must be one per sample"):
        intra_fid(real, labels[:5], real, labels)


def test_cas_of_samples_from_the_real_distribution_is_the_bayes_accuracy(rng):
    """Two unit Gaussian classes 2 apart: the best classifier's accuracy is Phi(1) = 0.841."""
    means = np.array([[1.0, 0, 0], [-1.0, 0, 0]])
    fake, fake_labels = classes(rng, 500, 3, means)
    real, real_labels = classes(rng, 500, 3, means)
    result = classifier_accuracy_score(real, real_labels, fake, fake_labels, seed=0)
    assert result.accuracy == pytest.approx(NormalDist().cdf(1.0), abs=0.03)  # 1000 tests: sd 0.012
    assert result.correct.shape == (1000,) and result.correct.mean() == result.accuracy
    on_real = classifier_accuracy_score(fake, fake_labels, real, real_labels, seed=0).accuracy  # trained on real
    assert result.accuracy == pytest.approx(on_real, abs=0.03)
    again = classifier_accuracy_score(real, real_labels, fake, fake_labels, seed=0)  # deterministic
    assert again.accuracy == result.accuracy and (again.correct == result.correct).all()


def test_cas_of_shuffled_labels_is_chance(rng):
    """Labels shuffled: each class's samples get a random label, so over shuffles CAS averages 1 / classes."""
    means = np.eye(10) * 4
    fake, fake_labels = classes(rng, 50, 10, means)
    real, real_labels = classes(rng, 50, 10, means)
    assert classifier_accuracy_score(real, real_labels, fake, fake_labels).accuracy > 0.9
    shuffled = [classifier_accuracy_score(real, real_labels, fake, rng.permutation(fake_labels)) for _ in range(10)]
    assert np.mean([result.accuracy for result in shuffled]) == pytest.approx(0.1, abs=0.05)


def test_cas_counts_a_class_never_drawn_as_missed(rng):
    means = np.eye(4) * 6
    fake, fake_labels = classes(rng, 100, 4, means)
    real, real_labels = classes(rng, 100, 4, means)
    drawn = fake_labels != 3
    result = classifier_accuracy_score(real, real_labels, fake[drawn], fake_labels[drawn])
    assert result.accuracy == pytest.approx(0.75, abs=0.02)
    assert not result.correct[real_labels == 3].any()
    one = classifier_accuracy_score(real, real_labels, fake[fake_labels == 0], fake_labels[fake_labels == 0])
    assert one.accuracy == 0.25  # one class drawn: everything is predicted as it
    with pytest.raises(GanevalError, match="lacks: 9"):
        classifier_accuracy_score(real, real_labels, fake, np.where(fake_labels == 0, 9, fake_labels))


def test_registered_as_opt_in_metrics_with_direction_and_tolerance(rng):
    intra, cas = get_metric("intra_fid"), get_metric("cas")
    assert (intra.higher_is_better, cas.higher_is_better) == (False, True)
    assert (intra.default, cas.default) == (False, False)
    assert "Miyato" in intra.description and "Ravuri and Vinyals 2019" in cas.description
    assert (cas.lower, cas.upper) == (0.0, 1.0)
    assert DEFAULT_TOLERANCES["intra_fid"] == "5%" and DEFAULT_TOLERANCES["cas"] == 0.02
    real, labels = classes(rng, 30, 4, np.eye(4) * 3)
    fake, fake_labels = classes(rng, 30, 4, np.eye(4) * 3)
    unlabelled, labelled = Samples(features=real), Samples(features=real, labels=labels)
    assert "cas" not in applicable_metrics(unlabelled, Samples(features=fake), opt_in=True)
    assert "intra_fid" not in applicable_metrics(labelled, Samples(features=fake, labels=fake_labels))  # opt-in
    both = applicable_metrics(labelled, Samples(features=fake, labels=fake_labels), opt_in=True)
    assert {"intra_fid", "cas"} <= set(both)
    values = compute_metrics(
        ["intra_fid", "cas"], labelled, Samples(features=fake, labels=fake_labels), MetricOptions(), bootstrap_n=20
    )
    assert values["intra_fid"].value == pytest.approx(intra_fid(real, labels, fake, fake_labels).value)
    assert values["cas"].value == classifier_accuracy_score(real, labels, fake, fake_labels).accuracy
    assert all(v.low <= v.value <= v.high for v in values.values())
    with pytest.raises(GanevalError, match="needs labels of the fake samples"):
        compute_metrics(["cas"], labelled, Samples(features=fake))


# -- labels from the inputs: labelled folders, labels files, arrays, conditional runs; score end to end --

from ganeval.cli import main  # noqa: E402
from ganeval.data.digits import digits_split, load_digits_images  # noqa: E402
from ganeval.data.export import asked_classes, write_samples  # noqa: E402
from ganeval.data.images import find_images  # noqa: E402
from ganeval.data.labels import LABELS_FILE, folder_labels  # noqa: E402
from ganeval.scoring import score  # noqa: E402

QUICK = MetricOptions(bootstrap=0)


@pytest.fixture(scope="module")
def held_digits():
    """The digits held out of the classifier's training, as uint8 N x 1 x 32 x 32, and their classes."""
    images, labels = load_digits_images()
    held = digits_split(0)[1]
    return images[held], labels[held]


def class_folders(root, images, labels):
    """A folder of one subfolder per class."""
    for label in np.unique(labels):
        write_samples(images[labels == label], root / str(label))
    return root


def labels_file_folder(root, images, labels, rows=None):
    """A folder of numbered PNGs and a labels.csv (rows: its lines after the header, default one per image)."""
    write_samples(images, root)
    names = [path.name for path in sorted(root.glob("*.png"))]
    lines = rows if rows is not None else [f"{name},{label}" for name, label in zip(names, labels)]
    (root / LABELS_FILE).write_text("file,label\n" + "".join(line + "\n" for line in lines))
    return root


def scored(generated, **kwargs):
    return score(
        generated,
        "digits",
        metrics=["intra_fid", "cas"],
        options=QUICK,
        **kwargs,
        extraction=Extraction(progress=False),
    ).metrics


def test_score_reads_the_classes_of_folders_labels_files_and_arrays_alike(tmp_path, held_digits):
    images, labels = held_digits
    from_array = scored(images[:, 0], generated_labels=labels)
    from_folders = scored(class_folders(tmp_path / "classes", images, labels))
    from_file = scored(labels_file_folder(tmp_path / "listed", images, labels))
    for metrics in (from_folders, from_file):
        assert metrics["intra_fid"].value == pytest.approx(from_array["intra_fid"].value, rel=1e-9)
        assert metrics["cas"].value == pytest.approx(from_array["cas"].value, abs=0.003)
    assert from_array["cas"].value > 0.95  # real digits of each class teach the real classes
    shuffled = scored(images[:, 0], generated_labels=np.random.default_rng(0).permutation(labels))
    assert shuffled["cas"].value < 0.25
    assert shuffled["intra_fid"].value > 5 * from_array["intra_fid"].value


def test_folder_labels_from_subfolders_and_files(tmp_path, held_digits):
    images, labels = held_digits[0][:6], np.array([1, 1, 2, 2, 3, 3])
    root = class_folders(tmp_path / "classes", images, labels)
    files = find_images(root)
    assert folder_labels(root, files, files[::2]).tolist() == ["1", "2", "3"]
    flat = tmp_path / "flat"
    write_samples(images, flat)
    assert folder_labels(flat, find_images(flat), find_images(flat)) is None  # not labelled
    (root / "1" / "deeper").mkdir()
    write_samples(images[:1], root / "1" / "deeper" / "x")
    assert folder_labels(root, find_images(root), find_images(root)) is None  # not every image one level down
    listed = labels_file_folder(tmp_path / "listed", images, ["a", "b", "a", "b", "c", "c"])
    assert folder_labels(listed, find_images(listed), find_images(listed)).tolist() == list("ababcc")
    import os

    os.mkfifo(flat / LABELS_FILE)  # no regular file: never opened (a read would wait for a writer forever)
    assert folder_labels(flat, find_images(flat), find_images(flat)) is None


@pytest.mark.parametrize(
    "rows,message",
    [
        (
            ["0.png,1", "1.png,1", "2.png,2", "3.png,2", "4.png,3", "5.png,3", "6.png,3"],
            "names 1 file.*the first 6.png",
        ),
        (["0.png,1", "1.png,1", "2.png,2"], r"no label for 3 image\(s\), the first 3.png"),
        (["0.png,1", "0.png,2"], "line 3: 0.png is labelled twice"),
        (["0.png"], "line 2: expected file,label"),
    ],
)
def test_labels_file_problems_name_the_file_and_line(tmp_path, held_digits, rows, message):
    root = labels_file_folder(tmp_path / "listed", held_digits[0][:6], None, rows)
    with pytest.raises(GanevalError, match=message) as error:
        folder_labels(root, find_images(root), find_images(root))
    assert LABELS_FILE in str(error.value)
    (root / LABELS_FILE).write_text("name,class\n0.png,1\n")
    with pytest.raises(GanevalError, match="header file,label"):
        folder_labels(root, find_images(root), find_images(root))


def test_score_refuses_unlabelled_inputs_unknown_and_thin_classes(tmp_path, held_digits):
    images, labels = held_digits
    flat = tmp_path / "flat"
    write_samples(images, flat)
    with pytest.raises(GanevalError, match=r"generated samples \(.*flat\) have none: put each class's images in a"):
        scored(flat)
    with pytest.raises(GanevalError, match="class\\(es\\) the reference lacks: 11"):
        scored(images[:, 0], generated_labels=np.where(labels == 9, 11, labels))
    with pytest.raises(GanevalError, match="against digits: class 9 has 180 reference and 1 generated"):
        keep = (labels != 9) | (np.cumsum(labels == 9) == 1)
        scored(images[keep, 0], generated_labels=labels[keep])
    with pytest.raises(GanevalError, match="generated_labels label an array"):
        scored(flat, generated_labels=labels)
    # not asked for: no labels needed, and a broken labels file is not even read
    (flat / LABELS_FILE).write_text("not,a labels file\n")
    result = score(flat, "digits", metrics=None, options=QUICK, extraction=Extraction(progress=False))
    assert "intra_fid" not in result.metrics and "fid" in result.metrics


def test_conditional_runs_write_the_classes_asked_for(tmp_path, held_digits):
    class Run:
        conditional, reference, kind = True, "digits", "images"

    assert asked_classes(Run(), 12).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]  # cgan's classes in turn
    assert asked_classes(Run(), 3, label=4).tolist() == [4, 4, 4]
    Run.conditional = False
    assert asked_classes(Run(), 3) is None
    out = write_samples(
        held_digits[0][:12],
        tmp_path / "out",
        labels=asked_classes(type("C", (), {"conditional": True, "reference": "digits", "kind": "images"})(), 12),
    )
    assert (out / LABELS_FILE).read_text().splitlines()[:3] == ["file,label", "00.png,0", "01.png,1"]
    assert folder_labels(out, find_images(out), find_images(out)).tolist() == [str(i % 10) for i in range(12)]


def test_cli_score_reports_both_in_json_and_table(tmp_path, held_digits, capsys):
    images, labels = held_digits
    folder = class_folders(tmp_path / "classes", images, labels)
    args = ["score", str(folder), "--ref", "digits", "--metrics", "intra_fid,cas", "--bootstrap", "5", "--quiet"]
    assert main([*args[:-1], "--json", str(tmp_path / "r.json")]) == 0
    table = capsys.readouterr().out
    assert "intra_fid" in table and "cas" in table and "(higher is better)" in table
    import json

    payload = json.loads((tmp_path / "r.json").read_text())
    metrics, per_class = payload["metrics"], payload["intra_fid_per_class"]
    assert set(metrics) == {"intra_fid", "cas"} and metrics["cas"]["value"] > 0.95
    assert sorted(per_class) == [str(c) for c in range(10)]  # each class's FID; the metric is their mean
    assert np.mean(list(per_class.values())) == pytest.approx(metrics["intra_fid"]["value"], rel=1e-12)
    assert "intra_fid per class (worst first): " in table
    assert metrics["cas"]["ci"][0] <= metrics["cas"]["value"] <= metrics["cas"]["ci"][1]
    flat = tmp_path / "flat"
    write_samples(images, flat)
    assert main(["score", str(flat), "--ref", "digits", "--metrics", "cas", "--quiet"]) == 2
    assert "have none" in capsys.readouterr().err


class DigitsByClass:
    """A stand-in conditional run on digits: sample(n, seed) draws held-out digits of the classes 0, 1, ..., 9,
    0, ... in turn, as cgan's sample does; shift > 0 draws the wrong class (that many classes further on)."""

    conditional, reference, kind = True, "digits", "images"

    def __init__(self, held, shift=0):
        self.images, self.labels, self.shift = *held, shift

    def sample(self, n, seed=0):
        rng = np.random.default_rng(seed)
        asked = (np.arange(n) + self.shift) % 10
        return np.stack([self.images[rng.choice(np.flatnonzero(self.labels == c))] for c in asked])


def test_the_gate_checks_a_conditional_generator_by_intra_fid_and_cas(held_digits):
    from ganeval.gate.core import check, make_baseline

    options = MetricOptions(n=300, bootstrap=20)
    baseline = make_baseline(
        DigitsByClass(held_digits),
        "digits",
        options=options,
        metrics=["intra_fid", "cas"],
        repeats=0,
        extraction=Extraction(progress=False),
    )
    assert set(baseline.metrics) == {"intra_fid", "cas"} and baseline.metrics["cas"]["value"] > 0.9
    same = check(DigitsByClass(held_digits), baseline)
    assert same.passed and [d.metric for d in same.decisions] == ["intra_fid", "cas"]
    wrong = check(DigitsByClass(held_digits, shift=1), baseline)  # good digits, each of the wrong class
    assert {d.metric for d in wrong.regressions} == {"intra_fid", "cas"} and wrong.exit_code == 1


def test_compare_scores_a_conditional_run_by_them_and_says_why_an_unconditional_has_none(
    tmp_path, held_digits, monkeypatch
):
    from ganeval.compare import runs

    class Stand(DigitsByClass):
        step, distinct_samples = 100, None

        def __init__(self, held, conditional):
            super().__init__(held)
            self.conditional, self.name = conditional, "cgan" if conditional else "dcgan"

        def sample(self, n, seed=0, device=None):
            return super().sample(n, seed)

    options = MetricOptions(n=300, seed=1, bootstrap=0)
    finals = {}
    for conditional in (True, False):
        monkeypatch.setattr(runs, "load_run", lambda run_dir, c=conditional: Stand(held_digits, c))
        (tmp_path / str(conditional)).mkdir()
        finals[conditional] = runs.final_scores(tmp_path / str(conditional), options)
    assert finals[True]["metrics"]["cas"]["value"] > 0.9 and "not_applicable" not in finals[True]
    assert "intra_fid" not in finals[False]["metrics"]
    assert finals[False]["not_applicable"] == {"intra_fid": runs.NOT_CONDITIONAL, "cas": runs.NOT_CONDITIONAL}
    # stacked digits' 1,000 classes in 2,000 final samples: 2 per class, no per-class FID to speak of
    assert runs._too_few_per_class(np.arange(2000) % 1000) == (
        "2000 final samples over 1000 classes are 2 per class, fewer than the 10 a per-class FID needs"
    )
    assert runs._too_few_per_class(np.arange(300) % 10) is None
    monkeypatch.setattr(runs, "score", None)  # reused from final.json: scored alike, the conditional metrics there
    assert runs.final_scores(tmp_path / "True", options) == finals[True]
    assert runs.final_scores(tmp_path / "False", options) == finals[False]


def test_compare_shows_them_n_a_for_an_unconditional_variant_with_the_reason(tmp_path):
    from ganeval.compare import Entry, build
    from ganeval.compare.report import comparison_blocks
    from ganeval.compare.runs import NOT_CONDITIONAL

    def entry(variant, seed, **metrics):
        values = {name: {"value": value, "ci": None} for name, value in metrics.items()}
        return Entry(f"{variant}-{seed}", variant, seed, values, run_dir=tmp_path / f"{variant}-{seed}")

    cgan = [entry("cgan", s, fid=20.0 + s, intra_fid=60.0 + s, cas=0.9 + s / 100) for s in range(2)]
    dcgan = [entry("dcgan", s, fid=25.0 + s) for s in range(2)]
    comparison = build(cgan + dcgan)
    assert comparison.not_applicable == {"dcgan": NOT_CONDITIONAL}
    rows = comparison.summary.set_index(["variant", "metric"])
    assert rows.loc[("cgan", "cas"), "mean"] == pytest.approx(0.905)
    assert np.isnan(rows.loc[("dcgan", "intra_fid"), "mean"])
    assert comparison.table().loc["dcgan", "cas"] == "n/a"
    texts = [getattr(block, "text", "") for block in comparison_blocks(comparison)]
    assert any("intra_fid and cas are n/a for `dcgan`" in text and "drawn for no class" in text for text in texts)
    assert build(dcgan + [entry("gan", s, fid=30.0) for s in range(2)]).not_applicable == {}  # nothing to say


def test_a_labels_file_over_its_cap_is_refused_naming_it(tmp_path, monkeypatch):
    """labels.csv is read by the bounded reader of every user file (ganeval.files.read_regular)."""
    from ganeval.data import labels as labels_module

    image = tmp_path / "a.png"
    image.write_bytes(b"")
    (tmp_path / LABELS_FILE).write_text("file,label\na.png,3\n")
    assert list(labels_module.folder_labels(tmp_path, [image], [image])) == ["3"]
    monkeypatch.setattr(labels_module, "MAX_LABELS_BYTES", 10)
    with pytest.raises(GanevalError, match=r"labels\.csv holds 19 bytes, over the 10 bytes a labels file may hold"):
        labels_module.folder_labels(tmp_path, [image], [image])
