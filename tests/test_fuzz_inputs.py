"""Property-based fuzzing of the readers of user files (issue 12): truncations, bit flips, overwrites
and random bytes of valid PNG/JPEG/WebP/BMP images, .npy/.npz arrays and statistics files must
decode, or fail with GanevalError (exit 2), or be skipped and counted with --skip-bad; never
another exception (a traceback, exit 3). Derandomized, so a run is reproducible."""

import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ganeval.cache.statsfile import FORMAT, load_outputs, save_outputs
from ganeval.cli import main
from ganeval.data.arrays import as_samples, load_array_file
from ganeval.data.images import IMAGE_EXTENSIONS, decode_image, find_images
from ganeval.errors import GanevalError
from ganeval.features.base import Extractor
from ganeval.features.extract import extract_files
from ganeval.options import Extraction
from ganeval.sources import resolve_source

FUZZ = settings(
    max_examples=80, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
FEW = settings(FUZZ, max_examples=12)  # end-to-end runs through the command line
HEADER_BYTES = 64  # half the damage lands in the first bytes, where the headers that steer a reader are


def _encoded(image: Image.Image, format: str, **options) -> bytes:
    stream = io.BytesIO()
    image.save(stream, format, **options)
    return stream.getvalue()


_rng = np.random.default_rng(0)
_rgb = Image.fromarray(_rng.integers(0, 256, (12, 10, 3), dtype=np.uint8))
IMAGES = {
    "png": _encoded(_rgb, "PNG"),
    "png16": _encoded(Image.fromarray(_rng.integers(0, 65536, (12, 10), dtype=np.uint16)), "PNG"),
    "palette.png": _encoded(_rgb.convert("P"), "PNG", transparency=3),
    "jpg": _encoded(_rgb, "JPEG"),
    "webp": _encoded(_rgb, "WEBP"),
    "bmp": _encoded(_rgb, "BMP"),
    "ppm": _encoded(_rgb, "PPM"),
    "pgm": _encoded(_rgb.convert("L"), "PPM"),
    "tif": _encoded(_rgb, "TIFF"),
    "lzw.tiff": _encoded(_rgb, "TIFF", compression="tiff_lzw"),
}


def _npy(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array)
    return stream.getvalue()


def _npz(**arrays) -> bytes:
    stream = io.BytesIO()
    np.savez(stream, **arrays)
    return stream.getvalue()


ARRAYS = {
    "images.npy": _npy(_rng.integers(0, 256, (6, 8, 8), dtype=np.uint8)),
    "floats.npy": _npy(_rng.random((4, 8, 8, 3))),
    "points.npy": _npy(_rng.normal(size=(20, 2))),
    "images.npz": _npz(images=_rng.integers(0, 256, (6, 8, 8, 3), dtype=np.uint8)),
}
_features = _rng.normal(size=(20, 4))
_meta = json.dumps({"format": FORMAT, "extractor": "points", "weights_sha256": None})
STATS = {
    "stats.npz": _npz(
        features=_features,
        modes=np.arange(20) % 4,
        high_quality=np.ones(20, bool),
        meta=np.array(_meta),
        mu=_features.mean(axis=0),
        sigma=np.cov(_features, rowvar=False),
    ),  # what `ganeval stats` writes
    "mu_sigma.npz": _npz(mu=_features.mean(axis=0), sigma=np.cov(_features, rowvar=False)),  # what pytorch-fid writes
}


@st.composite
def damaged(draw, original: bytes) -> bytes:
    """original truncated, with bits flipped, with a stretch overwritten, or random bytes instead."""
    data = bytearray(original)
    position = st.one_of(st.integers(0, min(HEADER_BYTES, len(data)) - 1), st.integers(0, len(data) - 1))
    kind = draw(st.sampled_from(["truncate", "flip", "overwrite", "random"]))
    if kind == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    if kind == "flip":
        for at in draw(st.lists(position, min_size=1, max_size=8)):
            data[at] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    if kind == "overwrite":
        at, patch = draw(position), draw(st.binary(min_size=1, max_size=16))
        data[at : at + len(patch)] = patch
        return bytes(data)
    return draw(st.binary(max_size=300))


def damaged_file(name: str, original: bytes):
    return st.tuples(st.just(name), damaged(original))


def any_damaged(files: dict[str, bytes]):
    return st.one_of(*(damaged_file(name, data) for name, data in files.items()))


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / (name if "." in name else f"image.{name}")
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- images


@FUZZ
@given(case=any_damaged(IMAGES), channels=st.sampled_from([1, 3]))
def test_damaged_images_decode_or_fail_with_a_message(case, channels):
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), *case)
        try:
            image = decode_image(path, channels)
        except GanevalError as error:
            assert path.name in str(error)
            return
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[0] == channels


class MeanPixel(Extractor):
    """A stand-in extractor: per-channel mean pixel values as features."""

    name, channels = "mean-pixel", 3

    def extract(self, batch: torch.Tensor):
        return {"features": batch.double().mean(dim=(2, 3)).numpy()}


@FUZZ
@given(cases=st.lists(any_damaged(IMAGES), min_size=1, max_size=4))
def test_damaged_images_in_a_folder_are_skipped_and_counted(cases):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        good = [_write(folder, f"good{i}.png", IMAGES["png"]) for i in range(2)]
        damaged_files = [_write(folder, f"bad{i}-{name}", data) for i, (name, data) in enumerate(cases)]
        files = find_images(folder)
        assert set(good) <= set(files) and set(files) <= set(good + damaged_files)
        outputs, skipped = extract_files(
            files, MeanPixel(), Extraction(batch_size=3, workers=0, skip_bad=True, progress=False)
        )
        assert len(outputs["features"]) + len(skipped) == len(files) and len(outputs["features"]) >= len(good)
        assert all("bad" in message for message in skipped)


NAME_CHARACTERS = st.characters(blacklist_characters="/\0", blacklist_categories=("Cs",))


@FUZZ
@given(
    names=st.lists(
        st.tuples(
            st.text(NAME_CHARACTERS, min_size=1, max_size=12), st.sampled_from([*IMAGE_EXTENSIONS, ".PNG", ".txt", ""])
        ),
        max_size=6,
    )
)
def test_folder_scanner_takes_any_file_names(names):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        written = set()
        for stem, suffix in names:
            path = folder / (stem + suffix)
            if path.name in (".", "..") or path.parent != folder:
                continue
            path.write_bytes(IMAGES["png"])
            written.add(path)
        expected = sorted(p for p in written if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith("."))
        try:
            assert find_images(folder) == expected
        except GanevalError as error:
            assert not expected and "holds no images" in str(error)


# ---------------------------------------------------------------- arrays and statistics files


@FUZZ
@given(case=any_damaged(ARRAYS))
def test_damaged_array_files_load_or_fail_with_a_message(case):
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), *case)
        try:
            kind, samples = as_samples(load_array_file(path), str(path))
        except GanevalError as error:
            assert path.name in str(error)
            return
        assert (kind, samples.dtype, samples.ndim) in (("images", np.uint8, 4), ("points", np.float64, 2))


@FUZZ
@given(case=any_damaged(STATS))
def test_damaged_statistics_files_load_or_fail_with_a_message(case):
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), *case)
        for read in (lambda: resolve_source(str(path), "reference"), lambda: load_outputs(path)):
            try:
                read()
            except GanevalError as error:
                assert path.name in str(error)


def test_statistics_written_by_ganeval_still_load(tmp_path):
    """The fuzzed originals are valid: ganeval's own writer and the pytorch-fid layout both load."""
    path = save_outputs(
        tmp_path / "s.npz", {"features": _features, "modes": np.arange(20) % 4}, {"extractor": "points"}
    )
    assert load_outputs(path)[0]["features"].shape == (20, 4)
    for name, data in STATS.items():
        assert resolve_source(str(_write(tmp_path, name, data)), "reference").kind == "stats"


# ---------------------------------------------------------------- end to end


def _exit_code(argv) -> int:
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@FEW
@given(cases=st.lists(any_damaged(IMAGES), min_size=1, max_size=3), skip_bad=st.booleans())
def test_score_of_a_damaged_folder_exits_0_or_2(cases, skip_bad):
    with tempfile.TemporaryDirectory() as folder:
        generated, reference = Path(folder, "generated"), Path(folder, "reference")
        generated.mkdir(), reference.mkdir()
        for i in range(3):
            _write(generated, f"good{i}.png", IMAGES["png"])
            _write(reference, f"ref{i}.png", _encoded(_rgb.rotate(90 * i), "PNG"))
        for i, (name, data) in enumerate(cases):
            _write(generated, f"bad{i}-{name}", data)
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
        assert _exit_code(argv + (["--skip-bad"] if skip_bad else [])) in (0, 2)


@FEW
@given(case=any_damaged(STATS))
def test_score_against_a_damaged_statistics_file_exits_0_or_2(case):
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), *case)
        generated = Path(folder, "generated.npy")
        np.save(generated, np.random.default_rng(1).normal(size=(30, 4))[:, :2])
        assert _exit_code(
            ["score", str(generated), "--ref", str(path), "--extractor", "points", "--bootstrap", "0", "--quiet"]
        ) in (0, 2)


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_the_fuzzed_images_are_valid(tmp_path, name):
    assert decode_image(_write(tmp_path, name, IMAGES[name]), 3).shape == (3, 12, 10)
