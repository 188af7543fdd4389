"""The properties that let a distributed engine cluster piece by piece and agree with a batch:
a bucket's path order and a component's medoid depend only on what is inside them."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.cluster import lsh, verify
from threadline.cluster.tokens import Shingles, shingle

_KEYS = st.lists(st.lists(st.integers(1, 6), min_size=4, max_size=4), min_size=2, max_size=40).map(
    lambda rows: np.asarray(rows, dtype=np.uint64)
)


@given(_KEYS, st.integers(0, 2**32 - 1), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_path_ranks_depend_only_on_the_document(
    keys: np.ndarray, seed: int, rng: random.Random
) -> None:
    ranks = lsh.path_ranks(keys, seed)
    assert ranks.shape == keys.shape and (ranks >= 0).all()
    subset = np.array(sorted(rng.sample(range(len(keys)), k=len(keys) // 2 + 1)))
    assert np.array_equal(lsh.path_ranks(keys[subset], seed), ranks[subset])


@given(_KEYS, st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_candidate_pairs_do_not_depend_on_batch_order(keys: np.ndarray, rng: random.Random) -> None:
    # Distinct documents (no two with identical keys), so no tie needs the batch order.
    keys = np.unique(keys, axis=0)
    order = np.arange(len(keys))
    rng.shuffle(order)
    pairs = {tuple(p) for p in lsh.candidate_pairs(keys, max_bucket=100, seed=3).tolist()}
    shuffled = lsh.candidate_pairs(keys[order], max_bucket=100, seed=3)
    back = {tuple(sorted((int(order[a]), int(order[b])))) for a, b in shuffled.tolist()}
    assert back == pairs


def test_path_ranks_refuse_a_flat_array() -> None:
    with pytest.raises(ValueError, match="matrix"):
        lsh.path_ranks(np.arange(4, dtype=np.uint64), 1)


def _subset(shingles: Shingles, docs: np.ndarray) -> Shingles:
    parts = [Shingles(shingles.of(int(d)), np.array([0, len(shingles.of(int(d)))])) for d in docs]
    return Shingles.concat(parts)


_WORDS = [f"w{n}" for n in range(12)]


@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.lists(st.sampled_from(_WORDS), min_size=2, max_size=9)),
        min_size=3,
        max_size=24,
    )
)
@settings(max_examples=60, deadline=None)
def test_a_components_medoid_ignores_the_other_components(
    docs: list[tuple[int, list[str]]],
) -> None:
    labels = np.array([label for label, _ in docs], dtype=np.int64)
    shingles = shingle([words for _, words in docs])
    weights = verify.weigh(shingles)
    everyone = np.arange(len(docs), dtype=np.int64)
    together = verify.medoids(shingles, weights, labels, everyone)
    for label in np.unique(labels).tolist():
        members = np.flatnonzero(labels == label)
        alone = verify.medoids(shingles, weights, labels, members)
        assert alone[label] == together[label]
        # And with the component's documents as a batch of their own (same weights per entry).
        local = _subset(shingles, members)
        entries = np.concatenate(
            [np.arange(shingles.offsets[d], shingles.offsets[d + 1]) for d in members]
        )
        uniq, local_uid = np.unique(local.values, return_inverse=True)
        local_idf = np.zeros(len(uniq))
        local_idf[local_uid] = weights.weight[entries]
        local_df = np.zeros(len(uniq), dtype=np.int64)
        local_df[local_uid] = weights.df[weights.uid[entries]]
        local_weights = verify.ShingleWeights(
            verify.entry_ids(local_uid), local_idf, local_df, len(uniq)
        )
        local_medoid = verify.medoids(
            local, local_weights, np.zeros(len(members), np.int64), np.arange(len(members))
        )[0]
        assert members[local_medoid] == together[label]
