"""Image files and arrays in: channel conversions, bad files, folders, export."""

import numpy as np
import pytest
import torch
from PIL import Image

from ganeval.data.arrays import as_samples, load_array_file
from ganeval.data.images import convert_channels, decode_image, find_images
from ganeval.features.base import Extractor
from ganeval.features.extract import extract_array, extract_files
from ganeval.options import Extraction


class MeanPixel(Extractor):
    """A stand-in extractor: per-channel mean pixel values as features."""

    name = "mean-pixel"

    def __init__(self, channels):
        self.channels = channels

    def extract(self, batch: torch.Tensor):
        return {"features": batch.double().mean(dim=(2, 3)).numpy()}


def test_channel_conversions_of_files(tmp_path):
    rgb = np.zeros((4, 5, 3), dtype=np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 200, 100, 50
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(np.dstack([rgb, np.full((4, 5), 7, np.uint8)])).save(tmp_path / "rgba.png")
    Image.fromarray(np.full((4, 5), 90, np.uint8)).save(tmp_path / "gray.png")
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE).save(tmp_path / "palette.png")
    Image.fromarray(np.full((4, 5), 257 * 120, np.uint16)).save(tmp_path / "wide.png")  # 16-bit gray

    assert decode_image(tmp_path / "rgb.png", 3).shape == (3, 4, 5)
    assert decode_image(tmp_path / "rgba.png", 3)[:, 0, 0].tolist() == [200, 100, 50]  # alpha dropped
    assert decode_image(tmp_path / "gray.png", 3)[:, 0, 0].tolist() == [90, 90, 90]  # replicated
    assert decode_image(tmp_path / "palette.png", 3)[:, 0, 0].tolist() == [200, 100, 50]
    assert decode_image(tmp_path / "wide.png", 1)[0, 0, 0] == 120  # 16 bits scaled to 8
    assert decode_image(tmp_path / "wide.png", 3)[:, 0, 0].tolist() == [120, 120, 120]
    luma = round(0.299 * 200 + 0.587 * 100 + 0.114 * 50)
    assert abs(int(decode_image(tmp_path / "rgb.png", 1)[0, 0, 0]) - luma) <= 1
    # arrays take the same conversions
    array = rgb.transpose(2, 0, 1)[None]
    assert abs(int(convert_channels(array, 1)[0, 0, 0, 0]) - luma) <= 1
    assert convert_channels(np.full((1, 1, 2, 2), 9, np.uint8), 3).shape == (1, 3, 2, 2)


def test_folder_search_is_recursive_and_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    for name in ["b/2.png", "a.jpg", "c.webp", "ignore.txt"]:
        path = tmp_path / name
        if path.suffix == ".txt":
            path.write_text("not an image")
        else:
            Image.fromarray(np.zeros((3, 3), np.uint8)).save(path)
    assert [p.relative_to(tmp_path).as_posix() for p in find_images(tmp_path)] == ["a.jpg", "b/2.png", "c.webp"]


@pytest.mark.parametrize(
    "name,mode",
    [("gray.pgm", "L"), ("color.ppm", "RGB"), ("color.tif", "RGB"), ("gray.TIFF", "L"), ("wide.tif", "I;16")],
)
def test_folders_hold_every_format_pytorch_fid_reads(tmp_path, name, mode):
    """.pgm, .ppm, .tif and .tiff (any case) are found beside PNGs and decode to the pixels written."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (6, 7, 3) if mode == "RGB" else (6, 7), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    image = Image.fromarray(pixels.astype(np.uint16) * 257) if mode == "I;16" else Image.fromarray(pixels)
    image.save(tmp_path / name)
    assert [p.name for p in find_images(tmp_path)] == sorted(["a.png", name])
    decoded = decode_image(tmp_path / name, 3 if mode == "RGB" else 1)
    np.testing.assert_array_equal(decoded, decode_image(tmp_path / "a.png", decoded.shape[0]))
    np.testing.assert_array_equal(decoded, pixels.transpose(2, 0, 1) if mode == "RGB" else pixels[None])


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(ValueError, match="no such file or folder"):
        find_images(tmp_path / "nope")
    with pytest.raises(ValueError, match="holds no images .* searched recursively"):
        find_images(tmp_path)


def test_corrupt_file_is_named_or_skipped(tmp_path):
    for i in range(3):
        Image.fromarray(np.full((6, 6), 40 * i, np.uint8)).save(tmp_path / f"{i}.png")
    (tmp_path / "1b.png").write_bytes(b"\x89PNG but broken")
    files = find_images(tmp_path)
    with pytest.raises(ValueError, match="1b.png: cannot decode this image .* --skip-bad"):
        extract_files(files, MeanPixel(1), Extraction(progress=False))
    outputs, skipped = extract_files(files, MeanPixel(1), Extraction(batch_size=2, skip_bad=True, progress=False))
    assert outputs["features"][:, 0].tolist() == [0.0, 40.0, 80.0] and len(skipped) == 1


def test_mixed_sizes_keep_file_order(tmp_path):
    sizes = [(4, 4), (8, 8), (8, 8), (4, 4)]
    for i, size in enumerate(sizes):
        Image.fromarray(np.full(size, 10 * i, np.uint8)).save(tmp_path / f"{i}.png")
    outputs, _ = extract_files(find_images(tmp_path), MeanPixel(3), Extraction(batch_size=4, progress=False))
    assert outputs["features"][:, 0].tolist() == [0.0, 10.0, 20.0, 30.0]


def test_workers_decode_the_same(tmp_path):
    for i in range(6):
        Image.fromarray(np.full((5, 5, 3), 30 * i, np.uint8)).save(tmp_path / f"{i}.png")
    files = find_images(tmp_path)
    serial, _ = extract_files(files, MeanPixel(3), Extraction(batch_size=4, workers=0, progress=False))
    parallel, _ = extract_files(files, MeanPixel(3), Extraction(batch_size=4, workers=2, progress=False))
    np.testing.assert_array_equal(serial["features"], parallel["features"])


def test_arrays_in_both_layouts_and_bad_arrays(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (5, 8, 9, 3), dtype=np.uint8)
    kind, nchw = as_samples(images, "x")
    assert kind == "images" and nchw.shape == (5, 3, 8, 9)
    assert as_samples(torch.from_numpy(nchw), "x", channels_last=False)[1].shape == (5, 3, 8, 9)
    assert as_samples(images[..., 0], "x")[1].shape == (5, 1, 8, 9)
    assert as_samples(nchw, "x")[1].shape == (5, 3, 8, 9)  # a numpy array in torch's layout
    assert as_samples(np.zeros((4, 2)), "x")[0] == "points"
    assert as_samples(np.full((2, 4, 4), 0.5), "x")[1].max() == 128  # floats in [0, 1] scale to 0..255
    with pytest.raises(ValueError, match="x holds float64 images with values 3..3; pass uint8 images"):
        as_samples(np.full((2, 4, 4), 3.0), "x")
    with pytest.raises(ValueError, match="x has 5 channels"):
        as_samples(np.zeros((2, 6, 6, 5), np.uint8), "x")
    np.savez(tmp_path / "two.npz", a=np.zeros(3), b=np.ones(3))
    with pytest.raises(ValueError, match="two.npz holds arrays \\['a', 'b'\\]; store the samples alone"):
        load_array_file(tmp_path / "two.npz")
    (tmp_path / "bad.npy").write_bytes(b"nonsense")
    with pytest.raises(ValueError, match="bad.npy: cannot read this array file"):
        load_array_file(tmp_path / "bad.npy")


def test_points_into_an_image_extractor_is_refused():
    with pytest.raises(ValueError, match="the mean-pixel extractor takes images, but these samples are points"):
        extract_array(np.zeros((3, 2)), "points", MeanPixel(1), progress=False)
