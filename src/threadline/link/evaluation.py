"""Networks against a synthetic corpus's truth: membership pairwise scores and top-K precision.

Pairs are counted over posts: a *true pair* is two posts of the same organised network (the
truth's ``network``; posts of scams, independents and job posts belong to none); a *predicted
pair* is two posts in the same predicted network of which at least one is an organised-network
post (pairs of two non-network posts are another question: who reposts with whom). Precision
is true pairs predicted over predicted pairs, recall true pairs predicted over true pairs.
Top-K precision is the share of the K best-ranked networks whose posts are mostly from one
organised network.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["NetworkScores", "evaluate_networks"]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


@dataclass(frozen=True)
class NetworkScores:
    precision: float
    recall: float
    f1: float
    true_networks: int
    predicted_networks: int
    top_k: int
    top_k_precision: float
    #: Per true network: its posts, and the share of them in its largest predicted network.
    per_network: dict[str, tuple[int, float]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "true_networks": self.true_networks,
            "predicted_networks": self.predicted_networks,
            f"top_{self.top_k}_precision": round(self.top_k_precision, 4),
            "per_network": {
                name: {"posts": posts, "largest_share": round(share, 4)}
                for name, (posts, share) in sorted(self.per_network.items())
            },
        }


def evaluate_networks(
    predicted: Mapping[str, str],
    ranking: Sequence[str],
    truth_network: Mapping[str, str | None],
    *,
    top_k: int = 20,
) -> NetworkScores:
    """``predicted``: post id -> predicted network; ``ranking``: network ids best first;
    ``truth_network``: post id -> true organised network or None (every post of the corpus)."""
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    members: dict[str, list[str]] = defaultdict(list)
    for post_id, network in predicted.items():
        if post_id not in truth_network:
            raise ValueError(f"post {post_id!r} is not in the truth")
        members[network].append(post_id)
    true_sizes = Counter(network for network in truth_network.values() if network)
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    hit = predicted_pairs = 0
    largest: dict[str, int] = defaultdict(int)
    for posts in members.values():
        counts = Counter(truth_network[post] for post in posts)
        same = sum(_pairs(n) for truth, n in counts.items() if truth)
        hit += same
        predicted_pairs += _pairs(len(posts)) - _pairs(counts.get(None, 0))
        for truth, n in counts.items():
            if truth:
                largest[truth] = max(largest[truth], n)
    precision = hit / predicted_pairs if predicted_pairs else 0.0
    recall = hit / true_pairs if true_pairs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    top = list(ranking[:top_k])
    correct = 0
    for network in top:
        counts = Counter(truth_network[post] for post in members.get(network, ()))
        best, n = counts.most_common(1)[0] if counts else (None, 0)
        correct += best is not None and n * 2 > sum(counts.values())
    return NetworkScores(
        precision,
        recall,
        f1,
        len(true_sizes),
        len(members),
        top_k,
        correct / len(top) if top else 0.0,
        {name: (size, largest.get(name, 0) / size) for name, size in true_sizes.items()},
    )
