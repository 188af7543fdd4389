"""Extraction and template clustering measured against a synthetic corpus's ground truth.

Per kind, a post's extracted canonical values are matched to its true ones as multisets (the same
phone written twice counts twice), so precision and recall count identifiers, not posts. Recall
is also broken down by the way the truth wrote the identifier (plain, words, keycaps...), so a
weak obfuscation style shows up instead of hiding in an average. Wallet look-alikes planted with
a bad checksum are counted separately: extracting any of them is an error.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from threadline.cluster import ClusterScores, ClusterSettings, cluster, evaluate_clusters
from threadline.errors import InputError
from threadline.extract import DEFAULT_REGION, extract_fields
from threadline.records import IDENTIFIER_KINDS
from threadline.steps.cluster import cluster_text
from threadline.synth import iter_truth_posts


@dataclass
class KindScore:
    truth: int = 0
    found: int = 0
    true_positives: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.truth if self.truth else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "truth": self.truth,
            "found": self.found,
            "true_positives": self.true_positives,
            "precision": round(self.precision, 5),
            "recall": round(self.recall, 5),
        }


@dataclass
class ExtractionScores:
    posts: int = 0
    by_kind: dict[str, KindScore] = field(default_factory=dict)
    #: kind -> style -> (found, truth): recall per written form.
    recall_by_style: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    invalid_wallets_planted: int = 0
    invalid_wallets_extracted: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "by_kind": {kind: score.to_dict() for kind, score in self.by_kind.items()},
            "recall_by_style": {
                kind: {style: {"found": f, "truth": t} for style, (f, t) in sorted(styles.items())}
                for kind, styles in sorted(self.recall_by_style.items())
            },
            "invalid_wallets_planted": self.invalid_wallets_planted,
            "invalid_wallets_extracted": self.invalid_wallets_extracted,
        }


def _posts(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not a JSON record ({exc})") from exc
            yield record


def evaluate_extraction(
    posts_path: Path,
    truth_path: Path,
    *,
    limit: int | None = None,
    default_region: str = DEFAULT_REGION,
) -> ExtractionScores:
    """Score :func:`threadline.extract.extract_fields` on a corpus from ``threadline synth``."""
    for path in (posts_path, truth_path):
        if not path.is_file():
            raise InputError(f"no such file: {path}")
    scores = ExtractionScores(by_kind={kind: KindScore() for kind in IDENTIFIER_KINDS})
    pairs = zip(_posts(posts_path), iter_truth_posts(truth_path), strict=False)
    for record, truth in islice(pairs, limit):
        if record.get("id") != truth["id"]:
            raise InputError(
                f"posts and truth are out of step at post {record.get('id')!r} / {truth['id']!r}: "
                "pass the files written together by `threadline synth`"
            )
        scores.posts += 1
        _, found = extract_fields(
            record["text"],
            title=record.get("title"),
            location=record.get("location"),
            default_region=default_region,
        )
        found_by_kind: dict[str, Counter[str]] = {}
        for _, ident in found:
            found_by_kind.setdefault(ident.kind, Counter())[ident.canonical] += 1
        truth_by_kind: dict[str, Counter[str]] = {}
        for item in truth["identifiers"]:
            truth_by_kind.setdefault(item["kind"], Counter())[item["canonical"]] += 1
        for kind in set(found_by_kind) | set(truth_by_kind):
            got = found_by_kind.get(kind, Counter())
            want = truth_by_kind.get(kind, Counter())
            score = scores.by_kind.setdefault(kind, KindScore())
            score.truth += want.total()
            score.found += got.total()
            score.true_positives += (got & want).total()
        # Recall per written style: each true identifier is found if its canonical was found.
        remaining = {kind: Counter(counter) for kind, counter in found_by_kind.items()}
        for item in truth["identifiers"]:
            styles = scores.recall_by_style.setdefault(item["kind"], {})
            tally = styles.setdefault(item.get("style") or "plain", [0, 0])
            tally[1] += 1
            bucket = remaining.get(item["kind"])
            if bucket is not None and bucket[item["canonical"]] > 0:
                bucket[item["canonical"]] -= 1
                tally[0] += 1
        for decoy in truth.get("decoys", []):
            if decoy["kind"] != "crypto":
                continue
            scores.invalid_wallets_planted += 1
            field_name = decoy.get("field", "text")
            for where, ident in found:
                if (
                    where == field_name
                    and ident.kind == "crypto"
                    and ident.start < decoy["end"]
                    and decoy["start"] < ident.end
                ):
                    scores.invalid_wallets_extracted += 1
    return scores


@dataclass(frozen=True)
class ClusteringScores:
    """Template clustering scored pairwise against the truth's template of every post."""

    posts: int
    clusters: int
    true_templates: int
    scores: ClusterScores
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "clusters": self.clusters,
            "true_templates": self.true_templates,
            **self.scores.to_dict(),
            "seconds": round(self.seconds, 2),
        }


def evaluate_clustering(
    posts_path: Path,
    truth_path: Path,
    *,
    limit: int | None = None,
    settings: ClusterSettings | None = None,
) -> ClusteringScores:
    """Cluster a ``threadline synth`` corpus the way the ``cluster`` step does and score it.

    Every post's true label is its template id; an unclustered post is a singleton.
    """
    for path in (posts_path, truth_path):
        if not path.is_file():
            raise InputError(f"no such file: {path}")
    texts: list[str] = []
    truth_labels: list[str] = []
    pairs = zip(_posts(posts_path), iter_truth_posts(truth_path, expand=False), strict=False)
    for record, truth in islice(pairs, limit):
        if record.get("id") != truth["id"]:
            raise InputError(
                f"posts and truth are out of step at post {record.get('id')!r} / {truth['id']!r}: "
                "pass the files written together by `threadline synth`"
            )
        texts.append(cluster_text(record.get("title"), record["text"]))
        truth_labels.append(truth["template"])
    started = time.perf_counter()
    found = cluster(texts, settings)
    seconds = time.perf_counter() - started
    predicted: list[int | None] = [None] * len(texts)
    for number, item in enumerate(found):
        for member in item.members:
            predicted[member] = number
    return ClusteringScores(
        posts=len(texts),
        clusters=len(found),
        true_templates=len(set(truth_labels)),
        scores=evaluate_clusters(predicted, truth_labels),
        seconds=seconds,
    )
