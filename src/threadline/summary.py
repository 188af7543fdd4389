"""A workspace at a glance: what was read, what was set aside, what was found.

Pure queries over the documented schema; the CLI renders the result, the API will return it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from threadline.workspace import Workspace

#: Kinds that identify a person or an account (contact and money), as opposed to descriptive
#: kinds (age, price, place): the ones whose sharing across posts suggests a common operator.
CONTACT_KINDS: tuple[str, ...] = ("phone", "email", "handle", "payment", "crypto", "url")


@dataclass(frozen=True)
class SharedIdentifier:
    kind: str
    canonical: str
    posts: int
    locations: int


@dataclass(frozen=True)
class WorkspaceSummary:
    posts: int
    occurrences: int
    quarantined: int
    quarantine_by_reason: dict[str, int]
    extracted_posts: int
    identifiers_by_kind: dict[str, tuple[int, int]]  # kind -> (mentions, distinct canonical)
    posts_with_contact: int
    most_shared: list[SharedIdentifier] = field(default_factory=list)
    clusters: int = 0
    clustered_posts: int = 0
    screened_posts: int = 0
    #: Screening band -> posts (``low``, ``review``, ``high``).
    screened_by_band: dict[str, int] = field(default_factory=dict)
    flagged_posts: int = 0
    #: Indicator categories raised on the most flagged posts: category -> posts.
    flag_categories: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "occurrences": self.occurrences,
            "duplicates_collapsed": self.occurrences - self.posts,
            "quarantined": self.quarantined,
            "quarantine_by_reason": self.quarantine_by_reason,
            "extracted_posts": self.extracted_posts,
            "identifiers_by_kind": {
                kind: {"mentions": mentions, "distinct": distinct}
                for kind, (mentions, distinct) in self.identifiers_by_kind.items()
            },
            "posts_with_contact": self.posts_with_contact,
            "most_shared": [vars(shared) for shared in self.most_shared],
            "clusters": self.clusters,
            "clustered_posts": self.clustered_posts,
            "screened_posts": self.screened_posts,
            "screened_by_band": self.screened_by_band,
            "flagged_posts": self.flagged_posts,
            "flag_categories": self.flag_categories,
        }


def summarize(workspace: Workspace, *, top: int = 10) -> WorkspaceSummary:
    """Counts of the workspace and the contact identifiers shared by the most posts."""
    engine = workspace.engine
    reasons = engine.fetchall(
        "SELECT split_part(reason, ':', 1) AS code, count(*) FROM quarantine "
        "GROUP BY code ORDER BY count(*) DESC, code"
    )
    kinds = engine.fetchall(
        "SELECT kind, count(*), count(DISTINCT canonical) FROM identifiers "
        "GROUP BY kind ORDER BY kind"
    )
    contact_list = ", ".join(f"'{kind}'" for kind in CONTACT_KINDS)
    with_contact = engine.scalar(
        f"SELECT count(DISTINCT post_id) FROM identifiers WHERE kind IN ({contact_list})"
    )
    shared = engine.fetchall(
        f"""SELECT i.kind, i.canonical, count(DISTINCT i.post_id) AS n_posts,
                   count(DISTINCT p.location) AS n_locations
            FROM identifiers i JOIN posts p ON p.id = i.post_id
            WHERE i.kind IN ({contact_list})
            GROUP BY i.kind, i.canonical
            HAVING count(DISTINCT i.post_id) > 1
            ORDER BY n_posts DESC, n_locations DESC, i.kind, i.canonical
            LIMIT ?""",
        [top],
    )
    bands = engine.fetchall("SELECT band, count(*) FROM screens GROUP BY band ORDER BY band")
    categories = engine.fetchall(
        """SELECT f.category, count(DISTINCT f.post_id) AS n_posts
            FROM flags f SEMI JOIN screens s ON s.post_id = f.post_id AND s.flagged
            GROUP BY f.category ORDER BY n_posts DESC, f.category"""
    )
    return WorkspaceSummary(
        posts=workspace.count("posts"),
        occurrences=workspace.count("post_occurrences"),
        quarantined=workspace.count("quarantine"),
        quarantine_by_reason={code: int(n) for code, n in reasons},
        extracted_posts=workspace.count("extracted_posts"),
        identifiers_by_kind={kind: (int(n), int(d)) for kind, n, d in kinds},
        posts_with_contact=int(with_contact or 0),
        most_shared=[SharedIdentifier(k, c, int(n), int(loc)) for k, c, n, loc in shared],
        clusters=workspace.count("clusters"),
        clustered_posts=workspace.count("cluster_members"),
        screened_posts=workspace.count("screens"),
        screened_by_band={band: int(n) for band, n in bands},
        flagged_posts=int(engine.scalar("SELECT count(*) FROM screens WHERE flagged") or 0),
        flag_categories={category: int(n) for category, n in categories},
    )
