"""Template clustering: throughput, peak memory and pairwise quality at growing sizes, the
incremental update, and plain baselines measured in the same run.

    .venv/bin/python bench/cluster.py [--sizes 100000 300000 1000000] [--seed 7] [--workers 2]
                                      [--new 10000] [--datasketch-max 100000]

Per size (text = title + line break + text, as the workspace step clusters): wall time, posts/s,
peak resident memory of the process tree, pairwise precision / recall / F1 / ARI against the
synthetic truth, and the exact-duplicate baseline (posts grouped by their normalised token
sequence) with its time and scores. Up to ``--datasketch-max`` posts, datasketch MinHashLSH at a
fixed threshold 0.5 over word-bigram shingles (128 permutations) is the second baseline. At the
largest size the run is split: :func:`build` over all but the last ``--new`` posts, then
:func:`update` with those, timed alone and as a share of the build. Corpora are generated once
and cached in bench/out/ (generation is not timed).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measured, mib
from threadline.cluster import ClusterScores, cluster, evaluate_clusters
from threadline.cluster.incremental import build, update
from threadline.cluster.tokens import tokenize
from threadline.synth import iter_truth_posts, write_corpus

OUT = Path(__file__).resolve().parent / "out"


def corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    OUT.mkdir(exist_ok=True)
    posts, truth = OUT / f"posts-{n}-{seed}.jsonl", OUT / f"truth-{n}-{seed}.json"
    if not posts.exists() or not truth.exists():
        print(f"generating {n:,} posts (not timed) ...", flush=True)
        write_corpus(n, seed, posts, truth)
    template_of = {p["id"]: p["template"] for p in iter_truth_posts(truth, expand=False)}
    texts: list[str] = []
    labels: list[str] = []
    with posts.open("rb") as handle:
        for line in handle:
            if line.strip():
                record = orjson.loads(line)
                texts.append((record.get("title") or "") + "\n" + record["text"])
                labels.append(template_of[record["id"]])
    return texts, labels


def labels_of(clusters: Sequence[object], count: int) -> npt.NDArray[np.int64]:
    labels = np.full(count, -1, dtype=np.int64)
    for number, found in enumerate(clusters):
        labels[list(found.members)] = number  # type: ignore[attr-defined]
    return labels


def exact_duplicates(texts: Sequence[str]) -> npt.NDArray[np.int64]:
    """Baseline: posts with the same normalised token sequence form a cluster."""
    index: dict[tuple[str, ...], int] = {}
    return np.array([index.setdefault(tuple(tokenize(t)), len(index)) for t in texts])


def datasketch_lsh(texts: Sequence[str], threshold: float = 0.5) -> npt.NDArray[np.int64]:
    """Baseline: datasketch MinHashLSH at a fixed threshold, components of its candidates."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    hashes = []
    for number, text in enumerate(texts):
        tokens = tokenize(text)
        signature = MinHash(num_perm=128, seed=1)
        signature.update_batch(
            [f"{a} {b}".encode() for a, b in itertools.pairwise(tokens)] or [b""]
        )
        lsh.insert(number, signature)
        hashes.append(signature)
    parent = list(range(len(texts)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for number, signature in enumerate(hashes):
        for other in lsh.query(signature):
            a, b = root(number), root(int(other))
            if a != b:
                parent[max(a, b)] = min(a, b)
    return np.array([root(x) for x in range(len(texts))])


def show(name: str, seconds: float, count: int, peak: int | None, scores: ClusterScores) -> None:
    memory = f" peak {mib(peak)}" if peak is not None else ""
    print(
        f"  {name:<24} {seconds:8.1f} s {count / seconds:9,.0f} posts/s{memory}  "
        f"P {scores.precision:.4f} R {scores.recall:.4f} F1 {scores.f1:.4f} ARI {scores.ari:.4f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--datasketch-max", type=int, default=100_000)
    args = parser.parse_args()
    largest = max(args.sizes)
    for n in sorted(args.sizes):
        texts, truth = corpus(n, args.seed)
        print(f"\n{n:,} posts (seed {args.seed}, workers {args.workers})", flush=True)
        if n != largest:
            with measured() as run:
                found = cluster(texts, workers=args.workers)
            show(
                "threadline",
                run.seconds,
                n,
                run.peak_rss,
                evaluate_clusters(list(labels_of(found, n)), truth),
            )
        else:
            old, new = texts[: n - args.new], texts[n - args.new :]
            with measured() as run:
                found, index = build(old, workers=args.workers)
            old_labels = labels_of(found, len(old))
            show(
                f"threadline build {len(old):,}",
                run.seconds,
                len(old),
                run.peak_rss,
                evaluate_clusters(list(old_labels), truth[: len(old)]),
            )
            started = time.perf_counter()
            result = update(
                index, old_labels, new, lambda posts, old=old: [old[int(p)] for p in posts]
            )
            seconds = time.perf_counter() - started
            combined = np.concatenate([old_labels, result.new_labels])
            combined[result.old_posts] = result.old_post_labels
            scores = evaluate_clusters(list(combined), truth)
            print(
                f"  incremental {len(new):,} new: {seconds:.1f} s = "
                f"{100 * seconds / run.seconds:.1f} % of the build; "
                f"{int((result.new_labels >= 0).sum()):,} clustered, "
                f"{len(result.clusters)} new clusters",
                flush=True,
            )
            show("build + update (all)", run.seconds + seconds, n, None, scores)
            del index, result
        started = time.perf_counter()
        baseline = exact_duplicates(texts)
        seconds = time.perf_counter() - started
        show("baseline exact-dup", seconds, n, None, evaluate_clusters(list(baseline), truth))
        print(f"  ratio threadline / exact-dup time: {run.seconds / seconds:.1f}x", flush=True)
        if n <= args.datasketch_max:
            started = time.perf_counter()
            sketch = datasketch_lsh(texts)
            seconds = time.perf_counter() - started
            show(
                "baseline datasketch 0.5", seconds, n, None, evaluate_clusters(list(sketch), truth)
            )
            print(f"  ratio threadline / datasketch time: {run.seconds / seconds:.2f}x", flush=True)


if __name__ == "__main__":
    main()
