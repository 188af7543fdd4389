"""The ``cluster`` step: template micro-clusters of a workspace's posts.

A post is clustered on its title and text joined by a line break (:func:`cluster_text`): the
title is part of the template an author reuses. The step re-clusters every post whenever posts
were added since its last run and replaces ``clusters``, ``cluster_members`` and
``clustered_posts`` in one transaction, so the tables always describe one complete run.

Cluster ids are ``tc-`` and a hash of the medoid post's id: the same input and seed give the
same ids, and an id does not change when unrelated posts are added.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from threadline.cluster import SLOT, ClusterSettings, TemplateCluster
from threadline.cluster.incremental import ClusterIndex, build, describe, similarities, update
from threadline.cluster.template import fill
from threadline.steps import Progress, StageReport
from threadline.workspace import Workspace

__all__ = ["ClusterRow", "cluster_id", "cluster_step", "cluster_text", "load_clusters"]

_CLUSTERS_SCHEMA = pa.schema(
    [
        ("cluster_id", pa.string()),
        ("size", pa.int32()),
        ("template", pa.string()),
        ("slot_count", pa.int32()),
        ("cohesion", pa.float64()),
        ("medoid_post_id", pa.string()),
    ]
)
_MEMBERS_SCHEMA = pa.schema(
    [("cluster_id", pa.string()), ("post_id", pa.string()), ("fillers", pa.list_(pa.string()))]
)

_PENDING_SQL = "SELECT count(*) FROM posts p ANTI JOIN clustered_posts c ON p.id = c.post_id"


def cluster_text(title: str | None, text: str) -> str:
    """What a post is clustered on: its title and text, one line apart."""
    return f"{title}\n{text}" if title else text


def cluster_id(medoid_post_id: str) -> str:
    """Stable id of the cluster whose medoid is ``medoid_post_id``."""
    return "tc-" + hashlib.blake2b(medoid_post_id.encode(), digest_size=8).hexdigest()


def pending_posts(workspace: Workspace) -> int:
    """Posts added since the last cluster run."""
    return int(workspace.engine.scalar(_PENDING_SQL))


#: A workspace whose new posts exceed this share of the clustered ones is re-clustered from
#: scratch: an update's shortcuts (frozen boilerplate set, no merging or splitting of existing
#: clusters) are meant for daily batches, not for doubling a corpus.
REBUILD_FRACTION = 0.25

_INDEX_TABLES = (
    "cluster_index_buckets",
    "cluster_index_shingles",
    "cluster_index_common",
    "cluster_index_medoids",
)


def cluster_step(
    workspace: Workspace,
    settings: ClusterSettings | None = None,
    *,
    progress: Progress | None = None,
    rebuild: bool = False,
    workers: int = 1,
) -> StageReport:
    """Cluster the posts added since the last run: into existing clusters or new ones through
    the stored index (:mod:`threadline.cluster.incremental`), or all posts from scratch when
    there is no index, the settings changed, ``rebuild`` is asked, or the new posts exceed
    :data:`REBUILD_FRACTION` of the clustered ones."""
    settings = settings or ClusterSettings()
    pending = pending_posts(workspace)
    if pending == 0:
        return StageReport("cluster", {"posts": 0, "clusters": 0, "clustered_posts": 0})
    index = None if rebuild else _load_index(workspace)
    if (
        index is None
        or index.settings_json != settings.model_dump_json()
        or pending > REBUILD_FRACTION * index.post_count
    ):
        report = _full_run(workspace, settings, pending, workers)
    else:
        report = _update_run(workspace, settings, index, pending)
    if progress is not None:
        progress(pending)
    return report


def _full_run(
    workspace: Workspace, settings: ClusterSettings, pending: int, workers: int
) -> StageReport:
    engine = workspace.engine
    # Sorted by id: the clusters depend on the input order only through this sort.
    posts = engine.fetch_arrow("SELECT id, title, text FROM posts ORDER BY id")
    ids: list[str] = posts.column("id").to_pylist()
    texts = [
        cluster_text(title, text)
        for title, text in zip(
            posts.column("title").to_pylist(), posts.column("text").to_pylist(), strict=True
        )
    ]
    del posts
    found, index = build(texts, settings, workers=workers)
    del texts
    clusters_table, members_table = _tables(ids, found)
    now = datetime.now(UTC).replace(tzinfo=None)
    seen = pa.table(
        {"post_id": pa.array(ids, pa.string()), "clustered_at": pa.repeat(pa.scalar(now), len(ids))}
    )
    numbering = pa.table(
        {"post": pa.array(range(len(ids)), pa.int64()), "post_id": pa.array(ids, pa.string())}
    )
    with engine.transaction():
        engine.register("_new_clusters", clusters_table)
        engine.register("_new_members", members_table)
        engine.register("_new_seen", seen)
        try:
            engine.execute("DELETE FROM cluster_members")
            engine.execute("DELETE FROM clusters")
            engine.execute("DELETE FROM clustered_posts")
            _insert_clusters(workspace, "_new_clusters", "_new_members", now)
            engine.execute("INSERT INTO cluster_members SELECT * FROM _new_members")
            engine.execute("INSERT INTO clustered_posts SELECT * FROM _new_seen")
        finally:
            for name in ("_new_clusters", "_new_members", "_new_seen"):
                engine.unregister(name)
        engine.execute("DELETE FROM cluster_index_posts")
        _store_numbering(workspace, numbering)
        _store_index(workspace, index, built_at=now)
    clustered = members_table.num_rows
    return StageReport(
        "cluster",
        {
            "posts": len(ids),
            "new_posts": pending,
            "mode": "full",
            "clusters": clusters_table.num_rows,
            "clustered_posts": clustered,
            "largest": max((len(c.members) for c in found), default=0),
        },
    )


def _insert_clusters(workspace: Workspace, heads: str, members: str, now: datetime) -> None:
    """Insert the cluster rows of ``heads`` with the dates, places and sites of their posts
    in ``members`` (table names; inside the caller's transaction)."""
    workspace.engine.execute(
        f"""INSERT INTO clusters
        SELECT c.cluster_id, c.size, c.template, c.slot_count, c.cohesion,
               c.medoid_post_id, min(p.posted_at), max(p.posted_at),
               count(DISTINCT p.location), count(DISTINCT p.site), ?
        FROM {heads} c
        JOIN {members} m USING (cluster_id)
        JOIN posts p ON p.id = m.post_id
        GROUP BY ALL""",
        [now],
    )


def _store_numbering(workspace: Workspace, numbering: pa.Table) -> None:
    engine = workspace.engine
    engine.register("_new_numbering", numbering)
    try:
        engine.execute("INSERT INTO cluster_index_posts SELECT * FROM _new_numbering")
    finally:
        engine.unregister("_new_numbering")


def _store_index(
    workspace: Workspace, index: ClusterIndex, *, built_at: datetime | None = None
) -> None:
    """Replace the stored index (inside the caller's transaction)."""
    engine = workspace.engine
    tables = index.to_arrow()
    now = datetime.now(UTC).replace(tzinfo=None)
    built = built_at or engine.scalar("SELECT built_at FROM cluster_index_meta") or now
    for name in _INDEX_TABLES:
        engine.register("_new_index", tables[name])
        try:
            engine.execute(f"DELETE FROM {name}")
            engine.execute(f"INSERT INTO {name} SELECT * FROM _new_index")
        finally:
            engine.unregister("_new_index")
    engine.execute("DELETE FROM cluster_index_meta")
    engine.execute(
        "INSERT INTO cluster_index_meta VALUES (?, ?, ?, ?, ?)",
        [index.settings_json, index.post_count, index.doc_count, built, now],
    )


def _load_index(workspace: Workspace) -> ClusterIndex | None:
    engine = workspace.engine
    if engine.scalar("SELECT count(*) FROM cluster_index_meta") != 1:
        return None
    tables = {
        "cluster_index_meta": engine.fetch_arrow(
            "SELECT settings_json, post_count, doc_count FROM cluster_index_meta"
        )
    }
    for name in _INDEX_TABLES:
        tables[name] = engine.fetch_arrow(f"SELECT * FROM {name}")
    index = ClusterIndex.from_arrow(tables)
    numbered = engine.scalar("SELECT count(*) FROM cluster_index_posts")
    return index if numbered == index.post_count else None


def _update_run(
    workspace: Workspace, settings: ClusterSettings, index: ClusterIndex, pending: int
) -> StageReport:
    engine = workspace.engine
    numbering = dict(engine.fetchall("SELECT post_id, post FROM cluster_index_posts"))
    # Labels: the index's cluster labels through their medoids' post ids and cluster ids.
    label_of_cluster = {
        cluster_id(post_id): int(label)
        for label, post_id in engine.fetchall(
            "SELECT m.label, p.post_id FROM cluster_index_medoids m "
            "JOIN cluster_index_posts p ON p.post = m.post"
        )
    }
    old_labels = np.full(index.post_count, -1, dtype=np.int64)
    for post_id, identity in engine.fetchall("SELECT post_id, cluster_id FROM cluster_members"):
        label = label_of_cluster.get(identity)
        if label is not None and post_id in numbering:
            old_labels[numbering[post_id]] = label
    new_rows = engine.fetchall(
        "SELECT p.id, p.title, p.text FROM posts p "
        "ANTI JOIN clustered_posts c ON p.id = c.post_id ORDER BY p.id"
    )
    new_ids = [row[0] for row in new_rows]
    new_texts = [cluster_text(title, text) for _, title, text in new_rows]
    post_id_of = {number: post_id for post_id, number in numbering.items()}

    def fetch(numbers: npt.NDArray[np.int64]) -> list[str]:
        wanted = [post_id_of[int(n)] for n in numbers.tolist()]
        by_id = _texts_of(workspace, wanted)
        return [by_id[post_id] for post_id in wanted]

    result = update(index, old_labels, new_texts, fetch, settings)
    for offset, post_id in enumerate(new_ids):
        post_id_of[index.post_count + offset] = post_id
    cluster_of_label = {label: identity for identity, label in label_of_cluster.items()}
    # Members to add per existing cluster, and the new clusters.
    grown: dict[str, list[str]] = {}
    for offset, label in enumerate(result.new_labels.tolist()):
        if label in cluster_of_label:
            grown.setdefault(cluster_of_label[label], []).append(new_ids[offset])
    clusters_rows: list[tuple[str, int, str, int, float, str]] = []
    member_rows: list[tuple[str, str, list[str]]] = []
    heads = {
        row[0]: row[1:]
        for row in engine.fetchall(
            "SELECT cluster_id, size, template, slot_count, cohesion, medoid_post_id "
            "FROM clusters WHERE cluster_id IN (SELECT unnest(?))",
            [sorted(grown)],
        )
    }
    # Every text this update reads, in one query (a query per cluster would scan the posts
    # table once per cluster).
    needed = {post_id_of[m] for found in result.clusters for m in found.members}
    needed |= {head[4] for head in heads.values()}
    needed |= {m for added in grown.values() for m in added}
    texts = _texts_of(workspace, sorted(needed))
    for found in result.clusters:
        members = [post_id_of[m] for m in found.members]
        # The index keeps the medoid update chose: the cluster id must follow it.
        medoid_post = post_id_of[found.medoid]
        _, cohesion, (template, fillers) = describe(
            [texts[m] for m in members], result.index, settings, medoid=members.index(medoid_post)
        )
        identity = cluster_id(medoid_post)
        clusters_rows.append(
            (identity, len(members), template, template.count(SLOT), cohesion, medoid_post)
        )
        member_rows += [(identity, m, list(f)) for m, f in zip(members, fillers, strict=True)]
    # Grown clusters keep their template and medoid; only the new members are aligned (their
    # fillers against the template) and compared with the medoid (the cohesion moves with them).
    for identity, added in sorted(grown.items()):
        size, template, slots, cohesion, medoid_post = heads[identity]
        sims = similarities(
            [texts[medoid_post]] + [texts[m] for m in added], 0, result.index, settings
        )[1:]
        total = size + len(added)
        clusters_rows.append(
            (identity, total, template, slots, (cohesion * size + float(sims.sum())) / total,
             medoid_post)
        )  # fmt: skip
        member_rows += [(identity, m, list(fill(template, texts[m]))) for m in added]
    now = datetime.now(UTC).replace(tzinfo=None)
    clusters_table = pa.table(
        {
            "cluster_id": pa.array([r[0] for r in clusters_rows], pa.string()),
            "size": pa.array([r[1] for r in clusters_rows], pa.int32()),
            "template": pa.array([r[2] for r in clusters_rows], pa.string()),
            "slot_count": pa.array([r[3] for r in clusters_rows], pa.int32()),
            "cohesion": pa.array([r[4] for r in clusters_rows], pa.float64()),
            "medoid_post_id": pa.array([r[5] for r in clusters_rows], pa.string()),
        }
    )
    members_table = pa.table(
        {
            "cluster_id": pa.array([r[0] for r in member_rows], pa.string()),
            "post_id": pa.array([r[1] for r in member_rows], pa.string()),
            "fillers": pa.array([r[2] for r in member_rows], pa.list_(pa.string())),
        }
    )
    with engine.transaction():
        engine.register("_upd_clusters", clusters_table)
        engine.register("_upd_members", members_table)
        try:
            engine.execute(
                "DELETE FROM cluster_members WHERE post_id IN (SELECT post_id FROM _upd_members)"
            )
            engine.execute("INSERT INTO cluster_members SELECT * FROM _upd_members")
            engine.execute(
                "DELETE FROM clusters WHERE cluster_id IN (SELECT cluster_id FROM _upd_clusters)"
            )
            _insert_clusters(workspace, "_upd_clusters", "cluster_members", now)
        finally:
            engine.unregister("_upd_clusters")
            engine.unregister("_upd_members")
        seen = pa.table(
            {
                "post_id": pa.array(new_ids, pa.string()),
                "clustered_at": pa.repeat(pa.scalar(now), len(new_ids)),
            }
        )
        engine.register("_new_seen", seen)
        try:
            engine.execute("INSERT INTO clustered_posts SELECT * FROM _new_seen")
        finally:
            engine.unregister("_new_seen")
        _store_numbering(
            workspace,
            pa.table(
                {
                    "post": pa.array(
                        range(index.post_count, index.post_count + len(new_ids)), pa.int64()
                    ),
                    "post_id": pa.array(new_ids, pa.string()),
                }
            ),
        )
        _store_index(workspace, result.index)
    return StageReport(
        "cluster",
        {
            "posts": index.post_count + len(new_ids),
            "new_posts": pending,
            "mode": "update",
            "clusters": workspace.count("clusters"),
            "new_clusters": len(result.clusters),
            "grown_clusters": len(grown),
            "clustered_new_posts": int((result.new_labels >= 0).sum()),
        },
    )


def _texts_of(workspace: Workspace, post_ids: list[str]) -> dict[str, str]:
    engine = workspace.engine
    engine.register("_wanted", pa.table({"id": pa.array(post_ids, pa.string())}))
    try:
        rows = engine.fetchall(
            "SELECT p.id, p.title, p.text FROM posts p SEMI JOIN _wanted w ON p.id = w.id"
        )
    finally:
        engine.unregister("_wanted")
    return {post_id: cluster_text(title, text) for post_id, title, text in rows}


def _tables(ids: Sequence[str], found: Sequence[TemplateCluster]) -> tuple[pa.Table, pa.Table]:
    columns: dict[str, list[Any]] = {name: [] for name in _CLUSTERS_SCHEMA.names}
    member_columns: dict[str, list[Any]] = {name: [] for name in _MEMBERS_SCHEMA.names}
    for item in found:
        medoid_post = ids[item.medoid]
        identity = cluster_id(medoid_post)
        columns["cluster_id"].append(identity)
        columns["size"].append(len(item.members))
        columns["template"].append(item.template)
        columns["slot_count"].append(len(item.slots[0]) if item.slots else 0)
        columns["cohesion"].append(item.cohesion)
        columns["medoid_post_id"].append(medoid_post)
        for member, fillers in zip(item.members, item.slots, strict=True):
            member_columns["cluster_id"].append(identity)
            member_columns["post_id"].append(ids[member])
            member_columns["fillers"].append(list(fillers))
    return (
        pa.table(columns, schema=_CLUSTERS_SCHEMA),
        pa.table(member_columns, schema=_MEMBERS_SCHEMA),
    )


@dataclass(frozen=True)
class ClusterRow:
    """A cluster as listed by ``threadline clusters``: the DESIGN.md contract and context."""

    id: str
    post_ids: tuple[str, ...]
    template: str
    size: int
    cohesion: float
    first_seen: datetime | None
    last_seen: datetime | None
    locations: int
    sites: int
    fillers: tuple[tuple[str, ...], ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "post_ids": list(self.post_ids),
            "template": self.template,
            "size": self.size,
            "cohesion": round(self.cohesion, 4),
            "first_seen": self.first_seen.isoformat() + "Z" if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() + "Z" if self.last_seen else None,
            "locations": self.locations,
            "sites": self.sites,
        }
        if self.fillers is not None:
            out["fillers"] = {
                post: list(values) for post, values in zip(self.post_ids, self.fillers, strict=True)
            }
        return out


def load_clusters(
    workspace: Workspace,
    *,
    limit: int | None = None,
    min_size: int = 2,
    with_fillers: bool = False,
) -> list[ClusterRow]:
    """Clusters of the last run, largest first (ties by id), members sorted by post id."""
    if limit is not None and limit < 0:
        raise ValueError("limit must be at least 0")
    engine = workspace.engine
    sql = (
        "SELECT cluster_id, template, size, cohesion, first_seen, last_seen, locations, sites "
        "FROM clusters WHERE size >= ? ORDER BY size DESC, cluster_id"
    )
    params: list[Any] = [min_size]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    heads = engine.fetchall(sql, params)
    if not heads:
        return []
    chosen = pa.table({"cluster_id": pa.array([row[0] for row in heads], pa.string())})
    engine.register("_chosen_clusters", chosen)
    try:
        members = engine.fetchall(
            "SELECT m.cluster_id, list(m.post_id ORDER BY m.post_id), "
            "list(m.fillers ORDER BY m.post_id) "
            "FROM cluster_members m SEMI JOIN _chosen_clusters c USING (cluster_id) "
            "GROUP BY m.cluster_id"
        )
    finally:
        engine.unregister("_chosen_clusters")
    by_id = {row[0]: (tuple(row[1]), tuple(tuple(f) for f in row[2])) for row in members}
    rows = []
    for identity, template, size, cohesion, first, last, locations, sites in heads:
        post_ids, fillers = by_id.get(identity, ((), ()))
        rows.append(
            ClusterRow(
                identity,
                post_ids,
                template,
                int(size),
                float(cohesion),
                first,
                last,
                int(locations),
                int(sites),
                fillers if with_fillers else None,
            )
        )
    return rows
