"""Turning flags into one score in [0, 1] that weak signs alone cannot push over the threshold.

The shape, in three steps (every constant is a field of :class:`ScreenSettings`):

1. **Per category, a capped noisy-OR.** Each distinct indicator counts once, with its weight
   ``w``; a category's strength is ``1 - prod(1 - w)``, capped by the strongest strength present
   in it (``category_cap``): ten "new in town" variants are still one weak movement sign.
2. **Across categories, a noisy-OR.** Independent categories (youth *and* third-party control
   *and* a deposit) compound: ``1 - prod(1 - p_category)``. Categories holding only weak flags
   are first pooled into one weak term, itself capped (``weak_pool_cap``): six weak signs from
   six categories count as one modest piece of evidence, not six.
3. **A ceiling by the strongest sign.** With only weak flags the score stays at or below
   ``weak_only_cap`` (below ``threshold``) whatever their number; with nothing stronger than
   moderate it stays at or below ``moderate_only_cap`` (below ``strong_threshold``). Only a strong
   indicator (a claimed minor, a passport held, a manager taking the calls) or several moderate
   categories together reach the review threshold.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from threadline.records import Flag


class ScreenSettings(BaseModel):
    """Thresholds and caps of screening (documented in docs/screening.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: At or above: ``flagged`` (send to human review). Two moderate categories, or one strong
    #: indicator, reach it; weak ones never do.
    threshold: float = Field(default=0.5, gt=0, le=1)
    #: At or above: ``band == "high"``. Needs a strong indicator.
    strong_threshold: float = Field(default=0.75, gt=0, le=1)
    #: Ceiling of a post with weak flags only; must stay below ``threshold``.
    weak_only_cap: float = Field(default=0.3, ge=0, lt=1)
    #: Ceiling of a post whose strongest flag is moderate; must stay below ``strong_threshold``.
    moderate_only_cap: float = Field(default=0.7, ge=0, lt=1)
    #: Ceiling of all weak-only categories together (step 2 of the module docstring).
    weak_pool_cap: float = Field(default=0.25, ge=0, lt=1)
    #: Ceiling of one category by its strongest strength: repeats of one kind of sign saturate.
    weak_category_cap: float = Field(default=0.2, ge=0, le=1)
    moderate_category_cap: float = Field(default=0.45, ge=0, le=1)
    strong_category_cap: float = Field(default=0.95, ge=0, le=1)
    #: Weight of the optional learned model's probability p in the blend
    #: ``1 - (1 - rules) * (1 - model_weight * p)``: below ``threshold``, so that the model alone
    #: cannot flag a post without a single rule flag to explain it.
    model_weight: float = Field(default=0.4, ge=0, le=1)
    #: Region (ISO alpha-2) assumed by the identifier extractors when a post names none.
    default_region: str = Field(default="US", min_length=2, max_length=2)
    #: Longest text screened (characters); the API refuses longer ones with 413.
    max_text_chars: int = Field(default=20_000, ge=1)
    #: Most posts in one API batch.
    max_batch: int = Field(default=1_000, ge=1)
    #: Most flags reported per indicator and field (the score counts each indicator once).
    max_flags_per_indicator: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> ScreenSettings:
        if not self.weak_only_cap < self.threshold <= self.strong_threshold:
            raise ValueError("need weak_only_cap < threshold <= strong_threshold")
        if not self.moderate_only_cap < self.strong_threshold:
            raise ValueError("need moderate_only_cap < strong_threshold")
        if not self.model_weight < self.threshold:
            raise ValueError("need model_weight < threshold (the model alone must not flag)")
        return self


_RANK = {"weak": 0, "moderate": 1, "strong": 2}


def category_scores(flags: Iterable[Flag], settings: ScreenSettings) -> dict[str, float]:
    """Each category's capped noisy-OR over its distinct indicators."""
    weights: dict[str, dict[str, float]] = {}
    strongest: dict[str, int] = {}
    for flag in flags:
        by_code = weights.setdefault(flag.category, {})
        by_code[flag.code] = max(by_code.get(flag.code, 0.0), flag.weight)
        strongest[flag.category] = max(strongest.get(flag.category, 0), _RANK[flag.strength])
    caps = (
        settings.weak_category_cap,
        settings.moderate_category_cap,
        settings.strong_category_cap,
    )
    out: dict[str, float] = {}
    for category, by_code in weights.items():
        miss = 1.0
        for weight in by_code.values():
            miss *= 1.0 - weight
        out[category] = round(min(1.0 - miss, caps[strongest[category]]), 4)
    return out


def combine(flags: list[Flag], settings: ScreenSettings) -> tuple[float, dict[str, float]]:
    """The post's score and the per-category scores behind it."""
    if not flags:
        return 0.0, {}
    categories = category_scores(flags, settings)
    strongest: dict[str, int] = {}
    for flag in flags:
        strongest[flag.category] = max(strongest.get(flag.category, 0), _RANK[flag.strength])
    weak_miss = 1.0
    miss = 1.0
    for category, value in categories.items():
        if strongest[category] == 0:
            weak_miss *= 1.0 - value
        else:
            miss *= 1.0 - value
    miss *= 1.0 - min(1.0 - weak_miss, settings.weak_pool_cap)
    score = 1.0 - miss
    top = max(_RANK[flag.strength] for flag in flags)
    if top == 0:
        score = min(score, settings.weak_only_cap)
    elif top == 1:
        score = min(score, settings.moderate_only_cap)
    return round(min(max(score, 0.0), 1.0), 4), categories


def blend(rules: float, probability: float, settings: ScreenSettings) -> float:
    """The rules' score raised by a learned model's probability (see ``model_weight``)."""
    return round(1.0 - (1.0 - rules) * (1.0 - settings.model_weight * probability), 4)


def band(score: float, settings: ScreenSettings) -> str:
    """``low``, ``review`` (at or above ``threshold``) or ``high`` (``strong_threshold``)."""
    if score >= settings.strong_threshold:
        return "high"
    if score >= settings.threshold:
        return "review"
    return "low"
