"""The extractors' CPU step (`Extractor.cpu_step`): PIL preprocessing run in extract_files' decoding workers.

Features from files with two workers, with none, and from `extractor.extract` on the stacked images are equal
bit for bit; the step pickles small (a module-level function, not the extractor and its network); extractors
without one (legacy-tf inception, digits, custom ones) get the decoded images as before. The networks run
on the seeded random test weights, on 16 small PNG files.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from ganeval.features.base import Extractor
from ganeval.features.extract import extract_files
from ganeval.features.inception import InceptionExtractor
from ganeval.options import Extraction

N_FILES = 16  # three batches of 6, 6 and 4: both workers get one


def _write_pngs(folder, shapes, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir()
    for index, (height, width) in enumerate(shapes):
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(folder / f"{index:03d}.png")
    return sorted(folder.glob("*.png"))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _write_pngs(tmp_path_factory.mktemp("cpu-step") / "images", [(48, 40)] * N_FILES)


@pytest.fixture(scope="module")
def stacked(files):
    return torch.from_numpy(np.stack([np.array(Image.open(f)).transpose(2, 0, 1) for f in files]))


@pytest.fixture(scope="module")
def dinov2(tmp_path_factory):
    pytest.importorskip("timm")
    from dinov2_test_weights import make_test_state, save_timm

    from ganeval.features.dinov2 import DINOv2Extractor

    path = save_timm(tmp_path_factory.mktemp("dinov2") / "model.safetensors", make_test_state("vits14", seed=0))
    return DINOv2Extractor(weights=path, arch="vits14")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    pytest.importorskip("open_clip")
    from clip_test_weights import make_test_state, save_safetensors

    from ganeval.features.clip import CLIPExtractor

    state = make_test_state("ViT-B-32", seed=0)
    path = save_safetensors(tmp_path_factory.mktemp("clip") / "open_clip_model.safetensors", state)
    return CLIPExtractor(weights=path, arch="ViT-B-32")


@pytest.fixture(scope="module")
def inception_clean(inception_test_weights):
    return InceptionExtractor(
        weights=inception_test_weights, allow_download=False, extraction=Extraction(resize="clean")
    )


@pytest.fixture(params=["dinov2", "clip", "inception_clean"])
def extractor(request):
    return request.getfixturevalue(request.param)


def _features(files, extractor, workers, batch_size=10):
    outputs, skipped = extract_files(
        files, extractor, Extraction(batch_size=batch_size, workers=workers, progress=False)
    )
    assert skipped == []
    return outputs


def test_files_through_workers_equal_the_main_process_and_extract(extractor, files, stacked, batch_size=6):
    """extract on the stacked images batch by batch as extract_files cuts them (a network's float sums may
    depend on the batch's size: clip-vitb32's do)."""
    assert extractor.cpu_step is not None
    chunks = [extractor.extract(stacked[start : start + batch_size]) for start in range(0, N_FILES, batch_size)]
    direct = {key: np.concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}
    in_main = _features(files, extractor, workers=0, batch_size=batch_size)
    in_workers = _features(files, extractor, workers=2, batch_size=batch_size)
    assert set(direct) == set(in_main) == set(in_workers)
    for key in direct:
        assert np.array_equal(in_main[key], direct[key]), key
        assert np.array_equal(in_workers[key], direct[key]), key


def test_extract_is_extract_prepared_of_the_cpu_step(extractor, stacked):
    batch = stacked[:5]
    prepared = extractor.extract_prepared(extractor.cpu_step(batch))
    direct = extractor.extract(batch)
    assert all(np.array_equal(prepared[key], direct[key]) for key in direct)


def test_the_cpu_step_pickles_small_without_the_network(extractor, stacked):
    pickled = pickle.dumps(extractor.cpu_step)
    assert len(pickled) < 10_000
    assert torch.equal(pickle.loads(pickled)(stacked[:2]), extractor.cpu_step(stacked[:2]))


def test_mixed_sizes_are_prepared_into_one_batch(dinov2, tmp_path):
    shapes = [(48, 40), (48, 40), (30, 64), (48, 40), (30, 64), (30, 64), (64, 64)]
    mixed = _write_pngs(tmp_path / "mixed", shapes)
    sizes_main, sizes_workers = set(), set()
    in_main, _ = extract_files(mixed, dinov2, Extraction(batch_size=4, workers=0, progress=False), sizes=sizes_main)
    in_workers, _ = extract_files(
        mixed, dinov2, Extraction(batch_size=4, workers=2, progress=False), sizes=sizes_workers
    )
    assert np.array_equal(in_main["features"], in_workers["features"])
    assert sizes_main == sizes_workers == set(shapes)
    one_by_one = np.concatenate(
        [dinov2.extract(torch.from_numpy(np.array(Image.open(f)).transpose(2, 0, 1))[None])["features"] for f in mixed]
    )
    np.testing.assert_allclose(in_main["features"], one_by_one, rtol=1e-5, atol=1e-6)  # batch composition only


class Seen(Extractor):
    """A custom extractor without a cpu_step: records the batches extract gets."""

    name = "seen"

    def __init__(self):
        self.batches = []

    def extract(self, batch):
        self.batches.append(batch)
        return {"features": batch.double().mean(dim=(2, 3)).numpy()}


def test_extractors_without_a_cpu_step_get_the_decoded_images(files, inception_test_weights):
    assert InceptionExtractor(weights=inception_test_weights, allow_download=False).cpu_step is None
    seen = Seen()
    assert seen.cpu_step is None
    outputs, _ = extract_files(files, seen, Extraction(batch_size=10, workers=0, progress=False))
    assert [tuple(batch.shape) for batch in seen.batches] == [(10, 3, 48, 40), (6, 3, 48, 40)]
    assert all(batch.dtype == torch.uint8 for batch in seen.batches)
    assert outputs["features"].shape == (N_FILES, 3)
    with pytest.raises(NotImplementedError):
        seen.extract_prepared(seen.batches[0])


@pytest.mark.parametrize("name, size", [("dinov2", 224), ("clip", 224)])
def test_the_encoders_workers_send_uint8_images(request, stacked, name, size):
    """The encoders' cpu_step is PIL's resizing alone (uint8, a quarter of float32's shared memory per batch);
    /255 and the mean and std run in extract_prepared, on the device."""
    extractor = request.getfixturevalue(name)
    prepared = extractor.cpu_step(stacked[:3])
    assert prepared.dtype == torch.uint8 and tuple(prepared.shape) == (3, 3, size, size)
