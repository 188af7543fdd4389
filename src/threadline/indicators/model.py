"""The shapes of the indicator library: sources, indicators and the lexicon around them.

Frozen dataclasses built once by :mod:`threadline.indicators.loader` from the TOML data files;
nothing here changes after loading, so one library is shared by every screening call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Strength = Literal["weak", "moderate", "strong"]
Profile = Literal["sex_ad", "job"]

#: Strengths in increasing order.
STRENGTHS: tuple[Strength, ...] = ("weak", "moderate", "strong")
#: Post profiles: online sex ads and job or recruitment posts.
PROFILES: tuple[Profile, ...] = ("sex_ad", "job")
#: Weight range allowed for each strength, so that the label and the number cannot disagree.
WEIGHT_RANGES: dict[str, tuple[float, float]] = {
    "weak": (0.01, 0.2),
    "moderate": (0.2, 0.5),
    "strong": (0.5, 0.95),
}

#: Categories, with the one-line meaning the documentation prints.
CATEGORIES: dict[str, str] = {
    "youth": "the person advertised or sought may be a minor or is marketed on youth",
    "movement": "the person is moved from place to place, or recruited to travel",
    "third_party_control": "someone other than the advertised person runs the ad, the contact "
    "or the money",
    "restricted_freedom": "limits on leaving, resting, communicating or refusing",
    "isolation": "language or social isolation that makes a person dependent",
    "debt": "a debt that the work must pay off (debt bondage)",
    "deception_recruitment": "a job offer too good to be true, or vague about the work",
    "document_retention": "identity documents held by the employer or agency",
    "advance_fee": "a fee or deposit demanded in advance",
    "payment_method": "payment routes that hide the payer or the payee",
    "contact_restriction": "contact only through a messenger or a third party",
}

#: Identifier kinds an indicator may be triggered by (see DESIGN.md, identifier contract).
IDENTIFIER_RULE_KINDS: tuple[str, ...] = ("age", "crypto", "payment", "handle", "url", "email")


@dataclass(frozen=True, slots=True)
class Source:
    """A public source that an indicator rests on."""

    id: str
    citation: str
    publisher: str
    year: int
    url: str
    #: What the source is, in one sentence, for the documentation.
    note: str = ""


@dataclass(frozen=True, slots=True)
class IdentifierRule:
    """An indicator triggered by an extracted identifier rather than by words.

    ``min_value``/``max_value`` bound a numeric canonical form (an age); ``platforms`` restricts
    handles to some platforms (``whatsapp``, ``telegram``).
    """

    kind: str
    min_value: int | None = None
    max_value: int | None = None
    platforms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: what it means, how it is matched, how much it weighs and who says so."""

    id: str
    label: str
    category: str
    profiles: tuple[Profile, ...]
    strength: Strength
    weight: float
    sources: tuple[str, ...]
    description: str
    #: Language code -> patterns as written in the data (before expansion).
    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Language code -> expanded patterns (every ``{a|b}`` alternative spelled out).
    expanded: dict[str, tuple[str, ...]] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    #: Whether a negation just before ("we never charge fees") or after ("fee: none") cancels it.
    negatable: bool = False
    identifier: IdentifierRule | None = None
    #: Identifier kinds whose presence cancels this indicator (messenger-only contact).
    unless: tuple[str, ...] = ()
    #: HTCDS 2.0 ``vic_MethodsOfControl`` value this indicator evidences, if any.
    htcds: str | None = None
    #: Data file the indicator came from (for error messages and the documentation).
    file: str = ""


@dataclass(frozen=True, slots=True)
class Library:
    """Every indicator with its sources, plus the profile cues and negation words."""

    indicators: tuple[Indicator, ...]
    sources: dict[str, Source]
    #: Profile -> language -> words that suggest the post is of that profile.
    cues: dict[str, dict[str, tuple[str, ...]]]
    #: Language -> words that negate a following indicator ("no", "never", "sin").
    negation_before: dict[str, tuple[str, ...]]
    #: Language -> words that negate a preceding indicator ("none", "waived").
    negation_after: dict[str, tuple[str, ...]]

    def by_id(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    @property
    def languages(self) -> tuple[str, ...]:
        found = {lang for ind in self.indicators for lang in ind.patterns}
        return tuple(sorted(found))

    def source_text(self, indicator: Indicator) -> str:
        """Short citation of an indicator's sources, as a flag carries it."""
        return "; ".join(self.sources[source_id].citation for source_id in indicator.sources)
