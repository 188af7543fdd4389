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

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from threadline.cluster import lsh, minhash, verify
from threadline.cluster.settings import ClusterSettings
from threadline.cluster.template import align
from threadline.cluster.tokens import Shingles, shingle, token_spans, tokenize

__all__ = ["Signed", "TemplateCluster", "cluster", "group_documents", "sign"]

#: Distinct documents shingled at once: bounds the Python token lists alive at a time.
_SHINGLE_CHUNK: Final = 20_000


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


def sign(texts: Sequence[str], settings: ClusterSettings) -> Signed:
    """Shingles, weights and bucket keys of ``texts``.

    Texts are tokenised and shingled in chunks and only the flat shingle arrays are kept, so
    memory grows with the number of shingles, not with Python token lists.
    """
    _check_texts(texts)
    index_of: dict[bytes, int] = {}
    document_of = np.full(len(texts), -1, dtype=np.int64)
    parts: list[Shingles] = []
    pending: list[list[str]] = []
    for position, text in enumerate(texts):
        tokens = tokenize(text)
        if len(tokens) < settings.min_tokens:
            continue
        key = hashlib.blake2b("\x1f".join(tokens).encode(), digest_size=16).digest()
        document = index_of.get(key)
        if document is None:
            document = index_of[key] = len(index_of)
            pending.append(tokens)
            if len(pending) == _SHINGLE_CHUNK:
                parts.append(shingle(pending))
                pending = []
        document_of[position] = document
    parts.append(shingle(pending))
    shingles = Shingles.concat(parts)
    weights = verify.weigh(shingles, settings.idf_prior_docs)
    cap = max(settings.df_cap_min, int(settings.df_cap_fraction * shingles.doc_count))
    informative = minhash.drop_common(shingles, weights.df, cap)
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
        )
    return labels


def cluster(texts: Sequence[str], settings: ClusterSettings | None = None) -> list[TemplateCluster]:
    """Template micro-clusters of ``texts`` (each with at least two members), largest first."""
    settings = settings or ClusterSettings()
    signed = sign(texts, settings)
    count = signed.shingles.doc_count
    if count == 0:
        return []
    labels = group_documents(signed, settings)
    post_labels = np.where(signed.document_of >= 0, labels[np.maximum(signed.document_of, 0)], -1)
    # Identical documents that stand for several posts form a cluster of their own.
    lone = (post_labels < 0) & (signed.document_of >= 0)
    if lone.any():
        repeats = np.bincount(signed.document_of[lone], minlength=count)
        next_label = int(labels.max()) + 1
        repeated = lone & (repeats[np.maximum(signed.document_of, 0)] >= 2)
        post_labels[repeated] = next_label + signed.document_of[repeated]
    return _build(texts, signed, post_labels, settings)


def _build(
    texts: Sequence[str],
    signed: Signed,
    post_labels: npt.NDArray[np.int64],
    settings: ClusterSettings,
) -> list[TemplateCluster]:
    clustered = np.flatnonzero(post_labels >= 0)
    if len(clustered) == 0:
        return []
    order = np.lexsort((clustered, post_labels[clustered]))
    ranked = clustered[order]
    cut = np.flatnonzero(np.diff(post_labels[ranked])) + 1
    groups = [g for g in np.split(ranked, cut) if len(g) >= 2]
    # Medoid per cluster over its documents, by the profile score of the verify stage.
    doc_labels = np.full(signed.shingles.doc_count, -1, dtype=np.int64)
    for number, members in enumerate(groups):
        doc_labels[signed.document_of[members]] = number
    docs = np.flatnonzero(doc_labels >= 0)
    medoid_doc = verify.medoids(signed.shingles, signed.weights, doc_labels, docs)
    totals = signed.weights.doc_weight(signed.shingles)
    result: list[TemplateCluster] = []
    for number, members in enumerate(groups):
        medoid = int(medoid_doc[number])
        member_docs = signed.document_of[members]
        distinct = np.unique(member_docs)
        pairs = np.stack([distinct, np.full(len(distinct), medoid)], axis=1)
        sims = verify.pair_similarity(signed.shingles, signed.weights, pairs, totals)
        sims[distinct == medoid] = 1.0
        sim_of = dict(zip(distinct.tolist(), sims.tolist(), strict=True))
        cohesion = float(np.mean([sim_of[int(d)] for d in member_docs]))
        views = [(*token_spans(texts[int(m)]), texts[int(m)]) for m in members]
        medoid_post = int(members[np.flatnonzero(member_docs == medoid)[0]])
        alignment = align(tokenize(texts[medoid_post]), views, settings.constant_share)
        result.append(
            TemplateCluster(
                tuple(int(m) for m in members),
                alignment.template,
                alignment.fillers,
                min(max(cohesion, 0.0), 1.0),
                medoid_post,
            )
        )
    result.sort(key=lambda c: (-len(c.members), c.members[0]))
    return result
