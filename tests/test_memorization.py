"""Memorization: authenticity and C_T equal dgm-eval's computation, planted copies are flagged and an
honest generator is not, the closest pairs find the copies, and score / the CLI carry them."""

import json

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.stats import mannwhitneyu
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from ganeval.cli import main
from ganeval.data import get_bundled
from ganeval.errors import GanevalError
from ganeval.features import get_extractor
from ganeval.metrics import Samples, authenticity, closest_pairs, compute_metrics, ct_statistic, memorized
from ganeval.metrics.memorization import ct_resampled, nearest, nearest_other
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score

COPIED = 0.10  # share of a copying generator's samples that are training images


@pytest.fixture(scope="module")
def digits():
    """The bundled digits, their features, and disjoint thirds (train, held-out test, generated) drawn with a seed."""
    images, _ = get_bundled("digits").sample()
    extractor = get_extractor("digits")
    features = np.concatenate([extractor.extract(images[i : i + 512])["features"] for i in range(0, len(images), 512)])
    train, test, held = np.array_split(np.random.default_rng(0).permutation(len(images)), 3)
    return images, features, extractor, train, test, held


@pytest.fixture(scope="module")
def generators(digits):
    """Three generators of len(held) samples: honest (held-out digits), 10% exact training images, 10% training
    images with pixel noise (std 6 of 255); the rest held-out digits. Each: (features, images, copied train rows)."""
    images, features, extractor, train, _, held = digits
    copies = int(COPIED * len(held))
    noisy_images = images[held].copy()
    noise = np.random.default_rng(1).normal(0, 6, size=noisy_images[:copies].shape)
    noisy_images[:copies] = np.clip(images[train[:copies]] + noise, 0, 255).astype(np.uint8)
    exact_images = images[held].copy()
    exact_images[:copies] = images[train[:copies]]
    exact = features[held].copy()
    exact[:copies] = features[train[:copies]]
    return {
        "honest": (features[held], images[held], np.array([], dtype=int)),
        "exact": (exact, exact_images, np.arange(copies)),
        "noisy": (extractor.extract(noisy_images)["features"], noisy_images, np.arange(copies)),
    }


@pytest.fixture(scope="module")
def measured(digits, generators):
    """Authenticity and C_T of each generator, and the authenticity of the held-out test set itself."""
    _, features, _, train, test, _ = digits
    found = {
        name: (authenticity(features[train], gen), ct_statistic(features[train], features[test], gen, seed=0))
        for name, (gen, _, _) in generators.items()
    }
    return found, authenticity(features[train], features[test]).share


def dgm_eval_authenticity(train, generated):
    """dgm-eval's rule, brute force on full distance matrices: a generated sample is authentic when its
    nearest training sample (first on ties) is strictly nearer to another training sample than to it."""
    own = cdist(train, train)
    np.fill_diagonal(own, np.inf)
    to_generated = cdist(train, generated)
    nearest_rows = to_generated.argmin(axis=0)
    return own.min(axis=0)[nearest_rows] < to_generated.min(axis=0)


def dgm_eval_ct(train, test, generated, seed):
    """dgm-eval's compute_CTscore, written out with scikit-learn and scipy: PCA to 64 components on the
    training set, k-means with 3 cells, per cell the z-scored Mann-Whitney U of nearest-training distances
    (generated vs test), weighted by the test share of the cells holding more than 20 generated samples."""
    pca = PCA(n_components=64, svd_solver="full").fit(train)
    t, p, q = (pca.transform(x) for x in (train, test, generated))
    kmeans = KMeans(n_clusters=3, n_init=10, random_state=seed).fit(t)
    t_cell, p_cell, q_cell = (kmeans.predict(x) for x in (t, p, q))
    z, weight, used = [], [], []
    for cell in range(3):
        neighbours = NearestNeighbors(n_neighbors=1).fit(t[t_cell == cell])
        lq = neighbours.kneighbors(q[q_cell == cell])[0]
        lp = neighbours.kneighbors(p[p_cell == cell])[0]
        u = mannwhitneyu(lq, lp, alternative="less").statistic[0]
        n, m = len(lp), len(lq)
        z.append((u - (n * m / 2 - 0.5)) / np.sqrt(n * m * (n + m + 1) / 12))
        weight.append(n / len(p))
        used.append(m / len(q) > 20 / len(q))
    z, weight, used = np.array(z), np.array(weight), np.array(used)
    return weight[used] @ z[used] / weight[used].sum()


def test_authenticity_equals_dgm_evals_rule(digits, rng):
    _, features, _, train, _, held = digits
    t = features[train[:300]].copy()
    t[7] = t[3]  # a duplicate in the training set: its own nearest neighbour is at 0
    g = np.concatenate([features[held[:150]], t[:30], t[:30] + rng.normal(0, 0.5, (30, t.shape[1]))])
    result = authenticity(t, g, tile=64)  # tiles smaller than the sets: the chunked path
    expected = dgm_eval_authenticity(t, g)
    assert np.array_equal(result.authentic, expected)
    assert result.share == expected.mean()
    assert not result.authentic[150:180].any()  # exact copies are never authentic
    copied_rows = np.arange(30)
    copied_rows[7] = 3  # the copy of row 7 is as near to its duplicate, row 3: the first wins, as in torch.min
    assert np.array_equal(result.nearest[150:180], copied_rows)


def test_nearest_neighbours_are_exact_and_first_on_ties(rng):
    x = rng.standard_normal((90, 5))
    x[40] = x[10]
    query = np.concatenate([x[[10, 3]], rng.standard_normal((20, 5))])
    found = nearest(x, query, tile=16)
    assert found.index[0] == 10 and found.distance[0] == 0.0 and found.distance[1] == 0.0  # first of the duplicates
    assert np.array_equal(found.index, cdist(query, x).argmin(axis=1))
    own = nearest_other(x, tile=16)
    full = cdist(x, x)
    np.fill_diagonal(full, np.inf)
    assert np.allclose(own.distance, full.min(axis=1), rtol=1e-12) and own.distance[10] == own.distance[40] == 0.0


def test_ct_equals_dgm_evals_computation(digits, generators):
    _, features, _, train, test, _ = digits
    generated = generators["exact"][0]
    result = ct_statistic(features[train], features[test], generated, seed=3)
    assert result.value == pytest.approx(dgm_eval_ct(features[train], features[test], generated, 3), rel=1e-9)
    # a resample that takes every sample once is the statistic itself (the bootstrap's building block)
    assert ct_resampled(result.generated_cell, result.generated_u, result.test_counts) == pytest.approx(
        result.value, rel=1e-12
    )


def test_planted_copies_are_flagged_and_an_honest_generator_is_not(measured, generators):
    found, held_out = measured
    honest_share, honest_ct = found["honest"][0].share, found["honest"][1].value
    n = len(found["honest"][0].authentic)
    assert abs(honest_share - held_out) < 3 * np.sqrt(2 * 0.25 / n)  # as authentic as held-out data, within 3 SE
    assert honest_ct > -2  # no significant copying
    for name in ("exact", "noisy"):
        result, ct = found[name]
        planted = generators[name][2]
        assert not result.authentic[planted].any(), name  # every copy is flagged
        assert result.share < honest_share - 0.03, name
        assert ct.value < -2 and ct.value < honest_ct - 1, name
    print({name: (round(a.share, 3), round(c.value, 2)) for name, (a, c) in found.items()}, round(held_out, 3))


def test_closest_pairs_find_the_planted_copies(digits, generators):
    _, features, _, train, _, _ = digits
    for name in ("exact", "noisy"):
        generated, _, planted = generators[name]
        pairs = closest_pairs(features[train], generated, count=8)
        assert [p.distance for p in pairs] == sorted(p.distance for p in pairs)
        assert all(p.generated in planted and p.train == p.generated for p in pairs), name  # copy g of train row g
        assert all(p.distance < p.train_distance / 3 for p in pairs)
        if name == "exact":
            assert all(p.distance == 0.0 for p in pairs)


def test_registry_needs_the_training_set_and_bootstraps_the_generated_side(digits, generators):
    _, features, _, train, test, _ = digits
    real, fake, trained = (Samples(features=x) for x in (features[test], generators["exact"][0], features[train]))
    with pytest.raises(GanevalError, match="metric 'authenticity' needs features of the training samples"):
        compute_metrics(["authenticity"], real, fake)
    values = compute_metrics(["authenticity", "ct"], real, fake, MetricOptions(), bootstrap_n=30, train=trained)
    assert values["authenticity"].low <= values["authenticity"].value <= values["authenticity"].high <= 1
    assert values["ct"].low < values["ct"].value < values["ct"].high < 0


def test_score_with_the_training_set_as_reference_gives_a_note_not_ct(digits):
    images, _, _, train, _, held = digits
    train_images, generated = images[train][:, 0], images[held][:, 0]  # N x H x W arrays
    options = MetricOptions(bootstrap=0, kid_subsets=2, n=300)  # n: the same seeded rows of each side
    result = score(
        generated,
        train_images,
        "digits",
        ["authenticity", "fid"],
        options=options,
        train=train_images,
        extraction=Extraction(progress=False),
    )
    assert set(result.metrics) == {"authenticity", "fid"}
    result = score(
        generated, train_images, "digits", options=options, train=train_images, extraction=Extraction(progress=False)
    )
    assert "ct" not in result.metrics and "authenticity" in result.metrics
    assert any("ct is not computed" in note and "held out" in note for note in result.provenance["warnings"])
    assert result.provenance["train"]["count"] == 300
    assert len(result.to_dict()["memorization"]["closest_pairs"]) == 8
    with pytest.raises(GanevalError, match="same samples; pass a held-out reference"):
        score(
            generated,
            train_images,
            "digits",
            ["ct"],
            options=options,
            train=train_images,
            extraction=Extraction(progress=False),
        )
    plain = score(generated, train_images, "digits", ["fid"], options=options, extraction=Extraction(progress=False))
    assert "memorization" not in plain.to_dict() and "train" not in plain.provenance


def test_cli_train_json_and_report_with_thumbnails(digits, generators, tmp_path, capsys):
    images, _, _, train, test, _ = digits
    for name, array in (("train", images[train]), ("ref", images[test]), ("gen", generators["exact"][1])):
        np.save(tmp_path / f"{name}.npy", array[:, 0])
    args = ["score", str(tmp_path / "gen.npy"), "--ref", str(tmp_path / "ref.npy"), "--extractor", "digits"]
    args += ["--metrics", "authenticity,ct,fid", "--bootstrap", "10", "--n", "300", "--quiet"]
    page, output = tmp_path / "page.html", tmp_path / "result.json"
    assert main([*args, "--train", str(tmp_path / "train.npy"), "--json", str(output), "--report", str(page)]) == 0
    document = json.loads(output.read_text())
    assert set(document["metrics"]) == {"authenticity", "ct", "fid"} and document["metrics"]["ct"]["value"] < 0
    pairs = document["memorization"]["closest_pairs"]
    assert len(pairs) == 8 and pairs[0]["distance"] == 0.0
    html = page.read_text()
    assert "Closest generated/training pairs" in html and "Generated samples that look least real" in html
    # the closest pairs, the least real samples and the least covered regions (when any is uncovered)
    assert html.count("data:image/png;base64,") == 2 + bool(document["per_sample"]["uncovered_regions"]["regions"])
    assert "authenticity" in html and "Provenance" in html
    capsys.readouterr()
    assert main([*args, "--train", str(tmp_path / "missing")]) == 2
    assert "--train" in capsys.readouterr().err


def test_memorized_equals_the_two_nearest_rule_written_out(digits):
    """memorized: d(g, nearest training) < d(g, second nearest) / 3, the brute-force way (cdist, sort)."""
    _, features, _, train, _, held = digits
    rng = np.random.default_rng(3)
    generated = features[held[:200]] + rng.normal(0, 0.5, (200, features.shape[1]))
    generated[:20] = features[train[:20]] + rng.normal(0, 0.05, (20, features.shape[1]))
    distances = np.sort(cdist(generated, features[train]), axis=1)
    expected = distances[:, 0] / distances[:, 1] < 1 / 3
    found = memorized(features[train], generated, tile=64)  # several tiles per side
    assert np.array_equal(found.memorized, expected) and found.share == pytest.approx(expected.mean())
    assert np.allclose(found.ratio, distances[:, 0] / distances[:, 1], rtol=1e-6, atol=1e-9)
    assert found.memorized[:20].all()


def test_memorized_flags_every_copy_and_almost_no_honest_sample(digits, generators):
    """Exact copies and lightly noised copies (std 6 of 255) are all found. Held-out digits are almost never
    called memorized: over 10 random halvings, at most 1 of 898 (the digits hold a few near-duplicate
    drawings, which the rule rightly finds: one is 3 times nearer its twin than any other digit)."""
    _, features, _, train, _, _ = digits
    for name in ("exact", "noisy"):
        generated, _, copied = generators[name]
        flagged = np.flatnonzero(memorized(features[train], generated).memorized)
        assert set(copied) <= set(flagged) and len(flagged) <= len(copied) + 1, name
    flagged = []
    for seed in range(10):
        train_rows, held_rows = np.array_split(np.random.default_rng(100 + seed).permutation(len(features)), 2)
        flagged.append(int(memorized(features[train_rows], features[held_rows]).memorized.sum()))
    assert max(flagged) <= 1 and sum(flagged) <= 5, flagged


def test_memorized_through_score_with_an_interval(digits, generators):
    images, _, _, train, test, _ = digits
    _, copying_images, copied = generators["exact"]
    options = MetricOptions(bootstrap=50)
    result = score(
        copying_images,
        images[test],
        "digits",
        ["memorized"],
        options=options,
        train=images[train],
        extraction=Extraction(progress=False),
    )
    found = result.metrics["memorized"]
    assert len(copied) <= found.value * len(copying_images) <= len(copied) + 1
    assert found.low <= found.value <= found.high and found.high < 0.2
    assert result.summary().endswith(f"{found.value:.1%} memorized")


def test_memorized_is_left_out_on_low_dimensional_features():
    """On 2-D points, 12% of honest samples pass the 1/3 rule (about 3^-2): memorized is left out with a note
    saying why, and refused when asked for by name, rather than raise a false alarm."""
    from ganeval.data import RING8
    from ganeval.metrics.memorization import MEMORIZED_MIN_DIM

    train, generated = RING8.sample(500, seed=1)[0], RING8.sample(500, seed=2)[0]
    assert memorized(train, generated).share > 0.05 and MEMORIZED_MIN_DIM > 2  # why the rule is kept from 2-D
    options = MetricOptions(bootstrap=0)
    result = score(generated, "ring8", train=train, options=options, extraction=Extraction(progress=False, cache=False))
    assert "memorized" not in result.metrics and "authenticity" in result.metrics
    assert any("memorized is not computed" in note and "3^-d" in note for note in result.provenance["warnings"])
    with pytest.raises(GanevalError, match="at least 10 dimensions") as refused:
        score(
            generated,
            "ring8",
            metrics=["memorized"],
            train=train,
            options=options,
            extraction=Extraction(progress=False, cache=False),
        )
    assert refused.value.argument == "metrics"
