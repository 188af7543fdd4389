"""Incremental clustering: new posts into an indexed corpus agree with a batch run."""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pytest

from threadline.cluster import ClusterSettings, cluster, evaluate_clusters
from threadline.cluster.incremental import ClusterIndex, IncrementalResult, build, update

_VOCAB = [
    f"{a}{b}"
    for a in ("tal", "mer", "quin", "dov", "sar", "lum", "bek", "orn", "fis", "gal", "hep", "jor")
    for b in ("ar", "eth", "ix", "oma", "und", "ela", "ost", "ivy", "ump", "aze")
]
_NAMES = ["Alba", "Brisa", "Cora", "Dalia", "Elva", "Fina", "Gala", "Hebe"]


def _post(rng: random.Random, words: list[str], index: int) -> str:
    edited = [rng.choice(_VOCAB) if rng.random() < 0.03 else word for word in words]
    phone = f"({rng.randint(200, 989)}) 555-01{index % 100:02d}"
    return f"Hi I am {rng.choice(_NAMES)}. {' '.join(edited)} Call {phone}"


def _templates(seed: int, count: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice(_VOCAB) for _ in range(40)] for _ in range(count)]


def _labels(clusters: list[object], count: int) -> npt.NDArray[np.int64]:
    labels = np.full(count, -1, dtype=np.int64)
    for number, found in enumerate(clusters):
        labels[list(found.members)] = number  # type: ignore[attr-defined]
    return labels


def _run(old: list[str], new: list[str]) -> tuple[npt.NDArray[np.int64], IncrementalResult]:
    clusters, index = build(old)
    old_labels = _labels(list(clusters), len(old))
    result = update(index, old_labels, new, lambda posts: [old[int(p)] for p in posts])
    combined = np.concatenate([old_labels, result.new_labels])
    combined[result.old_posts] = result.old_post_labels
    return combined, result


def _corpus() -> tuple[list[str], list[str], list[str | None]]:
    """Old posts of three templates and noise; new posts of the same and of a new template."""
    rng = random.Random(3)
    bases = _templates(9, 4)
    old: list[str] = []
    new: list[str] = []
    truth: list[str | None] = []
    for number in range(3):
        old += [_post(rng, bases[number], k) for k in range(5)]
    old += [" ".join(rng.choice(_VOCAB) for _ in range(30)) for _ in range(10)]
    for number in range(4):
        new += [_post(rng, bases[number], 10 + k) for k in range(4)]
    truth = [f"t{k // 5}" for k in range(15)] + [None] * 10 + [f"t{k // 4}" for k in range(16)]
    return old, new, truth


def test_incremental_equals_batch_on_the_same_data() -> None:
    old, new, truth = _corpus()
    combined, result = _run(old, new)
    batch = _labels(list(cluster(old + new)), len(old) + len(new))
    agreement = evaluate_clusters(list(combined), list(batch))
    assert agreement.ari == pytest.approx(1.0)
    assert evaluate_clusters(list(combined), truth).precision == 1.0
    # The fourth template is new: one new cluster with a template of its own.
    assert len(result.clusters) == 1
    (fresh,) = result.clusters
    assert fresh.members == tuple(range(len(old) + 12, len(old) + 16))
    assert "call" in fresh.template
    # New posts of known templates carry their old cluster's label.
    for number in range(3):
        assert set(result.new_labels[number * 4 : number * 4 + 4].tolist()) == {
            int(combined[number * 5])
        }


def test_old_unclustered_post_joins_a_new_cluster() -> None:
    rng = random.Random(5)
    (base,) = _templates(21, 1)
    old = [_post(rng, base, 0), "one two three four five six", "seven eight nine ten eleven"]
    new = [_post(rng, base, 1), _post(rng, base, 2)]
    clusters, index = build(old)
    assert clusters == []
    result = update(index, np.full(3, -1, dtype=np.int64), new, lambda p: [old[int(i)] for i in p])
    assert result.old_posts.tolist() == [0]
    label = int(result.old_post_labels[0])
    assert result.new_labels.tolist() == [label, label]
    assert result.clusters[0].members == (0, 3, 4)


def test_index_grows_and_round_trips_through_arrow() -> None:
    old, new, _ = _corpus()
    clusters, index = build(old)
    tables = index.to_arrow()
    assert all(isinstance(table, pa.Table) for table in tables.values())
    again = ClusterIndex.from_arrow(tables)
    assert again.post_count == index.post_count and again.doc_count == index.doc_count
    assert np.array_equal(again.bucket_keys, index.bucket_keys)
    assert np.array_equal(again.bucket_posts, index.bucket_posts)
    assert np.array_equal(again.shingle_df, index.shingle_df)
    result = update(
        again, _labels(list(clusters), len(old)), new, lambda p: [old[int(i)] for i in p]
    )
    grown = result.index
    assert grown.post_count == len(old) + len(new)
    assert np.all(grown.bucket_keys[1:] >= grown.bucket_keys[:-1])
    assert set(grown.bucket_posts.tolist()) >= set(range(len(old), len(old) + len(new)))
    assert grown.shingle_df.sum() > index.shingle_df.sum()
    assert len(grown.cluster_labels) == len(index.cluster_labels) + len(result.clusters)
    # A second update against the grown index still finds the templates.
    rng = random.Random(8)
    (base,) = _templates(9, 1)
    labels = np.concatenate([_labels(list(clusters), len(old)), result.new_labels])
    labels[result.old_posts] = result.old_post_labels
    everything = old + new
    later = update(grown, labels, [_post(rng, base, 50)], lambda p: [everything[int(i)] for i in p])
    assert later.new_labels[0] == labels[0]


def test_incremental_matches_batch_on_a_mixed_corpus() -> None:
    """Larger: 12 templates with edits among 150 independent posts, half added later."""
    rng = random.Random(17)
    bases = _templates(33, 12)
    posts = [(f"t{n}", _post(rng, bases[n], k)) for n in range(12) for k in range(8)]
    posts += [(None, " ".join(rng.choice(_VOCAB) for _ in range(35))) for _ in range(150)]  # type: ignore[misc]
    rng.shuffle(posts)
    texts = [text for _, text in posts]
    truth = [label for label, _ in posts]
    combined, _ = _run(texts[:120], texts[120:])
    batch = _labels(list(cluster(texts)), len(texts))
    assert evaluate_clusters(list(combined), list(batch)).ari >= 0.95
    assert evaluate_clusters(list(combined), truth).f1 >= 0.95


def test_a_new_campaign_sharing_generic_phrases_forms_its_own_cluster() -> None:
    """A new campaign whose posts share an old cluster's generic sentences but are far closer
    to each other is a template of its own, as a batch run finds: it groups before anything is
    attached to old clusters by profile."""
    rng = random.Random(41)
    generic, old_own, new_own = _templates(77, 3)
    old = [_post(rng, generic[:32] + old_own[:16], k) for k in range(6)]
    old += [" ".join(rng.choice(_VOCAB) for _ in range(30)) for _ in range(10)]
    new = [_post(rng, generic[:32] + new_own[:16], 20 + k) for k in range(30)]
    combined, result = _run(old, new)
    old_label = int(combined[0])
    assert old_label >= 0 and set(combined[:6].tolist()) == {old_label}
    assert old_label not in set(result.new_labels.tolist())
    assert len(set(result.new_labels.tolist())) == 1 and result.new_labels[0] >= 0
    batch = _labels(list(cluster(old + new)), len(old) + len(new))
    assert evaluate_clusters(list(combined), list(batch)).ari == pytest.approx(1.0)


def test_bad_input_is_rejected() -> None:
    old, new, _ = _corpus()
    clusters, index = build(old)
    labels = _labels(list(clusters), len(old))

    def fetch(posts: npt.NDArray[np.int64]) -> list[str]:
        return [old[int(p)] for p in posts]

    with pytest.raises(ValueError, match="settings"):
        update(index, labels, new, fetch, ClusterSettings(seed=2))
    with pytest.raises(ValueError, match="entries"):
        update(index, labels[:-1], new, fetch)
    with pytest.raises(ValueError, match="number of texts"):
        update(index, labels, new, lambda posts: [])
    with pytest.raises(TypeError):
        update(index, labels, [b"bytes"], fetch)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="missing"):
        ClusterIndex.from_arrow({"cluster_index_meta": index.to_arrow()["cluster_index_meta"]})
    empty = update(index, labels, [], fetch)
    assert empty.new_labels.shape == (0,) and empty.clusters == []
    assert empty.index.post_count == index.post_count


def test_build_of_nothing_gives_an_empty_index() -> None:
    clusters, index = build(["", "hi"])
    assert clusters == [] and index.post_count == 2 and len(index.bucket_keys) == 0
    result = update(index, np.full(2, -1, dtype=np.int64), ["a b c d e", "a b c d e"], lambda p: [])
    assert result.new_labels[0] == result.new_labels[1] >= 0
