"""Template clustering on Spark: the DuckDB path's stages, cut where they are separable.

:func:`threadline.cluster.batch` works on one machine's arrays; here each of its steps runs
where its data lives, with the same pure functions:

* tokens and shingles per post in Arrow UDFs (:func:`threadline.cluster.tokens.encode`); posts
  with the same token sequence become one document by a group-by on the digest, named by its
  smallest post id (the DuckDB path numbers documents in post-id order, so the order agrees);
* document frequencies by explode and group-by; the boilerplate shingles (above the cap) are
  few and travel to the tasks;
* MinHash signatures, band keys and path ranks per document in Arrow UDFs; LSH banding as a
  window over each bucket key (rank order), each member paired with the next, as
  :func:`threadline.cluster.lsh.candidate_pairs` does;
* connected components of the candidate pairs (large-star / small-star): every later decision
  (pair similarity, the relative filter, grouping with the medoid guard, attachment) looks only
  at a document's candidates, so each candidate component is verified in one grouped task by
  :mod:`threadline.cluster.verify`, with the corpus-wide weights joined in;
* between passes, document frequencies are recounted with each cluster counted once
  (:func:`threadline.cluster.verify.cluster_weights`) by a distinct and a group-by;
* medoid, cohesion and template per cluster in one grouped task (the functions
  :func:`threadline.cluster.batch.build_clusters` uses).

The tables written are the DuckDB step's ``clusters``, ``cluster_members`` and
``clustered_posts``, row for row, and the incremental index of the DuckDB step's full run
(``cluster_index_*``), so a workspace opened from Spark output takes new posts incrementally.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from threadline.cluster import lsh, minhash, verify
from threadline.cluster.settings import ClusterSettings
from threadline.cluster.template import template_of
from threadline.cluster.tokens import Shingles, encode, shingle_codes
from threadline.spark.session import checkpoint

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["ClusterResult", "cluster"]

CLUSTERS_DDL = (
    "cluster_id string, size int, template string, slot_count int, cohesion double, "
    "medoid_post_id string, first_seen timestamp_ntz, last_seen timestamp_ntz, locations int, "
    "sites int, clustered_at timestamp_ntz"
)
_ENCODED_DDL = "post_id string, digest binary, shingles array<bigint>"
_KEYS_DDL = "node bigint, key bigint, rank bigint, first_post string"
_LABELS_DDL = "node bigint, label string"
_BUILT_DDL = (
    "cluster_id string, size int, template string, slot_count int, cohesion double, "
    "medoid_post_id string, post_id string, fillers array<string>"
)


@dataclass(frozen=True)
class ClusterResult:
    clusters: DataFrame
    cluster_members: DataFrame
    clustered_posts: DataFrame
    counts: dict[str, int]
    #: The incremental index (:class:`threadline.cluster.incremental.ClusterIndex`) as the
    #: DuckDB step stores it, table name to rows (64-bit keys and shingles as signed longs).
    index: dict[str, DataFrame]


def _shingles_of(column: pa.Array) -> Shingles:
    """A ``list<int64>`` Arrow column as :class:`Shingles` (values back to uint64)."""
    lists = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    offsets = offsets - offsets[0]
    values = np.asarray(lists.flatten(), dtype=np.int64).view(np.uint64)
    return Shingles(values, offsets)


def _list_of(shingles: Shingles) -> pa.Array:
    return pa.ListArray.from_arrays(
        pa.array(shingles.offsets, pa.int32()), pa.array(shingles.values.view(np.int64))
    )


def _encode_batches(batches: Iterator[pa.RecordBatch], min_tokens: int) -> Iterator[pa.RecordBatch]:
    """Task: per post with enough tokens, its digest; the shingles on the first post of each
    digest in the batch only (the group-by keeps one copy per document)."""
    from threadline.steps.cluster import cluster_text

    for batch in batches:
        ids = batch.column("id").to_pylist()
        texts = [
            cluster_text(title, text)
            for title, text in zip(
                batch.column("title").to_pylist(), batch.column("text").to_pylist(), strict=True
            )
        ]
        digests, codes, lengths = encode(texts, min_tokens)
        shingles = shingle_codes(codes, lengths)
        seen: dict[bytes, int] = {}
        out_ids: list[str] = []
        out_digests: list[bytes] = []
        carried: list[int] = []  # per output row, its batch document or -1 (a repeat)
        for post_id, digest in zip(ids, digests, strict=True):
            if digest is None:
                continue
            out_ids.append(post_id)
            out_digests.append(digest)
            if digest in seen:
                carried.append(-1)
            else:
                seen[digest] = len(seen)
                carried.append(seen[digest])
        sizes = shingles.sizes()
        row_sizes = np.array([sizes[d] if d >= 0 else 0 for d in carried], dtype=np.int64)
        offsets = np.zeros(len(carried) + 1, dtype=np.int64)
        np.cumsum(row_sizes, out=offsets[1:])
        firsts = np.array([d for d in carried if d >= 0], dtype=np.int64)
        values = shingles.values[verify.ranges(shingles.offsets[firsts], sizes[firsts])]
        lists = pa.ListArray.from_arrays(
            pa.array(offsets, pa.int32()),
            pa.array(values.view(np.int64)),
            mask=pa.array([d < 0 for d in carried]),
        )
        yield pa.RecordBatch.from_arrays(
            [pa.array(out_ids, pa.string()), pa.array(out_digests, pa.binary()), lists],
            names=["post_id", "digest", "shingles"],
        )


def _keys_batches(
    batches: Iterator[pa.RecordBatch], common: npt.NDArray[np.uint64], settings: ClusterSettings
) -> Iterator[pa.RecordBatch]:
    """Task: one row per (document, band) with a bucket key, and the key's path rank."""
    for batch in batches:
        shingles = _shingles_of(batch.column("shingles"))
        keep = ~np.isin(shingles.values, common)
        counts = np.bincount(shingles.doc_ids()[keep], minlength=shingles.doc_count)
        offsets = np.zeros(shingles.doc_count + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        informative = Shingles(shingles.values[keep], offsets)
        signatures = minhash.signatures(informative, settings.num_perm, settings.seed)
        keys = lsh.band_keys(signatures, settings.bands, settings.rows)
        ranks = lsh.path_ranks(keys, settings.seed)
        flat = keys.ravel()
        valid = flat != 0
        rows = np.repeat(np.arange(len(keys)), settings.bands)[valid]
        yield pa.RecordBatch.from_arrays(
            [
                pa.array(np.asarray(batch.column("node"))[rows]),
                pa.array(flat[valid].view(np.int64)),
                pa.array(ranks.ravel()[valid]),
                batch.column("first_post").take(pa.array(rows)),
            ],
            names=["node", "key", "rank", "first_post"],
        )


def _weights(
    shingles: Shingles, df: npt.NDArray[np.int64], units: int, prior: int
) -> verify.ShingleWeights:
    """The weights :func:`verify.weigh` (or :func:`verify.cluster_weights`) would give these
    documents' entries, from corpus-wide document frequencies counted over ``units``."""
    uniq, uid = np.unique(shingles.values, return_inverse=True)
    df_of = np.zeros(len(uniq), dtype=np.int64)
    df_of[uid] = df  # every entry of one shingle carries its frequency
    idf = np.log((max(units, 1) + prior + 1.0) / (df_of + 1.0)) + 1e-3
    return verify.ShingleWeights(verify.entry_ids(uid), idf, df_of, len(uniq))


def _component_docs(table: pa.Table) -> tuple[pa.Table, Shingles, npt.NDArray[np.int64]]:
    """A group's documents in first-post order, their shingles and per-entry frequencies."""
    table = table.sort_by("first_post")
    shingles = _shingles_of(table.column("shingles"))
    dfs = np.asarray(table.column("dfs").combine_chunks().flatten(), dtype=np.int64)
    return table, shingles, dfs


def _group_component(table: pa.Table, units: int, settings: ClusterSettings) -> pa.Table:
    """Task: one candidate component through one grouping pass (as
    :func:`threadline.cluster.batch.group_documents`' loop body); a cluster is named by the
    first post of its smallest document."""
    table, shingles, dfs = _component_docs(table)
    weights = _weights(shingles, dfs, units, settings.idf_prior_docs)
    nodes = np.asarray(table.column("node"), dtype=np.int64)
    local = {int(node): index for index, node in enumerate(nodes.tolist())}
    left: list[int] = []
    right: list[int] = []
    for index, neighbours in enumerate(table.column("neighbours").to_pylist()):
        for other in neighbours or ():
            left.append(index)
            right.append(local[int(other)])
    pairs = np.stack([np.asarray(left, np.int64), np.asarray(right, np.int64)], axis=1)
    pairs = np.unique(np.sort(pairs, axis=1), axis=0).reshape(-1, 2)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    count = shingles.doc_count
    similarity = verify.pair_similarity(shingles, weights, pairs)
    similarity = verify.relative_filter(count, pairs, similarity, settings.relative_ratio)
    labels = verify.group(
        shingles, weights, pairs, similarity, settings.edge_threshold, settings.medoid_threshold
    )
    labels = verify.attach(
        shingles,
        weights,
        labels,
        pairs,
        settings.attach_threshold,
        settings.attach_min_size,
        settings.attach_ratio,
    )
    first_posts = table.column("first_post").to_pylist()
    smallest: dict[int, str] = {}
    for index in np.flatnonzero(labels >= 0).tolist():
        smallest.setdefault(int(labels[index]), first_posts[index])
    return pa.table(
        {
            "node": pa.array(nodes),
            "label": pa.array(
                [smallest[int(lab)] if lab >= 0 else None for lab in labels.tolist()], pa.string()
            ),
        }
    )


def _build_cluster(table: pa.Table, documents: int, settings: ClusterSettings) -> pa.Table:
    """Task: one cluster's medoid, cohesion, template and fillers (as
    :func:`threadline.cluster.batch.build_clusters` does for each)."""
    from threadline.steps.cluster import cluster_id

    table = table.sort_by("post_id")
    post_ids: list[str] = table.column("post_id").to_pylist()
    doc_keys: list[str] = table.column("first_post").to_pylist()
    row_of: dict[str, int] = {}
    for row, key in enumerate(doc_keys):
        row_of.setdefault(key, row)
    firsts = sorted(row_of)
    first_rows = [row_of[key] for key in firsts]
    docs = table.take(pa.array(first_rows, pa.int64()))
    shingles = _shingles_of(docs.column("shingles"))
    dfs = np.asarray(docs.column("dfs").combine_chunks().flatten(), dtype=np.int64)
    weights = _weights(shingles, dfs, documents, settings.idf_prior_docs)
    doc_index = {key: index for index, key in enumerate(firsts)}
    member_docs = np.array([doc_index[key] for key in doc_keys], dtype=np.int64)
    everyone = np.arange(len(firsts), dtype=np.int64)
    medoid_doc = int(
        verify.medoids(shingles, weights, np.zeros(len(firsts), np.int64), everyone)[0]
    )
    pairs, inverse = np.unique(
        np.stack([member_docs, np.full(len(member_docs), medoid_doc)], axis=1),
        axis=0,
        return_inverse=True,
    )
    sims = verify.pair_similarity(shingles, weights, pairs)
    sims[pairs[:, 0] == pairs[:, 1]] = 1.0
    zeros = np.zeros(len(member_docs), dtype=np.int64)
    cohesion = float((np.bincount(zeros, weights=sims[inverse.ravel()]) / len(member_docs))[0])
    medoid_index = int(np.flatnonzero(member_docs == medoid_doc)[0])
    texts: list[str] = table.column("text").to_pylist()
    alignment = template_of(texts, medoid_index, settings.constant_share)
    medoid_post = post_ids[medoid_index]
    size = len(post_ids)
    slots = len(alignment.fillers[0]) if alignment.fillers else 0
    return pa.table(
        {
            "cluster_id": pa.array([cluster_id(medoid_post)] * size, pa.string()),
            "size": pa.array([size] * size, pa.int32()),
            "template": pa.array([alignment.template] * size, pa.string()),
            "slot_count": pa.array([slots] * size, pa.int32()),
            "cohesion": pa.array([min(max(cohesion, 0.0), 1.0)] * size, pa.float64()),
            "medoid_post_id": pa.array([medoid_post] * size, pa.string()),
            "post_id": pa.array(post_ids, pa.string()),
            "fillers": pa.array([list(f) for f in alignment.fillers], pa.list_(pa.string())),
        }
    )


def _one_argument(
    function: Callable[[pa.Table, int, ClusterSettings], pa.Table],
    count: int,
    settings: ClusterSettings,
) -> Callable[[pa.Table], pa.Table]:
    """A grouped task of one parameter (Spark passes the group key too to two-parameter ones)."""

    def task(table: pa.Table) -> pa.Table:
        return function(table, count, settings)

    return task


def _with_dfs(docs: DataFrame, frequencies: DataFrame) -> DataFrame:
    """``docs`` with ``dfs``: per shingle of ``shingles``, in order, its frequency."""
    from pyspark.sql import functions as F

    entries = docs.select("node", F.posexplode("shingles").alias("pos", "shingle"))
    per_doc = (
        entries.join(frequencies, "shingle")
        .groupBy("node")
        .agg(F.sort_array(F.collect_list(F.struct("pos", "df"))).alias("pairs"))
        .select("node", F.col("pairs.df").alias("dfs"))
    )
    return docs.join(per_doc, "node")


def cluster(
    spark: SparkSession,
    posts: DataFrame,
    settings: ClusterSettings | None = None,
    *,
    stamp: datetime,
) -> ClusterResult:
    """The DuckDB cluster step's three tables for ``posts`` (``id, title, text, posted_at,
    location, site``)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from threadline.spark.components import connected_components
    from threadline.steps.cluster import cluster_text

    settings = settings or ClusterSettings()
    min_tokens = settings.min_tokens
    encoded = posts.select("id", "title", "text").mapInArrow(
        lambda batches: _encode_batches(batches, min_tokens), _ENCODED_DDL
    )
    encoded = encoded.persist()  # tokenised once for both uses below
    post_docs = encoded.select("post_id", "digest")
    docs = (
        encoded.groupBy("digest")
        .agg(
            F.min("post_id").alias("first_post"),
            F.count("*").alias("posts"),
            F.first("shingles", ignorenulls=True).alias("shingles"),
        )
        .withColumn("node", F.monotonically_increasing_id())
        .transform(checkpoint)
    )
    documents = docs.count()
    frequencies = (
        docs.select(F.explode("shingles").alias("shingle"))
        .groupBy("shingle")
        .agg(F.count("*").alias("df"))
        .persist()
    )
    cap = max(settings.df_cap_min, int(settings.df_cap_fraction * documents))
    common = np.sort(
        np.array(
            [int(r["shingle"]) for r in frequencies.where(F.col("df") > cap).collect()],
            dtype=np.int64,
        ).view(np.uint64)
    )
    keys = (
        docs.select("node", "first_post", "shingles")
        .mapInArrow(lambda batches: _keys_batches(batches, common, settings), _KEYS_DDL)
        .persist()  # banded here, and every post's keys go to the incremental index
    )
    bucket = Window.partitionBy("key")
    path = bucket.orderBy("rank", "first_post")
    pairs = (
        keys.withColumn("size", F.count("*").over(bucket))
        .withColumn("next", F.lead("node").over(path))
        .where((F.col("size") <= settings.max_bucket) & F.col("next").isNotNull())
        .select(F.least("node", "next").alias("src"), F.greatest("node", "next").alias("dst"))
        .where(F.col("src") != F.col("dst"))
        .distinct()
        .transform(checkpoint)
    )
    component = connected_components(spark, pairs)
    neighbours = pairs.groupBy(F.col("src").alias("node")).agg(
        F.collect_list("dst").alias("neighbours")
    )
    in_graph = (
        docs.select("node", "first_post", "shingles")
        .join(component, "node")
        .join(neighbours, "node", "left")
        .persist()
    )
    # Grouping passes: the first with document frequencies, later ones with each cluster
    # counted once (one unit) and the rest one unit per document.
    frequencies_now, units = frequencies, documents
    labels: DataFrame | None = None
    for _ in range(settings.refine_passes + 1):
        if labels is not None:
            unit = docs.join(labels, "node", "left").select(
                "shingles", F.coalesce("label", "first_post").alias("unit")
            )
            frequencies_now = (
                unit.select("unit", F.explode("shingles").alias("shingle"))
                .distinct()
                .groupBy("shingle")
                .agg(F.count("*").alias("df"))
            )
            units = unit.select("unit").distinct().count()
        grouped_units = units
        labels = (
            _with_dfs(in_graph, frequencies_now)
            .groupBy("component")
            .applyInArrow(
                _one_argument(_group_component, grouped_units, settings),
                _LABELS_DDL,
            )
            .where(F.col("label").isNotNull())
            .transform(checkpoint)
        )
    assert labels is not None
    # Per post, its cluster: its document's label, or for a repeated document in no cluster
    # the document itself (exact reposts are a template too).
    doc_labels = docs.join(labels, "node", "left").select(
        "digest",
        "node",
        "first_post",
        F.when(F.col("label").isNotNull(), F.col("label"))
        .when(F.col("posts") >= 2, F.col("first_post"))
        .alias("label"),
    )
    member_posts = (
        post_docs.join(doc_labels.where(F.col("label").isNotNull()), "digest")
        .withColumn("members", F.count("*").over(Window.partitionBy("label")))
        .where(F.col("members") >= 2)
        .select("post_id", "node", "first_post", "label")
    )
    docs_needed = _with_dfs(
        docs.join(member_posts.select("node").distinct(), "node").select("node", "shingles"),
        frequencies,
    )
    texts = posts.select(
        F.col("id").alias("post_id"),
        F.when(
            F.col("title").isNotNull() & (F.col("title") != ""),
            F.concat_ws("\n", "title", "text"),
        )
        .otherwise(F.col("text"))
        .alias("text"),
    )
    del cluster_text  # the SQL expression above is its Spark form
    built = (
        member_posts.join(docs_needed, "node")
        .join(texts, "post_id")
        .groupBy("label")
        .applyInArrow(_one_argument(_build_cluster, documents, settings), _BUILT_DDL)
        .persist()
    )
    seen = posts.select(
        F.col("id").alias("post_id"), F.lit(stamp).cast("timestamp_ntz").alias("clustered_at")
    )
    heads = built.where(F.col("post_id") == F.col("medoid_post_id")).drop("post_id", "fillers")
    clusters = (
        heads.join(built.select("cluster_id", "post_id"), "cluster_id")
        .join(
            posts.select(F.col("id").alias("post_id"), "posted_at", "location", "site"),
            "post_id",
        )
        .groupBy("cluster_id", "size", "template", "slot_count", "cohesion", "medoid_post_id")
        .agg(
            F.min("posted_at").alias("first_seen"),
            F.max("posted_at").alias("last_seen"),
            F.countDistinct("location").cast("int").alias("locations"),
            F.countDistinct("site").cast("int").alias("sites"),
        )
        .withColumn("clustered_at", F.lit(stamp).cast("timestamp_ntz"))
    )
    members = built.select("cluster_id", "post_id", "fillers")
    counts = {"documents": int(documents)}
    frames = (posts, post_docs, docs, keys, frequencies, heads, built)
    index = _index(spark, frames, cap, documents, settings, stamp)
    return ClusterResult(clusters, members, seen, counts, index)


def _index(
    spark: SparkSession,
    frames: tuple[DataFrame, DataFrame, DataFrame, DataFrame, DataFrame, DataFrame, DataFrame],
    cap: int,
    documents: int,
    settings: ClusterSettings,
    stamp: datetime,
) -> dict[str, DataFrame]:
    """The tables of :meth:`threadline.cluster.incremental.ClusterIndex.to_arrow` as the DuckDB
    step stores them after a full run, so a workspace opened from this run takes later posts
    incrementally: posts numbered in id order, every post's band keys, document frequencies,
    the boilerplate set, and each cluster's medoid under the label the DuckDB run gives it
    (clusters by size, largest first, ties by their first post)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    posts, post_docs, docs, keys, frequencies, heads, built = frames
    # Consecutive numbers in id order without one task sorting every id: a range-partitioned
    # sort, then each partition's offset (zipWithIndex).
    numbering = (
        posts.select(F.col("id").alias("post_id"))
        .orderBy("post_id")
        .rdd.zipWithIndex()
        .map(lambda row: (int(row[1]), str(row[0][0])))
        .toDF("post bigint, post_id string")
        .transform(checkpoint)
    )
    post_count = numbering.count()
    buckets = (
        keys.select("node", "key")
        .join(docs.select("node", "digest"), "node")
        .join(post_docs, "digest")
        .join(numbering, "post_id")
        .select("key", "post")
    )
    firsts = built.groupBy("cluster_id").agg(F.min("post_id").alias("first_member"))
    order = Window.orderBy(F.desc("size"), F.col("first_member"))
    medoids = (
        heads.select("cluster_id", "size", "medoid_post_id")
        .join(firsts, "cluster_id")
        .withColumn("label", (F.row_number().over(order) - 1).cast("bigint"))
        .join(numbering.withColumnRenamed("post_id", "medoid_post_id"), "medoid_post_id")
        .select("label", "post")
    )
    meta = spark.createDataFrame(
        [(settings.model_dump_json(), post_count, int(documents), stamp, stamp)],
        "settings_json string, post_count bigint, doc_count bigint, "
        "built_at timestamp_ntz, updated_at timestamp_ntz",
    )
    return {
        "cluster_index_meta": meta,
        "cluster_index_posts": numbering,
        "cluster_index_buckets": buckets,
        "cluster_index_shingles": frequencies.select("shingle", "df"),
        "cluster_index_common": frequencies.where(F.col("df") > cap).select("shingle"),
        "cluster_index_medoids": medoids,
    }
