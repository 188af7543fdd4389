"""Analysts' labels on networks and clusters, and the re-fit of the ranking from them.

Labelling is two methods any interface can drive (dedupe's pattern): :meth:`LabelBook.next`
proposes what to review next (the unlabelled network whose model score is most uncertain, so
each label teaches the ranking the most), :meth:`LabelBook.mark` records a label with a note, a
confidence, who and when. Labels live in the accounts database, next to the users who gave
them; :func:`refit` turns them into new factor weights and shows how the ranking would change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Column, DateTime, Float, Integer, String, Table, insert, select
from sqlalchemy.engine import Engine

from threadline.accounts.store import _metadata
from threadline.errors import ThreadlineError
from threadline.link.rank import fit_weights
from threadline.link.settings import FACTORS, FactorWeights, LinkSettings

__all__ = ["LABELS", "Label", "LabelBook", "Refit", "refit"]

#: What a network or cluster looks like to the analyst.
LABELS: tuple[str, ...] = ("trafficking", "scam", "independent", "unsure")
TARGETS: tuple[str, ...] = ("network", "cluster")

_labels = Table(
    "labels",
    _metadata,
    Column("label_id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(256), nullable=False),
    Column("target_kind", String(16), nullable=False),
    Column("target_id", String(64), nullable=False),
    Column("label", String(16), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("note", String(2000), nullable=False),
    Column("labelled_by", String(64), nullable=False),
    Column("labelled_at", DateTime, nullable=False),
)


class LabelError(ThreadlineError):
    """A label that cannot be recorded (unknown label, target or confidence)."""


@dataclass(frozen=True)
class Label:
    label_id: int
    workspace: str
    target_kind: str
    target_id: str
    label: str
    confidence: float
    note: str
    labelled_by: str
    labelled_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "target_kind": self.target_kind,
            "target_id": self.target_id,
            "label": self.label,
            "confidence": self.confidence,
            "note": self.note,
            "labelled_by": self.labelled_by,
            "labelled_at": self.labelled_at.isoformat() + "Z",
            "workspace": self.workspace,
        }


class LabelBook:
    """The labels of one workspace (named by its file name) in the accounts database."""

    def __init__(self, engine: Engine, workspace: str) -> None:
        self.engine = engine
        self.workspace = workspace
        _metadata.create_all(engine)

    def mark(
        self,
        target_kind: str,
        target_id: str,
        label: str,
        *,
        by: str,
        confidence: float = 1.0,
        note: str = "",
    ) -> Label:
        """Record a label; the latest label of a target is its current one."""
        if target_kind not in TARGETS:
            raise LabelError(f"unknown target {target_kind!r}; one of {', '.join(TARGETS)}")
        if label not in LABELS:
            raise LabelError(f"unknown label {label!r}; one of {', '.join(LABELS)}")
        if not 0 <= confidence <= 1 or math.isnan(confidence):
            raise LabelError("confidence must be between 0 and 1")
        if not target_id or len(target_id) > 64 or len(note) > 2000:
            raise LabelError("a target id of 1-64 characters and a note of at most 2,000")
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        with self.engine.begin() as con:
            result = con.execute(
                insert(_labels).values(
                    workspace=self.workspace,
                    target_kind=target_kind,
                    target_id=target_id,
                    label=label,
                    confidence=confidence,
                    note=note,
                    labelled_by=by,
                    labelled_at=now,
                )
            )
            label_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return Label(
            label_id, self.workspace, target_kind, target_id, label, confidence, note, by, now
        )

    def all(self) -> list[Label]:
        """Every label given, oldest first (the history is kept)."""
        with self.engine.connect() as con:
            rows = con.execute(
                select(_labels)
                .where(_labels.c.workspace == self.workspace)
                .order_by(_labels.c.label_id)
            ).all()
        return [
            Label(r.label_id, r.workspace, r.target_kind, r.target_id, r.label, r.confidence,
                  r.note, r.labelled_by, r.labelled_at)
            for r in rows
        ]  # fmt: skip

    def current(self, target_kind: str = "network") -> dict[str, Label]:
        """The latest label of each target."""
        return {item.target_id: item for item in self.all() if item.target_kind == target_kind}

    def next(self, networks: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The unlabelled network to review next: the one whose model score is nearest 0.5
        (most uncertain), ties by score then id. ``networks`` as from ``load_networks``."""
        done = self.current("network")
        open_ = [n for n in networks if n["id"] not in done]
        if not open_:
            return None
        return min(open_, key=lambda n: (abs(n["model_score"] - 0.5), -n["score"], n["id"]))

    def export(self) -> bytes:
        """Every label as JSON (history included)."""
        return orjson.dumps([item.to_dict() for item in self.all()], option=orjson.OPT_INDENT_2)


@dataclass(frozen=True)
class Refit:
    before: FactorWeights
    after: FactorWeights
    labelled: int
    #: (network id, rank before, rank after, score after) of the networks ranked highest after.
    changes: list[tuple[str, int, int, float]]


def _score(factors: list[dict[str, Any]], weights: FactorWeights, multiplier: float) -> float:
    values = {f["name"]: f["value"] for f in factors}
    logit = weights.bias + sum(getattr(weights, name) * values.get(name, 0.0) for name in FACTORS)
    return multiplier / (1 + math.exp(-logit))


def refit(
    networks: list[dict[str, Any]],
    labels: dict[str, Label],
    settings: LinkSettings | None = None,
    *,
    top: int = 20,
) -> Refit:
    """New weights fitted on the labelled networks (trafficking = 1; scam and independent = 0;
    unsure left out), and the top of the ranking under them compared with today's."""
    settings = settings or LinkSettings()
    rows = [(n, labels[n["id"]].label) for n in networks if n["id"] in labels]
    rows = [(n, label) for n, label in rows if label != "unsure"]
    values = [
        [{f["name"]: f["value"] for f in n["factors"]}.get(name, 0.0) for name in FACTORS]
        for n, _ in rows
    ]
    targets = [1 if label == "trafficking" else 0 for _, label in rows]
    if len(set(targets)) < 2:
        raise LabelError(
            "re-fitting needs networks labelled trafficking and networks labelled otherwise"
        )
    import numpy as np

    after = fit_weights(np.array(values, dtype=np.float64), targets)
    before_rank = {n["id"]: rank for rank, n in enumerate(networks, start=1)}
    rescored = sorted(
        (
            (_score(n["factors"], after, settings.pattern_weight(n["pattern"])), n["id"])
            for n in networks
        ),
        key=lambda item: (-item[0], item[1]),
    )
    changes = [
        (network, before_rank[network], rank, score)
        for rank, (score, network) in enumerate(rescored[:top], start=1)
    ]
    return Refit(settings.weights, after, len(rows), changes)
