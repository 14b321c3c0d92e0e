"""`ganeval score`: generated samples against a reference, each metric with a 95% interval."""

from __future__ import annotations

import sys

from ganeval import distributed, scoring
from ganeval.atomic import json_text
from ganeval.commands.common import (
    EXAMPLES,
    FOLLOWS,
    INCEPTION_WEIGHTS,
    METRIC_OPTIONS,
    REFERENCE_HELP,
    SKIP_BAD,
    add_inputs,
    add_settings,
    check_outputs,
    names,
    new_command,
    options,
    safe,
    write_output,
)
from ganeval.errors import GanevalError
from ganeval.options import Extraction

DESCRIPTION = """Score GENERATED against --ref: FID, KID, Inception Score, precision, recall,
density, coverage and mode coverage (those that apply), each with a 95% bootstrap interval.
The first line sums the result up and names the missing modes; --quiet prints it alone.

GENERATED and REF: a folder of images (png, jpg, jpeg, webp, bmp; searched recursively), an
.npz/.npy array (uint8 images N x H x W [x C], or N x 2 points), or a bundled set (digits,
stacked-digits, ring8, grid25). REF may also be a statistics file from `ganeval stats`.
Reference features are cached (GANEVAL_CACHE_DIR, default ~/.cache/ganeval).
The extractor follows the reference unless --extractor says otherwise.

Which feature space (README, "Which feature space?"): inception is the default for images (FID
as papers quote it; --resize clean for clean-fid's antialiased resize); --extractor dinov2 or clip
score in the spaces that follow human judgement, and the Frechet distance is then named after them
(fd_dinov2, fd_clip). --metrics cmmd adds CMMD (an unbiased kernel distance; alone it picks clip).

Does the generator copy its training set? --train DIR adds memorized (the share of generated
samples nearer to a training sample than a third of the way to the second nearest: copies and
near copies; read it first), authenticity (the share farther from their nearest training sample
than that sample is from its own neighbours; held-out data scores about 0.5 on digits, copies 0)
and ct (Meehan et al.'s C_T z-score of generated vs --ref distances to the training set; below -2:
copying), and lists the closest generated/training pairs; --report FILE.html shows them as
thumbnails. --ref must then be held out from training (a test split), or ct is skipped.

Which samples? --report FILE.html also shows the 16 generated samples with the lowest realism
score (Kynkaanniemi et al. 2019; below 1: outside the smaller half of the real k-NN balls), the regions of
--ref the generator misses (k-means regions ranked by the share of reference samples whose k-NN
ball no generated sample enters: a dropped mode is near 100%), with their indices and files in
the JSON. --prd adds the PRD curve (Sajjadi et al. 2018), its max F_8 (recall-like) and F_1/8
(precision-like), to the table, the JSON and the page.

Conditional generators and labelled data: --metrics intra_fid,cas adds intra-FID (the FID of each
class's samples against the reference's of that class, and their mean; lower is better) and CAS
(the accuracy on --ref of a classifier trained on GENERATED and its labels; higher is better). Both
sides need classes: a folder with a subfolder per class or a labels.csv (file,label), a bundled set
(digits), or the folder `ganeval sample` writes for a conditional run (with its labels.csv)."""


def add_command(commands) -> None:
    parser = new_command(commands, "score", run, "score generated samples against a reference", DESCRIPTION, EXAMPLES)
    parser.add_argument("generated", metavar="GENERATED")
    parser.add_argument("--ref", required=True, metavar="REF", help=REFERENCE_HELP)
    parser.add_argument(
        "--metrics",
        metavar="LIST",
        help="comma-separated metrics (default: all that apply but cmmd), e.g. fid,precision,recall; cmmd; "
        "fd_dinov2 (the Frechet distance on dinov2 features: chooses that extractor); intra_fid,cas (labelled inputs)",
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        help="also write the result as JSON to FILE ('-' prints JSON instead of the table, and the summary line "
        "to stderr)",
    )
    parser.add_argument(
        "--train",
        metavar="DIR",
        help="the generator's training set (folder, array, bundled set or statistics file): adds the memorization "
        "metrics memorized (share of samples that copy a training sample; lower is better), authenticity (share of "
        "samples that are no copy; higher is better) and ct (C_T z-score; below -2: copying), and lists the "
        "generated samples closest to it. ct needs --ref held out from training",
    )
    parser.add_argument(
        "--report",
        metavar="FILE.html",
        help="also write the result as a self-contained HTML page: the 16 generated samples that look least real "
        "(realism score), the reference's regions no generated sample reaches, and with --train the closest pairs, "
        "as thumbnails (their indices and files go in the JSON too)",
    )
    parser.add_argument(
        "--prd",
        action="store_true",
        help="also compute the PRD curve (precision and recall for distributions, Sajjadi et al. 2018: k-means of "
        "both sides' features, 20 clusters, 10 runs): its max F_8 (recall-like) and F_1/8 (precision-like) in the "
        "table, the curve in the JSON and on the --report page",
    )
    add_settings(parser, *METRIC_OPTIONS)
    add_inputs(parser, extractor=FOLLOWS, weights_help=INCEPTION_WEIGHTS)
    parser.add_argument("--skip-bad", action="store_true", help=SKIP_BAD)
    parser.add_argument("--quiet", action="store_true", help="no progress bars; score prints only its one-line summary")


def run(args) -> int:
    check_outputs(("--json", args.json, False), ("--report", args.report, False))
    result = scoring.score(
        args.generated,
        args.ref,
        args.extractor,
        names(args.metrics),
        options=options(args),
        train=args.train,
        prd=args.prd,
        per_sample=bool(args.report),
        extraction=Extraction.from_args(args),
    )
    if not distributed.world().main:  # under torchrun, rank 0 writes and prints
        return 0
    failed = write_output("--json", args.json, json_text(result.to_dict())) if args.json else None
    if args.json == "-":  # stdout carries the JSON alone; the summary line goes to stderr
        print(safe(result.summary()), file=sys.stderr)
    else:
        print(safe(result.summary() if args.quiet else result.table()))
    for message in result.provenance["warnings"]:
        print(safe(f"ganeval: warning: {message}"), file=sys.stderr)
    if failed:
        raise GanevalError(failed, argument="--json")
    if args.report:
        _write_report(args.report, result)
    return 0


def _write_report(path: str, result: scoring.Result) -> None:
    """The result as an HTML page (ganeval.report.score_page), imported here: seaborn and matplotlib load in
    about a second, which a score without --report does not pay."""
    from ganeval.report.score_page import score_blocks, write_score_page

    found, view = result.memorization, result.per_sample
    pairs, images = (None, None) if found is None else (found.to_dict()["closest_pairs"], found.images)
    per_sample = None if view is None else (view.to_dict(), view.worst_images, view.region_images)
    prd = None if result.prd is None else result.prd.to_dict()
    blocks = score_blocks(
        result.summary(), result.to_frame(), result.provenance, pairs, images, per_sample=per_sample, prd=prd
    )
    try:
        write_score_page(path, blocks)
    except OSError as error:
        raise GanevalError(f"{path}: cannot write it ({error.strerror or error}).", argument="--report") from None
