"""InceptionV3 throughput: `ganeval stats`/`score` images/s against the forward-only ceiling, and
against torch-fidelity's `calculate_metrics` and clean-fid's `compute_fid` on the same folder and weights.

    python3 benchmarks/bench_throughput.py --n 64                    # CPU, the test weights
    python3 benchmarks/bench_throughput.py --n 5000 --device cuda --weights weights-inception-2015-12-05-6726825d.pth

The ceiling: the extractor's forward alone on images already decoded and stacked, at the same batch
size and device. ganeval's path adds decoding (DataLoader workers), pinned copies and the statistics.
Without --weights the deterministic stand-in weights of tests/inception_test_weights.py are used
(same network, other numbers): throughput does not depend on the weights' values. torch-fidelity
reads the same folder and weights, so its features are compared with ganeval's (max relative
difference). clean-fid runs torch-fidelity's network as its custom feature extractor on the same
folder: same weights, but clean-fid resizes to 299 x 299 with PIL before the network ("clean"
mode), so its features differ by design and only its time is compared.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _common import ROOT, ForeignLoad

sys.path.insert(0, str(ROOT / "tests"))


def write_folder(folder: Path, n: int, seed: int, size: int) -> Path:
    from inception_test_weights import make_test_images
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(make_test_images(n, seed, size=size).permute(0, 2, 3, 1).numpy()):
        Image.fromarray(image).save(folder / f"{index:06d}.png")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--n", type=int, default=64, help="images per folder (default 64: InceptionV3 is slow on a CPU)"
    )
    parser.add_argument("--size", type=int, default=64, help="side of the PNG images (default 64)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, help="default: ganeval's for the device (64 CPU, 256 GPU)")
    parser.add_argument("--workers", type=int, help="decoding workers (default: ganeval's)")
    parser.add_argument("--weights", help="InceptionV3 weights (default: the test stand-in)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()

    import ganeval
    from ganeval.device import resolve_device
    from ganeval.features import get_extractor
    from ganeval.options import Extraction, MetricOptions
    from ganeval.scoring import default_batch_size

    device = resolve_device(args.device)
    batch = args.batch_size or default_batch_size(device)
    work = Path(tempfile.mkdtemp(prefix="ganeval-throughput-"))
    weights = args.weights
    if weights is None:
        from inception_test_weights import make_test_weights

        weights = str(make_test_weights(work / "inception-test.pth", seed=0))
    folder = write_folder(work / "a", args.n, seed=1, size=args.size)
    write_folder(work / "b", args.n, seed=2, size=args.size)
    load = ForeignLoad()
    print(
        f"device {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'}), "
        f"torch threads {torch.get_num_threads()}, batch {batch}, "
        f"{args.n} images of {args.size}x{args.size}, {args.precision}"
    )

    extractor = get_extractor("inception", Extraction(weights=weights, device=device, precision=args.precision))
    from inception_test_weights import make_test_images

    images = make_test_images(args.n, 1, size=args.size)
    extractor.extract(images[: min(batch, 8)])  # warm-up (cuDNN autotune, allocator)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    forward = [extractor.extract(images[i : i + batch])["features"] for i in range(0, args.n, batch)]
    ceiling = args.n / (time.perf_counter() - start)
    ours = np.concatenate(forward)
    print(f"forward-only ceiling     {ceiling:9.1f} images/s")

    extraction = Extraction(
        weights=weights,
        batch_size=batch,
        workers=args.workers,
        progress=False,
        device=device,
        precision=args.precision,
    )
    common = dict(extractor="inception", extraction=extraction)
    start = time.perf_counter()
    ganeval.stats(str(folder), str(work / "a.npz"), options=MetricOptions(), **common)
    stats_rate = args.n / (time.perf_counter() - start)
    print(f"ganeval stats (1 folder) {stats_rate:9.1f} images/s  = {stats_rate / ceiling:.0%} of the ceiling")
    start = time.perf_counter()
    result = ganeval.score(
        str(folder),
        str(work / "b"),
        metrics=["fid"],
        options=MetricOptions(bootstrap=0),
        extractor="inception",
        extraction=extraction.replace(cache=False),
    )
    score_time = time.perf_counter() - start
    score_rate = 2 * args.n / score_time
    print(
        f"ganeval score (2 folders){score_rate:9.1f} images/s  = {score_rate / ceiling:.0%} of the ceiling "
        f"({score_time:.1f} s, FID {result.metrics['fid'].value:.4g})"
    )
    folder_features = np.load(work / "a.npz")["features"]
    print(f"  stats features vs forward on the same images: max |diff| {np.abs(folder_features - ours).max():.2e}")

    if not args.skip_peers:
        import torch_fidelity
        from torch_fidelity.datasets import ImagesPathDataset
        from torch_fidelity.utils import create_feature_extractor, get_featuresdict_from_dataset

        cuda = device.type == "cuda"
        start = time.perf_counter()
        metrics = torch_fidelity.calculate_metrics(
            input1=str(folder),
            input2=str(work / "b"),
            fid=True,
            cuda=cuda,
            batch_size=batch,
            feature_extractor_weights_path=weights,
            verbose=False,
            cache=False,
        )
        tf_time = time.perf_counter() - start
        print(
            f"torch-fidelity calculate_metrics {2 * args.n / tf_time:9.1f} images/s ({tf_time:.1f} s, FID "
            f"{metrics['frechet_inception_distance']:.4g}); ganeval is {tf_time / score_time:.2f}x as fast"
        )
        network = create_feature_extractor(
            "inception-v3-compat", ["2048"], cuda=cuda, feature_extractor_weights_path=weights
        )
        files = sorted(str(p) for p in folder.glob("*.png"))
        theirs = get_featuresdict_from_dataset(ImagesPathDataset(files), network, batch, cuda, False, False)["2048"]
        theirs = theirs.double().numpy()
        print(
            f"  features: torch-fidelity vs ganeval max relative diff "
            f"{np.abs(theirs - folder_features).max() / np.abs(theirs).max():.2e}"
        )
        try:
            from cleanfid import fid as cleanfid
        except ImportError:
            print("clean-fid: not installed (pip install clean-fid)")
        else:

            def features(batch_images):  # clean-fid hands float 0..255 N x 3 x 299 x 299; the network takes uint8
                with torch.inference_mode():
                    return network(batch_images.clamp(0, 255).round().to(torch.uint8))[0]

            start = time.perf_counter()
            value = cleanfid.compute_fid(
                str(folder),
                str(work / "b"),
                mode="clean",
                custom_feat_extractor=features,
                batch_size=batch,
                device=device,
                num_workers=0,
                verbose=False,
                use_dataparallel=False,
            )
            cf_time = time.perf_counter() - start
            print(
                f"clean-fid compute_fid   {2 * args.n / cf_time:9.1f} images/s ({cf_time:.1f} s, FID {value:.4g}; "
                f"clean resize, other features); ganeval is {cf_time / score_time:.2f}x as fast"
            )
    print(load.report())


if __name__ == "__main__":
    main()
