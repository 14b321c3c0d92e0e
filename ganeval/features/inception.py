"""The `inception` extractor: torch-fidelity's TF-compatible InceptionV3, features and logits.

Wraps `torch_fidelity.feature_extractor_inceptionv3.FeatureExtractorInceptionV3` (registered in
torch-fidelity as "inception-v3-compat") so that ganeval's numbers equal torch-fidelity's, and
through it the original TensorFlow FID/IS code's, on the same images:
  "features": the 2048-d pool features (torch-fidelity layer "2048": FID, KID, PRDC)
  "logits":   the 1008 logits without the fc bias (layer "logits_unbiased", which
              torch-fidelity's Inception Score uses)
  "spatial":  with spatial=True (sFID), the first 7 channels of mixed_6/conv, 7 x 17 x 17 flattened
              channels last (2023-d), taken from the same forward pass by a hook (SPATIAL_MODULE)

Weights are looked up, in order:
  1. the `weights` argument (the CLI's --weights PATH);
  2. the environment variable GANEVAL_INCEPTION_WEIGHTS;
  3. torch-fidelity's download cache: torch.hub.get_dir()/checkpoints/<WEIGHTS_FILE>, shared
     with torch-fidelity and filled by it;
  4. a download by torch-fidelity into that cache, when `allow_download` (the default) and
     WEIGHTS_URL's host (or the configured HTTPS proxy) answers within PROBE_TIMEOUT_S seconds.
Otherwise `InceptionWeightsNotFound` says where to download the file and where to put it. A
path given in 1 or 2 that does not exist is an error, never skipped. Nothing else is ever used
in place of these weights.

Weights files are data, never code: ganeval reads them itself with `torch.load(weights_only=True)`
(tensors and plain values only; a crafted pickle is refused before it runs) and hands torch-fidelity's
network the state dict, instead of letting torch-fidelity unpickle the file (weights_only=False).
"""

from __future__ import annotations

import http.client
import io
import os
import socket
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import torch
from torch_fidelity import feature_extractor_inceptionv3 as tf_inception

from ganeval.device import check_precision, extraction_context, resolve_device
from ganeval.errors import GanevalError
from ganeval.features.base import Extractor, as_uint8_batch, sha256_of_file, weights_of
from ganeval.features.resize import CLEAN, DEFAULT_RESIZE, check_resize, clean_resize
from ganeval.options import Extraction
from ganeval.torchfile import load_plain

WEIGHTS_URL = tf_inception.URL_INCEPTION_V3
WEIGHTS_FILE = os.path.basename(urlparse(WEIGHTS_URL).path)  # weights-inception-2015-12-05-6726825d.pth
WEIGHTS_ENV = "GANEVAL_INCEPTION_WEIGHTS"
PROBE_TIMEOUT_S = 2.0
TF_FIDELITY_NAME = "inception-v3-compat"
LAYERS = {"features": "2048", "logits": "logits_unbiased"}  # ganeval output -> torch-fidelity layer
# sFID's features (Nash et al. 2021; guided-diffusion's evaluations/evaluator.py): TF's tensor "mixed_6/conv:0", the
# 1x1 branch of the graph's third 17 x 17 block (mixed_4 .. mixed_7 are Mixed_6b .. Mixed_6e), after its ReLU, of
# which the first SPATIAL_CHANNELS channels are kept and flattened in TF's channels-last order.
SPATIAL_MODULE = "Mixed_6d.branch1x1"
SPATIAL_CHANNELS = 7
SPATIAL_DIM = SPATIAL_CHANNELS * 17 * 17  # 2023
PREPROCESSING = (
    "RGB uint8 in, resized to 299x299 inside the network by torch-fidelity's TF-compatible "
    "bilinear resize, then scaled to [-1, 1]"
)
CLEAN_PREPROCESSING = (
    "RGB uint8 in, each channel resized to 299x299 by PIL bicubic with antialiasing in float mode 'F', clipped to "
    "[0, 255] and not re-quantised (clean-fid's clean mode, Parmar et al. 2022), then scaled to [-1, 1]"
)
INPUT_SIZE = tf_inception.FeatureExtractorInceptionV3.INPUT_IMAGE_SIZE  # 299


class InceptionWeightsNotFound(GanevalError):
    """The InceptionV3 weights file is missing and cannot be downloaded."""


class InceptionWeightsInvalid(GanevalError):
    """A weights file exists but is not InceptionV3 weights (or is not plain tensors)."""


def cached_weights_path() -> Path:
    """Where torch-fidelity's download (torch.hub.load_state_dict_from_url) saves the weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE


def download_host() -> tuple[str, int]:
    """(host, port) a download connects to first: the HTTPS proxy if one is set, else the URL's host."""
    proxy = urllib.request.getproxies().get("https")
    if proxy:
        target = urlparse(proxy if "://" in proxy else f"http://{proxy}")
    else:
        target = urlparse(WEIGHTS_URL)
    return target.hostname or "", target.port or (443 if target.scheme == "https" else 80)


def network_reachable(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """True if a TCP connection to the download host opens within `timeout` seconds.

    Runs in a daemon thread so that a hanging DNS lookup cannot stall the caller past `timeout`.
    """
    host, port = download_host()
    opened = threading.Event()

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                opened.set()
        except OSError:
            pass

    threading.Thread(target=probe, daemon=True, name="ganeval-network-probe").start()
    return opened.wait(timeout)


def _how_to_get_weights() -> str:
    return (
        f"Download {WEIGHTS_FILE} from {WEIGHTS_URL} and put it at {cached_weights_path()} "
        f"(torch-fidelity's download cache, shared with torch-fidelity), or pass its path with "
        f"--weights PATH (InceptionExtractor(weights=PATH)), or set {WEIGHTS_ENV}=PATH."
    )


def _existing_file(path: str | Path, source: str) -> Path:
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        problem = "is a directory, not a file" if resolved.is_dir() else "does not exist"
        raise InceptionWeightsNotFound(
            f"InceptionV3 weights file {str(resolved)!r} (from {source}) {problem}. "
            f"Fix the path, or drop it to use torch-fidelity's cache. {_how_to_get_weights()}"
        )
    return resolved


def resolve_weights(weights: str | Path | None = None, allow_download: bool = True) -> tuple[Path | None, str]:
    """(path, source) of the weights to use; path None means "let torch-fidelity download them".

    `source` is one of "argument", "environment", "cache", "download" (see the module docstring).
    """
    if weights is not None:
        return _existing_file(weights, "the weights argument"), "argument"
    from_env = os.environ.get(WEIGHTS_ENV, "")
    if from_env:
        return _existing_file(from_env, f"the environment variable {WEIGHTS_ENV}"), "environment"
    cached = cached_weights_path()
    if cached.is_file():
        return cached, "cache"
    if not allow_download:
        reason = "downloads are disabled (allow_download=False)"
    elif not network_reachable():
        host, port = download_host()
        reason = f"the network is unreachable ({host}:{port} did not answer within {PROBE_TIMEOUT_S:g} s)"
    else:
        return None, "download"
    raise InceptionWeightsNotFound(
        f"InceptionV3 weights not found: no weights argument, {WEIGHTS_ENV} is not set, and "
        f"{cached} does not exist; {reason}. {_how_to_get_weights()}"
    )


def _build_network(path: Path | None) -> tf_inception.FeatureExtractorInceptionV3:
    """torch-fidelity's network with the weights in `path`, or downloaded into its cache when None."""
    state = _download_weights() if path is None else _read_weights(path)
    plain = io.BytesIO()  # torch-fidelity takes weights only from a file it unpickles itself: give it
    torch.save(state, plain)  # the tensors just read safely, re-saved in memory, so nothing from the user's file runs
    plain.seek(0)
    try:
        with torch.random.fork_rng(devices=[]):  # its initial weights, replaced: the random state stays
            return tf_inception.FeatureExtractorInceptionV3(
                TF_FIDELITY_NAME, list(LAYERS.values()), feature_extractor_weights_path=plain
            )
    except Exception as err:  # noqa: BLE001 - wrong keys or shapes: the file holds other weights
        raise _invalid(cached_weights_path() if path is None else path, err) from err


def _read_weights(path: Path) -> dict:
    """The state dict in `path`, read with weights_only=True (InceptionWeightsInvalid names the file)."""
    try:
        return load_plain(path, "InceptionV3 weights file", f"Replace it with {WEIGHTS_FILE} from {WEIGHTS_URL}.")
    except GanevalError as err:
        raise InceptionWeightsInvalid(str(err), argument="--weights") from None


def _download_weights() -> dict:
    """Download WEIGHTS_URL into torch-fidelity's cache (progress on stderr) and read it with weights_only=True."""
    try:
        cached_weights_path().parent.mkdir(parents=True, exist_ok=True)
        torch.hub.download_url_to_file(WEIGHTS_URL, str(cached_weights_path()), progress=True)
    except (OSError, http.client.HTTPException) as err:
        raise InceptionWeightsNotFound(
            f"Downloading InceptionV3 weights from {WEIGHTS_URL} failed ({err}). {_how_to_get_weights()}"
        ) from err
    return _read_weights(cached_weights_path())


def _invalid(path: Path, err: Exception) -> InceptionWeightsInvalid:
    return InceptionWeightsInvalid(
        f"InceptionV3 weights file {str(path)!r} does not fit torch-fidelity's "
        f"FeatureExtractorInceptionV3 ({type(err).__name__}: {' '.join(str(err).split())[:300]}). Replace it with "
        f"{WEIGHTS_FILE} from {WEIGHTS_URL}.",
        argument="--weights",
    )


class InceptionExtractor(Extractor):
    """InceptionV3 pool features (N x 2048) and logits (N x 1008), float64, as torch-fidelity computes them.

    weights: path of the weights file; None: the extraction's, else looked up (module docstring: argument,
        GANEVAL_INCEPTION_WEIGHTS, torch-fidelity's cache, then a download).
    extraction: where and how the network runs (`ganeval.options.Extraction`; None: the CPU at fp32). Its
        device ("cpu", "cuda", "cuda:1", "mps", "auto"; outputs always come back as numpy), its precision
        ("fp32", equal to torch-fidelity, or "bf16": torch.autocast on the forward) and its resize
        ("legacy-tf", the default: torch-fidelity's TF-compatible bilinear resize inside the network, or
        "clean": clean-fid's antialiased PIL bicubic, in float; ganeval.features.resize). The loose keywords
        device=, precision= and resize= of the release before still work, with a DeprecationWarning.
    allow_download: when no file is found, let torch-fidelity download WEIGHTS_URL (about
        92 MB, progress on stderr, into its cache) if the host answers within PROBE_TIMEOUT_S;
        False never touches the network.
    spatial: also "spatial", sFID's N x 2023 mixed_6/conv features, from the same forward pass (recorded in the
        provenance, so the cache keeps such features apart; off by default, as they double what is stored).
    Raises InceptionWeightsNotFound (missing, offline) or InceptionWeightsInvalid (unloadable).

    Why download by default: it is what torch-fidelity and pytorch-fid do on first use, and the
    file lands in the cache they share, so each machine downloads it once. An offline node gets
    the instructions within PROBE_TIMEOUT_S instead of a hang; air-gapped or audited runs pass
    allow_download=False (or a path) and weights_sha256 records exactly which file was used.
    """

    name = "inception"
    kind = "images"
    channels = 3
    preprocessing = PREPROCESSING

    def __init__(
        self,
        weights: str | Path | None = None,
        *,
        extraction: Extraction | None = None,
        allow_download: bool = True,
        spatial: bool = False,
        **keywords,
    ):
        extraction = Extraction.merged(extraction, "InceptionExtractor", keywords, device="cpu")
        self.device = resolve_device(extraction.device)  # a bad or absent device fails here, before the slow load
        self.precision = check_precision(extraction.precision)
        self.resize = check_resize(extraction.resize or DEFAULT_RESIZE)
        if self.resize == CLEAN:  # PIL resizing on the CPU: extract_files runs it in its decoding workers
            self.preprocessing, self.cpu_step = CLEAN_PREPROCESSING, clean_resize
        path, self.weights_source = resolve_weights(weights_of(weights, extraction), allow_download)
        self.network = _build_network(path)
        self.weights_path = cached_weights_path() if path is None else path
        self.weights_sha256 = sha256_of_file(self.weights_path)
        self.network.to(self.device).eval()
        self.spatial = bool(spatial)
        self._spatial: list[torch.Tensor] = []  # the hook's capture of the forward pass under way
        if self.spatial:
            self.network.get_submodule(SPATIAL_MODULE).register_forward_hook(self._keep_spatial)

    def _keep_spatial(self, module, inputs, output: torch.Tensor) -> None:
        """The first SPATIAL_CHANNELS channels of mixed_6/conv, N x 17 x 17 x 7 flattened as TF lays them out."""
        self._spatial[:] = [output[:, :SPATIAL_CHANNELS].permute(0, 2, 3, 1).reshape(len(output), -1).float()]

    def _empty(self) -> dict[str, np.ndarray]:
        made = {"features": np.zeros((0, 2048)), "logits": np.zeros((0, 1008))}
        return {**made, "spatial": np.zeros((0, SPATIAL_DIM))} if self.spatial else made

    def extract(self, batch: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
        """{"features": N x 2048, "logits": N x 1008} (float64) for uint8 RGB images N x 3 x H x W, any H and W;
        with spatial, "spatial": N x 2023 too."""
        batch = as_uint8_batch(batch, 3, "inception (RGB)")
        if batch.shape[0] == 0:
            return self._empty()
        if self.resize == CLEAN:
            return self.extract_prepared(clean_resize(batch))
        with extraction_context(self.device, self.precision):  # TF32 off; bf16 autocast when asked
            outputs = self.network(batch.to(self.device, non_blocking=True))  # non_blocking: from pinned memory
        return self._outputs(outputs)

    def extract_prepared(self, inputs: torch.Tensor) -> dict[str, np.ndarray]:
        """extract's outputs for float images N x 3 x 299 x 299 in [0, 255] as `clean_resize` makes them
        (resize "clean" only: its `cpu_step`)."""
        if self.cpu_step is None:
            return super().extract_prepared(inputs)
        if inputs.shape[0] == 0:
            return self._empty()
        with extraction_context(self.device, self.precision):  # TF32 off; bf16 autocast when asked
            return self._outputs(self._forward_float(inputs))

    def _outputs(self, outputs: tuple[torch.Tensor, ...]) -> dict[str, np.ndarray]:
        by_layer = dict(zip(self.network.features_list, outputs))
        made = {key: by_layer[layer].float().cpu().numpy().astype(np.float64) for key, layer in LAYERS.items()}
        if self.spatial:
            made["spatial"] = self._spatial.pop().cpu().numpy().astype(np.float64)
        return made

    def _forward_float(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The network's outputs for float images N x 3 x 299 x 299 in [0, 255], not rounded to uint8.

        torch-fidelity's forward takes uint8 only: it asserts the dtype, converts to float, resizes
        (TF-compatible) to 299 x 299 and scales with (x - 128) / 128 before its first convolution. So
        it gets a uint8 stand-in of the right size, and a hook hands its first convolution
        (images - 128) / 128 instead of the stand-in's: the network then runs on exactly the float
        images, as clean-fid's network runs on its resizer's float output (same scaling), and
        nothing of torch-fidelity's forward is copied here."""
        scaled = (images.to(self.device, non_blocking=True) - 128) / 128  # non_blocking: from pinned memory
        stand_in = torch.zeros((len(images), 3, INPUT_SIZE, INPUT_SIZE), dtype=torch.uint8, device=self.device)
        hook = self.network.Conv2d_1a_3x3.register_forward_pre_hook(lambda module, inputs: (scaled,))
        try:
            return self.network(stand_in)
        finally:
            hook.remove()

    def provenance(self) -> dict[str, object]:
        """The extractor's provenance, and the resize when not the default (legacy-tf), so default keys
        and baselines stay as they were before the resize could be chosen."""
        made = super().provenance()
        made = made if self.resize == DEFAULT_RESIZE else {**made, "resize": self.resize}
        return {**made, "spatial": f"{SPATIAL_MODULE}[:{SPATIAL_CHANNELS}]"} if self.spatial else made
