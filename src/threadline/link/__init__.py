"""Networks and leads: link posts through shared evidence, profile and rank the networks.

:mod:`threadline.link.graph` links (components with a hub guard), :mod:`threadline.link.rank`
profiles and ranks with named factors, :mod:`threadline.link.evaluation` scores against a
synthetic corpus's truth. The workspace step is :func:`threadline.steps.link.link_step`.
"""

from __future__ import annotations

from threadline.link.graph import Evidence, LinkResult, SetAside, link_posts
from threadline.link.rank import Factor, NetworkProfile, PostFacts, fit_weights, profile, rank
from threadline.link.settings import FACTORS, LINK_KINDS, FactorWeights, LinkSettings

__all__ = [
    "FACTORS",
    "LINK_KINDS",
    "Evidence",
    "Factor",
    "FactorWeights",
    "LinkResult",
    "LinkSettings",
    "NetworkProfile",
    "PostFacts",
    "SetAside",
    "fit_weights",
    "link_posts",
    "profile",
    "rank",
]
