"""Real-time screening of a post: ``screen(text) -> ScreenResult`` with explained flags.

A post is matched once against the whole indicator library (:mod:`threadline.indicators`),
its identifiers are extracted (claimed ages, crypto wallets, payment and messenger handles take
part: an age under 18 is a strong flag on its own), the indicators of its profile are kept, and
the flags are combined into a score (:mod:`threadline.indicators.scoring`). Every flag names the
indicator, its category and strength, the exact text that raised it (``matched ==
text[start:end]``) and the public source it rests on: a lead for a person to review, never a
verdict.

The profile (``sex_ad`` or ``job``) is given, or read from ``meta["profile"]``, or detected from
the cue words of the post; when the cues do not decide, every indicator applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from threadline.errors import InputError
from threadline.extract import extract_many
from threadline.indicators.learned import LearnedModel
from threadline.indicators.loader import default_library
from threadline.indicators.matcher import Matcher, Scan
from threadline.indicators.model import PROFILES, Indicator, Library
from threadline.indicators.scoring import ScreenSettings, band, blend, combine
from threadline.records import Flag, Identifier

__all__ = [
    "FLAG_COLUMNS",
    "IDENTIFIER_KINDS_SCREENED",
    "MESSENGER_HOSTS",
    "SCREEN_COLUMNS",
    "ScreenResult",
    "ScreenSettings",
    "Screener",
    "default_screener",
    "indicator_rows",
    "screen",
    "screen_columns",
    "screen_many",
]

#: Identifier kinds screening may extract: those some indicator (or ``unless``) looks at. Phones,
#: prices and places play no part and cost most of extraction's time; each post extracts only
#: the kinds its profile needs (``Screener._kinds_for``).
IDENTIFIER_KINDS_SCREENED: tuple[str, ...] = ("crypto", "email", "payment", "handle", "url", "age")
#: Link hosts that are a messenger, not a web address (``wa.me/...`` is a WhatsApp contact).
MESSENGER_HOSTS: dict[str, str] = {
    "wa.me": "whatsapp",
    "api.whatsapp.com": "whatsapp",
    "chat.whatsapp.com": "whatsapp",
    "wa.link": "whatsapp",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "telegram.dog": "telegram",
}
UNKNOWN_PROFILE = "unknown"


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """Score, band and flags of one post."""

    score: float
    flagged: bool
    band: str
    profile: str
    flags: tuple[Flag, ...]
    categories: dict[str, float]
    #: The learned model's probability, when a model took part (``screen --model``).
    model_probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN.md ``screen --json`` object."""
        payload: dict[str, Any] = {
            "score": self.score,
            "flagged": self.flagged,
            "band": self.band,
            "profile": self.profile,
            "categories": self.categories,
            "flags": [flag.to_dict() for flag in self.flags],
        }
        if self.model_probability is not None:
            payload["model"] = {"probability": self.model_probability}
        return payload


def _messenger_platform(ident: Identifier) -> str | None:
    if ident.kind == "handle":
        return ident.canonical.split(":", 1)[0]
    if ident.kind == "url":
        return MESSENGER_HOSTS.get(ident.canonical.split("/", 1)[0])
    return None


def _effective_kind(ident: Identifier) -> str:
    """A ``wa.me`` or ``t.me`` link counts as a handle, not as a web address."""
    if ident.kind == "url" and _messenger_platform(ident) is not None:
        return "handle"
    return ident.kind


def _rule_matches(indicator: Indicator, ident: Identifier) -> bool:
    rule = indicator.identifier
    if rule is None or _effective_kind(ident) != rule.kind:
        return False
    if rule.platforms and _messenger_platform(ident) not in rule.platforms:
        return False
    if rule.min_value is not None or rule.max_value is not None:
        try:
            value = int(ident.canonical)
        except ValueError:
            return False
        if rule.min_value is not None and value < rule.min_value:
            return False
        if rule.max_value is not None and value > rule.max_value:
            return False
    return True


def _check_profile(profile: object) -> str | None:
    if profile is None:
        return None
    if profile not in PROFILES:
        raise InputError(f"profile must be one of {PROFILES}, not {profile!r}")
    return str(profile)


class Screener:
    """A library, its matcher and settings: build once, screen many posts (thread-safe)."""

    def __init__(
        self,
        library: Library | None = None,
        settings: ScreenSettings | None = None,
        model: LearnedModel | None = None,
    ):
        self.library = library if library is not None else default_library()
        self.settings = settings if settings is not None else ScreenSettings()
        #: Optional learned model blended with the rules (the rules stay the explanation).
        self.model = model
        self.matcher = Matcher(self.library)
        self._sources = tuple(self.library.source_text(ind) for ind in self.library.indicators)
        self._by_rule = tuple(
            (index, ind)
            for index, ind in enumerate(self.library.indicators)
            if ind.identifier is not None
        )
        self._kinds = {
            profile: self._kinds_for(profile) for profile in (*PROFILES, UNKNOWN_PROFILE)
        }
        #: Profile -> for each indicator, whether it applies to posts of that profile.
        self._applies = {
            profile: tuple(
                profile == UNKNOWN_PROFILE or profile in ind.profiles
                for ind in self.library.indicators
            )
            for profile in (*PROFILES, UNKNOWN_PROFILE)
        }

    def _kinds_for(self, profile: str) -> tuple[str, ...]:
        """Identifier kinds that some indicator of ``profile`` looks at (extraction is most of
        screening's cost, so a sex ad skips the handle, url and email finders)."""
        kinds: set[str] = set()
        for indicator in self.library.indicators:
            if profile != UNKNOWN_PROFILE and profile not in indicator.profiles:
                continue
            if indicator.identifier is not None:
                kinds.add(indicator.identifier.kind)
                if indicator.identifier.kind == "handle":
                    kinds.add("url")  # wa.me and t.me links are messenger handles
                kinds.update(indicator.unless)
        if "url" in kinds:
            # A payment link (paypal.me/...) is also URL-shaped: without the payment finder the
            # URL finder would claim it and cancel "no other contact" rules, unlike the analyze
            # stage, which screens with every kind extracted.
            kinds.add("payment")
        return tuple(kind for kind in IDENTIFIER_KINDS_SCREENED if kind in kinds)

    def _flag(self, index: int, start: int, end: int, text: str, field: str) -> Flag:
        indicator = self.library.indicators[index]
        return Flag(
            indicator.id,
            indicator.label,
            indicator.category,
            indicator.strength,
            start,
            end,
            text[start:end],
            self._sources[index],
            indicator.weight,
            field,
        )

    def _check_text(self, text: object, name: str) -> str:
        if not isinstance(text, str):
            raise InputError(f"{name} must be a string, not {type(text).__name__}")
        if len(text) > self.settings.max_text_chars:
            raise InputError(
                f"{name} has {len(text):,} characters; the most screened is "
                f"{self.settings.max_text_chars:,}"
            )
        return text

    def screen(
        self,
        text: str,
        *,
        meta: Mapping[str, Any] | None = None,
        profile: str | None = None,
    ) -> ScreenResult:
        """Screen one post (``meta`` may hold ``title``, ``profile`` and ``region``)."""
        return self.screen_many([(text, meta)], profile=profile)[0]

    def screen_many(
        self,
        posts: Iterable[tuple[str, Mapping[str, Any] | None]],
        *,
        profile: str | None = None,
        identifiers: Sequence[Mapping[str, Sequence[Identifier]]] | None = None,
    ) -> list[ScreenResult]:
        """Screen ``(text, meta)`` pairs in order; identifiers are extracted in one batch.

        ``identifiers`` (one mapping per post, ``"text"``/``"title"`` -> identifiers already
        extracted with :func:`threadline.extract.extract`, e.g. by the analyze pipeline) skips
        extraction: it is most of screening's cost.
        """
        forced = _check_profile(profile)
        fields: list[list[tuple[str, str]]] = []
        jobs: list[tuple[str, str | None]] = []
        profiles: list[str | None] = []
        for text, meta in posts:
            meta = meta or {}
            if not isinstance(meta, Mapping):
                raise InputError(f"meta must be a mapping, not {type(meta).__name__}")
            region = meta.get("region") or self.settings.default_region
            if not isinstance(region, str) or len(region) != 2 or not region.isalpha():
                raise InputError(f"region must be an ISO 3166 alpha-2 code, not {region!r}")
            post_fields = [("text", self._check_text(text, "text"))]
            title = meta.get("title")
            if title:
                post_fields.append(("title", self._check_text(title, "title")))
            fields.append(post_fields)
            jobs.extend((value, region) for _, value in post_fields)
            profiles.append(forced or _check_profile(meta.get("profile")))
        scans = [[self.matcher.scan(value) for _, value in post_fields] for post_fields in fields]
        decided = [
            wanted or self._detect_profile(post_scans)
            for wanted, post_scans in zip(profiles, scans, strict=True)
        ]
        # Extract only the kinds the post's profile looks at, batched per set of kinds.
        found: list[list[Identifier]] = [[] for _ in jobs]
        groups: dict[tuple[str, ...], list[int]] = {}
        if identifiers is not None and len(identifiers) != len(fields):
            raise InputError(f"{len(identifiers)} identifier sets for {len(fields)} posts")
        cursor = 0
        for number, (post_fields, post_profile) in enumerate(zip(fields, decided, strict=True)):
            if identifiers is not None:
                given = identifiers[number]
                for offset, (field, _) in enumerate(post_fields):
                    found[cursor + offset] = list(given.get(field, ()))
            else:
                kinds = self._kinds[post_profile]
                if kinds:
                    groups.setdefault(kinds, []).extend(range(cursor, cursor + len(post_fields)))
            cursor += len(post_fields)
        for kinds, positions in groups.items():
            batch = extract_many([jobs[position] for position in positions], kinds=kinds)
            for position, extracted in zip(positions, batch, strict=True):
                found[position] = extracted
        results: list[ScreenResult] = []
        cursor = 0
        for post_fields, post_scans, post_profile in zip(fields, scans, decided, strict=True):
            post_identifiers = found[cursor : cursor + len(post_fields)]
            cursor += len(post_fields)
            results.append(self._score(post_fields, post_scans, post_identifiers, post_profile))
        return results

    def _detect_profile(self, scans: Sequence[Scan]) -> str:
        """The profile with more distinct cue words; on a tie, the one whose own indicators
        (those of one profile only) weigh more; else unknown (every indicator applies)."""
        for evidence in (self._cue_evidence(scans), self._indicator_evidence(scans)):
            ranked = sorted(evidence.items(), key=lambda item: item[1], reverse=True)
            if ranked[0][1] > ranked[1][1]:
                return ranked[0][0]
        return UNKNOWN_PROFILE

    @staticmethod
    def _cue_evidence(scans: Sequence[Scan]) -> dict[str, float]:
        return {name: float(sum(scan.cues[name] for scan in scans)) for name in PROFILES}

    def _indicator_evidence(self, scans: Sequence[Scan]) -> dict[str, float]:
        evidence: dict[str, float] = dict.fromkeys(PROFILES, 0.0)
        indicators = self.library.indicators
        for scan in scans:
            for index in {hit.indicator for hit in scan.hits}:
                owners = indicators[index].profiles
                if len(owners) == 1:
                    evidence[owners[0]] += indicators[index].weight
        return evidence

    def _score(
        self,
        post_fields: Sequence[tuple[str, str]],
        scans: Sequence[Scan],
        identifiers: Sequence[list[Identifier]],
        profile: str,
    ) -> ScreenResult:
        settings = self.settings
        indicators = self.library.indicators
        applies = self._applies[profile]
        present_kinds = {
            _effective_kind(ident) for field_idents in identifiers for ident in field_idents
        }
        limit = settings.max_flags_per_indicator
        flags: list[Flag] = []
        for (field, text), scan, field_idents in zip(post_fields, scans, identifiers, strict=True):
            per_indicator: dict[int, int] = {}
            candidates: list[tuple[int, int, int]] = [
                (hit.indicator, hit.start, hit.end) for hit in scan.hits if applies[hit.indicator]
            ]
            if field_idents:
                for index, indicator in self._by_rule:
                    if applies[index]:
                        candidates.extend(
                            (index, ident.start, ident.end)
                            for ident in field_idents
                            if _rule_matches(indicator, ident)
                        )
            for index, start, end in candidates:
                unless = indicators[index].unless
                if unless and present_kinds.intersection(unless):
                    continue
                count = per_indicator.get(index, 0)
                if count >= limit:
                    continue
                per_indicator[index] = count + 1
                flags.append(self._flag(index, start, end, text, field))
        if len(flags) > 1:
            flags.sort(key=lambda flag: (flag.field != "text", flag.start, flag.end, flag.code))
        score, categories = combine(flags, settings)
        probability = None
        if self.model is not None:
            probability = round(
                self.model.probability(" \n ".join(text for _, text in post_fields)), 4
            )
            score = blend(score, probability, settings)
        return ScreenResult(
            score=score,
            flagged=score >= settings.threshold,
            band=band(score, settings),
            profile=profile,
            flags=tuple(flags),
            categories=categories,
            model_probability=probability,
        )


#: Column names of the ``screens`` and ``flags`` tables that :func:`screen_columns` fills.
SCREEN_COLUMNS = ("post_id", "score", "band", "profile", "flagged", "flag_count")
FLAG_COLUMNS = (
    "post_id", "field", "code", "category", "strength", "weight", "start_offset", "end_offset",
    "matched",
)  # fmt: skip


def screen_columns(
    post_ids: Sequence[str],
    texts: Sequence[str],
    titles: Sequence[str | None],
    *,
    identifiers: Sequence[Mapping[str, Sequence[Identifier]]] | None = None,
    screener: Screener | None = None,
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The analyze stage's pure part: columns of the ``screens`` (one row per post) and
    ``flags`` (one row per flag) tables for a batch of posts (see docs/screening.md)."""
    if not len(post_ids) == len(texts) == len(titles):
        raise InputError("post_ids, texts and titles must have the same length")
    active = screener or default_screener()
    results = active.screen_many(
        [
            (text, {"title": title} if title else None)
            for text, title in zip(texts, titles, strict=True)
        ],
        identifiers=identifiers,
    )
    screens: dict[str, list[Any]] = {name: [] for name in SCREEN_COLUMNS}
    flags: dict[str, list[Any]] = {name: [] for name in FLAG_COLUMNS}
    for post_id, result in zip(post_ids, results, strict=True):
        for name, value in zip(
            SCREEN_COLUMNS,
            (post_id, result.score, result.band, result.profile, result.flagged, len(result.flags)),
            strict=True,
        ):
            screens[name].append(value)
        for flag in result.flags:
            row = (
                post_id, flag.field, flag.code, flag.category, flag.strength, flag.weight,
                flag.start, flag.end, flag.matched,
            )  # fmt: skip
            for name, value in zip(FLAG_COLUMNS, row, strict=True):
                flags[name].append(value)
    return screens, flags


def indicator_rows(library: Library | None = None) -> list[dict[str, Any]]:
    """One row per indicator (code, label, category, strength, weight, source): the reference
    table that gives the ``flags`` table's codes their meaning in SQL."""
    lib = library if library is not None else default_library()
    return [
        {
            "code": ind.id,
            "label": ind.label,
            "category": ind.category,
            "strength": ind.strength,
            "weight": ind.weight,
            "source": lib.source_text(ind),
        }
        for ind in lib.indicators
    ]


@cache
def default_screener() -> Screener:
    """The packaged library with default settings, built once per process."""
    return Screener()


def screen(
    text: str,
    *,
    meta: Mapping[str, Any] | None = None,
    profile: str | None = None,
    screener: Screener | None = None,
) -> ScreenResult:
    """Screen one post: score in [0, 1] and explained flags (see the module docstring).

    ``meta`` may hold ``title`` (screened too; its flags say ``field == "title"``), ``profile``
    (``sex_ad`` or ``job``) and ``region`` (ISO alpha-2, for phone-like identifiers).
    """
    return (screener or default_screener()).screen(text, meta=meta, profile=profile)


def screen_many(
    posts: Iterable[tuple[str, Mapping[str, Any] | None]],
    *,
    profile: str | None = None,
    identifiers: Sequence[Mapping[str, Sequence[Identifier]]] | None = None,
    screener: Screener | None = None,
) -> list[ScreenResult]:
    """:func:`screen` of many ``(text, meta)`` pairs, with one batched identifier extraction
    (or none, when ``identifiers`` are given: see :meth:`Screener.screen_many`)."""
    return (screener or default_screener()).screen_many(
        posts, profile=profile, identifiers=identifiers
    )
