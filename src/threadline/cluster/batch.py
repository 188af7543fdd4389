"""Batch template clustering of a list of texts: the stages wired together.

1. tokens: normalise and tokenise every text; texts with identical token sequences (exact
   reposts, or reposts differing only in slot values of a class) become one document.
2. signing (:func:`sign`): shingles, IDF weights, MinHash signatures over the non-boilerplate
   shingles, LSH bucket keys. Separable from grouping, so a workspace can store keys per post.
3. grouping: candidate pairs from buckets, IDF-weighted Jaccard, the relative filter,
   connected components with the medoid chaining guard, attachment of the remaining posts;
   then once more with IDF recounted per cluster (a template's own reposts no longer make its
   wording look like boilerplate).
   Identical documents standing for several posts cluster even when nothing else joins them.
4. template: align members to the medoid, slots and fillers, cohesion.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Final

import numpy as np
import numpy.typing as npt

from threadline.cluster import lsh, minhash, verify
from threadline.cluster.settings import ClusterSettings
from threadline.cluster.template import Alignment, template_of
from threadline.cluster.tokens import Shingles, encode, shingle_codes

__all__ = [
    "Signed",
    "TemplateCluster",
    "build_clusters",
    "cluster",
    "group_documents",
    "post_labels",
    "sign",
    "worker_pool",
]

#: Texts encoded (tokenised) per chunk, in process or per worker task: bounds the Python token
#: lists alive at a time and gives workers tasks of a few seconds.
_SHINGLE_CHUNK: Final = 20_000
#: Member texts per template task sent to a worker (clusters are never split between tasks).
_ALIGN_TASK_POSTS: Final = 20_000


@dataclass(frozen=True, slots=True)
class TemplateCluster:
    """One template micro-cluster.

    ``members`` index the input texts (ascending); ``slots[k]`` are member ``k``'s fillers, one
    per ``{…}`` in ``template``; ``cohesion`` in [0, 1] is the members' mean IDF-weighted Jaccard
    similarity to the medoid (1 for exact copies); ``medoid`` is the reference member's index.
    """

    members: tuple[int, ...]
    template: str
    slots: tuple[tuple[str, ...], ...]
    cohesion: float
    medoid: int


@dataclass(frozen=True, slots=True)
class Signed:
    """Documents (distinct token sequences) of a batch with their shingles and LSH keys."""

    #: Per input text, its document index, or -1 when it has too few tokens to cluster.
    document_of: npt.NDArray[np.int64]
    shingles: Shingles
    weights: verify.ShingleWeights
    keys: npt.NDArray[np.uint64]


def _check_texts(texts: Sequence[str]) -> None:
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{index}] is {type(text).__name__}, not str")


@contextmanager
def worker_pool(workers: int) -> Iterator[Executor | None]:
    """A process pool of ``workers`` (spawned: safe beside threads), or ``None`` for one."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if workers == 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        yield pool


def _encode_task(
    task: tuple[Sequence[str], int],
) -> tuple[list[bytes | None], npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    return encode(task[0], task[1])


def sign(texts: Sequence[str], settings: ClusterSettings, *, workers: int = 1) -> Signed:
    """Shingles, weights and bucket keys of ``texts``.

    Texts are tokenised in chunks (by ``workers`` processes when more than one; same result)
    and only flat code and shingle arrays are kept, so memory grows with the number of
    shingles, not with Python token lists.
    """
    _check_texts(texts)
    with worker_pool(workers) as pool:
        return _sign(texts, settings, pool)


def _sign(texts: Sequence[str], settings: ClusterSettings, pool: Executor | None) -> Signed:
    index_of: dict[bytes, int] = {}
    document_of = np.full(len(texts), -1, dtype=np.int64)
    parts: list[Shingles] = []
    tasks = (
        (texts[start : start + _SHINGLE_CHUNK], settings.min_tokens)
        for start in range(0, len(texts), _SHINGLE_CHUNK)
    )
    results = pool.map(_encode_task, tasks) if pool is not None else map(_encode_task, tasks)
    position = 0
    for digests, codes, lengths in results:
        # Chunk-local first occurrences carry codes; keep those new to the whole batch.
        ends = np.cumsum(lengths)
        local = 0
        keep: list[int] = []
        local_of: dict[bytes, int] = {}
        for digest in digests:
            if digest is not None:
                if digest not in local_of:
                    local_of[digest] = local
                    local += 1
                    if digest not in index_of:
                        index_of[digest] = len(index_of)
                        keep.append(local_of[digest])
                document_of[position] = index_of[digest]
            position += 1
        if keep:
            chosen = np.asarray(keep, dtype=np.int64)
            code_starts = ends[chosen] - lengths[chosen]
            picked = codes[verify.ranges(code_starts, lengths[chosen])]
            parts.append(shingle_codes(picked, lengths[chosen]))
    shingles = Shingles.concat(parts)
    weights = verify.weigh(shingles, settings.idf_prior_docs)
    cap = max(settings.df_cap_min, int(settings.df_cap_fraction * shingles.doc_count))
    informative = minhash.drop_common(shingles, weights.df[weights.uid], cap)
    signatures = minhash.signatures(informative, settings.num_perm, settings.seed)
    keys = lsh.band_keys(signatures, settings.bands, settings.rows)
    return Signed(document_of, shingles, weights, keys)


def group_documents(signed: Signed, settings: ClusterSettings) -> npt.NDArray[np.int64]:
    """Cluster label per document (-1: none), from candidates through attachment.

    After the first pass, weights are recounted with each cluster as one document
    (:func:`verify.cluster_weights`) and the grouping runs again on the same candidates,
    ``settings.refine_passes`` times.
    """
    count = signed.shingles.doc_count
    pairs = lsh.candidate_pairs(signed.keys, settings.max_bucket, settings.seed)
    weights = signed.weights
    labels = np.full(count, -1, dtype=np.int64)
    for number in range(settings.refine_passes + 1):
        if number:
            weights = verify.cluster_weights(
                signed.shingles, signed.weights, labels, settings.idf_prior_docs
            )
        similarity = verify.pair_similarity(signed.shingles, weights, pairs)
        similarity = verify.relative_filter(count, pairs, similarity, settings.relative_ratio)
        labels = verify.group(
            signed.shingles,
            weights,
            pairs,
            similarity,
            settings.edge_threshold,
            settings.medoid_threshold,
        )
        labels = verify.attach(
            signed.shingles,
            weights,
            labels,
            pairs,
            settings.attach_threshold,
            settings.attach_min_size,
            settings.attach_ratio,
        )
    return labels


def cluster(
    texts: Sequence[str], settings: ClusterSettings | None = None, *, workers: int = 1
) -> list[TemplateCluster]:
    """Template micro-clusters of ``texts`` (each with at least two members), largest first.

    ``workers`` > 1 tokenises chunks and aligns templates in that many processes; the result is
    identical to one process (every task is a pure function of its input, merged in order).
    """
    settings = settings or ClusterSettings()
    _check_texts(texts)
    with worker_pool(workers) as pool:
        signed = _sign(texts, settings, pool)
        if signed.shingles.doc_count == 0:
            return []
        labels = group_documents(signed, settings)
        return build_clusters(texts, signed, post_labels(signed, labels), settings, pool)


def post_labels(signed: Signed, labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Per post, its document's cluster label; identical documents standing for several posts
    and in no cluster get a label of their own (exact reposts are a template too)."""
    count = signed.shingles.doc_count
    result = np.where(signed.document_of >= 0, labels[np.maximum(signed.document_of, 0)], -1)
    lone = (result < 0) & (signed.document_of >= 0)
    if lone.any():
        repeats = np.bincount(signed.document_of[lone], minlength=count)
        next_label = int(labels.max()) + 1 if len(labels) else 0
        repeated = lone & (repeats[np.maximum(signed.document_of, 0)] >= 2)
        result[repeated] = next_label + signed.document_of[repeated]
    return result


def _align_task(
    task: tuple[list[tuple[list[str], int]], float],
) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
    """Templates of several clusters (member texts, medoid index): one worker task."""
    groups, share = task
    found: list[tuple[str, tuple[tuple[str, ...], ...]]] = []
    for member_texts, medoid in groups:
        alignment: Alignment = template_of(member_texts, medoid, share)
        found.append((alignment.template, alignment.fillers))
    return found


def build_clusters(
    texts: Sequence[str],
    signed: Signed,
    labels_of_posts: npt.NDArray[np.int64],
    settings: ClusterSettings,
    pool: Executor | None = None,
) -> list[TemplateCluster]:
    """The :class:`TemplateCluster` of every label with at least two posts: medoid, cohesion,
    template and fillers (templates aligned in ``pool`` when given)."""
    clustered = np.flatnonzero(labels_of_posts >= 0)
    if len(clustered) == 0:
        return []
    order = np.lexsort((clustered, labels_of_posts[clustered]))
    ranked = clustered[order]
    cut = np.flatnonzero(np.diff(labels_of_posts[ranked])) + 1
    groups = [g for g in np.split(ranked, cut) if len(g) >= 2]
    if not groups:
        return []
    # Medoid per cluster over its documents, by the profile score of the verify stage.
    doc_labels = np.full(signed.shingles.doc_count, -1, dtype=np.int64)
    for number, members in enumerate(groups):
        doc_labels[signed.document_of[members]] = number
    docs = np.flatnonzero(doc_labels >= 0)
    medoid_doc = verify.medoids(signed.shingles, signed.weights, doc_labels, docs)
    # Cohesion: every member's similarity to its medoid, all clusters in one vectorised call.
    member_docs = signed.document_of[np.concatenate(groups)]
    member_cluster = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    medoid_of_member = medoid_doc[member_cluster]
    pairs, inverse = np.unique(
        np.stack([member_docs, medoid_of_member], axis=1), axis=0, return_inverse=True
    )
    sims = verify.pair_similarity(signed.shingles, signed.weights, pairs)
    sims[pairs[:, 0] == pairs[:, 1]] = 1.0
    cohesion = np.bincount(member_cluster, weights=sims[inverse.ravel()]) / np.bincount(
        member_cluster
    )
    medoid_posts: list[int] = []
    tasks: list[tuple[list[tuple[list[str], int]], float]] = []
    batch: list[tuple[list[str], int]] = []
    batch_posts = 0
    for number, members in enumerate(groups):
        medoid_index = int(np.flatnonzero(signed.document_of[members] == medoid_doc[number])[0])
        medoid_posts.append(int(members[medoid_index]))
        batch.append(([texts[int(m)] for m in members], medoid_index))
        batch_posts += len(members)
        if batch_posts >= _ALIGN_TASK_POSTS:
            tasks.append((batch, settings.constant_share))
            batch, batch_posts = [], 0
    if batch:
        tasks.append((batch, settings.constant_share))
    mapped = pool.map(_align_task, tasks) if pool is not None else map(_align_task, tasks)
    aligned = [item for part in mapped for item in part]
    result = [
        TemplateCluster(
            tuple(int(m) for m in members),
            template,
            fillers,
            min(max(float(cohesion[number]), 0.0), 1.0),
            medoid_posts[number],
        )
        for number, (members, (template, fillers)) in enumerate(zip(groups, aligned, strict=True))
    ]
    result.sort(key=lambda c: (-len(c.members), c.members[0]))
    return result
