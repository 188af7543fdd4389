"""Verification of candidate pairs and grouping into clusters.

Similarity is the IDF-weighted Jaccard of two shingle sets,
``sum(w[s] for s in A & B) / sum(w[s] for s in A | B)`` with ``w[s] = log((N + 1) / (df[s] + 1))``
over the batch: shingles that many posts share (boilerplate) weigh little, the rare wording that
marks one author's template weighs much. Pairs are scored in vectorised chunks (sort by
(pair, shingle) and count adjacent duplicates), not one set intersection at a time.

Grouping is connected components (union-find by min-label hooking and pointer jumping in numpy)
over the pairs that pass, followed by a chaining guard: every member must also be similar to its
component's medoid (the member whose shingles are most typical of the component); members that
are not are detached and regrouped among themselves, so a chain of pairwise-similar posts drifting
from one text to another does not become one template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from threadline.cluster.tokens import Shingles

__all__ = [
    "ShingleWeights",
    "attach",
    "cluster_weights",
    "components",
    "entry_ids",
    "group",
    "medoids",
    "pair_similarity",
    "ranges",
    "relative_filter",
    "weigh",
]

#: Pair entries (shingles of both sides) scored at once: bounds temporary memory.
_CHUNK_ENTRIES: Final = 1 << 22


#: Per shingle entry, the id of its distinct shingle: 32 bits when the ids fit.
EntryIds = npt.NDArray[np.int32] | npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ShingleWeights:
    """The weights of a :class:`Shingles`' entries: per entry the id of its distinct shingle
    (``uid``, ids rank the shingle values), per distinct shingle its IDF weight and document
    frequency. Only the id is kept per entry: at a million posts the entries number tens of
    millions, and a weight and a frequency per entry cost 16 bytes each, twice over in a
    refining pass."""

    uid: EntryIds
    idf: npt.NDArray[np.float64]
    df: npt.NDArray[np.int64]
    distinct: int

    @property
    def weight(self) -> npt.NDArray[np.float64]:
        """Per entry, its weight (a new array: index ``idf[uid[...]]`` for a few entries)."""
        return self.idf[self.uid]

    def of(self, entries: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """The weights of the entries at ``entries``."""
        return self.idf[self.uid[entries]]

    def doc_weight(self, shingles: Shingles) -> npt.NDArray[np.float64]:
        """Total weight per document (summed in entry order, a chunk of documents at a time
        so no per-entry array of the whole batch is made)."""
        count = shingles.doc_count
        totals = np.zeros(count, dtype=np.float64)
        offsets = shingles.offsets
        start = 0
        while start < count:
            stop = int(np.searchsorted(offsets, offsets[start] + _CHUNK_ENTRIES, side="right"))
            stop = min(max(stop - 1, start + 1), count)
            sizes = np.diff(offsets[start : stop + 1])
            local = np.repeat(np.arange(stop - start, dtype=np.int64), sizes)
            span = slice(int(offsets[start]), int(offsets[stop]))
            totals[start:stop] = np.bincount(
                local, weights=self.idf[self.uid[span]], minlength=stop - start
            )
            start = stop
        return totals


def entry_ids(uid: npt.NDArray[np.intp] | npt.NDArray[np.int64]) -> EntryIds:
    """``uid`` in 32 bits when the distinct shingles fit (they do below two billion)."""
    flat = uid.ravel()
    if len(flat) == 0 or int(flat.max()) < np.iinfo(np.int32).max:
        return flat.astype(np.int32)
    return flat.astype(np.int64)


def weigh(shingles: Shingles, prior_docs: int = 1000) -> ShingleWeights:
    """IDF weights of every shingle entry over the batch.

    Documents are distinct texts (exact duplicates merged before), so a post repeated verbatim
    a thousand times does not turn its own wording into boilerplate. ``prior_docs`` adds that
    many unseen background documents to the count, so in a small batch (ten posts of one
    template) the shared wording keeps its weight instead of reading as boilerplate.
    """
    uniq, uid, df = np.unique(shingles.values, return_inverse=True, return_counts=True)
    docs = max(shingles.doc_count, 1)
    idf = np.log((docs + prior_docs + 1.0) / (df + 1.0)) + 1e-3
    return ShingleWeights(entry_ids(uid), idf, df.astype(np.int64), len(uniq))


def cluster_weights(
    shingles: Shingles, weights: ShingleWeights, labels: npt.NDArray[np.int64], prior_docs: int
) -> ShingleWeights:
    """IDF weights recounted with every cluster of ``labels`` counted as one document.

    A template reposted five hundred times makes its own wording look as common as boilerplate
    when documents are counted one by one, so its posts are compared mostly on their names and
    cities. Counting a cluster once gives its wording back its weight, while boilerplate, shared
    by many clusters and lone posts, stays common. Used for a second grouping pass.
    """
    sizes = shingles.sizes()
    # A document in no cluster is a unit of its own: each of its (distinct) shingles once.
    lone = np.flatnonzero(labels < 0)
    df = np.bincount(
        weights.uid[ranges(shingles.offsets[lone], sizes[lone])], minlength=weights.distinct
    )
    # A cluster counts each shingle once however many members hold it: distinct (cluster,
    # shingle) keys, a chunk of whole clusters at a time (bounded memory).
    clustered = np.flatnonzero(labels >= 0)
    by_label = clustered[np.argsort(labels[clustered], kind="stable")]
    label_sorted = labels[by_label]
    for chunk in _label_chunks(sizes[by_label], label_sorted):
        members = by_label[chunk]
        local = label_sorted[chunk] - label_sorted[chunk.start]
        keys = (
            np.repeat(local, sizes[members]) * np.int64(weights.distinct)
            + weights.uid[ranges(shingles.offsets[members], sizes[members])]
        )
        df += np.bincount(np.unique(keys) % weights.distinct, minlength=weights.distinct)
    units = len(lone) + len(np.unique(labels[clustered]))
    idf = np.log((units + prior_docs + 1.0) / (df + 1.0)) + 1e-3
    return ShingleWeights(weights.uid, idf, df.astype(np.int64), weights.distinct)


def ranges(starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Concatenated ``arange(s, s + n)`` for every ``(s, n)``."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return shift + np.arange(total, dtype=np.int64)


def pair_similarity(
    shingles: Shingles,
    weights: ShingleWeights,
    pairs: npt.NDArray[np.int64],
    doc_weight: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """IDF-weighted Jaccard similarity of each pair ``(i, j)`` of documents, in [0, 1]."""
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise ValueError("pairs must be an (edges, 2) array")
    totals = weights.doc_weight(shingles) if doc_weight is None else doc_weight
    sizes = shingles.sizes()
    out = np.zeros(len(pairs), dtype=np.float64)
    cumulative = np.cumsum(sizes[pairs[:, 0]] + sizes[pairs[:, 1]])
    start = 0
    while start < len(pairs):
        base = cumulative[start - 1] if start else 0
        stop = int(np.searchsorted(cumulative, base + _CHUNK_ENTRIES, side="right"))
        stop = min(max(stop, start + 1), len(pairs))
        chunk = pairs[start:stop]
        out[start:stop] = _chunk_similarity(shingles, weights, totals, chunk)
        start = stop
    return out


def _chunk_similarity(
    shingles: Shingles,
    weights: ShingleWeights,
    totals: npt.NDArray[np.float64],
    chunk: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """Shared weight by lookup: a document's shingle ids are sorted (ids rank shingle values),
    so the keys ``pair * distinct + id`` of all right-hand sides form one sorted array and every
    left-hand entry is found by binary search: no sort of the chunk's entries."""
    sizes = shingles.sizes()
    pair_index = np.arange(len(chunk), dtype=np.int64)
    left, right = chunk[:, 0], chunk[:, 1]
    left_entries = ranges(shingles.offsets[left], sizes[left])
    right_entries = ranges(shingles.offsets[right], sizes[right])
    left_pair = np.repeat(pair_index, sizes[left])
    distinct = np.int64(weights.distinct)
    left_keys = left_pair * distinct + weights.uid[left_entries]
    right_keys = np.repeat(pair_index, sizes[right]) * distinct + weights.uid[right_entries]
    shared = np.zeros(len(chunk), dtype=np.float64)
    if len(right_keys) and len(left_keys):
        position = np.searchsorted(right_keys, left_keys)
        np.minimum(position, len(right_keys) - 1, out=position)
        hit = right_keys[position] == left_keys
        shared = np.bincount(
            left_pair[hit], weights=weights.of(left_entries[hit]), minlength=len(chunk)
        ).astype(np.float64)
    union = totals[left] + totals[right] - shared
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(union > 0, shared / union, 0.0)
    return np.clip(sim, 0.0, 1.0)


def components(count: int, edges: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Connected-component label (the smallest member index) of each of ``count`` nodes."""
    parent = np.arange(count, dtype=np.int64)
    if len(edges) == 0:
        return parent
    a, b = edges[:, 0], edges[:, 1]
    while True:
        pa, pb = parent[a], parent[b]
        differ = pa != pb
        if not differ.any():
            return parent
        low, high = np.minimum(pa, pb)[differ], np.maximum(pa, pb)[differ]
        np.minimum.at(parent, high, low)
        while True:  # pointer jumping until every node points at a root
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


def medoids(
    shingles: Shingles,
    weights: ShingleWeights,
    labels: npt.NDArray[np.int64],
    members: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Per component label, its medoid: the member whose shingles the component shares most.

    A member's score is the sum over its shingles of ``weight * share``, where ``share`` is the
    fraction of the component holding that shingle: the post closest to the component's profile.
    Components are scored a chunk of labels at a time (the same result, bounded memory).
    """
    medoid_of = np.full(len(labels), -1, dtype=np.int64)
    if len(members) == 0:
        return medoid_of
    norm = np.maximum(weights.doc_weight(shingles), 1e-12)
    ranked = members[np.argsort(labels[members], kind="stable")]
    for chunk in _label_chunks(shingles.sizes()[ranked], labels[ranked]):
        _chunk_medoids(shingles, weights, labels, ranked[chunk], norm, medoid_of)
    return medoid_of


def _label_chunks(
    entry_sizes: npt.NDArray[np.int64], sorted_labels: npt.NDArray[np.int64]
) -> list[slice]:
    """Slices of documents sorted by label, each of whole labels and about
    :data:`_CHUNK_ENTRIES` shingle entries (at least one label)."""
    ends = np.cumsum(entry_sizes)
    chunks: list[slice] = []
    start = 0
    while start < len(sorted_labels):
        base = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, base + _CHUNK_ENTRIES, side="right")), start + 1)
        stop = int(np.searchsorted(sorted_labels, sorted_labels[stop - 1], side="right"))
        chunks.append(slice(start, stop))
        start = stop
    return chunks


def _chunk_medoids(
    shingles: Shingles,
    weights: ShingleWeights,
    labels: npt.NDArray[np.int64],
    members: npt.NDArray[np.int64],
    norm: npt.NDArray[np.float64],
    medoid_of: npt.NDArray[np.int64],
) -> None:
    """:func:`medoids` of the components of ``members`` (whole components), into ``medoid_of``."""
    sizes = shingles.sizes()
    entries = ranges(shingles.offsets[members], sizes[members])
    owner = np.repeat(members, sizes[members])
    comp = labels[owner]
    key = comp * np.int64(weights.distinct) + weights.uid[entries]
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    comp_size = np.bincount(labels[members], minlength=len(labels)).astype(np.float64)
    share = counts[inverse] / comp_size[comp]
    score = np.bincount(owner, weights=weights.of(entries) * share, minlength=len(labels))
    # Favour full posts: a member shorter than its component's median weight scores less.
    typical = _median_by_label(labels[members], norm[members], len(labels))
    fitted = score / norm * np.minimum(norm, typical[np.maximum(labels, 0)])
    order = np.lexsort((members, -fitted[members], labels[members]))
    ranked = members[order]
    first = np.r_[True, labels[ranked][1:] != labels[ranked][:-1]]
    medoid_of[labels[ranked[first]]] = ranked[first]


def _median_by_label(
    labels: npt.NDArray[np.int64], values: npt.NDArray[np.float64], size: int
) -> npt.NDArray[np.float64]:
    """Per label (0..size-1), the median of its ``values`` (0 for labels without any)."""
    result = np.zeros(size, dtype=np.float64)
    if len(labels) == 0:
        return result
    order = np.lexsort((values, labels))
    sorted_labels, sorted_values = labels[order], values[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    counts = np.diff(np.r_[starts, len(order)])
    low = sorted_values[starts + (counts - 1) // 2]
    high = sorted_values[starts + counts // 2]
    result[sorted_labels[starts]] = (low + high) / 2.0
    return result


def group(
    shingles: Shingles,
    weights: ShingleWeights,
    edges: npt.NDArray[np.int64],
    similarity: npt.NDArray[np.float64],
    threshold: float,
    medoid_threshold: float,
    max_rounds: int = 4,
) -> npt.NDArray[np.int64]:
    """Cluster label per document (-1 for no cluster); clusters have at least two documents."""
    count = shingles.doc_count
    kept = edges[similarity >= threshold]
    totals = weights.doc_weight(shingles)
    labels = np.full(count, -1, dtype=np.int64)
    active = np.zeros(count, dtype=bool)
    active[np.unique(kept)] = True
    for round_number in range(max_rounds):
        if not active.any():
            break
        both = active[kept[:, 0]] & active[kept[:, 1]]
        round_edges = kept[both]
        comp = components(count, round_edges)
        nodes = np.flatnonzero(active)
        comp_size = np.bincount(comp[nodes], minlength=count)
        nodes = nodes[comp_size[comp[nodes]] >= 2]
        if len(nodes) == 0:
            break
        medoid = medoids(shingles, weights, comp, nodes)[comp[nodes]]
        sims = np.ones(len(nodes), dtype=np.float64)
        other = nodes != medoid
        if other.any():
            sims[other] = pair_similarity(
                shingles, weights, np.stack([nodes[other], medoid[other]], axis=1), totals
            )
        fits = sims >= medoid_threshold
        accepted = nodes[fits]
        # A component keeps the members that fit its medoid (the medoid always fits).
        fit_size = np.bincount(comp[accepted], minlength=count)
        accepted = accepted[fit_size[comp[accepted]] >= 2]
        labels[accepted] = comp[accepted] + round_number * count  # labels unique across rounds
        active[nodes] = False
        active[nodes[~fits]] = True  # detached members get another round among themselves
        # Edges from detached members into accepted clusters no longer count.
        kept = kept[~(np.isin(kept[:, 0], accepted) | np.isin(kept[:, 1], accepted))]
    # Relabel densely in order of each cluster's smallest member.
    clustered = np.flatnonzero(labels >= 0)
    if len(clustered):
        firsts: dict[int, int] = {}
        for doc in clustered:
            firsts.setdefault(int(labels[doc]), len(firsts))
        labels[clustered] = np.array([firsts[int(labels[d])] for d in clustered], dtype=np.int64)
    return labels


def relative_filter(
    count: int, pairs: npt.NDArray[np.int64], similarity: npt.NDArray[np.float64], ratio: float
) -> npt.NDArray[np.float64]:
    """``similarity`` with every pair zeroed that is weak next to its endpoints' best pair.

    A pair survives when its similarity is at least ``ratio`` times the best similarity of both
    endpoints. Ads written from a shared phrase pool by different authors (job boards, scams)
    are fairly similar to each other but much more similar to their own author's reposts; the
    ratio keeps the latter and drops the former without a per-corpus absolute threshold.
    """
    best = np.zeros(count, dtype=np.float64)
    if len(pairs):
        np.maximum.at(best, pairs[:, 0], similarity)
        np.maximum.at(best, pairs[:, 1], similarity)
    bar = ratio * np.maximum(best[pairs[:, 0]], best[pairs[:, 1]]) if len(pairs) else best[:0]
    return np.where(similarity >= bar, similarity, 0.0)


def attach(
    shingles: Shingles,
    weights: ShingleWeights,
    labels: npt.NDArray[np.int64],
    pairs: npt.NDArray[np.int64],
    min_score: float,
    min_size: int = 3,
    ratio: float = 0.0,
) -> npt.NDArray[np.int64]:
    """Labels with unclustered documents attached to the cluster whose profile covers them best.

    A cluster's profile gives each shingle the share of members holding it; a document's score
    against a cluster is the weighted share of its own shingles' weight the profile covers
    (``sum(w[s] * share[s]) / sum(w[s])``). Only clusters of the document's LSH candidates with at
    least ``min_size`` members are tried; the best one is taken when its score reaches
    ``min_score``. This recovers members whose pairwise similarity was too low (a template's
    posts pick different phrase options) without letting pairs glue clusters together.

    The score must also reach ``ratio`` times the cluster's typical member score (the median of
    its members' leave-one-out scores): a stranger sharing boilerplate covers 0.3 of its weight
    with the profile of three near-identical reposts whose members cover each other at 0.9, and
    does not belong there, while a member of a loose template scores like its members do.
    """
    result = labels.copy()
    clustered = np.flatnonzero(labels >= 0)
    if len(clustered) == 0 or len(pairs) == 0:
        return result
    sizes = shingles.sizes()
    cluster_size = np.bincount(labels[clustered])
    side_a = np.concatenate([pairs[:, 0], pairs[:, 1]])
    side_b = np.concatenate([pairs[:, 1], pairs[:, 0]])
    target = labels[side_b]
    usable = (target >= 0) & (labels[side_a] < 0)
    usable &= cluster_size[np.maximum(target, 0)] >= min_size
    if not usable.any():
        return result
    candidates = np.unique(np.stack([side_a[usable], target[usable]], axis=1), axis=0)
    totals = weights.doc_weight(shingles)
    # Clusters are profiled a chunk of labels at a time (every candidate names one cluster, so
    # the scores are the same): the profile arrays are a few per shingle entry of the
    # clustered documents, gigabytes at a million posts if built at once.
    by_label = clustered[np.argsort(labels[clustered], kind="stable")]
    label_sorted = labels[by_label]
    score = np.zeros(len(candidates), dtype=np.float64)
    bar = np.zeros(len(candidates), dtype=np.float64)
    for chunk in _label_chunks(sizes[by_label], label_sorted):
        low, high = int(label_sorted[chunk.start]), int(label_sorted[chunk.stop - 1])
        chosen = (candidates[:, 1] >= low) & (candidates[:, 1] <= high)
        if chosen.any():
            score[chosen], bar[chosen] = _profile_scores(
                shingles, weights, labels, by_label[chunk], candidates[chosen], totals, low
            )
    post, cand = candidates[:, 0], candidates[:, 1]
    fits = score >= np.maximum(min_score, ratio * bar)
    if not fits.any():
        return result
    post, cand, score = post[fits], cand[fits], score[fits]
    order = np.lexsort((cand, -score, post))
    first = np.r_[True, post[order][1:] != post[order][:-1]]
    # Among the clusters a post fits, it joins the one that covers it best.
    result[post[order][first]] = cand[order][first]
    return result


def _profile_scores(
    shingles: Shingles,
    weights: ShingleWeights,
    labels: npt.NDArray[np.int64],
    members: npt.NDArray[np.int64],
    candidates: npt.NDArray[np.int64],
    totals: npt.NDArray[np.float64],
    low: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """For ``candidates`` ``(post, cluster)`` whose clusters are exactly those of ``members``
    (labels ``low`` and up): each post's profile score against its cluster, and the cluster's
    typical member score (the median leave-one-out score of its members)."""
    sizes = shingles.sizes()
    local = labels[members] - low
    entries = ranges(shingles.offsets[members], sizes[members])
    owner_index = np.repeat(np.arange(len(members), dtype=np.int64), sizes[members])
    owner_label = np.repeat(local, sizes[members])
    keys, inverse, counts = np.unique(
        owner_label * np.int64(weights.distinct) + weights.uid[entries],
        return_inverse=True,
        return_counts=True,
    )
    cluster_size = np.bincount(local)
    # Each member's score against its own cluster without itself (leave one out).
    others = np.maximum(cluster_size[owner_label] - 1, 1)
    own_share = (counts[inverse.ravel()] - 1) / others
    member_score = np.bincount(
        owner_index, weights=weights.of(entries) * own_share, minlength=len(members)
    ) / np.maximum(totals[members], 1e-12)
    typical = _median_by_label(local, member_score, len(cluster_size))
    post, cand = candidates[:, 0], candidates[:, 1] - low
    post_entries = ranges(shingles.offsets[post], sizes[post])
    pair_of = np.repeat(np.arange(len(candidates), dtype=np.int64), sizes[post])
    lookup = cand[pair_of] * np.int64(weights.distinct) + weights.uid[post_entries]
    position = np.minimum(np.searchsorted(keys, lookup), len(keys) - 1)
    held = np.where(keys[position] == lookup, counts[position], 0).astype(np.float64)
    share = held / cluster_size[cand][pair_of]
    score = np.bincount(
        pair_of, weights=weights.of(post_entries) * share, minlength=len(candidates)
    ) / np.maximum(totals[post], 1e-12)
    return score, typical[cand]
