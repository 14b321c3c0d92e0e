"""Bad user data and settings (issue 12, items 15 and 16): exit 2 with a message naming the file or
flag, or a counted skip, never a traceback; pytorch-fid statistics as an FID reference."""

import json
import math
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from ganeval.cache.statsfile import load_outputs
from ganeval.cli import main
from ganeval.data.arrays import as_samples, load_array_file
from ganeval.data.images import MAX_PIXELS, decode_image
from ganeval.errors import GanevalError
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score, stats
from ganeval.sources import resolve_source

QUIET_UNCACHED = Extraction(cache=False, progress=False)


def blank_png(path, width, height):
    """A valid 1-bit grayscale PNG of width x height black pixels, written row by row: a 15000 x
    15000 image is a 30 KB file and never more than one row in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row = zlib.compressobj(9), b"\0" * (1 + (width + 7) // 8)  # filter byte, then packed bits
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, grayscale
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path


def small_images(folder, count, seed=0, size=8):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8)).save(folder / f"{i:03d}.png")
    return folder


def exit_code(argv) -> int:
    """main's exit code, also for argparse's own usage errors (SystemExit)."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


# ---------------------------------------------------------------- decompression bombs


@pytest.mark.parametrize("size", [(15000, 15000), (10000, 9000)])  # past PIL's error limit; past its warning limit only
def test_decompression_bomb_is_refused_naming_the_file(tmp_path, size):
    path = blank_png(tmp_path / "big.png", *size)
    assert path.stat().st_size < 100_000 and size[0] * size[1] > MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PIL's bomb warning must not escape either
        with pytest.raises(
            GanevalError, match="big.png: image too large to decode .*at most 89,478,485 pixels.*--skip-bad"
        ):
            decode_image(path, 3)


def test_bomb_in_a_folder_exits_2_or_is_skipped_and_counted(tmp_path, capsys):
    generated = small_images(tmp_path / "generated", 6)
    blank_png(generated / "000-big.png", 15000, 15000)  # first in order: also the file the channel check peeks at
    reference = small_images(tmp_path / "reference", 6, seed=1)
    argv = [
        "score",
        str(generated),
        "--ref",
        str(reference),
        "--extractor",
        "digits",
        "--metrics",
        "fid",
        "--bootstrap",
        "0",
        "--no-cache",
        "--quiet",
    ]
    assert exit_code(argv) == 2
    assert "000-big.png: image too large to decode" in capsys.readouterr().err
    assert exit_code([*argv, "--skip-bad", "--json", "-"]) == 0
    generated_info = json.loads(capsys.readouterr().out)["provenance"]["generated"]
    assert (
        generated_info["skipped"] == 1
        and generated_info["count"] == 6
        and "000-big.png" in generated_info["skipped_first"]
    )


def test_pil_metadata_warnings_do_not_reach_the_user(tmp_path):
    image = Image.fromarray(np.arange(16, dtype=np.uint8).reshape(4, 4)).convert("P")
    image.save(tmp_path / "palette.png", transparency=bytes([0, 128, 255, 255]))  # PIL warns when converting this
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert decode_image(tmp_path / "palette.png", 3).shape == (3, 4, 4)


# ---------------------------------------------------------------- arrays


@pytest.mark.parametrize(
    "array,message",
    [
        (np.zeros((0, 32, 32), np.uint8), r"holds no samples \(shape \(0, 32, 32\)\)"),
        (
            np.full((3, 8, 8), 200, np.int64),
            r"holds int64 images with values 200..200; pass uint8 images \(0..255\) or float images in \[0, 1\]: "
            r"convert with np.round\(x\).astype\(np.uint8\)",
        ),
        (np.ones((3, 8, 8), bool), r"holds bool images with values 0..1; .*\(x \* 255\).astype\(np.uint8\)"),
        (np.full((3, 8, 8), np.nan), "contains 192 NaN or infinite value"),
        (
            np.full((3, 8, 8), -0.5),
            r"holds float64 images with values -0.5..-0.5; .*tanh outputs in \[-1, 1\], pass \(x \+ 1\) / 2",
        ),
        (np.array([[0.0, np.inf], [1.0, 2.0]]), "contains 1 NaN or infinite value"),
        (np.full((3, 2), 1e200), "holds values as large as 1e\\+200"),
        (np.zeros(5), r"has shape \(5,\); expected points \(N x 2\) or images"),
        (np.zeros((4, 8, 8, 2), np.uint8), "has 2 channels"),
    ],
)
def test_bad_sample_arrays_exit_2_saying_what_is_accepted(tmp_path, capsys, array, message):
    path = tmp_path / "samples.npy"
    np.save(path, array)
    with pytest.raises(GanevalError, match="samples.npy " + message):
        as_samples(load_array_file(path), str(path))
    assert exit_code(["score", str(path), "--ref", "ring8", "--quiet"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_object_arrays_in_memory_are_refused():
    ragged = np.array([np.zeros((2, 2)), np.zeros((3, 3))], dtype=object)
    with pytest.raises(GanevalError, match="the generated array holds object values; samples must be a numeric array"):
        resolve_source(ragged, "generated")


# ---------------------------------------------------------------- statistics files


@pytest.fixture
def stats_file(tmp_path):
    return stats("ring8", tmp_path / "ring8.npz", options=MetricOptions(n=60), extraction=Extraction(progress=False))


def test_truncated_statistics_file_exits_2(tmp_path, stats_file, capsys):
    data = stats_file.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        truncated = tmp_path / f"cut{cut}.npz"
        truncated.write_bytes(data[:cut])
        with pytest.raises(GanevalError, match=f"cut{cut}.npz: cannot read this array file .*damaged, truncated"):
            resolve_source(str(truncated), "reference")
        with pytest.raises(GanevalError, match=f"cut{cut}.npz: not a readable statistics file"):
            load_outputs(truncated)
    assert exit_code(["score", "ring8", "--ref", str(truncated), "--quiet"]) == 2
    assert "damaged, truncated" in capsys.readouterr().err


def test_statistics_file_with_damaged_contents_is_refused(tmp_path, stats_file):
    with np.load(stats_file) as archive:
        arrays = dict(archive)
    cases = {
        "nan.npz": {**arrays, "features": np.full_like(arrays["features"], np.nan)},
        "rows.npz": {**arrays, "modes": arrays["modes"][:5]},
        "flat.npz": {**arrays, "features": arrays["features"].ravel()},
        "list-meta.npz": {**arrays, "meta": np.array("[1, 2]")},
    }
    messages = {
        "nan.npz": "'features' holds NaN, infinite or overflowing values",
        "rows.npz": "'modes' has int64 values of shape \\(5,\\), which do not fit 60 samples",
        "flat.npz": "'features' must be a real N x D array",
        "list-meta.npz": "is not a ganeval statistics file",
    }
    for name, content in cases.items():
        np.savez(tmp_path / name, **content)
        with pytest.raises(GanevalError, match=messages[name]):
            load_outputs(tmp_path / name)


# ---------------------------------------------------------------- pytorch-fid statistics (mu, sigma)


def exact_moments(rng, n, mean, scale):
    """n 2-D points whose sample mean is exactly `mean` and sample covariance (ddof=1) exactly diag(scale**2)."""
    z = rng.standard_normal((n, 2))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)  # whitened: covariance I
    return z * scale + mean


def test_pytorch_fid_statistics_give_fid_against_a_closed_form(tmp_path):
    rng = np.random.default_rng(3)
    mu, variances = np.array([1.0, -2.0]), np.array([4.0, 0.25])
    np.savez(tmp_path / "fid_stats.npz", mu=mu, sigma=np.diag(variances))  # what pytorch-fid --save-stats writes
    mean, scale = np.array([0.5, 0.0]), np.array([1.0, 1.5])
    generated = exact_moments(rng, 400, mean, scale)
    # Gaussians with diagonal covariances: |mu1 - mu2|^2 + sum (sqrt(var1) - sqrt(var2))^2
    expected = ((mu - mean) ** 2).sum() + ((np.sqrt(variances) - scale) ** 2).sum()
    assert expected == pytest.approx(0.25 + 4 + 1 + 1)

    result = score(
        generated,
        str(tmp_path / "fid_stats.npz"),
        extractor="points",
        options=MetricOptions(bootstrap=50),
        extraction=Extraction(progress=False),
    )
    assert list(result.metrics) == ["fid"]
    fid = result.metrics["fid"]
    assert fid.value == pytest.approx(expected, rel=1e-9)
    assert 0 <= fid.low < fid.value < fid.high
    notes = " ".join(result.provenance["warnings"])
    assert "holds only mu and sigma" in notes and "assumes they were computed with the points extractor" in notes
    assert "kid, precision, recall, density, coverage need the reference's features and are not computed" in notes
    assert result.provenance["reference"]["count"] is None
    with pytest.raises(GanevalError, match="cannot compute kid .*holds only mu and sigma: they give FID"):
        score(
            generated,
            str(tmp_path / "fid_stats.npz"),
            extractor="points",
            metrics=["fid", "kid"],
            extraction=Extraction(progress=False),
        )


def test_pytorch_fid_statistics_match_fid_from_the_reference_features(tmp_path):
    """FID against mu and sigma of the reference's own features equals FID against the reference."""
    from ganeval.data.images import find_images
    from ganeval.features import get_extractor
    from ganeval.features.extract import extract_files

    reference, generated = small_images(tmp_path / "ref", 12, seed=1), small_images(tmp_path / "gen", 12, seed=2)
    features = extract_files(find_images(reference), get_extractor("digits"), Extraction(progress=False))[0]["features"]
    np.savez(tmp_path / "ref_stats.npz", mu=features.mean(axis=0), sigma=np.cov(features, rowvar=False))
    common = dict(extractor="digits", metrics=["fid"], options=MetricOptions(bootstrap=0), extraction=QUIET_UNCACHED)
    direct = score(str(generated), str(reference), **common).metrics["fid"].value
    assert score(str(generated), str(tmp_path / "ref_stats.npz"), **common).metrics["fid"].value == pytest.approx(
        direct, rel=1e-6
    )


def test_bad_mu_sigma_files_are_named(tmp_path, capsys):
    np.savez(tmp_path / "wide.npz", mu=np.zeros(64), sigma=np.eye(64))
    with pytest.raises(
        GanevalError,
        match="wide.npz holds statistics \\(mu, sigma\\) of 64-d features, but the points extractor gives 2-d",
    ):
        score(
            np.zeros((20, 2)) + np.arange(20)[:, None],
            str(tmp_path / "wide.npz"),
            extractor="points",
            extraction=Extraction(progress=False),
        )
    np.savez(tmp_path / "skew.npz", mu=np.zeros(2), sigma=np.array([[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(GanevalError, match="skew.npz holds mu and sigma .*sigma is not a covariance matrix"):
        resolve_source(str(tmp_path / "skew.npz"), "reference")
    with pytest.raises(GanevalError, match="skew.npz holds Gaussian statistics \\(mu, sigma\\) but no samples"):
        load_array_file(tmp_path / "skew.npz")
    assert exit_code(["score", str(tmp_path / "wide.npz"), "--ref", "ring8", "--quiet"]) == 2
    assert "wide.npz is a statistics file; generated samples must be images" in capsys.readouterr().err


def test_mu_sigma_statistics_are_refused_where_features_are_needed(tmp_path):
    from ganeval.scoring import ReferenceScorer

    np.savez(tmp_path / "fid_stats.npz", mu=np.zeros(2), sigma=np.eye(2))
    with pytest.raises(GanevalError, match="fid_stats.npz holds only mu and sigma .*needs the reference's features"):
        ReferenceScorer.of(str(tmp_path / "fid_stats.npz"), extractor="points")  # what TrainingLogger takes


# ---------------------------------------------------------------- flags and settings


COMMANDS = {
    "score": ["score", "ring8", "--ref", "ring8"],
    "stats": ["stats", "ring8", "-o", "never.npz"],
    "baseline": ["baseline", "ring8", "--ref", "ring8", "-o", "never.json"],
    "check": ["check", "ring8", "--baseline", "never.json"],
}
BAD_COUNTS = [  # flag, value, message, the commands that have the flag
    ("--batch-size", "0", "must be a whole number >= 1; got 0", ("score", "stats", "baseline", "check")),
    ("--workers", "-1", "must be a whole number >= 0; got -1", ("score", "stats", "baseline", "check")),
    ("--n", "1e11", "expected a whole number >= 1; got '1e11'", ("score", "stats", "baseline")),
    ("--seed", "-1", "must be a whole number from 0 to 4294967295; got -1", ("score", "stats", "baseline", "check")),
    ("--is-splits", "0", "must be a whole number >= 1; got 0", ("score", "baseline")),
    ("--kid-subset-size", "1", "must be a whole number >= 2; got 1", ("score", "baseline")),
    ("--k", "0", "must be a whole number >= 1; got 0", ("score", "baseline")),
]


@pytest.mark.parametrize(
    "command,flag,value,message",
    [(command, flag, value, message) for flag, value, message, commands in BAD_COUNTS for command in commands],
)
def test_bad_counts_are_refused_by_the_parser(command, flag, value, message, capsys):
    assert exit_code([*COMMANDS[command], flag, value]) == 2
    assert f"argument {flag}: {message}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "setting,message",
    [
        (
            {"batch_size": 0},
            "--batch-size \\(batch_size\\) is the images per extractor batch and must be an integer >= 1; got 0",
        ),
        ({"workers": -1}, "--workers \\(workers\\) is a number of decoding processes"),
        ({"seed": -1}, "--seed \\(seed\\) seeds every random step"),
        ({"is_splits": 0}, "--is-splits \\(is_splits\\)"),
        ({"metrics": []}, "metrics names no metric; pass None for all that apply, or some of: fid, kid"),
    ],
)
def test_bad_settings_of_the_python_api_name_the_flag(setting, message):
    with pytest.raises(GanevalError, match=message) as error:
        name, value = next(iter(setting.items()))
        if name in ("seed", "is_splits"):  # metric settings: refused when the options are made
            score("ring8", "ring8", options=MetricOptions(n=50, **setting), extraction=Extraction(progress=False))
        elif name in ("batch_size", "workers"):  # extraction settings: refused when the Extraction is made
            score("ring8", "ring8", options=MetricOptions(n=50), extraction=Extraction(progress=False, **setting))
        else:
            score("ring8", "ring8", options=MetricOptions(n=50), **setting, extraction=Extraction(progress=False))
    assert error.value.argument == next(iter(setting))


def test_low_level_extraction_checks_its_batch_size(tmp_path):
    from ganeval.features import get_extractor
    from ganeval.features.extract import extract_array, extract_files

    with pytest.raises(GanevalError, match=r"--batch-size \(batch_size\) .* must be an integer >= 1; got 0"):
        extract_files([], get_extractor("digits"), Extraction(batch_size=0))
    with pytest.raises(GanevalError, match=r"--workers \(workers\) .* must be an integer >= 0; got -1"):
        extract_files([], get_extractor("digits"), Extraction(workers=-1))
    with pytest.raises(GanevalError, match="no images to extract features from"):
        extract_array(np.zeros((0, 1, 8, 8), np.uint8), "images", get_extractor("digits"))


def test_empty_metric_list_exits_2_naming_the_valid_metrics(capsys):
    assert main(["score", "ring8", "--ref", "ring8", "--metrics", ",", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--metrics ',' names nothing" in err and "valid metrics are: fid, kid, inception_score, precision" in err


def test_too_many_inception_score_splits(capsys):
    rng = np.random.default_rng(0)
    generated, reference = (rng.integers(0, 256, (12, 8, 8), dtype=np.uint8) for _ in range(2))
    common = dict(extractor="digits", extraction=Extraction(progress=False))
    with pytest.raises(
        GanevalError,
        match="--is-splits \\(is_splits\\) 7 leaves splits of fewer than 2 of the 12 generated samples.*"
        "use --is-splits 6 or fewer",
    ) as error:
        score(
            generated, reference, metrics=["inception_score"], options=MetricOptions(bootstrap=0, is_splits=7), **common
        )
    assert error.value.argument == "is_splits"
    assert (
        score(
            generated, reference, metrics=["inception_score"], options=MetricOptions(bootstrap=0, is_splits=6), **common
        )
        .metrics["inception_score"]
        .value
        > 1
    )
    everything = score(generated, reference, **common)  # default splits (10): IS left out, and said so
    assert "inception_score" not in everything.metrics and "fid" in everything.metrics
    assert any(
        note.startswith("inception_score is not computed: --is-splits 10 leaves")
        for note in everything.provenance["warnings"]
    )


def test_numpy_warnings_during_the_metrics_are_reported_in_ganevals_words(monkeypatch):
    from ganeval.metrics.families import fid as fid_family

    def noisy_fid(real, fake, prepared=None):
        np.divide(np.zeros(1), np.zeros(1))  # numpy: "invalid value encountered in divide"
        return 1.0

    monkeypatch.setattr(fid_family, "fid_from_features", noisy_fid)
    rng = np.random.default_rng(0)
    notes = score(
        rng.normal(size=(20, 2)),
        rng.normal(size=(20, 2)),
        extractor="points",
        metrics=["fid", "kid"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(progress=False),
    ).provenance["warnings"]
    assert notes == [
        "numerical trouble while computing the metrics (RuntimeWarning: invalid value encountered in divide); "
        "check the values for NaN or infinity, and the samples for duplicates or constant features."
    ]


def test_kid_on_two_samples_has_a_null_interval_never_infinite():
    rng = np.random.default_rng(0)
    result = score(
        rng.normal(size=(2, 2)),
        rng.normal(size=(50, 2)),
        extractor="points",
        metrics=["kid", "fid"],
        extraction=Extraction(progress=False),
    )
    for interval in result.metrics.values():
        assert math.isfinite(interval.value) and math.isnan(interval.low) and math.isnan(interval.high)
    assert result.to_dict()["metrics"]["kid"]["ci"] is None and result.provenance["bootstrap"] is None
    assert any(
        "no 95% intervals (null): bootstrap intervals need at least 10 samples per side" in note
        for note in result.provenance["warnings"]
    )
    with pytest.raises(GanevalError, match="gave 1 sample\\(s\\); scoring needs at least 2 per side"):
        score(
            rng.normal(size=(1, 2)),
            rng.normal(size=(50, 2)),
            extractor="points",
            metrics=["kid"],
            extraction=Extraction(progress=False),
        )


@pytest.mark.slow
def test_pytorch_fid_statistics_with_the_inception_extractor(tmp_path, capsys):
    """The pytorch-fid case end to end: inception is the default extractor for mu and sigma, and FID
    against them equals FID against the images they were computed from."""
    from inception_test_weights import make_test_images, make_test_weights

    from ganeval.features.inception import InceptionExtractor

    weights = make_test_weights(tmp_path / "inception-test.pth", seed=0)
    folders = {}
    for name, seed in (("reference", 1), ("generated", 2)):
        folders[name] = tmp_path / name
        folders[name].mkdir()
        for i, image in enumerate(make_test_images(8, seed=seed, size=32).numpy()):
            Image.fromarray(image.transpose(1, 2, 0)).save(folders[name] / f"{i}.png")
    reference = np.stack([decode_image(path, 3) for path in sorted(folders["reference"].iterdir())])
    features = InceptionExtractor(weights=weights).extract(reference)["features"]
    np.savez(tmp_path / "fid_stats.npz", mu=features.mean(axis=0), sigma=np.cov(features, rowvar=False))
    common = ["--weights", str(weights), "--bootstrap", "0", "--no-cache", "--quiet", "--json", "-"]
    assert main(["score", str(folders["generated"]), "--ref", str(tmp_path / "fid_stats.npz"), *common]) == 0
    against_stats = json.loads(capsys.readouterr().out)
    assert list(against_stats["metrics"]) == ["fid"] and against_stats["provenance"]["extractor"] == "inception"
    assert (
        main(["score", str(folders["generated"]), "--ref", str(folders["reference"]), "--metrics", "fid", *common]) == 0
    )
    direct = json.loads(capsys.readouterr().out)["metrics"]["fid"]["value"]
    assert against_stats["metrics"]["fid"]["value"] == pytest.approx(direct, rel=1e-6)
