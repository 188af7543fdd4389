"""The ``link`` step: networks of posts, their profiles, ranking factors and scores.

Reads posts, contact identifiers, template clusters, claimed ages, persona names, prices and
indicator flags from the workspace, links posts (:func:`threadline.link.graph.link_posts`),
profiles and ranks every network of two posts or more (:mod:`threadline.link.rank`) and
replaces the
``networks``, ``network_posts``, ``network_identifiers`` and ``set_aside`` tables in one
transaction, so they always describe one complete run. Linking is global (a new post can join
two networks), so every run links the whole workspace; it costs seconds per million posts.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from threadline.extract.place import resolve
from threadline.link.graph import TEMPLATE, Evidence, LinkResult, link_posts
from threadline.link.images import hash_image, image_groups, resolve_image_path
from threadline.link.rank import PostFacts, Ranked, profile, rank
from threadline.link.settings import LINK_KINDS, LinkSettings
from threadline.steps import Progress, StageReport
from threadline.workspace import Workspace

__all__ = [
    "find",
    "hash_new_images",
    "link_step",
    "load_network",
    "load_networks",
    "network_id",
    "set_aside_items",
]


#: Orders of :func:`load_networks`: name -> SQL.
NETWORK_ORDERS: dict[str, str] = {
    "score": "score DESC",
    "posts": "posts DESC",
    "personas": "personas DESC",
    "first_seen": "first_seen NULLS LAST",
    "last_seen": "last_seen DESC NULLS LAST",
}


def network_id(first_post_id: str) -> str:
    """Stable id of the network whose smallest post id is ``first_post_id``."""
    return "nw-" + hashlib.blake2b(first_post_id.encode(), digest_size=8).hexdigest()


@cache
def _place(location: str) -> str | None:
    return resolve(location)


def _read(workspace: Workspace) -> tuple[list[str], dict[str, int], list[tuple[Any, ...]]]:
    rows = workspace.engine.fetchall(
        "SELECT id, posted_at, location, site, author FROM posts ORDER BY id"
    )
    ids = [row[0] for row in rows]
    return ids, {post_id: index for index, post_id in enumerate(ids)}, rows


#: Images hashed per transaction.
_IMAGE_CHUNK = 500


def hash_new_images(workspace: Workspace) -> int:
    """Hash the images of posts not hashed yet (``image_hashes``); a file that cannot be read
    is recorded with the reason, not retried. Returns how many were hashed."""
    engine = workspace.engine
    pending = engine.fetchall(
        """SELECT p.id, p.source, path FROM
               (SELECT id, source, unnest(images) AS path FROM posts
                WHERE images IS NOT NULL AND len(images) > 0) p
           ANTI JOIN image_hashes h ON h.post_id = p.id AND h.path = p.path
           ORDER BY p.id, path"""
    )
    done = 0
    for start in range(0, len(pending), _IMAGE_CHUNK):
        rows = []
        now = datetime.now(UTC).replace(tzinfo=None)
        for post_id, source, path in pending[start : start + _IMAGE_CHUNK]:
            digest, error = hash_image(resolve_image_path(path, source))
            rows.append((post_id, path, digest, error, now))
        table = pa.table(
            {
                "post_id": [row[0] for row in rows],
                "path": [row[1] for row in rows],
                "phash": pa.array([row[2] for row in rows], pa.uint64()),
                "error": pa.array([row[3] for row in rows], pa.string()),
                "hashed_at": pa.array([row[4] for row in rows], pa.timestamp("us")),
            }
        )
        with engine.transaction():
            engine.register("_new_hashes", table)
            try:
                engine.execute("INSERT OR IGNORE INTO image_hashes SELECT * FROM _new_hashes")
            finally:
                engine.unregister("_new_hashes")
        done += len(rows)
    return done


def _image_items(workspace: Workspace, settings: LinkSettings) -> list[tuple[str, str]]:
    """``(post_id, key)`` of posts whose images are near-identical to another post's; the key
    names the group (``phash:`` and its first hash in hexadecimal)."""
    rows = workspace.engine.fetchall(
        "SELECT post_id, phash FROM image_hashes WHERE phash IS NOT NULL ORDER BY phash, post_id"
    )
    if not rows:
        return []
    groups = image_groups([int(h) for _, h in rows], settings.image_max_distance)
    return sorted(
        {
            (post_id, f"phash:{int(rows[g][1]):016x}")
            for (post_id, _), g in zip(rows, groups.tolist(), strict=True)
        }
    )


def _evidence(
    workspace: Workspace, index_of: dict[str, int], images: list[tuple[str, str]]
) -> Evidence:
    engine = workspace.engine
    kinds_sql = ", ".join(f"'{kind}'" for kind in LINK_KINDS)
    keys: list[str] = []
    kinds: list[str] = []
    cohesion: list[float] = []
    item_of: list[int] = []
    item_post: list[int] = []
    item_index: dict[tuple[str, str], int] = {}
    for post_id, kind, canonical in engine.fetchall(
        f"SELECT DISTINCT post_id, kind, canonical FROM identifiers WHERE kind IN ({kinds_sql})"
    ):
        item = item_index.get((kind, canonical))
        if item is None:
            item = item_index[(kind, canonical)] = len(keys)
            keys.append(canonical)
            kinds.append(kind)
            cohesion.append(float("nan"))
        item_of.append(item)
        item_post.append(index_of[post_id])
    for post_id, key in images:
        item = item_index.get(("image", key))
        if item is None:
            item = item_index[("image", key)] = len(keys)
            keys.append(key)
            kinds.append("image")
            cohesion.append(float("nan"))
        item_of.append(item)
        item_post.append(index_of[post_id])
    for post_id, cluster, cluster_cohesion in engine.fetchall(
        "SELECT m.post_id, m.cluster_id, c.cohesion FROM cluster_members m "
        "JOIN clusters c USING (cluster_id)"
    ):
        item = item_index.get((TEMPLATE, cluster))
        if item is None:
            item = item_index[(TEMPLATE, cluster)] = len(keys)
            keys.append(cluster)
            kinds.append(TEMPLATE)
            cohesion.append(float(cluster_cohesion))
        item_of.append(item)
        item_post.append(index_of[post_id])
    return Evidence(
        len(index_of),
        keys,
        kinds,
        np.array(cohesion, dtype=np.float64),
        np.array(item_of, dtype=np.int64),
        np.array(item_post, dtype=np.int64),
    )


def _facts(
    workspace: Workspace,
    posts: list[tuple[Any, ...]],
    members: set[str],
    images: list[tuple[str, str]],
) -> dict[str, PostFacts]:
    """What the profile needs of each post in a network."""
    engine = workspace.engine
    extra: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    kinds_sql = ", ".join(f"'{kind}'" for kind in LINK_KINDS)
    for post_id, kind, canonical, start, end, field in engine.fetchall(
        "SELECT post_id, kind, canonical, start_offset, end_offset, field FROM identifiers "
        f"WHERE kind IN ('age', 'price', 'name', {kinds_sql}) "
        # In reading order (title, then text), so that a post's first claimed age and first
        # name are the same on every engine: they name the persona.
        "ORDER BY post_id, field DESC, start_offset, end_offset, kind, canonical"
    ):
        if post_id not in members:
            continue
        bucket = extra[post_id]
        if kind == "age":
            bucket["ages"].append(int(canonical))
            if field == "text":
                bucket["age_spans"].append((start, end))
        elif kind == "price":
            bucket["prices"].append(canonical)
        elif kind == "name":
            if canonical not in bucket["names"]:
                bucket["names"].append(canonical)
        else:
            bucket["contacts"].append((kind, canonical))
    for post_id, key in images:
        if post_id in members:
            extra[post_id]["contacts"].append(("image", key))
    for post_id, category, code, start, end, field in engine.fetchall(
        "SELECT post_id, category, code, start_offset, end_offset, field FROM flags "
        "ORDER BY post_id, field DESC, start_offset, end_offset, code"
    ):
        if post_id in members:
            extra[post_id]["flags"].append((category, code, start, end, field))
    templates = dict(engine.fetchall("SELECT post_id, cluster_id FROM cluster_members"))
    profiles = dict(engine.fetchall("SELECT post_id, profile FROM screens"))
    facts = {}
    for post_id, posted_at, location, site, author in posts:
        if post_id not in members:
            continue
        bucket = extra.get(post_id, {})
        facts[post_id] = PostFacts(
            post_id,
            posted_at,
            _place(location) if location else None,
            site,
            author,
            tuple(bucket.get("ages", ())),
            tuple(bucket.get("prices", ())),
            tuple(sorted(set(bucket.get("contacts", ())))),
            templates.get(post_id),
            tuple(bucket.get("flags", ())),
            profiles.get(post_id),
            tuple(bucket.get("age_spans", ())),
            tuple(bucket.get("names", ())),
        )
    return facts


def _tables(ranked: list[Ranked], now: datetime) -> dict[str, pa.Table]:
    networks: dict[str, list[Any]] = defaultdict(list)
    members: dict[str, list[str]] = defaultdict(list)
    identifiers: dict[str, list[Any]] = defaultdict(list)
    for item in ranked:
        net = item.profile
        for name, value in (
            ("network_id", net.network_id),
            ("score", item.score),
            ("model_score", item.model_score),
            ("pattern", item.pattern),
            ("pattern_reason", item.pattern_reason),
            ("posts", len(net.post_ids)),
            ("personas", len(net.personas)),
            ("one_off_personas", net.one_off_personas),
            ("identifiers", len(net.identifiers)),
            ("phones", list(net.phones)),
            ("cities", [place for place, *_ in net.cities]),
            ("first_seen", net.first_seen),
            ("last_seen", net.last_seen),
            ("posts_per_day", net.posts_per_day),
            ("ages", list(net.ages)),
            ("prices", list(net.prices)),
            ("templates", list(net.templates)),
            ("sites", list(net.sites)),
            ("flag_categories", orjson.dumps(net.flag_categories).decode()),
            ("factors", orjson.dumps([f.to_dict() for f in item.factors]).decode()),
            ("linked_at", now),
        ):
            networks[name].append(value)
        for post_id in net.post_ids:
            members["network_id"].append(net.network_id)
            members["post_id"].append(post_id)
        for kind, canonical, count in net.identifiers:
            identifiers["network_id"].append(net.network_id)
            identifiers["kind"].append(kind)
            identifiers["canonical"].append(canonical)
            identifiers["posts"].append(count)
    network_schema = pa.schema(
        [
            ("network_id", pa.string()),
            ("score", pa.float64()),
            ("model_score", pa.float64()),
            ("pattern", pa.string()),
            ("pattern_reason", pa.string()),
            ("posts", pa.int32()),
            ("personas", pa.int32()),
            ("one_off_personas", pa.int32()),
            ("identifiers", pa.int32()),
            ("phones", pa.list_(pa.string())),
            ("cities", pa.list_(pa.string())),
            ("first_seen", pa.timestamp("us")),
            ("last_seen", pa.timestamp("us")),
            ("posts_per_day", pa.float64()),
            ("ages", pa.list_(pa.int32())),
            ("prices", pa.list_(pa.string())),
            ("templates", pa.list_(pa.string())),
            ("sites", pa.list_(pa.string())),
            ("flag_categories", pa.string()),
            ("factors", pa.string()),
            ("linked_at", pa.timestamp("us")),
        ]
    )
    return {
        "networks": pa.table(
            {name: networks.get(name, []) for name in network_schema.names}, schema=network_schema
        ),
        "network_posts": pa.table(
            {"network_id": members.get("network_id", []), "post_id": members.get("post_id", [])},
            schema=pa.schema([("network_id", pa.string()), ("post_id", pa.string())]),
        ),
        "network_identifiers": pa.table(
            {
                name: identifiers.get(name, [])
                for name in ("network_id", "kind", "canonical", "posts")
            },
            schema=pa.schema(
                [
                    ("network_id", pa.string()),
                    ("kind", pa.string()),
                    ("canonical", pa.string()),
                    ("posts", pa.int32()),
                ]
            ),
        ),
    }


def link_step(
    workspace: Workspace,
    settings: LinkSettings | None = None,
    *,
    progress: Progress | None = None,
) -> StageReport:
    """Link, profile and rank every network of the workspace (see the module docstring)."""
    settings = settings or LinkSettings()
    hashed = hash_new_images(workspace)
    images = _image_items(workspace, settings)
    ids, index_of, posts = _read(workspace)
    result: LinkResult = link_posts(_evidence(workspace, index_of, images), settings)
    component = result.component
    sizes = np.bincount(component, minlength=len(ids)) if len(ids) else np.zeros(0, np.int64)
    in_network = sizes[component] >= settings.min_network_posts if len(ids) else component
    members = {ids[i] for i in np.flatnonzero(in_network)}
    facts = _facts(workspace, posts, members, images)
    groups: dict[int, list[PostFacts]] = defaultdict(list)
    for i in np.flatnonzero(in_network):
        groups[int(component[i])].append(facts[ids[i]])
    ranked = [
        rank(profile(network_id(ids[label]), group), settings) for label, group in groups.items()
    ]
    ranked.sort(key=lambda item: (-item.score, item.profile.network_id))
    now = datetime.now(UTC).replace(tzinfo=None)
    tables = _tables(ranked, now)
    set_aside = pa.table(
        {
            "kind": [item.kind for item in result.set_aside],
            "key": [item.key for item in result.set_aside],
            "posts": pa.array([item.posts for item in result.set_aside], pa.int32()),
            "groups": pa.array([item.groups for item in result.set_aside], pa.int32()),
            "reason": [item.reason for item in result.set_aside],
        },
        schema=pa.schema(
            [
                ("kind", pa.string()),
                ("key", pa.string()),
                ("posts", pa.int32()),
                ("groups", pa.int32()),
                ("reason", pa.string()),
            ]
        ),
    )
    tables["set_aside"] = set_aside
    engine = workspace.engine
    with engine.transaction():
        for name, table in tables.items():
            engine.register(f"_new_{name}", table)
        try:
            for name in tables:
                engine.execute(f"DELETE FROM {name}")
                engine.execute(f"INSERT INTO {name} SELECT * FROM _new_{name}")
            kinds_sql = ", ".join(f"'{kind}'" for kind in LINK_KINDS)
            engine.execute("DELETE FROM identifier_lookup")
            engine.execute(
                "INSERT INTO identifier_lookup SELECT DISTINCT canonical, kind, post_id "
                f"FROM identifiers WHERE kind IN ({kinds_sql}) ORDER BY canonical, kind, post_id"
            )
            engine.execute(
                "INSERT OR REPLACE INTO meta VALUES ('identifier_lookup_posts', "
                "(SELECT count(*)::VARCHAR FROM extracted_posts))"
            )
        finally:
            for name in tables:
                engine.unregister(f"_new_{name}")
    if progress is not None:
        progress(len(ids))
    patterns: dict[str, int] = defaultdict(int)
    for item in ranked:
        patterns[item.pattern] += 1
    return StageReport(
        "link",
        {
            "posts": len(ids),
            "networks": len(ranked),
            "posts_in_networks": len(members),
            "set_aside": len(result.set_aside),
            "images_hashed": hashed,
            "linked_items": result.linked_items,
            "by_pattern": dict(sorted(patterns.items())),
        },
    )


def load_networks(
    workspace: Workspace,
    *,
    limit: int | None = None,
    offset: int = 0,
    min_score: float = 0.0,
    network: str | None = None,
    pattern: str | None = None,
    place: str | None = None,
    order_by: str = "score",
    members: bool = True,
) -> list[dict[str, Any]]:
    """Networks best lead first (or the one ``network``), in the DESIGN.md ``networks --json``
    contract plus context; ``pattern`` and ``place`` (a substring of a place on the circuit,
    any case) filter, ``order_by`` is one of :data:`NETWORK_ORDERS`. ``members=False`` leaves
    out ``post_ids`` and ``identifiers`` (a list page shows neither, and reading them is most
    of its cost on a large workspace)."""
    if order_by not in NETWORK_ORDERS:
        raise ValueError(f"order_by must be one of {', '.join(NETWORK_ORDERS)}")
    if limit is not None and limit < 0:
        raise ValueError("limit must be at least 0")
    columns = (
        "network_id, score, model_score, pattern, pattern_reason, posts, personas, "
        "one_off_personas, phones, cities, first_seen, last_seen, posts_per_day, ages, prices, "
        "templates, sites, flag_categories, factors"
    )
    order = f"ORDER BY {NETWORK_ORDERS[order_by]}, network_id"
    # The page is chosen on the sort keys alone, then its rows are read: sorting whole rows
    # (factors, lists of places) to skip most of them cost 3x as much at 50,000 networks.
    chosen_sql = "SELECT network_id FROM networks WHERE score >= ? "
    params: list[Any] = [min_score]
    for clause, value in (
        ("AND network_id = ? ", network),
        ("AND pattern = ? ", pattern),
        ("AND array_to_string(cities, '|') ILIKE ? ", None if place is None else f"%{place}%"),
    ):
        if value is not None:
            chosen_sql += clause
            params.append(value)
    chosen_sql += order
    if limit is not None:
        chosen_sql += " LIMIT ?"
        params.append(limit)
    if offset:
        chosen_sql += " OFFSET ?"
        params.append(offset)
    sql = f"SELECT {columns} FROM networks WHERE network_id IN ({chosen_sql}) {order}"
    engine = workspace.engine
    heads = engine.fetchall(sql, params)
    if not heads:
        return []
    if not members:
        return [_network_dict(row, None, None) for row in heads]
    chosen = pa.table({"network_id": pa.array([row[0] for row in heads], pa.string())})
    engine.register("_chosen_networks", chosen)
    try:
        posts = dict(
            engine.fetchall(
                "SELECT n.network_id, list(n.post_id ORDER BY n.post_id) FROM network_posts n "
                "SEMI JOIN _chosen_networks c USING (network_id) GROUP BY n.network_id"
            )
        )
        identifiers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for network, kind, canonical, count in engine.fetchall(
            "SELECT i.network_id, i.kind, i.canonical, i.posts FROM network_identifiers i "
            "SEMI JOIN _chosen_networks c USING (network_id) "
            "ORDER BY i.network_id, i.posts DESC, i.kind, i.canonical"
        ):
            identifiers[network].append({"kind": kind, "value": canonical, "posts": count})
    finally:
        engine.unregister("_chosen_networks")
    return [_network_dict(row, posts.get(row[0], []), identifiers.get(row[0], [])) for row in heads]


def _network_dict(
    row: tuple[Any, ...],
    post_ids: list[str] | None,
    identifiers: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """One network of :func:`load_networks` (without members when they are None)."""
    (network, score, model_score, pattern, reason, size, personas, one_off, phones, cities,
     first, last, rate, ages, prices, templates, sites, categories, factors) = row  # fmt: skip
    item: dict[str, Any] = {
        "id": network,
        "score": round(float(score), 4),
        "pattern": pattern,
        "pattern_reason": reason,
        "factors": orjson.loads(factors),
    }
    if post_ids is not None and identifiers is not None:
        item["post_ids"] = post_ids
        item["identifiers"] = identifiers
    item.update(
        {
            "templates": templates,
            "cities": cities,
            "first_seen": first.isoformat() + "Z" if first else None,
            "last_seen": last.isoformat() + "Z" if last else None,
            "posts": size,
            "personas": personas,
            "one_off_personas": one_off,
            "phones": phones,
            "posts_per_day": round(float(rate), 3),
            "ages": ages,
            "prices": prices,
            "sites": sites,
            "flag_categories": orjson.loads(categories),
            "model_score": round(float(model_score), 4),
        }
    )
    return item


def load_network(workspace: Workspace, network: str) -> dict[str, Any] | None:
    """One network's full profile (as :func:`load_networks`), with its circuit of places and
    dates and its posts' dates and places."""
    found = load_networks(workspace, network=network)
    if not found:
        return None
    item = found[0]
    rows = workspace.engine.fetchall(
        "SELECT p.id, p.posted_at, p.location, p.site, p.author, s.score FROM network_posts n "
        "JOIN posts p ON p.id = n.post_id LEFT JOIN screens s ON s.post_id = p.id "
        "WHERE n.network_id = ? ORDER BY p.posted_at NULLS LAST, p.id",
        [network],
    )
    item["post_list"] = [
        {
            "id": post_id,
            "posted_at": posted_at.isoformat() + "Z" if posted_at else None,
            "location": location,
            "place": _place(location) if location else None,
            "site": site,
            "author": author,
            "screening_score": None if score is None else round(float(score), 4),
        }
        for post_id, posted_at, location, site, author, score in rows
    ]
    return item


def set_aside_items(workspace: Workspace, limit: int = 50) -> list[dict[str, Any]]:
    """What the hub guard kept from linking, largest first, with the reason."""
    return [
        {"kind": kind, "key": key, "posts": posts, "groups": groups, "reason": reason}
        for kind, key, posts, groups, reason in workspace.engine.fetchall(
            "SELECT kind, key, posts, groups, reason FROM set_aside "
            "ORDER BY posts DESC, kind, key LIMIT ?",
            [limit],
        )
    ]


def find(workspace: Workspace, query: str) -> dict[str, Any]:
    """Posts and networks of an identifier given in any written form: the query is read by the
    extractors (``two one two 555 0123``, ``IG @jane_x``, a wallet), and also taken as a
    canonical value as typed (``cashapp:jane``, ``+12125550123``)."""
    from threadline.extract import extract

    if not query.strip():
        raise ValueError("the query is empty")
    wanted = {(ident.kind, ident.canonical) for ident in extract(query) if ident.kind in LINK_KINDS}
    raw = {query.strip(), query.strip().lower()}
    engine = workspace.engine
    canonicals = sorted({canonical for _, canonical in wanted} | raw)
    # The sorted lookup when the last link run saw every extracted post; else the full table.
    covered = engine.scalar("SELECT value FROM meta WHERE key = 'identifier_lookup_posts'")
    current = covered is not None and int(covered) == workspace.count("extracted_posts")
    source = "identifier_lookup" if current else "identifiers"
    rows = engine.fetchall(
        f"SELECT i.kind, i.canonical, i.post_id, any_value(n.network_id) FROM {source} i "
        "LEFT JOIN network_posts n ON n.post_id = i.post_id "
        f"WHERE i.canonical IN ({', '.join('?' * len(canonicals))}) "
        "GROUP BY ALL ORDER BY i.kind, i.canonical, i.post_id",
        canonicals,
    )
    matches: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, canonical, post_id, network in rows:
        if kind not in LINK_KINDS and (kind, canonical) not in wanted:
            continue
        entry = matches.setdefault(
            (kind, canonical),
            {"kind": kind, "canonical": canonical, "post_ids": [], "networks": []},
        )
        entry["post_ids"].append(post_id)
        if network is not None and network not in entry["networks"]:
            entry["networks"].append(network)
    return {
        "query": query,
        "read_as": [{"kind": kind, "canonical": canonical} for kind, canonical in sorted(wanted)],
        "matches": list(matches.values()),
    }
