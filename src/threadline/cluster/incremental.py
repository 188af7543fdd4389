"""Incremental template clustering: add a batch of new posts to a clustered corpus.

DeltaShield's use case (daily scrapes): :func:`build` clusters a corpus once and returns a
:class:`ClusterIndex`, flat numpy arrays of what later batches need: every post's LSH bucket keys
(sorted, for lookups), the boilerplate shingle set, the document frequency of every shingle and
each cluster's medoid. :func:`update` signs only the new posts against that index, fetches the
texts of the few old posts that share a bucket with them (and those clusters' medoids) through a
callback, and assigns each new post to an existing cluster or forms new clusters (with new posts
and old unclustered posts). Its cost follows the new batch: the stored arrays are only searched
(binary search) and merged, never re-signed.

Where an update differs from a batch run over old and new posts together (documented, tested):

- the boilerplate set is frozen at :func:`build` (keys of old and new posts must agree), so
  wording that becomes common only later still creates candidates until the next full run;
- the stored frequencies count documents; only the new batch's are recounted with each group of
  the first pass as one document (a batch run's second pass does so for every cluster), and the
  relative filter sees only the pairs of the batch and its fetched neighbours;
- existing clusters are never merged or split, and their medoid and template stay as built: a new
  post joins the cluster of its most similar clustered neighbour when it also reaches the medoid
  guard; the rest group among themselves (and old unclustered posts), and what is still free
  joins the cluster, old or new, whose fetched members' profile covers it (attachment);
- a new post repeating an old text verbatim counts once more in the document frequencies.
Re-run :func:`build` periodically (e.g. weekly) to fold these back into one batch clustering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from threadline.cluster import lsh, minhash, verify
from threadline.cluster.batch import (
    Signed,
    TemplateCluster,
    _check_texts,
    _sign,
    build_clusters,
    group_documents,
    post_labels,
    worker_pool,
)
from threadline.cluster.settings import ClusterSettings
from threadline.cluster.template import template_of
from threadline.cluster.tokens import Shingles, encode, shingle_codes

__all__ = ["ClusterIndex", "IncrementalResult", "build", "describe", "similarities", "update"]

#: Old posts looked at per shared bucket of a new post: a cluster's members fill its buckets,
#: so a few representatives find it; more would make the cost follow cluster sizes.
_OLD_PER_BUCKET: Final = 16
#: Of those, the old posts kept per new document: the ones sharing the most buckets with it (the
#: LSH estimate of their similarity). Their texts are read and re-tokenised, so this bounds the
#: update's cost per new post.
_OLD_PER_DOC: Final = 8


@dataclass(frozen=True, slots=True)
class ClusterIndex:
    """What :func:`update` needs from earlier runs, as flat arrays (storable as tables).

    Posts are numbered in the order they were added (the texts of :func:`build`, then each
    update's new texts); ``bucket_keys`` (sorted) and ``bucket_posts`` list every post's LSH keys.
    """

    settings_json: str
    post_count: int
    doc_count: int
    bucket_keys: npt.NDArray[np.uint64]
    bucket_posts: npt.NDArray[np.int64]
    shingle_values: npt.NDArray[np.uint64]
    shingle_df: npt.NDArray[np.int64]
    common: npt.NDArray[np.uint64]
    cluster_labels: npt.NDArray[np.int64]
    cluster_medoids: npt.NDArray[np.int64]

    def to_arrow(self) -> dict[str, pa.Table]:
        """The index as Arrow tables (one per array group), e.g. to store in DuckDB."""
        return {
            "cluster_index_meta": pa.table(
                {
                    "settings_json": [self.settings_json],
                    "post_count": pa.array([self.post_count], pa.int64()),
                    "doc_count": pa.array([self.doc_count], pa.int64()),
                }
            ),
            "cluster_index_buckets": pa.table(
                {"key": pa.array(self.bucket_keys), "post": pa.array(self.bucket_posts)}
            ),
            "cluster_index_shingles": pa.table(
                {"shingle": pa.array(self.shingle_values), "df": pa.array(self.shingle_df)}
            ),
            "cluster_index_common": pa.table({"shingle": pa.array(self.common)}),
            "cluster_index_medoids": pa.table(
                {"label": pa.array(self.cluster_labels), "post": pa.array(self.cluster_medoids)}
            ),
        }

    @staticmethod
    def from_arrow(tables: dict[str, pa.Table]) -> ClusterIndex:
        """The index stored by :meth:`to_arrow` (rows in any order: arrays are re-sorted)."""
        missing = {
            "cluster_index_meta",
            "cluster_index_buckets",
            "cluster_index_shingles",
            "cluster_index_common",
            "cluster_index_medoids",
        } - set(tables)
        if missing:
            raise ValueError(f"cluster index tables missing: {sorted(missing)}")
        meta = tables["cluster_index_meta"]
        if meta.num_rows != 1:
            raise ValueError("cluster_index_meta must have exactly one row")

        def column(table: str, name: str, dtype: type[np.generic]) -> npt.NDArray[np.generic]:
            return np.asarray(tables[table].column(name).to_numpy(), dtype=dtype)

        keys = column("cluster_index_buckets", "key", np.uint64).astype(np.uint64)
        posts = column("cluster_index_buckets", "post", np.int64).astype(np.int64)
        order = np.lexsort((posts, keys))
        values = column("cluster_index_shingles", "shingle", np.uint64).astype(np.uint64)
        df = column("cluster_index_shingles", "df", np.int64).astype(np.int64)
        by_value = np.argsort(values, kind="stable")
        labels = column("cluster_index_medoids", "label", np.int64).astype(np.int64)
        medoids = column("cluster_index_medoids", "post", np.int64).astype(np.int64)
        by_label = np.argsort(labels, kind="stable")
        return ClusterIndex(
            str(meta.column("settings_json")[0].as_py()),
            int(meta.column("post_count")[0].as_py()),
            int(meta.column("doc_count")[0].as_py()),
            keys[order],
            posts[order],
            values[by_value],
            df[by_value],
            np.sort(column("cluster_index_common", "shingle", np.uint64).astype(np.uint64)),
            labels[by_label],
            medoids[by_label],
        )


@dataclass(frozen=True, slots=True)
class IncrementalResult:
    """The outcome of :func:`update`.

    ``new_labels[j]`` is new text ``j``'s cluster label (an existing label, a new one above
    every existing label, or -1). Old unclustered posts that joined a new cluster are listed in
    ``old_posts`` with their label in ``old_post_labels``. ``clusters`` are the new clusters with
    their templates; members number posts as the index does (old posts first, then new text
    ``j`` as ``index.post_count + j`` of the index passed in).
    """

    new_labels: npt.NDArray[np.int64]
    old_posts: npt.NDArray[np.int64]
    old_post_labels: npt.NDArray[np.int64]
    clusters: list[TemplateCluster]
    index: ClusterIndex


def _labels_of(clusters: Sequence[TemplateCluster], count: int) -> npt.NDArray[np.int64]:
    labels = np.full(count, -1, dtype=np.int64)
    for number, found in enumerate(clusters):
        labels[list(found.members)] = number
    return labels


def _df_table(shingles: Shingles) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    values, counts = np.unique(shingles.values, return_counts=True)
    return values.astype(np.uint64), counts.astype(np.int64)


def _unit_df_table(
    shingles: Shingles, units: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64], int]:
    """Document frequencies with the documents sharing a unit label (>= 0) counted as one
    document, and the number of such documents."""
    count = shingles.doc_count
    if count == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), 0
    unit_of_doc = np.where(units >= 0, units, units.max(initial=0) + 1 + np.arange(count))
    _, unit_of_doc = np.unique(unit_of_doc, return_inverse=True)
    unit_of_doc = unit_of_doc.ravel().astype(np.int64)
    owner_unit = unit_of_doc[shingles.doc_ids()]
    values, value_id = np.unique(shingles.values, return_inverse=True)
    distinct = np.unique(owner_unit * np.int64(len(values)) + value_id.ravel())
    df = np.bincount(distinct % len(values), minlength=len(values)).astype(np.int64)
    return values.astype(np.uint64), df, int(unit_of_doc.max()) + 1


def _post_keys(
    keys: npt.NDArray[np.uint64], document_of: npt.NDArray[np.int64], first_post: int
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Flat (key, post) of every post with a document, posts numbered from ``first_post``."""
    posts = np.flatnonzero(document_of >= 0)
    per_post = keys[document_of[posts]]
    flat_posts = np.repeat(posts + first_post, per_post.shape[1])
    flat_keys = per_post.ravel()
    valid = flat_keys != 0
    return flat_keys[valid], flat_posts[valid]


def build(
    texts: Sequence[str], settings: ClusterSettings | None = None, *, workers: int = 1
) -> tuple[list[TemplateCluster], ClusterIndex]:
    """A batch clustering of ``texts`` (as :func:`threadline.cluster.cluster`) and its index."""
    settings = settings or ClusterSettings()
    _check_texts(texts)
    with worker_pool(workers) as pool:
        signed = _sign(texts, settings, pool)
        if signed.shingles.doc_count:
            labels = group_documents(signed, settings)
            clusters = build_clusters(texts, signed, post_labels(signed, labels), settings, pool)
        else:
            clusters = []
    return clusters, _index_of(signed, clusters, len(texts), settings)


def _index_of(
    signed: Signed, clusters: Sequence[TemplateCluster], count: int, settings: ClusterSettings
) -> ClusterIndex:
    keys, posts = _post_keys(signed.keys, signed.document_of, 0)
    order = np.lexsort((posts, keys))
    values, df = _df_table(signed.shingles)
    cap = max(settings.df_cap_min, int(settings.df_cap_fraction * signed.shingles.doc_count))
    return ClusterIndex(
        settings.model_dump_json(),
        count,
        signed.shingles.doc_count,
        keys[order],
        posts[order],
        values,
        df,
        values[df > cap],
        np.arange(len(clusters), dtype=np.int64),
        np.array([found.medoid for found in clusters], dtype=np.int64),
    )


def _lookup(
    sorted_values: npt.NDArray[np.uint64],
    counts: npt.NDArray[np.int64],
    query: npt.NDArray[np.uint64],
) -> npt.NDArray[np.int64]:
    """``counts`` of each ``query`` value in ``sorted_values`` (0 when absent)."""
    if len(sorted_values) == 0:
        return np.zeros(len(query), dtype=np.int64)
    position = np.minimum(np.searchsorted(sorted_values, query), len(sorted_values) - 1)
    return np.where(sorted_values[position] == query, counts[position], 0)


def _encode_docs(texts: Sequence[str], min_tokens: int) -> tuple[npt.NDArray[np.int64], Shingles]:
    """Per text its document (distinct token sequence) or -1, and the documents' shingles."""
    digests, codes, lengths = encode(texts, min_tokens)
    document_of = np.full(len(texts), -1, dtype=np.int64)
    index_of: dict[bytes, int] = {}
    for position, digest in enumerate(digests):
        if digest is not None:
            document_of[position] = index_of.setdefault(digest, len(index_of))
    return document_of, shingle_codes(codes, lengths)


def update(
    index: ClusterIndex,
    labels_of_old_posts: npt.NDArray[np.int64],
    new_texts: Sequence[str],
    fetch_old_texts: Callable[[npt.NDArray[np.int64]], list[str]],
    settings: ClusterSettings | None = None,
) -> IncrementalResult:
    """Assign ``new_texts`` to the clusters of ``index`` or to new clusters (see module doc).

    ``labels_of_old_posts`` holds every indexed post's current label (-1: none);
    ``fetch_old_texts(posts)`` returns the texts of those old post numbers, in that order.
    """
    settings = settings or ClusterSettings()
    if settings.model_dump_json() != index.settings_json:
        raise ValueError("settings differ from the ones the index was built with")
    _check_texts(new_texts)
    old_labels = np.asarray(labels_of_old_posts, dtype=np.int64)
    if old_labels.shape != (index.post_count,):
        raise ValueError(f"labels_of_old_posts must have {index.post_count} entries")
    document_of, new_shingles = _encode_docs(new_texts, settings.min_tokens)
    new_docs = new_shingles.doc_count
    # Signatures against the frozen boilerplate set, so keys compare with the stored ones.
    common = np.isin(new_shingles.values, index.common)
    informative = minhash.drop_common(new_shingles, common.astype(np.int64), 0)
    signatures = minhash.signatures(informative, settings.num_perm, settings.seed)
    new_keys = lsh.band_keys(signatures, settings.bands, settings.rows)
    # Old candidates: a few posts of every stored bucket a new document falls in.
    flat = new_keys.ravel()
    flat_docs = np.repeat(np.arange(new_docs, dtype=np.int64), settings.bands)
    low = np.searchsorted(index.bucket_keys, flat, side="left")
    high = np.searchsorted(index.bucket_keys, flat, side="right")
    usable = (flat != 0) & (high > low) & (high - low <= settings.max_bucket)
    take = np.minimum(high - low, _OLD_PER_BUCKET)[usable]
    starts = low[usable]
    cand_positions = verify.ranges(starts, take)
    cand_new, cand_old = _closest_old(
        np.repeat(flat_docs[usable], take), index.bucket_posts[cand_positions], _OLD_PER_DOC
    )
    # The medoids of the candidates' clusters come along for the medoid guard.
    medoid_of = dict(
        zip(index.cluster_labels.tolist(), index.cluster_medoids.tolist(), strict=True)
    )
    touched = np.unique(old_labels[cand_old][old_labels[cand_old] >= 0])
    medoid_posts = np.array([medoid_of[int(label)] for label in touched if int(label) in medoid_of])
    old_posts = np.unique(np.concatenate([cand_old, medoid_posts.astype(np.int64)]))
    old_texts = fetch_old_texts(old_posts) if len(old_posts) else []
    if len(old_texts) != len(old_posts):
        raise ValueError("fetch_old_texts returned a different number of texts")
    old_document_of, old_shingles = _encode_docs(old_texts, settings.min_tokens)
    # Local problem: new documents first, then one node per fetched old post.
    old_nodes = np.flatnonzero(old_document_of >= 0)
    old_node_shingles = _subset(old_shingles, old_document_of[old_nodes])
    local = Shingles.concat([new_shingles, old_node_shingles])
    node_post = np.concatenate([np.full(new_docs, -1, dtype=np.int64), old_posts[old_nodes]])
    node_of_old_post = {int(p): new_docs + k for k, p in enumerate(old_posts[old_nodes].tolist())}
    pairs_new = lsh.candidate_pairs(new_keys, settings.max_bucket, settings.seed)
    cross = np.array(
        [
            (int(d), node_of_old_post[int(p)])
            for d, p in zip(cand_new.tolist(), cand_old.tolist(), strict=True)
            if int(p) in node_of_old_post
        ],
        dtype=np.int64,
    ).reshape(-1, 2)
    pairs = np.unique(np.concatenate([pairs_new, cross]), axis=0)
    node_label = np.full(local.doc_count, -1, dtype=np.int64)
    node_label[new_docs:] = old_labels[node_post[new_docs:]]
    next_label = int(max(old_labels.max(initial=-1), index.cluster_labels.max(initial=-1))) + 1
    # As in a batch run, a second pass recounts the batch's frequencies with each group found
    # in the first as one document: a new campaign's 300 posts no longer make its own wording
    # look common, so they stop joining an old cluster that shares only the generic phrases.
    units = None
    for _ in range(settings.refine_passes + 1):
        weights = _weights(local, new_shingles, index, settings, units)
        doc_label = _label_nodes(
            local, weights, pairs, node_label, node_post, medoid_of, new_docs, next_label, settings
        )
        units = doc_label[:new_docs]
    # Posts: new texts through their documents; identical new texts alone form a cluster.
    new_labels = np.where(document_of >= 0, doc_label[np.maximum(document_of, 0)], -1)
    lone = (new_labels < 0) & (document_of >= 0)
    if lone.any():
        repeats = np.bincount(document_of[lone], minlength=max(new_docs, 1))
        repeated = lone & (repeats[np.maximum(document_of, 0)] >= 2)
        if repeated.any():
            top = int(max(doc_label.max(initial=-1), next_label - 1)) + 1
            _, dense = np.unique(document_of[repeated], return_inverse=True)
            new_labels[repeated] = top + dense.ravel()
    joined_nodes = np.flatnonzero((np.arange(local.doc_count) >= new_docs) & (doc_label >= 0))
    joined_nodes = joined_nodes[old_labels[node_post[joined_nodes]] < 0]
    joined_posts = node_post[joined_nodes]
    joined_labels = doc_label[joined_nodes]
    clusters = _new_clusters(
        index,
        new_texts,
        new_labels,
        old_texts,
        old_posts,
        joined_posts,
        joined_labels,
        next_label,
        settings,
    )
    updated = _grow(index, new_keys, document_of, new_shingles, clusters)
    return IncrementalResult(
        new_labels, joined_posts, joined_labels, [found for _, found in clusters], updated
    )


def _closest_old(
    new_docs: npt.NDArray[np.int64], old_posts: npt.NDArray[np.int64], keep: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct (new document, old post) pairs, at most ``keep`` per new document: those sharing
    the most buckets (ties to the older post)."""
    if len(new_docs) == 0:
        return new_docs, old_posts
    width = np.int64(old_posts.max()) + 1
    keys, shared = np.unique(new_docs * width + old_posts, return_counts=True)
    docs, posts = keys // width, keys % width
    order = np.lexsort((posts, -shared, docs))
    docs, posts = docs[order], posts[order]
    starts = np.r_[0, np.flatnonzero(np.diff(docs)) + 1]
    rank = np.arange(len(docs)) - np.repeat(starts, np.diff(np.r_[starts, len(docs)]))
    return docs[rank < keep], posts[rank < keep]


def _subset(shingles: Shingles, docs: npt.NDArray[np.int64]) -> Shingles:
    """The shingle sets of ``docs`` (repeats allowed), in that order."""
    sizes = shingles.sizes()[docs]
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return Shingles(shingles.values[verify.ranges(shingles.offsets[docs], sizes)], offsets)


def _label_nodes(
    local: Shingles,
    weights: verify.ShingleWeights,
    pairs: npt.NDArray[np.int64],
    node_label: npt.NDArray[np.int64],
    node_post: npt.NDArray[np.int64],
    medoid_of: dict[int, int],
    new_docs: int,
    next_label: int,
    settings: ClusterSettings,
) -> npt.NDArray[np.int64]:
    """One pass: new documents join existing clusters by an edge (:func:`_assign`), the rest
    form new clusters among themselves and the old unclustered posts (labelled from
    ``next_label``), and what is still free is attached by profile."""
    similarity = verify.pair_similarity(local, weights, pairs)
    similarity = verify.relative_filter(local.doc_count, pairs, similarity, settings.relative_ratio)
    doc_label = _assign(
        local, weights, pairs, similarity, node_label, node_post, medoid_of, new_docs, settings
    )
    free = doc_label < 0
    both_free = free[pairs[:, 0]] & free[pairs[:, 1]]
    grouped = verify.group(
        local,
        weights,
        pairs[both_free],
        similarity[both_free],
        settings.edge_threshold,
        settings.medoid_threshold,
    )
    fresh = np.flatnonzero((grouped >= 0) & free)
    if len(fresh):
        _, dense = np.unique(grouped[fresh], return_inverse=True)
        doc_label[fresh] = next_label + dense.ravel()
    # Last, as in a batch run: the new documents left over join the cluster (old or just
    # formed) whose profile covers them (attachment).
    attached = verify.attach(
        local,
        weights,
        doc_label,
        pairs,
        settings.attach_threshold,
        settings.attach_min_size,
        settings.attach_ratio,
    )
    open_new = (np.arange(len(doc_label)) < new_docs) & (doc_label < 0)
    doc_label[open_new] = attached[open_new]
    return doc_label


def _weights(
    local: Shingles,
    new_shingles: Shingles,
    index: ClusterIndex,
    settings: ClusterSettings,
    units: npt.NDArray[np.int64] | None = None,
) -> verify.ShingleWeights:
    """IDF over the stored document frequencies plus the new batch's; with ``units`` (a label
    per new document, -1 for none), the new documents sharing a label count as one."""
    uniq, uid = np.unique(local.values, return_inverse=True)
    if units is None:
        batch_values, batch_df = _df_table(new_shingles)
        batch_docs = new_shingles.doc_count
    else:
        batch_values, batch_df, batch_docs = _unit_df_table(new_shingles, units)
    df = _lookup(index.shingle_values, index.shingle_df, uniq) + _lookup(
        batch_values, batch_df, uniq
    )
    docs = index.doc_count + batch_docs
    idf = np.log((docs + settings.idf_prior_docs + 1.0) / (np.maximum(df, 1) + 1.0)) + 1e-3
    return verify.ShingleWeights(verify.entry_ids(uid), idf, df.astype(np.int64), len(uniq))


def _assign(
    local: Shingles,
    weights: verify.ShingleWeights,
    pairs: npt.NDArray[np.int64],
    similarity: npt.NDArray[np.float64],
    node_label: npt.NDArray[np.int64],
    node_post: npt.NDArray[np.int64],
    medoid_of: dict[int, int],
    new_docs: int,
    settings: ClusterSettings,
) -> npt.NDArray[np.int64]:
    """Labels of the local nodes: old nodes keep theirs; a new document takes the label of its
    most similar clustered neighbour (an edge) when it also reaches that cluster's medoid."""
    result = node_label.copy()
    edge = similarity >= settings.edge_threshold
    side_new = np.concatenate([pairs[:, 0], pairs[:, 1]])
    side_old = np.concatenate([pairs[:, 1], pairs[:, 0]])
    sims = np.concatenate([similarity, similarity])
    usable = np.concatenate([edge, edge]) & (side_new < new_docs) & (node_label[side_old] >= 0)
    if usable.any():
        a, b, s = side_new[usable], side_old[usable], sims[usable]
        order = np.lexsort((b, -s, a))
        first = np.r_[True, a[order][1:] != a[order][:-1]]
        best_doc, best_node = a[order][first], b[order][first]
        best_label = node_label[best_node]
        post_node = {int(p): n for n, p in enumerate(node_post.tolist()) if p >= 0}
        medoid_node = np.array(
            [post_node.get(medoid_of.get(int(label), -1), -1) for label in best_label.tolist()],
            dtype=np.int64,
        )
        fits = np.ones(len(best_doc), dtype=bool)
        check = medoid_node >= 0
        if check.any():
            to_medoid = verify.pair_similarity(
                local, weights, np.stack([best_doc[check], medoid_node[check]], axis=1)
            )
            fits[check] = to_medoid >= settings.medoid_threshold
        result[best_doc[fits]] = best_label[fits]
    return result


def _new_clusters(
    index: ClusterIndex,
    new_texts: Sequence[str],
    new_labels: npt.NDArray[np.int64],
    old_texts: Sequence[str],
    old_posts: npt.NDArray[np.int64],
    joined_posts: npt.NDArray[np.int64],
    joined_labels: npt.NDArray[np.int64],
    first_new_label: int,
    settings: ClusterSettings,
) -> list[tuple[int, TemplateCluster]]:
    """Templates of the clusters formed in this update (labels from ``first_new_label``)."""
    text_of_old = dict(zip(old_posts.tolist(), old_texts, strict=True))
    members: dict[int, list[tuple[int, str]]] = {}
    for post, label in zip(joined_posts.tolist(), joined_labels.tolist(), strict=True):
        if label >= first_new_label:
            members.setdefault(label, []).append((post, text_of_old[post]))
    for position in np.flatnonzero(new_labels >= first_new_label).tolist():
        members.setdefault(int(new_labels[position]), []).append(
            (index.post_count + position, new_texts[position])
        )
    found: list[tuple[int, TemplateCluster]] = []
    for label in sorted(members):
        group = sorted(members[label])
        if len(group) < 2:
            continue
        texts = [text for _, text in group]
        alignment = template_of(texts, 0, settings.constant_share)
        found.append(
            (
                label,
                TemplateCluster(
                    tuple(post for post, _ in group),
                    alignment.template,
                    alignment.fillers,
                    1.0,
                    group[0][0],
                ),
            )
        )
    return found


def _grow(
    index: ClusterIndex,
    new_keys: npt.NDArray[np.uint64],
    document_of: npt.NDArray[np.int64],
    new_shingles: Shingles,
    clusters: Sequence[tuple[int, TemplateCluster]],
) -> ClusterIndex:
    """``index`` with the new posts' keys, document frequencies and new clusters' medoids.

    Sorted merges by insertion (linear copies, no re-sort of the stored arrays): new posts number
    above every old one, so inserting after equal keys keeps (key, post) order."""
    keys, posts = _post_keys(new_keys, document_of, index.post_count)
    order = np.lexsort((posts, keys))
    keys, posts = keys[order], posts[order]
    at = np.searchsorted(index.bucket_keys, keys, side="right")
    bucket_keys = np.insert(index.bucket_keys, at, keys)
    bucket_posts = np.insert(index.bucket_posts, at, posts)
    values, df = _df_table(new_shingles)
    position = np.searchsorted(index.shingle_values, values)
    known = position < len(index.shingle_values)
    known[known] = index.shingle_values[position[known]] == values[known]
    shingle_df = index.shingle_df.copy()
    np.add.at(shingle_df, position[known], df[known])
    shingle_values = np.insert(index.shingle_values, position[~known], values[~known])
    shingle_df = np.insert(shingle_df, position[~known], df[~known])
    return ClusterIndex(
        index.settings_json,
        index.post_count + len(document_of),
        index.doc_count + new_shingles.doc_count,
        bucket_keys,
        bucket_posts,
        shingle_values,
        shingle_df,
        index.common,
        np.concatenate([index.cluster_labels, [label for label, _ in clusters]]).astype(np.int64),
        np.concatenate([index.cluster_medoids, [found.medoid for _, found in clusters]]).astype(
            np.int64
        ),
    )


def similarities(
    texts: Sequence[str], reference: int, index: ClusterIndex, settings: ClusterSettings
) -> npt.NDArray[np.float64]:
    """IDF-weighted Jaccard similarity of each text to ``texts[reference]``, over the index's
    document frequencies (the scale of a batch run's cohesion); 0 for a text too short to
    have shingles."""
    document_of, shingles = _encode_docs(texts, settings.min_tokens)
    out = np.zeros(len(texts), dtype=np.float64)
    target = int(document_of[reference])
    if target < 0:
        return out
    uniq, uid = np.unique(shingles.values, return_inverse=True)
    df = _lookup(index.shingle_values, index.shingle_df, uniq)
    idf = np.log((index.doc_count + settings.idf_prior_docs + 1.0) / (np.maximum(df, 1) + 1.0))
    weights = verify.ShingleWeights(
        verify.entry_ids(uid), idf + 1e-3, df.astype(np.int64), len(uniq)
    )
    usable = np.flatnonzero(document_of >= 0)
    pairs = np.stack([document_of[usable], np.full(len(usable), target)], axis=1)
    sims = verify.pair_similarity(shingles, weights, pairs)
    sims[document_of[usable] == target] = 1.0
    out[usable] = sims
    return out


def describe(
    texts: Sequence[str],
    index: ClusterIndex,
    settings: ClusterSettings,
    *,
    medoid: int | None = None,
) -> tuple[int, float, tuple[str, tuple[tuple[str, ...], ...]]]:
    """Medoid, cohesion and template (with every member's fillers) of a cluster's member
    ``texts``, on the scale of a batch run: IDF-weighted Jaccard over the index's document
    frequencies. ``medoid`` keeps a known medoid (a grown cluster); otherwise the member most
    similar to the others is chosen (all pairs up to 200 members, else the first member)."""
    if len(texts) < 2:
        raise ValueError("a cluster has two members or more")
    document_of, shingles = _encode_docs(texts, settings.min_tokens)
    uniq, uid = np.unique(shingles.values, return_inverse=True)
    df = _lookup(index.shingle_values, index.shingle_df, uniq)
    idf = np.log((index.doc_count + settings.idf_prior_docs + 1.0) / (np.maximum(df, 1) + 1.0))
    weights = verify.ShingleWeights(
        verify.entry_ids(uid), idf + 1e-3, df.astype(np.int64), len(uniq)
    )
    docs = shingles.doc_count
    if medoid is None:
        medoid = 0
        if docs >= 2 and len(texts) <= 200 and (document_of >= 0).all():
            left, right = np.triu_indices(docs, k=1)
            sims = verify.pair_similarity(shingles, weights, np.stack([left, right], axis=1))
            totals = np.bincount(left, sims, docs) + np.bincount(right, sims, docs)
            best_doc = int(np.argmax(totals))
            medoid = int(np.flatnonzero(document_of == best_doc)[0])
    medoid_doc = int(document_of[medoid])
    members = document_of[document_of >= 0]
    if medoid_doc < 0 or len(members) == 0:
        cohesion = 0.0
    else:
        pairs = np.stack([members, np.full(len(members), medoid_doc)], axis=1)
        sims = verify.pair_similarity(shingles, weights, pairs)
        sims[members == medoid_doc] = 1.0
        cohesion = float(min(max(sims.mean(), 0.0), 1.0))
    alignment = template_of(texts, medoid, settings.constant_share)
    return medoid, cohesion, (alignment.template, alignment.fillers)
