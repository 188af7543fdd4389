"""Linking and ranking on Spark: the DuckDB link step's rules, as Spark jobs.

* Items (canonical contact identifiers, template clusters) and their posts are group-bys.
* The hub guard judges only contacts with more posts than ``max_bridged_groups``; their
  neighbourhoods (their posts and the other contacts on those posts) are gathered to the driver
  and judged by :func:`threadline.link.graph.find_hubs`, the DuckDB path's function, with the
  global sizes. The driver holds the hubs' neighbourhoods only, never the corpus.
* Templates are judged by :func:`threadline.link.graph.judge_templates` (row-local) in an
  Arrow task over the per-template counts; the driver sees only the refused ones.
* Networks are connected components computed by iterative Spark SQL
  (:func:`threadline.spark.components.connected_components`) over star edges: each admitted
  item joins its posts to its smallest post.
* Each network is profiled and ranked by :func:`threadline.link.rank.profile` and
  :func:`~threadline.link.rank.rank` in an Arrow task that reads the posts' facts as long
  rows (one per post and one per fact), shuffled by network and sorted once, one network at
  a time: bounded memory however large the partition.

* Images: groups of near-identical post images (:func:`threadline.spark.images.image_items`)
  are items of kind ``image``, judged and linked like contacts, as on DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from threadline.link.graph import (
    TEMPLATE,
    Evidence,
    SetAside,
    find_hubs,
    hub_reason,
    judge_templates,
)
from threadline.link.rank import PostFacts, profile, rank
from threadline.link.settings import LINK_KINDS, LinkSettings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["LinkOutput", "link"]

NETWORKS_DDL = (
    "network_id string, score double, model_score double, pattern string, "
    "pattern_reason string, posts int, personas int, one_off_personas int, identifiers int, "
    "phones array<string>, cities array<string>, first_seen timestamp_ntz, "
    "last_seen timestamp_ntz, posts_per_day double, ages array<int>, prices array<string>, "
    "templates array<string>, sites array<string>, flag_categories string, factors string, "
    "linked_at timestamp_ntz"
)
_RANKED_DDL = (
    NETWORKS_DDL
    + ", post_ids array<string>, idents array<struct<kind:string,canonical:string,posts:int>>"
)
_IDENTS_TYPE = pa.list_(
    pa.struct([("kind", pa.string()), ("canonical", pa.string()), ("posts", pa.int32())])
)
_JUDGED_DDL = "cluster_id string, size int, groups int, admitted boolean, reason string"
SET_ASIDE_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("key", pa.string()),
        ("posts", pa.int32()),
        ("groups", pa.int32()),
        ("reason", pa.string()),
    ]
)


@dataclass(frozen=True)
class LinkOutput:
    networks: DataFrame
    network_posts: DataFrame
    network_identifiers: DataFrame
    set_aside: pa.Table
    counts: dict[str, Any]


def _hubs_on_driver(
    items: list[tuple[int, str, str, int]],
    incidences: list[tuple[int, int]],
    settings: LinkSettings,
) -> list[SetAside]:
    """Judge the candidate hubs from their neighbourhoods (``items``: item id, kind, key,
    global size; ``incidences``: item id, post) with the DuckDB path's function."""
    if not items:
        return []
    local = {item: number for number, (item, *_rest) in enumerate(items)}
    posts = sorted({post for _, post in incidences})
    post_of = {post: number for number, post in enumerate(posts)}
    item_of = np.array([local[item] for item, _ in incidences], dtype=np.int64)
    item_post = np.array([post_of[post] for _, post in incidences], dtype=np.int64)
    pairs = np.unique(np.stack([item_of, item_post]), axis=1)
    sizes = np.array([size for *_rest, size in items], dtype=np.int64)
    evidence = Evidence(
        len(posts),
        [key for _, _, key, _ in items],
        [kind for _, kind, _, _ in items],
        np.full(len(items), np.nan),
        pairs[0],
        pairs[1],
    )
    contact = sizes >= 2
    found = find_hubs(evidence, pairs[0], pairs[1], sizes, contact, settings.max_bridged_groups)
    return [
        SetAside(
            items[index][2],
            items[index][1],
            int(sizes[index]),
            groups,
            hub_reason(int(sizes[index]), groups, settings),
        )
        for index, groups in found.items()
    ]


def _judge_templates(
    batches: Iterator[pa.RecordBatch], settings: LinkSettings
) -> Iterator[pa.RecordBatch]:
    """Task: :func:`judge_templates` over a batch of per-template counts (it is row-local)."""
    for batch in batches:
        keys = batch.column("cluster_id").to_pylist()
        sizes = batch.column("size").to_numpy(zero_copy_only=False).astype(np.int64)
        groups = batch.column("groups").to_numpy(zero_copy_only=False).astype(np.int64)
        cohesion = batch.column("cohesion").cast(pa.float64()).to_numpy(zero_copy_only=False)
        admitted, refused = judge_templates(
            keys, sizes, cohesion, groups, np.ones(len(keys), dtype=bool), settings
        )
        reasons = {item.key: item.reason for item in refused}
        yield pa.RecordBatch.from_arrays(
            [
                pa.array(keys, pa.string()),
                pa.array(sizes, pa.int32()),
                pa.array(groups, pa.int32()),
                pa.array(admitted, pa.bool_()),
                pa.array([reasons.get(key) for key in keys], pa.string()),
            ],
            names=["cluster_id", "size", "groups", "admitted", "reason"],
        )


#: The kinds of row in the long facts table (:func:`_facts`), in the order a post's rows are
#: read: its own row first, then its lists.
_POST, _AGE, _PRICE, _NAME, _CONTACT, _FLAG, _TEMPLATE, _PROFILE = range(8)
#: How the long facts are sorted within a partition: by network, post, kind of row, then in
#: reading order (title before text, by offset), as the DuckDB step lists them.
_FACT_ORDER = (
    "component", "id", "part", "f", "start_offset", "end_offset",
    "kind", "canonical", "code", "category", "field",
)  # fmt: skip
#: Networks ranked per output batch: bounds what a task holds.
_NETWORKS_PER_BATCH = 1000


def _post_facts(rows: list[dict[str, Any]], place: Any) -> PostFacts:
    """A :class:`PostFacts` from one post's rows of :func:`_facts`, in :data:`_FACT_ORDER`."""
    post = rows[0]
    ages: list[tuple[int, int, int, str]] = []
    prices: list[str] = []
    names: list[str] = []
    contacts: set[tuple[str, str]] = set()
    flags: list[tuple[str, str, int, int, str]] = []
    template = profile_text = None
    for row in rows[1:]:
        part = row["part"]
        if part == _AGE:
            ages.append(
                (int(row["canonical"]), row["start_offset"], row["end_offset"], row["field"])
            )
        elif part == _PRICE:
            prices.append(row["canonical"])
        elif part == _NAME:
            names.append(row["canonical"])
        elif part == _CONTACT:
            contacts.add((row["kind"], row["canonical"]))
        elif part == _FLAG:
            flags.append(
                (row["category"], row["code"], row["start_offset"], row["end_offset"], row["field"])
            )
        elif part == _TEMPLATE and template is None:
            template = row["template"]
        elif part == _PROFILE and profile_text is None:
            profile_text = row["profile"]
    return PostFacts(
        post["id"],
        post["posted_at"],
        place(post["location"]) if post["location"] else None,
        post["site"],
        post["author"],
        tuple(age for age, *_ in ages),
        tuple(prices),
        tuple(sorted(contacts)),
        template,
        tuple(flags),
        profile_text,
        tuple((start, end) for _, start, end, field in ages if field == "text"),
        tuple(dict.fromkeys(names)),
    )


def _networks_of(batches: Iterator[pa.RecordBatch]) -> Iterator[list[list[dict[str, Any]]]]:
    """Each network of a partition sorted by :data:`_FACT_ORDER`, as its posts' rows; a
    network may span batches, so the last one of a batch waits for the next."""
    network: list[list[dict[str, Any]]] = []
    current = None
    for batch in batches:
        for row in batch.to_pylist():
            if row["component"] != current:
                if network:
                    yield network
                network, current = [], row["component"]
            if row["part"] == _POST:
                network.append([row])
            elif network and network[-1][0]["id"] == row["id"]:
                network[-1].append(row)  # a fact follows its post's own row (sorted by part)
    if network:
        yield network


def _ranked_batch(ranked: list[Any], stamp: datetime) -> pa.RecordBatch:
    """The rows of ``ranked`` networks in :data:`_RANKED_DDL`."""
    from threadline.steps.link import _tables

    tables = _tables(ranked, stamp)
    members: dict[str, list[str]] = {}
    for network, post in zip(
        tables["network_posts"].column("network_id").to_pylist(),
        tables["network_posts"].column("post_id").to_pylist(),
        strict=True,
    ):
        members.setdefault(network, []).append(post)
    idents: dict[str, list[dict[str, Any]]] = {}
    identifiers = tables["network_identifiers"]
    for network, kind, canonical, posts in zip(
        *(identifiers.column(name).to_pylist() for name in identifiers.column_names),
        strict=True,
    ):
        idents.setdefault(network, []).append(
            {"kind": kind, "canonical": canonical, "posts": posts}
        )
    networks = tables["networks"]
    ids = networks.column("network_id").to_pylist()
    return pa.RecordBatch.from_arrays(
        [
            *(networks.column(name).combine_chunks() for name in networks.column_names),
            pa.array([members.get(i, []) for i in ids], pa.list_(pa.string())),
            pa.array([idents.get(i, []) for i in ids], _IDENTS_TYPE),
        ],
        names=[*networks.column_names, "post_ids", "idents"],
    )


def _rank_networks(
    batches: Iterator[pa.RecordBatch], settings: LinkSettings, stamp: datetime
) -> Iterator[pa.RecordBatch]:
    """Task: profile and rank the networks of a partition of long facts sorted by network
    (:func:`_facts`), streamed: one network's posts at a time, never a partition's."""
    from threadline.steps.link import _place, network_id

    ranked = []
    for network in _networks_of(batches):
        facts = [_post_facts(rows, _place) for rows in network]
        ranked.append(rank(profile(network_id(min(f.post_id for f in facts)), facts), settings))
        if len(ranked) == _NETWORKS_PER_BATCH:
            yield _ranked_batch(ranked, stamp)
            ranked = []
    if ranked:
        yield _ranked_batch(ranked, stamp)


def link(
    spark: SparkSession,
    posts: DataFrame,
    identifiers: DataFrame,
    screens: DataFrame | None,
    flags: DataFrame | None,
    clusters: DataFrame | None,
    cluster_members: DataFrame | None,
    settings: LinkSettings,
    *,
    stamp: datetime,
    images: DataFrame | None = None,
    images_hashed: int = 0,
) -> LinkOutput:
    """Networks of ``posts`` with their profiles, factors and scores (see the module docs).

    ``images`` holds ``(id, kind, key)`` rows of posts' near-identical image groups
    (:func:`threadline.spark.images.image_items`); ``images_hashed`` is reported as is."""
    from pyspark.sql import functions as F

    from threadline.spark.components import connected_components
    from threadline.spark.session import checkpoint

    index = posts.select("id").orderBy("id").withColumn("idx", F.monotonically_increasing_id())
    index = index.persist()
    contact_rows = identifiers.where(F.col("kind").isin(*LINK_KINDS)).select(
        F.col("post_id").alias("id"), "kind", F.col("canonical").alias("key")
    )
    if images is not None:
        contact_rows = contact_rows.unionByName(images.select("id", "kind", "key"))
    contacts = contact_rows.distinct().join(index, "id")
    # Items are named by (kind, key) throughout: no generated id that a recomputation could
    # renumber.
    item_sizes = (
        contacts.groupBy("kind", "key").agg(F.count("*").alias("size")).where(F.col("size") >= 2)
    )
    incidence = contacts.join(item_sizes, ["kind", "key"]).select("kind", "key", "idx", "size")
    incidence = incidence.persist()
    # Hub candidates and their neighbourhoods, judged on the driver.
    limit = settings.max_bridged_groups
    candidate_posts = incidence.where(F.col("size") > limit).select("idx").distinct()
    neighbourhood = incidence.join(candidate_posts, "idx").collect()
    items = sorted({(str(r["kind"]), str(r["key"]), int(r["size"])) for r in neighbourhood})
    number = {(kind, key): n for n, (kind, key, _) in enumerate(items)}
    hubs = _hubs_on_driver(
        [(n, kind, key, size) for n, (kind, key, size) in enumerate(items)],
        [(number[(str(r["kind"]), str(r["key"]))], int(r["idx"])) for r in neighbourhood],
        settings,
    )
    sound = incidence
    if hubs:
        hub_rows = spark.createDataFrame(
            [(item.kind, item.key) for item in hubs], "kind string, key string"
        )
        sound = incidence.join(F.broadcast(hub_rows), ["kind", "key"], "left_anti")
    edges = _star_edges(sound.select(F.struct("kind", "key").alias("item"), "idx"))
    set_aside = list(hubs)
    linked: dict[str, int] = {
        str(row["kind"]): int(row["count"])
        for row in sound.select("kind", "key").distinct().groupBy("kind").count().collect()
    }
    if cluster_members is not None and clusters is not None:
        members = (
            cluster_members.select(F.col("post_id").alias("id"), "cluster_id")
            .join(clusters.select("cluster_id", "cohesion"), "cluster_id")
            .join(index, "id")
        )
        labels = _labels(connected_components(spark, edges), index)
        has_contact = incidence.select("idx").distinct().withColumn("has_contact", F.lit(True))
        per_template = (
            members.join(labels, "idx")
            .join(has_contact, "idx", "left")
            .groupBy("cluster_id")
            .agg(
                F.count("*").alias("size"),
                F.first("cohesion").alias("cohesion"),
                F.countDistinct(F.when(F.col("has_contact"), F.col("component"))).alias("groups"),
            )
            .where(F.col("size") >= 2)
        )
        # Judged where the counts are, and checkpointed: one row per template (90,000 at 1M
        # posts) is no load for an executor, but as a driver-side list in an ``isin`` it put
        # that many literals in every later plan and ran a 4 GB driver out of heap.
        judged = checkpoint(
            per_template.mapInArrow(
                lambda batches: _judge_templates(batches, settings), _JUDGED_DDL
            )
        )
        set_aside.extend(
            SetAside(str(r["cluster_id"]), TEMPLATE, r["size"], r["groups"], r["reason"])
            for r in judged.where(~F.col("admitted")).collect()
        )
        chosen = judged.where("admitted").select("cluster_id")
        admitted = chosen.count()
        if admitted:
            linked[TEMPLATE] = admitted
            template_edges = _star_edges(
                members.join(chosen, "cluster_id").select(
                    F.struct(F.lit(TEMPLATE).alias("kind"), F.col("cluster_id").alias("key")).alias(
                        "item"
                    ),
                    "idx",
                )
            )
            edges = edges.unionByName(template_edges)
    # Checkpointed, not cached: the facts below join it several times, and each join would
    # otherwise carry (and re-optimise) the whole plan of the edges and their rounds.
    labels = checkpoint(_labels(connected_components(spark, edges), index))
    sizes = labels.groupBy("component").agg(F.count("*").alias("network_size"))
    in_network = (
        labels.join(sizes, "component")
        .where(F.col("network_size") >= settings.min_network_posts)
        .join(index, "idx")
        .select("id", "component")
        .persist()  # read by every join of the facts
    )
    in_network_posts = in_network.count()
    facts = _facts(posts, identifiers, screens, flags, cluster_members, in_network, images)
    # One shuffle and one sort, streamed into the ranking: no row ever holds a whole network,
    # and no task runs a chain of joins, whose many sorts spilled each other into thousands of
    # files at 1M posts until their read buffers filled the heap.
    ranked = (
        facts.repartition("component")
        .sortWithinPartitions(*_FACT_ORDER)
        .mapInArrow(lambda batches: _rank_networks(batches, settings, stamp), _RANKED_DDL)
        .persist()
    )
    networks = ranked.drop("post_ids", "idents")
    network_posts = ranked.select("network_id", F.explode("post_ids").alias("post_id"))
    network_identifiers = ranked.select("network_id", F.explode("idents").alias("i")).select(
        "network_id", "i.kind", "i.canonical", "i.posts"
    )
    set_aside.sort(key=lambda item: (-item.posts, item.kind, item.key))
    aside = pa.Table.from_pylist(
        [
            {"kind": s.kind, "key": s.key, "posts": s.posts, "groups": s.groups, "reason": s.reason}
            for s in set_aside
        ],
        schema=SET_ASIDE_SCHEMA,
    )
    patterns = {
        str(r["pattern"]): int(r["count"]) for r in networks.groupBy("pattern").count().collect()
    }
    counts = {
        "posts": int(index.count()),
        "networks": sum(patterns.values()),
        "posts_in_networks": in_network_posts,
        "set_aside": len(set_aside),
        "images_hashed": images_hashed,
        "linked_items": dict(sorted(linked.items())),
        "by_pattern": dict(sorted(patterns.items())),
    }
    for frame in (incidence, in_network):
        frame.unpersist()
    return LinkOutput(networks, network_posts, network_identifiers, aside, counts)


def _star_edges(incidence: DataFrame) -> DataFrame:
    """Edges joining every post of an item to the item's smallest post."""
    from pyspark.sql import functions as F

    heads = incidence.groupBy("item").agg(F.min("idx").alias("head"))
    return incidence.join(heads, "item").select(
        F.col("head").alias("src"), F.col("idx").alias("dst")
    )


def _labels(components: DataFrame, index: DataFrame) -> DataFrame:
    """Component of every post (a post in no edge is its own component)."""
    from pyspark.sql import functions as F

    return (
        index.select("idx")
        .join(components.withColumnRenamed("node", "idx"), "idx", "left")
        .select("idx", F.coalesce("component", "idx").alias("component"))
    )


def _facts(
    posts: DataFrame,
    identifiers: DataFrame,
    screens: DataFrame | None,
    flags: DataFrame | None,
    cluster_members: DataFrame | None,
    in_network: DataFrame,
    images: DataFrame | None = None,
) -> DataFrame:
    """What :class:`PostFacts` needs of every post in a network, long: one row per post
    (``part`` :data:`_POST`) and one per fact of it (an age, a price, a name, a contact, a
    flag, its template, its profile), each with the post's ``component``. Image groups are
    among the contacts."""
    from pyspark.sql import functions as F

    network_of_post = in_network.select(F.col("id").alias("post_id"), "component")

    def part(frame: DataFrame, number: int, *columns: Any) -> DataFrame:
        return frame.join(network_of_post, "post_id").select(
            "component", F.col("post_id").alias("id"), F.lit(number).alias("part"), *columns
        )

    def spanned(*columns: str) -> list[Any]:
        return [
            F.when(F.col("field") == "title", 0).otherwise(1).alias("f"),
            "start_offset",
            "end_offset",
            "field",
            *columns,
        ]

    ids = identifiers.select("post_id", "kind", "canonical", "field", "start_offset", "end_offset")
    rows = [
        posts.select("id", "posted_at", "location", "site", "author")
        .join(in_network, "id")
        .select(
            "component", "id", F.lit(_POST).alias("part"), "posted_at", "location", "site", "author"
        ),
        part(ids.where(F.col("kind") == "age"), _AGE, *spanned("kind", "canonical")),
        part(ids.where(F.col("kind") == "price"), _PRICE, *spanned("kind", "canonical")),
        part(ids.where(F.col("kind") == "name"), _NAME, *spanned("kind", "canonical")),
        part(ids.where(F.col("kind").isin(*LINK_KINDS)), _CONTACT, "kind", "canonical"),
    ]
    if images is not None:
        rows.append(
            part(
                images.select(F.col("id").alias("post_id"), "kind", "key"),
                _CONTACT,
                "kind",
                F.col("key").alias("canonical"),
            )
        )
    if flags is not None:
        rows.append(part(flags, _FLAG, *spanned("code", "category")))
    if cluster_members is not None:
        rows.append(part(cluster_members, _TEMPLATE, F.col("cluster_id").alias("template")))
    if screens is not None:
        rows.append(part(screens, _PROFILE, "profile"))
    long = rows[0]
    for frame in rows[1:]:
        long = long.unionByName(frame, allowMissingColumns=True)
    for name in (*_FACT_ORDER, "template", "profile"):
        if name not in long.columns:
            long = long.withColumn(name, F.lit(None).cast("string"))
    return long
