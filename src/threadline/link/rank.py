"""Network profiles and their ranking: named factors, each with its weight, evidence and
public source, combined by a small logistic model that analysts' labels can re-fit.

A network's posts arrive as :class:`PostFacts` (what the workspace knows of each post); the
profile counts personas, places in time order, ages, prices, templates and indicator flags,
and :func:`rank` turns it into factor values in [0, 1], a pattern, and a score in [0, 1].
Scores order leads for review; they are not findings about anyone.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from threadline.link.settings import FACTORS, FactorWeights, LinkSettings

__all__ = [
    "FACTOR_SOURCES",
    "Factor",
    "NetworkProfile",
    "PostFacts",
    "fit_weights",
    "persona",
    "personas_of",
    "profile",
    "rank",
]

#: The public source each factor rests on.
FACTOR_SOURCES: dict[str, str] = {
    "multi_persona": "Polaris, The Typology of Modern Slavery (2017): escort-service networks "
    "advertise several women through one contact; Dubrawski et al., Leveraging publicly "
    "available data to discern patterns of human-trafficking activity (2015)",
    "movement": "Polaris, The Typology of Modern Slavery (2017): victims moved along circuits; "
    "Ibanez & Suthers, Detection of domestic human trafficking indicators and movement trends "
    "using content available on open internet sources (2014)",
    "young_ages": "UNODC, Human Trafficking Indicators; DHS Blue Campaign, Indicators of Human "
    "Trafficking; any claimed minor is sexual exploitation of a child (TVPA, 22 U.S.C. 7102)",
    "controller_language": "Polaris, The Typology of Modern Slavery (2017); UNODC, Human "
    "Trafficking Indicators (third-party control)",
    "shared_template": "Lee, Vajiac et al., InfoShield (ICDE 2021): one author's template "
    "across several personas",
    "payment_demand": "FinCEN advisories FIN-2014-A008 and FIN-2020-A008: deposits, prepaid "
    "cards and virtual currency in trafficking-related payments",
    "volume": "Dubrawski et al. (2015); Traffic Jam (Marinus Analytics): posting volume of "
    "organised advertisers",
}

_CONTROLLER = "third_party_control"
_PAYMENT_CATEGORIES = frozenset({"advance_fee", "payment_method"})
_EVIDENCE_POSTS = 10


@dataclass(frozen=True)
class PostFacts:
    """What the link stage reads of one post."""

    post_id: str
    posted_at: datetime | None
    place: str | None
    site: str | None
    author: str | None
    ages: tuple[int, ...] = ()
    prices: tuple[str, ...] = ()
    #: (kind, canonical) of the contact identifiers.
    contacts: tuple[tuple[str, str], ...] = ()
    template: str | None = None
    #: (category, code, start, end, field) of indicator flags.
    flags: tuple[tuple[str, str, int, int, str], ...] = ()
    profile: str | None = None
    #: (start, end) of claimed ages in the text.
    age_spans: tuple[tuple[int, int], ...] = ()
    #: Persona names (canonical, casefolded), in reading order: title, then text.
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Factor:
    name: str
    value: float
    weight: float
    #: Post ids (at most ten) and, where a span says more, (post_id, field, start, end).
    evidence_posts: tuple[str, ...]
    evidence_spans: tuple[tuple[str, str, int, int], ...]
    detail: str
    source: str

    @property
    def contribution(self) -> float:
        return self.value * self.weight

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weight": self.weight,
            "value": round(self.value, 4),
            "contribution": round(self.contribution, 4),
            "detail": self.detail,
            "evidence": {
                "post_ids": list(self.evidence_posts),
                "spans": [list(span) for span in self.evidence_spans],
            },
            "source": self.source,
        }


@dataclass(frozen=True)
class NetworkProfile:
    network_id: str
    post_ids: tuple[str, ...]
    #: Personas with two posts or more, readable (``Jasmine, 21``, ``author:u1``; see
    #: :func:`persona` and :func:`personas_of`), and how many were seen once.
    personas: tuple[str, ...]
    one_off_personas: int
    identifiers: tuple[tuple[str, str, int], ...]  # (kind, canonical, posts)
    #: (place, first post, last post, posts) in the order the posts reached each place.
    cities: tuple[tuple[str, datetime, datetime, int], ...]
    city_runs: int
    first_seen: datetime | None
    last_seen: datetime | None
    posts_per_day: float
    ages: tuple[int, ...]
    prices: tuple[str, ...]
    templates: tuple[str, ...]
    sites: tuple[str, ...]
    flag_categories: dict[str, int]
    job_posts: int
    facts: Sequence[PostFacts] = field(repr=False, default=())

    @property
    def phones(self) -> tuple[str, ...]:
        return tuple(value for kind, value, _ in self.identifiers if kind == "phone")


def persona(post: PostFacts) -> str | None:
    """Who a post speaks for, as a readable label: its author profile when the site gives one
    (``author:u1``); else the persona's name and first claimed age (``Jasmine, 21``), the name
    alone (``Jasmine``) or the age alone (``age 21``); None when the post says none of these.

    Two posts of one label are one persona: a name never links posts (it is no contact), it
    only tells apart the women a network advertises through one contact.
    """
    if post.author:
        return f"author:{post.author}"
    if post.names:
        shown = post.names[0].title()
        return f"{shown}, {post.ages[0]}" if post.ages else shown
    if post.ages:
        return f"age {post.ages[0]}"
    return None


def personas_of(posts: Sequence[PostFacts]) -> list[str | None]:
    """:func:`persona` of each post of one network, where a post that gives only a name or only
    an age is completed from the network's other posts when they pair it with exactly one age
    or one name: "Rosa" in one ad, "age 22" in another and "Rosa, 22" in a third are one woman,
    not three (an ad may miss a cue that another of hers has). A name seen with several ages,
    or an age with several names, stays as written."""
    ages_of: dict[str, set[int]] = {}
    names_of: dict[int, set[str]] = {}
    for post in posts:
        if not post.author and post.names and post.ages:
            ages_of.setdefault(post.names[0], set()).add(post.ages[0])
            names_of.setdefault(post.ages[0], set()).add(post.names[0])
    labels: list[str | None] = []
    for post in posts:
        if not post.author and post.names and not post.ages:
            known_ages = ages_of.get(post.names[0], set())
            if len(known_ages) == 1:
                labels.append(f"{post.names[0].title()}, {next(iter(known_ages))}")
                continue
        if not post.author and post.ages and not post.names:
            known_names = names_of.get(post.ages[0], set())
            if len(known_names) == 1:
                labels.append(f"{next(iter(known_names)).title()}, {post.ages[0]}")
                continue
        labels.append(persona(post))
    return labels


def profile(network_id: str, posts: Sequence[PostFacts]) -> NetworkProfile:
    """The profile of one network from its posts (any order)."""
    ordered = sorted(posts, key=lambda p: (p.posted_at or datetime.max, p.post_id))
    persona_posts = Counter(key for key in personas_of(ordered) if key)
    contacts = Counter(contact for post in ordered for contact in set(post.contacts))
    stops: dict[str, list[datetime]] = {}
    runs = 0
    previous: str | None = None
    for post in ordered:
        if post.posted_at is None or not post.place:
            continue
        stops.setdefault(post.place, []).append(post.posted_at)
        if post.place != previous:
            runs += 1
            previous = post.place
    cities = tuple(
        sorted(
            ((place, times[0], times[-1], len(times)) for place, times in stops.items()),
            key=lambda stop: (stop[1], stop[0]),
        )
    )
    dated = [post.posted_at for post in ordered if post.posted_at is not None]
    first, last = (dated[0], dated[-1]) if dated else (None, None)
    days = max(1.0, (last - first).total_seconds() / 86400) if first and last else 1.0
    categories = Counter(category for post in ordered for category in {f[0] for f in post.flags})
    return NetworkProfile(
        network_id,
        tuple(post.post_id for post in ordered),
        tuple(sorted(key for key, n in persona_posts.items() if n >= 2)),
        sum(1 for n in persona_posts.values() if n == 1),
        tuple(
            (kind, value, n)
            for (kind, value), n in sorted(contacts.items(), key=lambda item: (-item[1], item[0]))
        ),
        cities,
        runs,
        first,
        last,
        len(ordered) / days,
        tuple(sorted({age for post in ordered for age in post.ages})),
        tuple(sorted({price for post in ordered for price in post.prices})),
        tuple(sorted({post.template for post in ordered if post.template})),
        tuple(sorted({post.site for post in ordered if post.site})),
        dict(sorted(categories.items())),
        sum(1 for post in ordered if post.profile == "job"),
        ordered,
    )


def _share(posts: Sequence[PostFacts], test: Any) -> tuple[float, list[PostFacts]]:
    hits = [post for post in posts if test(post)]
    return (len(hits) / len(posts) if posts else 0.0), hits


def _ids(posts: Sequence[PostFacts]) -> tuple[str, ...]:
    return tuple(post.post_id for post in posts[:_EVIDENCE_POSTS])


def _factors(net: NetworkProfile, settings: LinkSettings) -> list[Factor]:
    weights = settings.weights
    posts = net.facts
    out: list[Factor] = []

    def add(
        name: str,
        value: float,
        detail: str,
        evidence: Sequence[PostFacts] = (),
        spans: Sequence[tuple[str, str, int, int]] = (),
    ) -> None:
        out.append(
            Factor(
                name,
                max(0.0, min(1.0, value)),
                float(getattr(weights, name)),
                _ids(evidence),
                tuple(spans[:_EVIDENCE_POSTS]),
                detail,
                FACTOR_SOURCES[name],
            )
        )

    recurring = len(net.personas)
    shared = [value for kind, value, n in net.identifiers if n >= 2]
    recurring_personas = set(net.personas)
    labelled = [
        (post, label)
        for post, label in zip(posts, personas_of(posts), strict=True)
        if label in recurring_personas
    ]
    with_persona = [post for post, _ in labelled]
    add(
        "multi_persona",
        (recurring - 1) / 3 if recurring >= 2 and shared else 0.0,
        f"{recurring} recurring personas behind {len(shared)} shared contact(s)",
        with_persona,
    )
    places = len(net.cities)
    circuit = places / net.city_runs if net.city_runs else 0.0
    add(
        "movement",
        (places - 1) / 3 * circuit if places >= 2 else 0.0,
        f"{places} places in {net.city_runs} stays: "
        + " -> ".join(place for place, *_ in net.cities[:8]),
        [post for post in posts if post.place],
    )
    minor = [post for post in posts if any(age < 18 for age in post.ages)]
    young_share, young = _share(posts, lambda p: any(a <= settings.young_age for a in p.ages))
    add(
        "young_ages",
        1.0 if minor else young_share,
        f"{len(minor)} post(s) claim a minor's age; {young_share:.0%} claim "
        f"{settings.young_age} or younger",
        minor or young,
        [(p.post_id, "text", s, e) for p in (minor or young) for s, e in p.age_spans[:1]],
    )
    control_share, control = _share(posts, lambda p: any(f[0] == _CONTROLLER for f in p.flags))
    add(
        "controller_language",
        2 * control_share,
        f"{control_share:.0%} of posts use third-person or controller language",
        control,
        [(p.post_id, f[4], f[2], f[3]) for p in control for f in p.flags if f[0] == _CONTROLLER],
    )
    template_personas: dict[str, set[str]] = {}
    for post, label in labelled:
        if post.template and label:
            template_personas.setdefault(post.template, set()).add(label)
    spanning = [template for template, who in template_personas.items() if len(who) >= 2]
    add(
        "shared_template",
        1.0 if spanning else 0.0,
        f"{len(spanning)} template(s) written for two personas or more",
        [post for post in with_persona if post.template in set(spanning)],
    )
    pay_share, paying = _share(
        posts,
        lambda p: (
            any(f[0] in _PAYMENT_CATEGORIES for f in p.flags)
            or any(kind == "crypto" for kind, _ in p.contacts)
        ),
    )
    add(
        "payment_demand",
        2 * pay_share,
        f"{pay_share:.0%} of posts demand a deposit, prepaid cards or crypto",
        paying,
        [
            (p.post_id, f[4], f[2], f[3])
            for p in paying
            for f in p.flags
            if f[0] in _PAYMENT_CATEGORIES
        ],
    )
    add(
        "volume",
        net.posts_per_day / settings.volume_posts_per_day if len(posts) >= 5 else 0.0,
        f"{len(posts)} posts, {net.posts_per_day:.1f} per day",
        posts,
    )
    return out


def _pattern(net: NetworkProfile) -> tuple[str, str]:
    posts = len(net.post_ids)
    recurring = len(net.personas)
    if net.job_posts * 2 > posts:
        return "recruitment_lure", f"{net.job_posts} of {posts} posts are job offers"
    if net.one_off_personas >= 3 and net.one_off_personas * 2 >= posts:
        return (
            "scam_blast",
            f"{net.one_off_personas} of {posts} posts each under a different name: one text "
            "blasted under throwaway personas",
        )
    if recurring >= 2:
        return (
            "multi_persona_network",
            f"{recurring} personas posting repeatedly behind shared contacts",
        )
    if recurring + net.one_off_personas <= 1 and len(net.cities) <= 2:
        return "independent_reposter", "one persona reposting, in one or two places"
    return "unclear", "no pattern fits clearly"


@dataclass(frozen=True)
class Ranked:
    profile: NetworkProfile
    factors: list[Factor]
    pattern: str
    pattern_reason: str
    model_score: float
    score: float


def rank(net: NetworkProfile, settings: LinkSettings | None = None) -> Ranked:
    """Factors, pattern and score of a network (see the module docstring)."""
    settings = settings or LinkSettings()
    factors = _factors(net, settings)
    logit = settings.weights.bias + sum(factor.contribution for factor in factors)
    model = 1.0 / (1.0 + math.exp(-logit))
    pattern, reason = _pattern(net)
    return Ranked(net, factors, pattern, reason, model, model * settings.pattern_weight(pattern))


def factor_matrix(ranked: Sequence[Ranked]) -> npt.NDArray[np.float64]:
    """Factor values of ranked networks, one row each, columns in :data:`FACTORS` order."""
    return np.array(
        [[{f.name: f.value for f in r.factors}[name] for name in FACTORS] for r in ranked],
        dtype=np.float64,
    ).reshape(len(ranked), len(FACTORS))


def fit_weights(
    values: npt.NDArray[np.float64],
    labels: Sequence[int],
    *,
    l2: float = 1.0,
    iterations: int = 50,
) -> FactorWeights:
    """Re-fit the factor weights from analysts' labels (1: trafficking, 0: anything else) by
    L2-regularised logistic regression (Newton's method): the model stays the same small,
    inspectable sum of named factors."""
    x = np.asarray(values, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(FACTORS) or len(y) != len(x):
        raise ValueError(f"values must be (n, {len(FACTORS)}) with one label per row")
    if not set(np.unique(y).tolist()) <= {0.0, 1.0} or len(np.unique(y)) < 2:
        raise ValueError("labels must be 0 and 1, with both present")
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = (design.T * (p * (1 - p))) @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return FactorWeights(
        bias=float(beta[0]), **dict(zip(FACTORS, map(float, beta[1:]), strict=True))
    )
