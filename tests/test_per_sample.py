"""The per-sample view (score --report): the least real generated samples, the reference's least covered regions,
each in the JSON as indices and files, and the PRD curve (--prd) in the JSON and on the page."""

import json

import numpy as np
import pytest

from ganeval.cli import main
from ganeval.data import get_bundled
from ganeval.errors import GanevalError
from ganeval.metrics.realism import uncovered_regions
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score


@pytest.fixture(autouse=True)
def one_thread():
    """k-means on a few hundred points: OpenMP's threads cost more than they give on a shared machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def test_regions_rank_a_dropped_cluster_first(rng):
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    labels = np.repeat([0, 1, 2], [60, 40, 50])
    features = centres[labels] + rng.standard_normal((150, 2)) * 0.5
    covered = np.ones(150, dtype=bool)
    covered[labels == 1] = False  # a dropped mode: none of its samples reached
    covered[np.flatnonzero(labels == 0)[:6]] = False  # thin coverage elsewhere
    found = uncovered_regions(features, covered, regions=4, examples=5, clusters=3, seed=0)
    assert [(r.size, r.uncovered) for r in found] == [(40, 40), (60, 6)]  # the fully covered cluster left out
    assert set(labels[found[0].examples]) == {1} and len(found[0].examples) == 5
    centre = features[labels == 1].mean(axis=0)  # examples: the uncovered samples nearest the region's centre
    distances = ((features - centre) ** 2).sum(axis=1)
    nearest = np.flatnonzero(labels == 1)[np.argsort(distances[labels == 1])[:5]]
    assert list(found[0].examples) == list(nearest)
    assert len(found[1].examples) == 5 and set(found[1].examples) < set(np.flatnonzero(labels == 0)[:6])  # 5 of 6
    assert uncovered_regions(features, np.ones(150, dtype=bool), clusters=3) == []  # nothing missed: no region
    with pytest.raises(GanevalError, match="one flag per reference sample"):
        uncovered_regions(features, covered[:10])


@pytest.fixture(scope="module")
def digits():
    images, labels = get_bundled("digits").sample()
    return images, labels


def _view(generated, reference):
    options = MetricOptions(bootstrap=0, seed=0)
    extractor = "points" if np.ndim(generated) == 2 else "digits"
    return score(
        generated,
        reference,
        extractor,
        ["fid", "coverage"],
        options=options,
        per_sample=True,
        extraction=Extraction(progress=False),
    )


def test_the_view_finds_the_dropped_digit(digits):
    images, labels = digits
    rows = np.random.default_rng(0).permutation(len(images))
    reference, held = rows[:900], rows[900:]
    generated = images[held[labels[held] != 7][:400]]  # a generator that never draws a 7
    view = _view(generated, images[reference]).per_sample
    top = view.regions[0]
    assert top.uncovered / top.size > 0.9 and set(labels[reference][top.rows]) == {7}  # the missing digit
    assert view.realism == sorted(view.realism) and len(view.worst) == 16
    document = view.to_dict()
    assert document["worst_realism"]["indices"] == view.worst and document["worst_realism"]["files"] == [None] * 16
    assert document["uncovered_regions"]["regions"][0]["examples"] == top.rows
    assert len(view.worst_images) == 16 and view.worst_images[0].shape == (1, 32, 32)
    np.testing.assert_array_equal(view.worst_images[0], generated[view.worst[0]])
    np.testing.assert_array_equal(view.region_images[0][0], images[reference][top.rows[0]])

    honest = _view(images[held[:400]], images[reference]).per_sample  # the same digits, all ten
    assert all(region.uncovered / region.size < 0.9 for region in honest.regions)  # no region called dropped


def test_off_manifold_points_are_the_least_real():
    real, _ = get_bundled("ring8").sample(1000, seed=1)
    generated, _ = get_bundled("ring8").sample(400, seed=2)
    generated[[7, 70, 170]] = [[0.0, 0.0], [0.3, -0.2], [-0.1, 0.4]]  # the ring's empty centre
    view = _view(generated, real).per_sample
    assert set(view.worst[:3]) == {7, 70, 170} and max(view.realism[:3]) < 0.5
    assert view.worst_images == [None] * 16 and view.worst_files == [None] * 16  # points: nothing to show
    honest = _view(get_bundled("ring8").sample(400, seed=2)[0], real).per_sample
    assert min(honest.realism) > max(view.realism[:3])  # no honest sample as unreal as those


def test_cli_report_json_and_prd(digits, tmp_path, capsys):
    images, _ = digits
    folder = tmp_path / "generated"
    folder.mkdir()
    from PIL import Image

    for i, image in enumerate(images[:120]):
        Image.fromarray(image[0]).save(folder / f"{i:03d}.png")
    np.save(tmp_path / "ref.npy", images[300:600, 0])
    page, output = tmp_path / "page.html", tmp_path / "result.json"
    args = ["score", str(folder), "--ref", str(tmp_path / "ref.npy"), "--extractor", "digits", "--bootstrap", "0"]
    assert main([*args, "--quiet", "--prd", "--json", str(output), "--report", str(page)]) == 0
    document = json.loads(output.read_text())
    worst = document["per_sample"]["worst_realism"]
    assert len(worst["indices"]) == 16 and worst["files"] == [f"{i:03d}.png" for i in worst["indices"]]
    regions = document["per_sample"]["uncovered_regions"]
    assert regions["reference_count"] == 300 and all(
        r["files"] == [None] * len(r["examples"]) for r in regions["regions"]
    )
    prd = document["prd"]
    assert len(prd["precision"]) == len(prd["recall"]) == 1001 and 0.5 < prd["f_8"] <= 1 and 0.5 < prd["f_1_8"] <= 1
    html = page.read_text()
    for heading in ("PRD curve", "Generated samples that look least real", "Regions the generator misses"):
        assert heading in html
    assert html.count("data:image/png;base64,") == 2 + bool(regions["regions"])  # PRD, least real, regions
    assert f"{worst['indices'][0]:03d}.png" in html
    plain = tmp_path / "plain.json"
    assert main([*args, "--quiet", "--json", str(plain)]) == 0  # neither asked: neither computed
    assert not {"prd", "per_sample"} & set(json.loads(plain.read_text()))


def test_a_reference_of_mu_and_sigma_refuses_prd_and_still_writes_the_page(digits, tmp_path, capsys):
    from ganeval.features import get_extractor

    images, _ = digits
    np.save(tmp_path / "gen.npy", images[:200, 0])
    features = get_extractor("digits").extract(images[300:600])["features"]
    stats = tmp_path / "stats.npz"
    np.savez(stats, mu=features.mean(axis=0), sigma=np.cov(features, rowvar=False))  # pytorch-fid's statistics
    args = ["score", str(tmp_path / "gen.npy"), "--ref", str(stats), "--extractor", "digits", "--quiet"]
    capsys.readouterr()
    assert main([*args, "--prd"]) == 2
    assert "PRD curve clusters the reference's features" in capsys.readouterr().err
    page = tmp_path / "page.html"
    assert main([*args, "--report", str(page)]) == 0
    assert "no per-sample view" in capsys.readouterr().err and "Metrics" in page.read_text()


def test_thumbnail_notes_and_titles_are_drawn_literally():
    """A file name such as `a$^$b.png` under a thumbnail is text, not mathtext (which fails to parse: exit 3)."""
    from ganeval.render.figures import png_bytes
    from ganeval.report.score_page import thumbnails_figure

    image = np.zeros((1, 8, 8), dtype=np.uint8)
    figure = thumbnails_figure([("region $x^$", [image] * 9, ["a$^$b.png"] * 9)])  # 9: a second line
    assert png_bytes(figure).startswith(b"\x89PNG") and len(figure.axes) == 16
