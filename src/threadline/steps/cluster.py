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

import pyarrow as pa

from threadline.cluster import ClusterSettings, TemplateCluster, cluster
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


def cluster_step(
    workspace: Workspace,
    settings: ClusterSettings | None = None,
    *,
    progress: Progress | None = None,
) -> StageReport:
    """Cluster every post when some are new; do nothing when none are."""
    settings = settings or ClusterSettings()
    engine = workspace.engine
    pending = pending_posts(workspace)
    if pending == 0:
        return StageReport("cluster", {"posts": 0, "clusters": 0, "clustered_posts": 0})
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
    found = cluster(texts, settings)
    del texts
    clusters_table, members_table = _tables(ids, found)
    now = datetime.now(UTC).replace(tzinfo=None)
    seen = pa.table(
        {"post_id": pa.array(ids, pa.string()), "clustered_at": pa.repeat(pa.scalar(now), len(ids))}
    )
    with engine.transaction():
        engine.register("_new_clusters", clusters_table)
        engine.register("_new_members", members_table)
        engine.register("_new_seen", seen)
        try:
            engine.execute("DELETE FROM cluster_members")
            engine.execute("DELETE FROM clusters")
            engine.execute("DELETE FROM clustered_posts")
            engine.execute(
                """INSERT INTO clusters
                SELECT c.cluster_id, c.size, c.template, c.slot_count, c.cohesion,
                       c.medoid_post_id, min(p.posted_at), max(p.posted_at),
                       count(DISTINCT p.location), count(DISTINCT p.site), ?
                FROM _new_clusters c
                JOIN _new_members m USING (cluster_id)
                JOIN posts p ON p.id = m.post_id
                GROUP BY ALL""",
                [now],
            )
            engine.execute("INSERT INTO cluster_members SELECT * FROM _new_members")
            engine.execute("INSERT INTO clustered_posts SELECT * FROM _new_seen")
        finally:
            for name in ("_new_clusters", "_new_members", "_new_seen"):
                engine.unregister(name)
    if progress is not None:
        progress(pending)
    clustered = members_table.num_rows
    return StageReport(
        "cluster",
        {
            "posts": len(ids),
            "new_posts": pending,
            "clusters": clusters_table.num_rows,
            "clustered_posts": clustered,
            "largest": max((len(c.members) for c in found), default=0),
        },
    )


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
