"""Settings of the link stage: which evidence joins posts, the hub guard, and the ranking model.

Every threshold is documented here and in docs/networks.md with why it has its value.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: Identifier kinds that can tie posts to one operator (descriptive kinds never link).
LINK_KINDS: tuple[str, ...] = ("phone", "email", "handle", "payment", "crypto", "url")

#: Factors of the ranking model, in the order they are reported.
FACTORS: tuple[str, ...] = (
    "multi_persona",
    "movement",
    "young_ages",
    "controller_language",
    "shared_template",
    "payment_demand",
    "volume",
)


class FactorWeights(BaseModel):
    """Weights of the logistic ranking model ``score = sigmoid(bias + sum(weight * value))``;
    every factor value is in [0, 1]. Re-fit them from analyst labels with
    :func:`threadline.link.rank.fit_weights`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Below zero so that a network with no factor scores near 0 (sigmoid(-5) = 0.007).
    bias: float = -5.0
    #: Several personas behind one contact: the core pattern of a controller (strong).
    multi_persona: float = 3.5
    #: Movement through cities along a circuit (moderate alone: travelling workers exist).
    movement: float = 1.5
    #: Young claimed ages; a claimed minor gives the full value (strong).
    young_ages: float = 2.5
    #: Third-person or controller language in the posts' indicator flags (strong).
    controller_language: float = 2.0
    #: One template written for several personas (moderate).
    shared_template: float = 1.5
    #: Deposit, gift card or crypto demands (moderate; scams share it).
    payment_demand: float = 1.0
    #: High posting rate (weak alone).
    volume: float = 0.75


class LinkSettings(BaseModel):
    """Thresholds of linking and ranking (documented in docs/networks.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Hub guard: an identifier (or template) that, given all smaller evidence, would join
    #: more than this many separate groups of posts is set aside. A controller's contact joins
    #: the groups of a few personas; a site's support number, a shared link or a placeholder
    #: joins those of many unrelated advertisers.
    max_bridged_groups: int = Field(default=25, ge=2)
    #: A template cluster links its posts only when its cohesion (mean weighted similarity to
    #: its medoid) reaches this: loose clusters are boilerplate more than a shared author.
    min_template_cohesion: float = Field(default=0.5, ge=0, le=1)
    #: A template cluster attaches posts without contacts to the one contact group it shares;
    #: it may join several groups that have their own contacts (a controller using a different
    #: phone for each pair of personas) only when its cohesion reaches ``min_join_cohesion``,
    #: and at most this many: near-duplicate text is weaker evidence than the contacts that
    #: keep groups apart, and loose clusters glue distinct networks that share phrase pools.
    max_template_contact_groups: int = Field(default=3, ge=1)
    #: Cohesion from which a template may join several contact groups (see above). On two
    #: synthetic corpora (50k posts seed 7, 20k seed 3) 0.7 kept pairwise precision at 1.00
    #: while recall rose from 0.92/0.82 (templates never joining contact groups) to 0.94/0.93;
    #: 0.6 let precision fall to 0.99.
    min_join_cohesion: float = Field(default=0.7, ge=0, le=1)
    #: Two images are the same photo when their 64-bit perceptual hashes differ in at most this
    #: many bits: resizing and JPEG re-encoding move a pHash by a few bits, different photos
    #: by about 32 on average.
    image_max_distance: int = Field(default=6, ge=0, le=20)
    #: Networks smaller than this are not listed or ranked (a single post is not a network).
    min_network_posts: int = Field(default=2, ge=1)
    #: Posts per day at which the volume factor reaches 1.
    volume_posts_per_day: float = Field(default=10.0, gt=0)
    #: Claimed age at or below which an age counts as young (a minor always counts fully).
    young_age: int = Field(default=19, ge=18, le=30)
    #: Multiplier of the model score per pattern: scam blasts and an independent reposting her
    #: own ad are different problems and must rank below multi-persona networks.
    pattern_weight_multi_persona_network: float = Field(default=1.0, ge=0, le=1)
    pattern_weight_recruitment_lure: float = Field(default=1.0, ge=0, le=1)
    pattern_weight_unclear: float = Field(default=0.6, ge=0, le=1)
    pattern_weight_scam_blast: float = Field(default=0.35, ge=0, le=1)
    pattern_weight_independent_reposter: float = Field(default=0.2, ge=0, le=1)
    weights: FactorWeights = FactorWeights()

    def pattern_weight(self, pattern: str) -> float:
        return float(getattr(self, f"pattern_weight_{pattern}"))
