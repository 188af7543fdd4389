"""Networks as connected components of posts joined by shared evidence, with a hub guard.

Evidence is an *item* shared by posts: a contact identifier (``phone``, ``email``, ``handle``,
``payment``, ``crypto``, ``url``: its canonical form) or a template cluster. Items are admitted
from the smallest to the largest (in buckets of doubling size), and each is measured against
the groups that the smaller admitted evidence has already formed:

* a contact identifier whose posts fall in more than ``max_bridged_groups`` separate groups is
  set aside: a controller's phone joins the groups of a few personas, a site's support number
  or a placeholder joins those of many unrelated advertisers (the reason and counts are kept);
* a template cluster links its posts only when it is cohesive (``min_template_cohesion``) and
  joins at most ``max_template_contact_groups`` groups that have contact identifiers of their
  own: near-duplicate text is weaker evidence than a shared phone, and boilerplate shared by
  unrelated advertisers must not weld their networks together.

Components are computed with ``scipy.sparse.csgraph.connected_components`` on the graph of the
current groups, so each bucket costs one pass over its items' posts. Pure: arrays in, arrays
out, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from threadline.link.settings import LinkSettings

__all__ = ["Evidence", "LinkResult", "SetAside", "hub_reason", "judge_templates", "link_posts"]

TEMPLATE = "template"


@dataclass(frozen=True)
class Evidence:
    """Items shared by posts: ``item_post[k]`` is a post of item ``item_of[k]``.

    ``keys[i]`` names item ``i`` (a canonical identifier or a cluster id), ``kinds[i]`` is its
    identifier kind or ``"template"``, ``cohesion[i]`` a template's cohesion (NaN otherwise).
    """

    post_count: int
    keys: Sequence[str]
    kinds: Sequence[str]
    cohesion: npt.NDArray[np.float64]
    item_of: npt.NDArray[np.int64]
    item_post: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        if self.post_count < 0:
            raise ValueError("post_count must be at least 0")
        items = len(self.keys)
        if len(self.kinds) != items or len(self.cohesion) != items:
            raise ValueError("keys, kinds and cohesion must have one entry per item")
        if self.item_of.shape != self.item_post.shape:
            raise ValueError("item_of and item_post must have the same length")
        if len(self.item_of) and (
            self.item_of.min() < 0
            or self.item_of.max() >= items
            or self.item_post.min() < 0
            or self.item_post.max() >= self.post_count
        ):
            raise ValueError("an incidence names an item or post out of range")


@dataclass(frozen=True)
class SetAside:
    """An item the hub guard kept from linking, and why."""

    key: str
    kind: str
    posts: int
    groups: int
    reason: str


@dataclass(frozen=True)
class LinkResult:
    #: Component of every post (the smallest post index in it: stable and order-free).
    component: npt.NDArray[np.int64]
    set_aside: list[SetAside]
    #: Items that linked posts, by kind.
    linked_items: dict[str, int]


def _merge(
    labels: npt.NDArray[np.int64], posts: npt.NDArray[np.int64], items: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``labels`` after joining the posts of each item (``items[k]`` is the item of
    ``posts[k]``): components of the graph whose nodes are the current groups."""
    if len(posts) == 0:
        return labels
    order = np.lexsort((posts, items))
    posts, items = posts[order], items[order]
    first = np.ones(len(items), dtype=bool)
    first[1:] = items[1:] != items[:-1]
    head = np.maximum.accumulate(np.where(first, np.arange(len(items)), 0))
    source, target = labels[posts[head]], labels[posts]
    size = len(labels)
    graph = coo_matrix((np.ones(len(source), dtype=np.int8), (source, target)), shape=(size, size))
    _, component = connected_components(graph, directed=False)
    # Name every component by its smallest post index, so labels do not depend on scipy's order.
    smallest = np.full(component.max() + 1 if size else 0, size, dtype=np.int64)
    np.minimum.at(smallest, component, np.arange(size))
    return np.asarray(smallest[component[labels]], dtype=np.int64)


def _groups_per_item(
    labels: npt.NDArray[np.int64],
    posts: npt.NDArray[np.int64],
    items: npt.NDArray[np.int64],
    item_count: int,
    counted: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.int64]:
    """Distinct groups among each item's posts (only posts with ``counted`` when given)."""
    if counted is not None:
        keep = counted[posts]
        posts, items = posts[keep], items[keep]
    pairs = np.unique(np.stack([items, labels[posts]]), axis=1)
    return np.bincount(pairs[0], minlength=item_count).astype(np.int64)


def find_hubs(
    evidence: Evidence,
    item_of: npt.NDArray[np.int64],
    item_post: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
    contact: npt.NDArray[np.bool_],
    max_groups: int,
) -> dict[int, int]:
    """Contact items whose posts fall in more than ``max_groups`` groups, with that count.

    Items are judged from the smallest up. The groups of an item's posts are the components
    that the *smaller* contacts already judged sound form among those posts, counting only posts
    that have such a contact: a controller's phone appears with her personas' handles and a
    second phone (few groups), a site's number with each advertiser's own phone (as many
    groups as advertisers). Only items with more posts than ``max_groups`` can be hubs.
    """
    order = sorted(range(len(sizes)), key=lambda i: (int(sizes[i]), evidence.keys[i]))
    rank = np.empty(len(sizes), dtype=np.int64)
    rank[order] = np.arange(len(sizes))
    by_post = np.lexsort((item_of, item_post))
    post_items = item_of[by_post]
    post_start = np.searchsorted(item_post[by_post], np.arange(evidence.post_count + 1))
    by_item = np.lexsort((item_post, item_of))
    item_posts = item_post[by_item]
    item_start = np.searchsorted(item_of[by_item], np.arange(len(sizes) + 1))
    usable = contact.copy()
    hubs: dict[int, int] = {}
    for index in order:
        if not contact[index] or sizes[index] <= max_groups:
            continue
        posts = item_posts[item_start[index] : item_start[index + 1]]
        lengths = post_start[posts + 1] - post_start[posts]
        offsets = np.repeat(post_start[posts] - np.cumsum(lengths) + lengths, lengths)
        others = post_items[offsets + np.arange(lengths.sum())]
        local = np.repeat(np.arange(len(posts)), lengths)
        keep = usable[others] & (rank[others] < rank[index])
        others, local = others[keep], local[keep]
        if len(others) == 0:
            continue
        # Bipartite graph of the item's posts and the smaller contacts they carry.
        unique_others, other_node = np.unique(others, return_inverse=True)
        nodes = len(posts) + len(unique_others)
        graph = coo_matrix(
            (np.ones(len(local), dtype=np.int8), (local, len(posts) + other_node)),
            shape=(nodes, nodes),
        )
        _, component = connected_components(graph, directed=False)
        groups = len(np.unique(component[np.unique(local)]))
        if groups > max_groups:
            hubs[index] = groups
            usable[index] = False
    return hubs


def hub_reason(posts: int, groups: int, settings: LinkSettings) -> str:
    """Why a contact identifier was set aside as a hub (shown to analysts)."""
    return (
        f"its {posts:,} posts fall in {groups:,} groups held together by "
        f"other, smaller contacts and nothing else (more than "
        f"{settings.max_bridged_groups}): a hub, such as a site's number, a common "
        "link or a placeholder"
    )


def judge_templates(
    keys: Sequence[str],
    sizes: npt.NDArray[np.int64],
    cohesion: npt.NDArray[np.float64],
    groups: npt.NDArray[np.int64],
    templates: npt.NDArray[np.bool_],
    settings: LinkSettings,
) -> tuple[npt.NDArray[np.bool_], list[SetAside]]:
    """Which ``templates`` may link their posts, and the others set aside with the reason.

    ``groups[i]`` counts the groups with contacts of their own that template ``i``'s posts
    fall in once the sound contacts are linked. Shared by both engines.
    """
    loose = templates & (np.nan_to_num(cohesion, nan=0.0) < settings.min_template_cohesion)
    tight = np.nan_to_num(cohesion, nan=0.0)
    limit = np.where(tight >= settings.min_join_cohesion, settings.max_template_contact_groups, 1)
    wide = templates & ~loose & (groups > limit)
    refused: list[SetAside] = []
    for index in map(int, np.flatnonzero(loose | wide)):
        reason = (
            f"cohesion {cohesion[index]:.2f} below "
            f"{settings.min_template_cohesion}: loose text similarity"
            if loose[index]
            else f"joins {groups[index]:,} groups with their own contacts (more than "
            f"{limit[index]} at cohesion {tight[index]:.2f}): shared wording, not a "
            "shared author"
        )
        refused.append(
            SetAside(keys[index], TEMPLATE, int(sizes[index]), int(groups[index]), reason)
        )
    return templates & ~loose & ~wide, refused


def link_posts(evidence: Evidence, settings: LinkSettings | None = None) -> LinkResult:
    """Components of posts joined by the admitted evidence (see the module docstring)."""
    settings = settings or LinkSettings()
    items = len(evidence.keys)
    labels = np.arange(evidence.post_count, dtype=np.int64)
    # One incidence per (item, post).
    pairs = np.unique(np.stack([evidence.item_of, evidence.item_post]), axis=1)
    item_of, item_post = pairs[0], pairs[1]
    sizes = np.bincount(item_of, minlength=items)
    is_template = np.array([kind == TEMPLATE for kind in evidence.kinds], dtype=bool)
    set_aside: list[SetAside] = []
    linked: dict[str, int] = {}

    def admit(chosen: npt.NDArray[np.bool_]) -> None:
        nonlocal labels
        mask = chosen[item_of]
        labels = _merge(labels, item_post[mask], item_of[mask])
        for index in map(int, np.flatnonzero(chosen)):
            linked[evidence.kinds[index]] = linked.get(evidence.kinds[index], 0) + 1

    contact = ~is_template & (sizes >= 2)
    hubs = find_hubs(evidence, item_of, item_post, sizes, contact, settings.max_bridged_groups)
    for index, bridged in hubs.items():
        set_aside.append(
            SetAside(
                evidence.keys[index],
                evidence.kinds[index],
                int(sizes[index]),
                bridged,
                hub_reason(int(sizes[index]), bridged, settings),
            )
        )
    admitted = contact.copy()
    admitted[list(hubs)] = False
    admit(admitted)

    templates = is_template & (sizes >= 2)
    if templates.any():
        has_contact = np.zeros(evidence.post_count, dtype=bool)
        has_contact[item_post[contact[item_of]]] = True
        mask = templates[item_of]
        groups = _groups_per_item(labels, item_post[mask], item_of[mask], items, has_contact)
        sound, refused = judge_templates(
            evidence.keys, sizes, evidence.cohesion, groups, templates, settings
        )
        set_aside.extend(refused)
        admit(sound)
    set_aside.sort(key=lambda item: (-item.posts, item.kind, item.key))
    return LinkResult(labels, set_aside, dict(sorted(linked.items())))
