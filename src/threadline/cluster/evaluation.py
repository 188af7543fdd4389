"""Pairwise precision, recall, F1 and the adjusted Rand index of a clustering against a truth.

A pair of posts is a predicted pair when both carry the same predicted label, a true pair when
both carry the same true label. Counts come from the contingency table (``sum C(n, 2)`` over its
cells, rows and columns), never from enumerating pairs, so a million posts cost one sort.
A missing label (``None`` or a negative integer) makes the post a singleton: its own cluster.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["ClusterScores", "evaluate_clusters"]


@dataclass(frozen=True, slots=True)
class ClusterScores:
    precision: float
    recall: float
    f1: float
    ari: float
    predicted_pairs: int
    true_pairs: int
    shared_pairs: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 5),
            "recall": round(self.recall, 5),
            "f1": round(self.f1, 5),
            "ari": round(self.ari, 5),
            "predicted_pairs": self.predicted_pairs,
            "true_pairs": self.true_pairs,
            "shared_pairs": self.shared_pairs,
        }


def _codes(labels: Sequence[Hashable | None]) -> npt.NDArray[np.int64]:
    """Dense integer codes; every missing label gets a code of its own."""
    seen: dict[Hashable, int] = {}
    out = np.empty(len(labels), dtype=np.int64)
    for index, label in enumerate(labels):
        if label is None or (isinstance(label, int | np.integer) and label < 0):
            out[index] = len(seen)
            seen[("__singleton__", index)] = out[index]
        else:
            code = seen.get(label)
            if code is None:
                code = seen[label] = len(seen)
            out[index] = code
    return out


def _pairs(counts: npt.NDArray[np.int64]) -> int:
    return int((counts * (counts - 1) // 2).sum())


def evaluate_clusters(
    predicted_labels: Sequence[Hashable | None], true_labels: Sequence[Hashable | None]
) -> ClusterScores:
    """Pairwise scores of ``predicted_labels`` against ``true_labels`` (same length, same order).

    With no predicted pair precision is 1.0; with no true pair recall is 1.0 (nothing to find).
    """
    if len(predicted_labels) != len(true_labels):
        raise ValueError(
            f"label sequences differ in length: {len(predicted_labels)} != {len(true_labels)}"
        )
    predicted = _codes(predicted_labels)
    truth = _codes(true_labels)
    count = len(predicted)
    if count == 0:
        return ClusterScores(1.0, 1.0, 1.0, 1.0, 0, 0, 0)
    cell = predicted * np.int64(truth.max() + 1) + truth
    _, cell_counts = np.unique(cell, return_counts=True)
    _, row_counts = np.unique(predicted, return_counts=True)
    _, col_counts = np.unique(truth, return_counts=True)
    shared = _pairs(cell_counts)
    predicted_pairs = _pairs(row_counts)
    true_pairs = _pairs(col_counts)
    precision = shared / predicted_pairs if predicted_pairs else 1.0
    recall = shared / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = count * (count - 1) / 2
    expected = predicted_pairs * true_pairs / total if total else 0.0
    maximum = (predicted_pairs + true_pairs) / 2
    ari = (shared - expected) / (maximum - expected) if maximum != expected else 1.0
    return ClusterScores(precision, recall, f1, ari, predicted_pairs, true_pairs, shared)
