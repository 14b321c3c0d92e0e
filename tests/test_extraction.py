"""`Extraction`: the nine extraction settings in one checked object, built from the CLI in one call,
with the loose keywords of the release before still accepted (DeprecationWarning)."""

import argparse
import warnings

import pytest

from ganeval.errors import GanevalError
from ganeval.options import CPU_BATCH_SIZE, EXTRACTION_KEYWORDS, Extraction


def test_resolved_picks_the_device_and_the_batch_size_once():
    resolved = Extraction(device="cpu").resolved()
    assert resolved.device.type == "cpu" and resolved.batch_size == CPU_BATCH_SIZE
    assert resolved.resolved() == resolved
    assert Extraction(device="cpu", batch_size=8).resolved().batch_size == 8


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"batch_size": 0}, r"--batch-size \(batch_size\) is the images per extractor batch"),
        ({"workers": -1}, r"--workers \(workers\) is a number of decoding processes"),
        ({"precision": "fp16"}, r"--precision \(precision\) must be fp32 or bf16; got 'fp16'"),
    ],
)
def test_out_of_range_settings_are_refused_naming_the_flag(changes, message):
    with pytest.raises(GanevalError, match=message):
        Extraction(**changes)


def test_from_args_reads_the_flags_a_command_has():
    args = argparse.Namespace(
        weights="w.pth",
        resize="clean",
        device="cpu",
        precision="bf16",
        batch_size=16,
        workers=2,
        no_cache=True,
        quiet=True,
    )
    extraction = Extraction.from_args(args)
    assert extraction == Extraction(
        weights="w.pth",
        resize="clean",
        device="cpu",
        precision="bf16",
        batch_size=16,
        workers=2,
        cache=False,
        progress=False,
    )
    bare = Extraction.from_args(argparse.Namespace(device="auto", precision="fp32", batch_size=None, workers=None))
    assert bare == Extraction()  # a command without --no-cache or --quiet keeps the defaults


def test_loose_keywords_still_work_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match=r"score\(batch_size=, use_cache=\) is deprecated"):
        extraction = Extraction.merged(None, "score", {"batch_size": 8, "use_cache": False})
    assert extraction == Extraction(batch_size=8, cache=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no keywords: no warning
        assert Extraction.merged(None, "score", {}, progress=False) == Extraction(progress=False)


def test_a_setting_given_both_ways_or_an_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match=r"got extraction= and device="):
        Extraction.merged(Extraction(), "score", {"device": "cpu"})
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'batchsize'"):
        Extraction.merged(None, "score", {"batchsize": 8})


def test_the_nine_settings_are_the_fields():
    assert set(EXTRACTION_KEYWORDS) == set(Extraction().to_dict())
