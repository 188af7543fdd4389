"""Read-only access to a workspace for the web pages.

One read-only DuckDB connection is opened when the app starts and shared by every request
under a lock: a DuckDB connection is not safe for concurrent use from several threads, and the
pages' queries are small (primary-key lookups and short listings), so serialising them costs
little. Every method returns plain data for a template; none returns HTML.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from threadline.link.rank import PostFacts, personas_of
from threadline.steps.cluster import ClusterRow, load_clusters
from threadline.steps.link import find, load_network, load_networks
from threadline.summary import WorkspaceSummary, summarize
from threadline.workspace import Workspace

__all__ = ["ClusterPage", "NetworkView", "PostPage", "WorkspaceReader"]


@dataclass(frozen=True)
class PostPage:
    """One post with everything found on it."""

    id: str
    text: str
    title: str | None
    posted_at: datetime | None
    site: str | None
    location: str | None
    url: str | None
    #: (field, kind, value, canonical, start, end)
    identifiers: list[tuple[str, str, str, str, int, int]]
    #: (field, code, label, category, strength, start, end, matched, source)
    flags: list[tuple[str, str, str, str, str, int, int, str, str]]
    score: float | None = None
    band: str | None = None
    profile: str | None = None
    cluster_id: str | None = None
    cluster_size: int | None = None


@dataclass(frozen=True)
class ClusterPage:
    id: str
    template: str
    size: int
    cohesion: float
    first_seen: datetime | None
    last_seen: datetime | None
    #: (post_id, fillers, posted_at, location)
    members: list[tuple[str, tuple[str, ...], datetime | None, str | None]] = field(
        default_factory=list
    )


class WorkspaceReader:
    """The workspace a web app shows (opened read-only)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._workspace = Workspace.open(self.path, read_only=True)
        self._lock = threading.Lock()
        #: Whole-corpus figures, computed once: the workspace cannot change while it is served
        #: (it is open read-only, and DuckDB lets no other process write it meanwhile).
        self._summary: WorkspaceSummary | None = None
        self._top_flagged: dict[int, list[tuple[str, float, str, str, str]]] = {}

    def warm_up(self) -> None:
        """Compute the whole-corpus figures and load the place tables before the first
        request, so that no analyst waits for them."""
        from threadline.extract.place import resolve
        from threadline.geo import coordinates

        self.summary()
        self.top_flagged(limit=15)
        coordinates("Houston, TX, US")
        resolve("Houston, TX")

    def close(self) -> None:
        with self._lock:
            self._workspace.close()

    @contextmanager
    def _session(self) -> Iterator[Workspace]:
        with self._lock:
            yield self._workspace

    def summary(self) -> WorkspaceSummary:
        """The workspace's counts and its ten most shared contacts (computed once)."""
        with self._session() as ws:
            if self._summary is None:
                self._summary = summarize(ws, top=10)
            return self._summary

    def clusters(self, limit: int = 50) -> list[ClusterRow]:
        with self._session() as ws:
            return load_clusters(ws, limit=limit)

    def top_flagged(self, limit: int = 20) -> list[tuple[str, float, str, str, str]]:
        """The highest screening scores: (post_id, score, band, profile, title or text start),
        computed once per ``limit``."""
        if limit in self._top_flagged:
            return self._top_flagged[limit]
        with self._session() as ws:
            rows = ws.engine.fetchall(
                """SELECT s.post_id, s.score, s.band, s.profile,
                          coalesce(p.title, left(p.text, 80))
                   FROM screens s JOIN posts p ON p.id = s.post_id
                   WHERE s.flagged ORDER BY s.score DESC, s.post_id LIMIT ?""",
                [limit],
            )
        found = [(str(a), float(b), str(c), str(d), str(e)) for a, b, c, d, e in rows]
        self._top_flagged[limit] = found
        return found

    def post(self, post_id: str) -> PostPage | None:
        with self._session() as ws:
            engine = ws.engine
            row = engine.fetchone(
                "SELECT id, text, title, posted_at, site, location, url FROM posts WHERE id = ?",
                [post_id],
            )
            if row is None:
                return None
            identifiers = engine.fetchall(
                """SELECT field, kind, value, canonical, start_offset, end_offset
                   FROM identifiers WHERE post_id = ? ORDER BY field, start_offset, kind""",
                [post_id],
            )
            flags = engine.fetchall(
                """SELECT f.field, f.code, i.label, f.category, f.strength, f.start_offset,
                          f.end_offset, f.matched, i.source
                   FROM flags f JOIN indicators i USING (code)
                   WHERE f.post_id = ? ORDER BY f.field, f.start_offset, f.code""",
                [post_id],
            )
            screen = engine.fetchone(
                "SELECT score, band, profile FROM screens WHERE post_id = ?", [post_id]
            )
            cluster = engine.fetchone(
                """SELECT c.cluster_id, c.size FROM cluster_members m
                   JOIN clusters c USING (cluster_id) WHERE m.post_id = ?""",
                [post_id],
            )
        return PostPage(
            *row,
            identifiers=[tuple(item) for item in identifiers],
            flags=[tuple(item) for item in flags],  # type: ignore[misc]
            score=None if screen is None else float(screen[0]),
            band=None if screen is None else str(screen[1]),
            profile=None if screen is None else str(screen[2]),
            cluster_id=None if cluster is None else str(cluster[0]),
            cluster_size=None if cluster is None else int(cluster[1]),
        )

    def cluster_activity(self, cluster_id: str) -> list[tuple[datetime | None, str | None]]:
        """``(posted_at, location)`` of every member, for the timeline and the circuit."""
        with self._session() as ws:
            rows = ws.engine.fetchall(
                """SELECT p.posted_at, p.location FROM cluster_members m
                   JOIN posts p ON p.id = m.post_id WHERE m.cluster_id = ?""",
                [cluster_id],
            )
        return [(posted_at, location) for posted_at, location in rows]

    def cluster(self, cluster_id: str, limit: int = 500) -> ClusterPage | None:
        with self._session() as ws:
            head = ws.engine.fetchone(
                """SELECT cluster_id, template, size, cohesion, first_seen, last_seen
                   FROM clusters WHERE cluster_id = ?""",
                [cluster_id],
            )
            if head is None:
                return None
            members: list[Any] = ws.engine.fetchall(
                """SELECT m.post_id, m.fillers, p.posted_at, p.location
                   FROM cluster_members m JOIN posts p ON p.id = m.post_id
                   WHERE m.cluster_id = ? ORDER BY p.posted_at NULLS LAST, m.post_id LIMIT ?""",
                [cluster_id, limit],
            )
        return ClusterPage(
            str(head[0]),
            str(head[1]),
            int(head[2]),
            float(head[3]),
            head[4],
            head[5],
            [(str(a), tuple(b), c, d) for a, b, c, d in members],
        )

    def networks(
        self,
        *,
        limit: int = 200,
        offset: int = 0,
        min_score: float = 0.0,
        pattern: str | None = None,
        city: str | None = None,
        order_by: str = "score",
    ) -> list[dict[str, Any]]:
        """Networks best lead first (or by ``order_by``), filtered by pattern and by a place
        on their circuit."""
        with self._session() as ws:
            return load_networks(
                ws,
                limit=limit,
                offset=offset,
                min_score=min_score,
                pattern=pattern,
                place=city,
                order_by=order_by,
                members=False,
            )

    def network_count(self) -> int:
        with self._session() as ws:
            return ws.count("networks")

    def network(self, network_id: str) -> dict[str, Any] | None:
        with self._session() as ws:
            return load_network(ws, network_id)

    def network_view(self, network_id: str, graph_limit: int = 300) -> NetworkView:
        """Activity, persona lanes and graph of a network, from one read of its posts and one
        of their identifiers (each read of the identifiers table is a scan: at 1M posts the
        page would otherwise pay for it once per chart)."""
        with self._session() as ws:
            posts = ws.engine.fetchall(
                """SELECT p.id, p.posted_at, p.location, p.author FROM network_posts n
                   JOIN posts p ON p.id = n.post_id WHERE n.network_id = ? ORDER BY p.id""",
                [network_id],
            )
            post_ids = [row[0] for row in posts]
            found = _identifiers_of(ws, network_id, post_ids)
            templates = _templates_of(ws, network_id)
        return NetworkView(
            activity=[(posted_at, location, author) for _, posted_at, location, author in posts],
            personas=_personas(posts, found),
            graph=_graph(found, templates, graph_limit),
        )

    def find(self, query: str) -> dict[str, Any]:
        with self._session() as ws:
            return find(ws, query)


@dataclass(frozen=True)
class NetworkView:
    """What a network's page draws besides its profile."""

    #: ``(posted_at, location, author)`` of every post.
    activity: list[tuple[datetime | None, str | None, str | None]]
    #: ``(posted_at, persona)`` of every post, personas labelled as the network's profile
    #: labels them (:func:`threadline.link.rank.personas_of`).
    personas: list[tuple[datetime | None, str | None]]
    #: Cytoscape elements: posts (at most the limit), the contacts and templates they share.
    graph: list[dict[str, Any]]


#: Contact kinds drawn in a network's graph; names and ages make its personas.
_GRAPH_KINDS = ("phone", "email", "handle", "payment", "crypto", "url")
_PERSONA_KINDS = ("name", "age")
#: Up to this many posts are named in the query itself (DuckDB filters the scan with them);
#: a larger network is joined instead.
_LISTED_POSTS = 5000


def _identifiers_of(
    ws: Workspace, network_id: str, post_ids: list[str]
) -> list[tuple[str, str, str]]:
    """``(post_id, kind, canonical)`` of the graph's and personas' kinds on a network's posts,
    in the order the link stage reads them."""
    if not post_ids:
        return []
    kinds = ", ".join(f"'{kind}'" for kind in (*_GRAPH_KINDS, *_PERSONA_KINDS))
    order = "ORDER BY i.post_id, i.field DESC, i.start_offset, i.end_offset, i.kind"
    if len(post_ids) <= _LISTED_POSTS:
        marks = ", ".join("?" * len(post_ids))
        sql = f"""SELECT i.post_id, i.kind, i.canonical FROM identifiers i
                  WHERE i.post_id IN ({marks}) AND i.kind IN ({kinds}) {order}"""
        params: list[str] = post_ids
    else:
        sql = f"""SELECT i.post_id, i.kind, i.canonical FROM network_posts n
                  JOIN identifiers i ON i.post_id = n.post_id
                  WHERE n.network_id = ? AND i.kind IN ({kinds}) {order}"""
        params = [network_id]
    return [(a, b, c) for a, b, c in ws.engine.fetchall(sql, params)]


def _templates_of(ws: Workspace, network_id: str) -> list[tuple[str, str]]:
    """``(post_id, cluster_id)`` of a network's clustered posts."""
    rows = ws.engine.fetchall(
        """SELECT m.post_id, m.cluster_id FROM network_posts n
           JOIN cluster_members m ON m.post_id = n.post_id WHERE n.network_id = ?
           ORDER BY m.post_id""",
        [network_id],
    )
    return [(a, b) for a, b in rows]


def _personas(
    posts: list[tuple[Any, ...]], found: list[tuple[str, str, str]]
) -> list[tuple[datetime | None, str | None]]:
    names: dict[str, list[str]] = {}
    ages: dict[str, list[int]] = {}
    for post_id, kind, canonical in found:
        if kind == "name":
            names.setdefault(post_id, []).append(canonical)
        elif kind == "age":
            ages.setdefault(post_id, []).append(int(canonical))
    facts = [
        PostFacts(
            post_id,
            posted_at,
            None,
            None,
            author,
            ages=tuple(ages.get(post_id, ())),
            names=tuple(dict.fromkeys(names.get(post_id, ()))),
        )
        for post_id, posted_at, _, author in posts
    ]
    return [(post.posted_at, label) for post, label in zip(facts, personas_of(facts), strict=True)]


def _graph(
    found: list[tuple[str, str, str]], templates: list[tuple[str, str]], limit: int
) -> list[dict[str, Any]]:
    rows = [row for row in found if row[1] in _GRAPH_KINDS]
    rows += [(post, "template", cluster) for post, cluster in templates]
    posts = sorted({post for post, _, _ in rows})[:limit]
    kept = set(posts)
    elements: list[dict[str, Any]] = [
        {"data": {"id": f"post:{post}", "label": post, "kind": "post"}} for post in posts
    ]
    seen: set[str] = set()
    for post, kind, value in rows:
        if post not in kept:
            continue
        node = f"{kind}:{value}"
        if node not in seen:
            seen.add(node)
            elements.append({"data": {"id": node, "label": value, "kind": kind}})
        elements.append({"data": {"source": f"post:{post}", "target": node}})
    return elements
