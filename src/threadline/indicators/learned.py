"""An optional learned model beside the rules: TF-IDF character n-grams + logistic regression.

``train(texts, labels)`` fits it with scikit-learn (needed for training only) and reports
cross-validated precision, recall, F1 and PR-AUC; :class:`LearnedModel` holds the fitted
weights as plain numbers and predicts **without** scikit-learn. ``save``/``load`` use JSON: a
model file is data that cannot run code (no pickle), validated on load, so a model received
from someone else is safe to open.

The model reads the same obfuscation-normalised skeleton as the rules (``y0ung`` and
``y o u n g`` are one word to it too). Blending keeps the rules first: see
:func:`threadline.screening.Screener` (``model_weight``): the model can raise a score that has
rule evidence, and on its own stays below the review threshold.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from threadline.errors import ThreadlineError
from threadline.indicators.textnorm import skeleton

FORMAT = "threadline.screen.model/1"
NGRAM_RANGE = (3, 5)


class ModelError(ThreadlineError):
    """A model file or training set that cannot be used."""


def model_text(text: str) -> str:
    """What the model reads: the matching skeleton (lowercase, de-obfuscated, single spaces)."""
    return skeleton(text).text


def char_wb_ngrams(text: str, low: int = NGRAM_RANGE[0], high: int = NGRAM_RANGE[1]) -> list[str]:
    """Character n-grams inside space-padded words: scikit-learn's ``char_wb`` analyzer."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if size <= n:
                grams.append(padded)
                break
            grams.extend(padded[offset : offset + n] for offset in range(size - n + 1))
    return grams


@dataclass(frozen=True)
class LearnedModel:
    """Fitted weights: vocabulary, idf and logistic-regression coefficients."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    #: Cross-validated figures from training, kept with the model for provenance.
    metrics: dict[str, Any] = field(default_factory=dict)

    def probability(self, text: str) -> float:
        """Probability that ``text`` is a trafficking-indicative post (per the training labels)."""
        counts = Counter(
            index
            for gram in char_wb_ngrams(model_text(text))
            if (index := self.vocabulary.get(gram)) is not None
        )
        if not counts:
            return float(1.0 / (1.0 + math.exp(-self.intercept)))
        indexes = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        weights = (1.0 + np.log(tf)) * self.idf[indexes]
        weights /= np.linalg.norm(weights)
        logit = float(weights @ self.coef[indexes]) + self.intercept
        return float(1.0 / (1.0 + math.exp(-logit)))

    def to_json(self) -> dict[str, Any]:
        ordered = sorted(self.vocabulary.items(), key=lambda item: item[1])
        return {
            "format": FORMAT,
            "analyzer": "char_wb",
            "ngram_range": list(NGRAM_RANGE),
            "sublinear_tf": True,
            "norm": "l2",
            "vocabulary": [gram for gram, _ in ordered],
            "idf": [round(float(value), 6) for value in self.idf],
            "coef": [round(float(value), 6) for value in self.coef],
            "intercept": float(self.intercept),
            "metrics": self.metrics,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, raw: object) -> LearnedModel:
        """Validate and build; anything unexpected is a :class:`ModelError`, never code."""
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ModelError(f"not a Threadline screening model (expected format {FORMAT!r})")
        if raw.get("analyzer") != "char_wb" or raw.get("ngram_range") != list(NGRAM_RANGE):
            raise ModelError("unsupported analyzer or n-gram range")
        vocabulary, idf, coef = raw.get("vocabulary"), raw.get("idf"), raw.get("coef")
        intercept = raw.get("intercept")
        if not (
            isinstance(vocabulary, list)
            and isinstance(idf, list)
            and isinstance(coef, list)
            and len(vocabulary) == len(idf) == len(coef) > 0
            and all(isinstance(gram, str) for gram in vocabulary)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in idf + coef)
            and isinstance(intercept, int | float)
            and not isinstance(intercept, bool)
        ):
            raise ModelError(
                "vocabulary, idf and coef must be equal-length lists of the right type"
            )
        if len(set(vocabulary)) != len(vocabulary):
            raise ModelError("vocabulary has duplicates")
        idf_array = np.asarray(idf, dtype=np.float64)
        coef_array = np.asarray(coef, dtype=np.float64)
        if not (np.isfinite(idf_array).all() and np.isfinite(coef_array).all()):
            raise ModelError("weights must be finite numbers")
        metrics = raw.get("metrics", {})
        return cls(
            {gram: index for index, gram in enumerate(vocabulary)},
            idf_array,
            coef_array,
            float(intercept),
            metrics if isinstance(metrics, dict) else {},
        )

    @classmethod
    def load(cls, path: Path) -> LearnedModel:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ModelError(f"model file not found: {path}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelError(f"model file {path} is not JSON: {exc}") from exc
        return cls.from_json(raw)


def _fit(texts: Sequence[str], labels: Sequence[int], seed: int) -> LearnedModel:
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        lowercase=False,
        sublinear_tf=True,
        min_df=2,
        max_features=50_000,
        dtype=np.float64,
    )
    matrix = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(
        C=4.0, max_iter=2_000, class_weight="balanced", random_state=seed
    )
    classifier.fit(matrix, labels)
    return LearnedModel(
        {gram: int(index) for gram, index in vectorizer.vocabulary_.items()},
        np.asarray(vectorizer.idf_, dtype=np.float64),
        np.asarray(classifier.coef_[0], dtype=np.float64),
        float(classifier.intercept_[0]),
    )


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    groups: Sequence[str] | None = None,
    folds: int = 5,
    seed: int = 0,
) -> LearnedModel:
    """Fit on all rows, after ``folds``-fold cross-validation for honest figures.

    The figures (precision, recall, F1 at probability 0.5, PR-AUC, all out of fold) are stored
    in ``model.metrics``. With ``groups`` (a template, an author, a campaign), no group is split
    across folds: near-duplicate posts of one group in both training and test folds would make
    the figures look far better than on new text. Needs scikit-learn.
    """
    try:
        from sklearn.metrics import average_precision_score, precision_recall_fscore_support  # type: ignore[import-untyped]
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelError("training needs scikit-learn (pip install 'threadline[ml]')") from exc
    if len(texts) != len(labels):
        raise ModelError("texts and labels differ in length")
    label_array = np.asarray(labels, dtype=np.int8)
    if not set(np.unique(label_array).tolist()) <= {0, 1}:
        raise ModelError("labels must be 0 or 1")
    smallest = int(min(label_array.sum(), len(label_array) - label_array.sum()))
    if smallest < folds:
        raise ModelError(f"need at least {folds} examples of each label, have {smallest}")
    prepared = [model_text(text) for text in texts]
    predicted = np.zeros(len(prepared), dtype=np.float64)
    if groups is not None and len(groups) != len(texts):
        raise ModelError("groups and texts differ in length")
    splitter = (
        StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        if groups is None
        else StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    )
    for train_rows, test_rows in splitter.split(prepared, label_array, groups):
        fold_model = _fit([prepared[i] for i in train_rows], label_array[train_rows].tolist(), seed)
        predicted[test_rows] = [fold_model.probability(texts[i]) for i in test_rows]
    precision, recall, f1, _ = precision_recall_fscore_support(
        label_array, predicted >= 0.5, average="binary", zero_division=0
    )
    model = _fit(prepared, label_array.tolist(), seed)
    metrics = {
        "rows": len(prepared),
        "positives": int(label_array.sum()),
        "folds": folds,
        "grouped": groups is not None,
        "precision": round(float(precision), 4),
        "recall": round(float(recall), 4),
        "f1": round(float(f1), 4),
        "pr_auc": round(float(average_precision_score(label_array, predicted)), 4),
    }
    return LearnedModel(model.vocabulary, model.idf, model.coef, model.intercept, metrics)


def read_labels(path: Path) -> tuple[list[str], list[int], list[str] | None]:
    """Texts, labels and groups of a ``text,label[,group]`` CSV (header required; label 0/1,
    true/false, yes/no; ``group`` optional, see :func:`train`)."""
    import csv

    truthy = {"1": 1, "true": 1, "yes": 1, "0": 0, "false": 0, "no": 0}
    texts: list[str] = []
    labels: list[int] = []
    groups: list[str] = []
    has_groups = False
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not {"text", "label"} <= set(reader.fieldnames):
                raise ModelError(f"{path}: needs a header with columns text and label")
            has_groups = "group" in reader.fieldnames
            for number, row in enumerate(reader, start=2):
                label = truthy.get((row.get("label") or "").strip().lower())
                if label is None:
                    raise ModelError(f"{path}:{number}: label must be 0/1, not {row['label']!r}")
                texts.append(row.get("text") or "")
                labels.append(label)
                groups.append(row.get("group") or "")
    except FileNotFoundError as exc:
        raise ModelError(f"labels file not found: {path}") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ModelError(f"{path}: not a UTF-8 CSV file: {exc}") from exc
    return texts, labels, (groups if has_groups else None)
