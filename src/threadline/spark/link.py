"""Linking and ranking on Spark: the DuckDB link step's rules, as Spark jobs.

* Items (canonical contact identifiers, template clusters) and their posts are group-bys.
* The hub guard judges only contacts with more posts than ``max_bridged_groups``; their
  neighbourhoods (their posts and the other contacts on those posts) are gathered to the driver
  and judged by :func:`threadline.link.graph.find_hubs`, the DuckDB path's function, with the
  global sizes. The driver holds the hubs' neighbourhoods only, never the corpus.
* Templates are judged by :func:`threadline.link.graph.judge_templates` from per-template counts
  computed by Spark (one row per template).
* Networks are connected components computed by iterative Spark SQL
  (:func:`threadline.spark.components.connected_components`) over star edges: each admitted
  item joins its posts to its smallest post.
* Each network is profiled and ranked by :func:`threadline.link.rank.profile` and
  :func:`~threadline.link.rank.rank` in a grouped Arrow UDF.

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


def _post_facts(row: dict[str, Any], place: Any) -> PostFacts:
    """A :class:`PostFacts` from one post's row of :func:`_facts`."""
    return PostFacts(
        row["id"],
        row["posted_at"],
        place(row["location"]) if row["location"] else None,
        row["site"],
        row["author"],
        tuple(item["age"] for item in row["ages"] or ()),
        tuple(row["prices"] or ()),
        tuple(sorted({(c["kind"], c["canonical"]) for c in row["contacts"] or ()})),
        row["template"],
        tuple(
            (f["category"], f["code"], f["start_offset"], f["end_offset"], f["field"])
            for f in row["flags"] or ()
        ),
        row["profile"],
        tuple(
            (item["start_offset"], item["end_offset"])
            for item in row["ages"] or ()
            if item["field"] == "text"
        ),
        tuple(dict.fromkeys(row["names"] or ())),
    )


def _rank_networks(
    batches: Iterator[pa.RecordBatch], settings: LinkSettings, stamp: datetime
) -> Iterator[pa.RecordBatch]:
    """Task: profile and rank each network of a batch (one row per network, its posts in a
    list), many networks per call: a grouped UDF would pay a round trip per network."""
    from threadline.steps.link import _place, _tables, network_id

    for batch in batches:
        ranked = []
        for network in batch.column("posts").to_pylist():
            facts = [_post_facts(row, _place) for row in network]
            ranked.append(rank(profile(network_id(min(f.post_id for f in facts)), facts), settings))
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
        yield pa.RecordBatch.from_arrays(
            [
                *(networks.column(name).combine_chunks() for name in networks.column_names),
                pa.array([members.get(i, []) for i in ids], pa.list_(pa.string())),
                pa.array([idents.get(i, []) for i in ids], _IDENTS_TYPE),
            ],
            names=[*networks.column_names, "post_ids", "idents"],
        )


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
            .orderBy("cluster_id")
            .collect()
        )
        if per_template:
            keys = [str(r["cluster_id"]) for r in per_template]
            admitted, refused = judge_templates(
                keys,
                np.array([r["size"] for r in per_template], dtype=np.int64),
                np.array([r["cohesion"] for r in per_template], dtype=np.float64),
                np.array([r["groups"] for r in per_template], dtype=np.int64),
                np.ones(len(keys), dtype=bool),
                settings,
            )
            set_aside.extend(refused)
            chosen = [key for key, ok in zip(keys, admitted, strict=True) if ok]
            if chosen:
                linked[TEMPLATE] = len(chosen)
                template_edges = _star_edges(
                    members.where(F.col("cluster_id").isin(chosen)).select(
                        F.struct(
                            F.lit(TEMPLATE).alias("kind"), F.col("cluster_id").alias("key")
                        ).alias("item"),
                        "idx",
                    )
                )
                edges = edges.unionByName(template_edges)
    labels = _labels(connected_components(spark, edges), index).persist()
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
    per_network = facts.groupBy("component").agg(
        F.collect_list(F.struct(*[c for c in facts.columns if c != "component"])).alias("posts")
    )
    ranked = per_network.mapInArrow(
        lambda batches: _rank_networks(batches, settings, stamp), _RANKED_DDL
    ).persist()
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
    for frame in (incidence, labels, in_network):
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
    """One row per post in a network with what :class:`PostFacts` needs, lists in reading
    order (title, then text; by offset), as the DuckDB step reads them; image groups are
    among the contacts."""
    from pyspark.sql import functions as F

    ids = identifiers.join(in_network.select(F.col("id").alias("post_id")), "post_id")

    def listed(frame: DataFrame, name: str, *columns: str) -> DataFrame:
        struct = F.struct(
            (F.when(F.col("field") == "title", 0).otherwise(1)).alias("_f"),
            "start_offset",
            "end_offset",
            *columns,
        )
        return frame.groupBy("post_id").agg(F.sort_array(F.collect_list(struct)).alias(name))

    ages = listed(
        ids.where(F.col("kind") == "age").withColumn("age", F.col("canonical").cast("int")),
        "ages",
        "kind",
        "canonical",
        "age",
        "field",
    )
    prices = listed(ids.where(F.col("kind") == "price"), "prices_s", "kind", "canonical").select(
        "post_id", F.col("prices_s.canonical").alias("prices")
    )
    names = listed(ids.where(F.col("kind") == "name"), "names_s", "kind", "canonical").select(
        "post_id", F.col("names_s.canonical").alias("names")
    )
    contact_rows = ids.where(F.col("kind").isin(*LINK_KINDS)).select("post_id", "kind", "canonical")
    if images is not None:
        contact_rows = contact_rows.unionByName(
            images.select(
                F.col("id").alias("post_id"), "kind", F.col("key").alias("canonical")
            ).join(in_network.select(F.col("id").alias("post_id")), "post_id")
        )
    contacts = contact_rows.groupBy("post_id").agg(
        F.collect_set(F.struct("kind", "canonical")).alias("contacts")
    )
    result = (
        posts.select("id", "posted_at", "location", "site", "author")
        .join(in_network, "id")
        .join(ages.withColumnRenamed("post_id", "id"), "id", "left")
        .join(prices.withColumnRenamed("post_id", "id"), "id", "left")
        .join(names.withColumnRenamed("post_id", "id"), "id", "left")
        .join(contacts.withColumnRenamed("post_id", "id"), "id", "left")
    )
    if flags is not None:
        flagged = flags.join(in_network.select(F.col("id").alias("post_id")), "post_id")
        flag_lists = listed(flagged, "flags", "code", "category", "field")
        result = result.join(flag_lists.withColumnRenamed("post_id", "id"), "id", "left")
    else:
        result = result.withColumn("flags", F.lit(None).cast("array<string>"))
    if cluster_members is not None:
        result = result.join(
            cluster_members.select(
                F.col("post_id").alias("id"), F.col("cluster_id").alias("template")
            ),
            "id",
            "left",
        )
    else:
        result = result.withColumn("template", F.lit(None).cast("string"))
    if screens is not None:
        result = result.join(screens.select(F.col("post_id").alias("id"), "profile"), "id", "left")
    else:
        result = result.withColumn("profile", F.lit(None).cast("string"))
    return result
