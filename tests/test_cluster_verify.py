"""Pair similarity, components, the relative filter, attachment and template alignment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.cluster import verify
from threadline.cluster.template import SLOT, align, template_of
from threadline.cluster.tokens import Shingles, shingle, token_spans, tokenize


def _word(number: int) -> str:
    """A distinct letters-only word (digits inside words fold to one class)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "q" + letters[number // 26 % 26] + letters[number % 26] + letters[number // 676]


def _docs(*texts: str) -> tuple[Shingles, verify.ShingleWeights]:
    shingles = shingle([tokenize(text) for text in texts])
    return shingles, verify.weigh(shingles)


def test_similarity_is_one_for_copies_zero_for_disjoint() -> None:
    shingles, weights = _docs("a b c d e", "a b c d e", "v w x y z")
    sims = verify.pair_similarity(shingles, weights, np.array([[0, 1], [0, 2]]))
    assert sims[0] == pytest.approx(1.0)
    assert sims[1] == 0.0
    with pytest.raises(ValueError):
        verify.pair_similarity(shingles, weights, np.array([0, 1]))


def test_common_shingles_weigh_less() -> None:
    common = "incall and outcall no blocked calls"
    texts = [f"{common} {_word(i)} {_word(i + 100)} {_word(i + 200)}" for i in range(30)]
    shingles, weights = _docs(
        *texts, "rare phrase alpha beta gamma", "rare phrase alpha beta delta"
    )
    sims = verify.pair_similarity(shingles, weights, np.array([[0, 1], [30, 31]]), None)
    assert sims[0] < sims[1]


def test_components_join_transitively() -> None:
    labels = verify.components(6, np.array([[0, 1], [1, 2], [4, 5]]))
    assert list(labels) == [0, 0, 0, 3, 4, 4]
    assert list(verify.components(3, np.zeros((0, 2), dtype=np.int64))) == [0, 1, 2]


def test_relative_filter_drops_weak_edges_next_to_strong_ones() -> None:
    pairs = np.array([[0, 1], [1, 2], [2, 3]])
    kept = verify.relative_filter(4, pairs, np.array([0.9, 0.5, 0.5]), 0.75)
    assert list(kept) == [0.9, 0.0, 0.5]


def test_chain_is_cut_by_the_medoid_guard() -> None:
    # Each text shares most words with the next, but the ends share nothing.
    words = [_word(i) for i in range(60)]
    texts = [" ".join(words[i * 10 : i * 10 + 30]) for i in range(4)]
    shingles, weights = _docs(*texts)
    pairs = np.array([[0, 1], [1, 2], [2, 3]])
    sims = verify.pair_similarity(shingles, weights, pairs)
    labels = verify.group(shingles, weights, pairs, sims, 0.3, 0.45)
    assert len({int(x) for x in labels[labels >= 0]}) >= 1
    assert not (labels[0] >= 0 and labels[0] == labels[3])


def test_attach_joins_a_post_covered_by_a_cluster_profile() -> None:
    base = "one two three four five six seven eight nine ten"
    shingles, weights = _docs(base, base + " x", base + " y", "one two three four five z q")
    labels = np.array([0, 0, 0, -1])
    pairs = np.array([[0, 3]])
    assert verify.attach(shingles, weights, labels, pairs, 0.3)[3] == 0
    assert verify.attach(shingles, weights, labels, pairs, 0.99)[3] == -1
    # An update's local problem keeps global labels, larger than its document count.
    far = np.array([42614, 42614, 42614, -1])
    assert verify.attach(shingles, weights, far, pairs, 0.3, 3, 0.5)[3] == 42614


def test_attach_is_relative_to_how_members_cover_each_other() -> None:
    """Boilerplate shared with a cluster of near-identical reposts covers a third of a
    stranger's weight: enough for the absolute threshold, far below the members' own score."""
    boiler = "shy at first but you will see my wild side tonight"
    own = " ".join(_word(i) for i in range(12))
    stranger = " ".join(_word(i) for i in range(100, 112))
    shingles, weights = _docs(
        f"{own} {boiler}", f"{own} {boiler} x", f"{own} {boiler} y", f"{stranger} {boiler}"
    )
    labels = np.array([0, 0, 0, -1])
    pairs = np.array([[0, 3], [1, 3]])
    score_only = verify.attach(shingles, weights, labels, pairs, 0.3, 3, 0.0)
    assert score_only[3] == 0  # the absolute bar alone lets the stranger in
    assert verify.attach(shingles, weights, labels, pairs, 0.3, 3, 0.5)[3] == -1


def test_attach_takes_a_loose_members_like_post() -> None:
    """A template whose members pick different phrase options covers a new member about as
    well as its members cover each other, so the relative bar keeps it."""
    sentences = [" ".join(_word(10 * k + j) for j in range(8)) for k in range(8)]
    members = [
        " ".join(sentences[k] for k in (0, 1, 2, 3)),
        " ".join(sentences[k] for k in (0, 1, 4, 5)),
        " ".join(sentences[k] for k in (0, 2, 4, 6)),
        " ".join(sentences[k] for k in (1, 3, 5, 6)),
    ]
    newcomer = " ".join(sentences[k] for k in (0, 3, 6, 7))
    shingles, weights = _docs(*members, newcomer)
    labels = np.array([0, 0, 0, 0, -1])
    pairs = np.array([[0, 4]])
    assert verify.attach(shingles, weights, labels, pairs, 0.3, 3, 0.5)[4] == 0


def test_align_marks_slots_and_returns_original_fillers() -> None:
    texts = [
        "Hi I am Ana, call 555-0101 now",
        "Hi I am BO, call 555 0102 now",
        "Hi I am Cy call now",
    ]
    views = [(*token_spans(text), text) for text in texts]
    result = align(tokenize(texts[0]), views, 0.5)
    assert result.template == f"hi i am {SLOT} call {SLOT} now"
    assert result.fillers[0] == ("Ana,", "555-0101")
    assert result.fillers[1] == ("BO,", "555 0102")
    assert result.fillers[2] == ("Cy", "")
    with pytest.raises(ValueError):
        align(["a"], views, 0.0)


def test_cluster_weights_count_a_cluster_once() -> None:
    template = "alpha bravo charlie delta echo foxtrot golf hotel"
    others = [f"{_word(i)} {_word(i + 50)} {_word(i + 90)} {_word(i + 130)}" for i in range(10)]
    shingles, weights = _docs(
        *[template] * 1, *[f"{template} {_word(200 + i)}" for i in range(5)], *others
    )
    labels = np.array([0] * 6 + [-1] * 10)
    before = verify.weigh(shingles, prior_docs=0).weight[shingles.offsets[0]]
    after = verify.cluster_weights(shingles, weights, labels, prior_docs=0)
    assert after.weight[shingles.offsets[0]] > before
    assert after.df[after.uid[shingles.offsets[0]]] == 1


@given(
    st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=12), min_size=2, max_size=8),
    st.data(),
)
@settings(max_examples=60, deadline=None)
def test_pair_similarity_equals_set_arithmetic(words: list[list[str]], data: st.DataObject) -> None:
    """The binary-search scoring equals weighted Jaccard computed with Python sets."""
    shingles = shingle(words)
    weights = verify.weigh(shingles)
    weight_of = dict(zip(shingles.values.tolist(), weights.weight.tolist(), strict=True))
    count = len(words)
    pairs = np.array(
        data.draw(
            st.lists(
                st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)),
                min_size=1,
                max_size=10,
            )
        ),
        dtype=np.int64,
    )
    got = verify.pair_similarity(shingles, weights, pairs)
    for (a, b), value in zip(pairs.tolist(), got.tolist(), strict=True):
        left, right = set(shingles.of(a).tolist()), set(shingles.of(b).tolist())
        union = sum(weight_of[s] for s in left | right)
        expected = sum(weight_of[s] for s in left & right) / union if union else 0.0
        assert value == pytest.approx(expected)


def test_template_of_aligns_member_texts_to_the_medoid() -> None:
    texts = ["Hi I am Ana, call now", "Hi I am Bo, call now", "Hi I am Cy, call now"]
    result = template_of(texts, 1, 0.5)
    assert result.template == f"hi i am {SLOT} call now"
    assert [fill[0] for fill in result.fillers] == ["Ana,", "Bo,", "Cy,"]


@settings(max_examples=40, deadline=None)
@given(
    docs=st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=12), min_size=4, max_size=30),
    data=st.data(),
)
def test_attach_scores_clusters_in_chunks_exactly(
    docs: list[list[int]], data: st.DataObject
) -> None:
    """Clusters are profiled a chunk at a time to bound memory: any chunk size, and labels far
    above the document count (an update keeps global labels), give the same attachment."""
    shingles, weights = _docs(*(" ".join(_word(w) for w in words) for words in docs))
    count = shingles.doc_count
    labels = np.array(
        data.draw(st.lists(st.integers(-1, 4), min_size=count, max_size=count)), dtype=np.int64
    )
    labels = np.where(labels >= 0, labels * 7 + 3 * count, -1)
    pairs = np.array(
        data.draw(
            st.lists(
                st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)),
                min_size=1,
                max_size=60,
            )
        ),
        dtype=np.int64,
    )
    # With no bar every candidate fits and the best-covering cluster wins: any profile built
    # from part of a cluster would change which.
    bars = [(0.0, 0.0), (0.2, 0.5)]
    whole = [verify.attach(shingles, weights, labels, pairs, low, 2, ratio) for low, ratio in bars]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify, "_CHUNK_ENTRIES", data.draw(st.integers(1, 40)))
        chunked = [
            verify.attach(shingles, weights, labels, pairs, low, 2, ratio) for low, ratio in bars
        ]
    for left, right in zip(whole, chunked, strict=True):
        assert np.array_equal(left, right)
    assert np.array_equal(whole[0][labels >= 0], labels[labels >= 0])  # members stay


@settings(max_examples=100, deadline=None)
@given(
    docs=st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=12), min_size=2, max_size=30),
    data=st.data(),
)
def test_medoids_in_chunks_are_the_medoids(docs: list[list[int]], data: st.DataObject) -> None:
    shingles, weights = _docs(*(" ".join(_word(w) for w in words) for words in docs))
    count = shingles.doc_count
    labels = np.array(
        data.draw(st.lists(st.integers(-1, min(count - 1, 5)), min_size=count, max_size=count)),
        dtype=np.int64,
    )
    members = np.flatnonzero(labels >= 0)
    whole = verify.medoids(shingles, weights, labels, members)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify, "_CHUNK_ENTRIES", data.draw(st.integers(1, 40)))
        chunked = verify.medoids(shingles, weights, labels, members)
    assert np.array_equal(whole, chunked)
    for label in np.unique(labels[members]):
        assert labels[whole[label]] == label  # each component's medoid is one of its members


@settings(max_examples=100, deadline=None)
@given(
    docs=st.lists(st.lists(st.integers(0, 30), min_size=1, max_size=12), min_size=1, max_size=30),
    data=st.data(),
)
def test_cluster_weights_and_totals_match_set_arithmetic_in_any_chunks(
    docs: list[list[int]], data: st.DataObject
) -> None:
    """Recounted frequencies are the number of units (a cluster, or a lone document) holding
    each shingle, and document totals the sum of their entries' weights, whatever the chunk."""
    shingles, weights = _docs(*(" ".join(_word(w) for w in words) for words in docs))
    count = shingles.doc_count
    labels = np.array(
        data.draw(st.lists(st.integers(-1, 5), min_size=count, max_size=count)), dtype=np.int64
    )
    labels = np.where(labels >= 0, labels * 11, -1)  # sparse labels, as after relabelling
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify, "_CHUNK_ENTRIES", data.draw(st.integers(1, 40)))
        recounted = verify.cluster_weights(shingles, weights, labels, prior_docs=7)
        totals = recounted.doc_weight(shingles)
    units: dict[object, set[int]] = {}
    for doc in range(count):
        unit = ("cluster", int(labels[doc])) if labels[doc] >= 0 else ("doc", doc)
        units.setdefault(unit, set()).update(shingles.of(doc).tolist())
    for value, uid in zip(shingles.values.tolist(), recounted.uid.tolist(), strict=True):
        held = sum(value in held_values for held_values in units.values())
        assert recounted.df[uid] == held
        assert recounted.idf[uid] == np.log((len(units) + 7 + 1.0) / (held + 1.0)) + 1e-3
    expected = np.bincount(shingles.doc_ids(), weights=recounted.weight, minlength=count)
    assert np.array_equal(totals, expected)  # the same sums in the same order, bit for bit
