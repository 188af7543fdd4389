"""LSH banding: bucket keys per document and candidate pairs from shared buckets.

A signature of ``bands * rows`` MinHash values is cut into ``bands`` bands; two documents become
candidates when all ``rows`` values of some band agree, which happens with probability
``1 - (1 - J**rows)**bands`` for Jaccard similarity ``J``. Keys carry their band index, so one
uint64 key space serves every band: that is what a workspace stores per post so that new posts
can be banded against existing buckets (:func:`match_keys`).

A bucket yields a path, not all its pairs: its members are ordered by a pseudo-random rank
(:func:`path_ranks`, a hash of the document's keys, so any engine orders a bucket alike) and
each is paired with the next. Across bands these paths connect a true cluster with
``O(bands * documents)`` edges in total, never ``O(n^2)``, whatever the bucket sizes. Buckets
larger than a cap are skipped: they come from content that very many documents share.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from threadline.cluster.minhash import EMPTY, _mix

__all__ = ["band_keys", "candidate_pairs", "match_keys", "path_ranks"]


def band_keys(sigs: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.uint64]:
    """A ``(documents, bands)`` matrix of bucket keys; 0 marks a document without shingles."""
    if bands < 1 or rows < 1:
        raise ValueError("bands and rows must be at least 1")
    if sigs.ndim != 2 or sigs.shape[1] < bands * rows:
        raise ValueError(f"signatures need {bands * rows} columns, got shape {sigs.shape}")
    docs = sigs.shape[0]
    cut = sigs[:, : bands * rows].astype(np.uint64).reshape(docs, bands, rows)
    keys = np.zeros((docs, bands), dtype=np.uint64)
    for row in range(rows):  # rows is small (2-8): a loop over rows, not over hash functions
        keys = _mix(keys ^ cut[:, :, row])
    keys = _mix(keys ^ (np.arange(1, bands + 1, dtype=np.uint64) << np.uint64(40)))
    keys[keys == 0] = 1  # 0 is reserved for "no key"
    empty = (sigs[:, 0] == EMPTY) & (sigs == EMPTY).all(axis=1)
    keys[empty] = 0
    return keys


def path_ranks(keys: npt.NDArray[np.uint64], seed: int) -> npt.NDArray[np.int64]:
    """A ``(documents, bands)`` matrix of non-negative ranks: the order of a bucket's path.

    A rank depends only on the document's own keys and the seed (a hash of its band key and of
    all its keys), not on the document's position in a batch, so a distributed engine that sees
    one bucket at a time orders it the same way. Documents with identical keys tie; the path
    breaks ties by document order.
    """
    if keys.ndim != 2:
        raise ValueError(f"keys must be a (documents, bands) matrix, got shape {keys.shape}")
    fingerprint = np.full(keys.shape[0], np.uint64(seed) ^ np.uint64(0x9E3779B97F4A7C15))
    for band in range(keys.shape[1]):
        fingerprint = _mix(fingerprint ^ keys[:, band])
    ranks = _mix(keys ^ fingerprint[:, None]) >> np.uint64(1)
    return ranks.astype(np.int64)


def candidate_pairs(
    keys: npt.NDArray[np.uint64], max_bucket: int, seed: int
) -> npt.NDArray[np.int64]:
    """Distinct candidate pairs ``(i, j)``, ``i < j``, as an ``(edges, 2)`` array."""
    docs, bands = keys.shape
    flat_keys = keys.ravel()
    flat_docs = np.repeat(np.arange(docs, dtype=np.int64), bands)
    valid = flat_keys != 0
    flat_keys, flat_docs = flat_keys[valid], flat_docs[valid]
    if len(flat_keys) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    rank = path_ranks(keys, seed).ravel()[valid]
    # Sorted by key, ties by rank, then by document: a stable sort of the keys taken in rank
    # order (faster than a three-key lexsort, same order; entries start in document order).
    # Each temporary is dropped once used: there are documents x bands entries (tens of
    # millions at a million posts) and a dozen arrays of them alive at once made this the
    # clustering's peak of memory.
    by_rank = np.argsort(rank, kind="stable")
    del rank
    order = by_rank[np.argsort(flat_keys[by_rank], kind="stable")]
    del by_rank
    sorted_keys, sorted_docs = flat_keys[order], flat_docs[order]
    del order, flat_keys, flat_docs, valid
    boundary = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
    sizes = np.diff(boundary)
    del boundary
    same_next = np.zeros(len(sorted_keys), dtype=bool)
    same_next[:-1] = sorted_keys[1:] == sorted_keys[:-1]
    del sorted_keys
    same_next &= np.repeat(sizes <= max_bucket, sizes)
    del sizes
    step = same_next[:-1]
    left, right = sorted_docs[:-1][step], sorted_docs[1:][step]
    del sorted_docs, same_next, step
    packed = np.minimum(left, right) * docs
    packed += np.maximum(left, right)
    distinct = left != right
    del left, right
    packed = np.unique(packed[distinct])
    return np.stack([packed // docs, packed % docs], axis=1)


def match_keys(
    new_keys: npt.NDArray[np.uint64],
    known_keys: npt.NDArray[np.uint64],
    known_labels: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """For each new document, the label (e.g. cluster id) sharing most of its bucket keys, or -1.

    ``known_keys``/``known_labels`` are parallel 1-D arrays: the stored bucket keys of already
    clustered posts and their cluster ids (a key may repeat with several labels). This is the
    incremental path: new posts are banded against existing buckets without re-banding the corpus.
    """
    if known_keys.shape != known_labels.shape or known_keys.ndim != 1:
        raise ValueError("known_keys and known_labels must be parallel 1-D arrays")
    docs, bands = new_keys.shape
    result = np.full(docs, -1, dtype=np.int64)
    if len(known_keys) == 0 or docs == 0:
        return result
    order = np.argsort(known_keys, kind="stable")
    sorted_keys, sorted_labels = known_keys[order], known_labels[order]
    flat = new_keys.ravel()
    flat_docs = np.repeat(np.arange(docs, dtype=np.int64), bands)
    lo = np.searchsorted(sorted_keys, flat, side="left")
    hi = np.searchsorted(sorted_keys, flat, side="right")
    hit = (hi > lo) & (flat != 0)
    # First matching label per (doc, band); votes counted per (doc, label).
    votes_doc = flat_docs[hit]
    votes_label = sorted_labels[lo[hit]]
    if len(votes_doc) == 0:
        return result
    pairs, counts = np.unique(
        np.stack([votes_doc, votes_label], axis=1), axis=0, return_counts=True
    )
    # Most votes per document, ties to the smallest label (np.unique sorted them).
    best = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))
    first = np.r_[True, pairs[best][1:, 0] != pairs[best][:-1, 0]]
    chosen = pairs[best][first]
    result[chosen[:, 0]] = chosen[:, 1]
    return result
