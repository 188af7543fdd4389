"""How well screening separates exploitative posts from ordinary ones on a labelled corpus.

On a synthetic corpus (``threadline synth``), positives are organised-network ads and labour
lures, negatives independent ads and genuine job posts (scam blasts are left out: fraud, not
trafficking). Reported: ROC-AUC of the score, precision and recall at the flag threshold, and
per planted signal the recall of the indicators mapped to it (:data:`SIGNAL_INDICATORS`) and
how often those indicators fire on posts without the signal.

The mapping is documentation, not tuning: indicator patterns were written from the public
sources, not from the generator's phrase pools, so these figures estimate how the library does
on text it has not seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from threadline.screening import Screener, ScreenResult, default_screener

POSITIVE = frozenset({"network", "job_lure"})
NEGATIVE = frozenset({"independent", "job_genuine"})

#: Synthetic truth signal -> indicator codes that should fire for it. ``no_fees_stated`` is a
#: protective statement: it maps to the fee indicator that must NOT fire (measured as a
#: false-fire rate). ``verify_link`` (a scam's "verify you are not a cop" link) has no indicator.
SIGNAL_INDICATORS: dict[str, tuple[str, ...]] = {
    "third_person": ("TP.THIRD_PERSON",),
    "new_girls": ("TP.ROTATION",),
    "third_party_contact": ("TP.MANAGER_CONTACT",),
    "young_age": ("YO.CLAIMED_18_19",),
    "under18_claim": ("YO.CLAIMED_MINOR",),
    "barely_legal": ("YO.BARELY_LEGAL",),
    "movement": ("MV.MOVEMENT",),
    "deposit_demand": ("PM.DEPOSIT", "JB.RECRUITMENT_FEE"),
    "gift_card": ("PM.GIFT_CARD",),
    "crypto_payment": ("PM.CRYPTO_WALLET", "PM.CRYPTO_WORDS"),
    "unrealistic_pay": ("JB.UNREALISTIC_PAY",),
    "travel_paid": ("JB.TRAVEL_PAID",),
    "visa_paid": ("JB.VISA_PAID",),
    "no_experience": ("JB.NO_REQUIREMENTS",),
    "appearance_requirement": ("JB.APPEARANCE",),
    "recruitment_fee": ("JB.RECRUITMENT_FEE",),
    "passport_held": ("DR.PASSPORT_HELD",),
    "messenger_only": ("CR.MESSENGER_ONLY", "CR.MESSENGER_NO_OTHER"),
    "urgency": ("JB.URGENCY",),
    "no_fees_stated": ("JB.RECRUITMENT_FEE",),
}
#: Signals whose mapped indicators should stay silent.
PROTECTIVE_SIGNALS = frozenset({"no_fees_stated"})


@dataclass
class SignalFigures:
    """Recall of one signal's indicators, and their firing rate on posts without it."""

    posts: int = 0
    hits: int = 0
    other_posts: int = 0
    other_hits: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "recall": round(self.hits / self.posts, 4) if self.posts else None,
            "fires_without_signal": (
                round(self.other_hits / self.other_posts, 4) if self.other_posts else None
            ),
        }


@dataclass
class ScreenEvaluation:
    """Figures of one evaluation run (see the module docstring)."""

    posts: int
    positives: int
    negatives: int
    roc_auc: float
    threshold: float
    precision: float
    recall: float
    flagged_negatives: int
    by_category: dict[str, dict[str, float]] = field(default_factory=dict)
    signals: dict[str, SignalFigures] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "positives": self.positives,
            "negatives": self.negatives,
            "roc_auc": round(self.roc_auc, 4),
            "threshold": self.threshold,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "flagged_negatives": self.flagged_negatives,
            "by_category": self.by_category,
            "signals": {name: figures.as_dict() for name, figures in self.signals.items()},
        }


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("ROC-AUC needs at least one positive and one negative")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores), dtype=np.float64)
    start = 0
    while start < len(scores):
        stop = start
        while stop + 1 < len(scores) and sorted_scores[stop + 1] == sorted_scores[start]:
            stop += 1
        ranks[order[start : stop + 1]] = (start + stop) / 2.0 + 1.0
        start = stop + 1
    rank_sum = float(ranks[labels.astype(bool)].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def _pairs(posts: Path, truth: Path) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    from threadline.synth import iter_truth_posts

    with posts.open("rb") as handle:
        for line, post_truth in zip(handle, iter_truth_posts(truth), strict=True):
            record = orjson.loads(line)
            if record["id"] != post_truth["id"]:
                raise ValueError(f"posts and truth disagree at {record['id']}")
            yield record, post_truth


def evaluate(
    posts: Path, truth: Path, *, screener: Screener | None = None, batch: int = 1_000
) -> ScreenEvaluation:
    """Screen every post of a synthetic corpus and compare with its truth."""
    active = screener or default_screener()
    threshold = active.settings.threshold
    scores: list[float] = []
    labels: list[int] = []
    by_category: dict[str, list[float]] = {}
    signals = {name: SignalFigures() for name in SIGNAL_INDICATORS}
    pairs = _pairs(posts, truth)
    while chunk := list(islice(pairs, batch)):
        results: list[ScreenResult] = active.screen_many(
            [(record["text"], {"title": record.get("title")}) for record, _ in chunk]
        )
        for (_, post_truth), result in zip(chunk, results, strict=True):
            category = post_truth["category"]
            by_category.setdefault(category, []).append(result.score)
            codes = {flag.code for flag in result.flags}
            planted = set(post_truth.get("signals", ()))
            for name, figures in signals.items():
                fired = not codes.isdisjoint(SIGNAL_INDICATORS[name])
                if name in planted:
                    figures.posts += 1
                    figures.hits += fired
                else:
                    figures.other_posts += 1
                    figures.other_hits += fired
            if category in POSITIVE or category in NEGATIVE:
                scores.append(result.score)
                labels.append(1 if category in POSITIVE else 0)
    score_array = np.asarray(scores, dtype=np.float64)
    label_array = np.asarray(labels, dtype=np.int8)
    predicted = score_array >= threshold
    true_positive = int((predicted & (label_array == 1)).sum())
    flagged = int(predicted.sum())
    positives = int(label_array.sum())
    return ScreenEvaluation(
        posts=sum(len(values) for values in by_category.values()),
        positives=positives,
        negatives=len(label_array) - positives,
        roc_auc=roc_auc(score_array, label_array),
        threshold=threshold,
        precision=true_positive / flagged if flagged else 0.0,
        recall=true_positive / positives if positives else 0.0,
        flagged_negatives=flagged - true_positive,
        by_category={
            name: {
                "posts": len(values),
                "mean_score": round(float(np.mean(values)), 4),
                "flagged": round(float(np.mean(np.asarray(values) >= threshold)), 4),
            }
            for name, values in sorted(by_category.items())
        },
        signals=signals,
    )
