"""Cost of each extractor per post, on a synthetic corpus, against a one-regex baseline.

    .venv/bin/python bench/extract_kinds.py [--n 20000] [--seed 7]

Single process. For each kind: microseconds per post of Threadline's finder (on pre-folded
text, as the facade calls it) and of a naive single regular expression for that kind, plus the
cost of folding and of the whole facade. Peak memory is the process's resident maximum.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from itertools import islice
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_extract import NAIVE, corpus
from threadline.extract import FINDERS, extract_fields
from threadline.extract.normalize import fold


def per_post(seconds: float, n: int) -> float:
    return seconds / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus-n", type=int, default=50_000, help="corpus to sample from")
    args = parser.parse_args()
    posts, _ = corpus(args.corpus_n, args.seed)
    records = [orjson.loads(line) for line in islice(posts.open("rb"), args.n)]
    texts = [record["text"] for record in records]
    extract_fields("warm up 212 555 0123 in Houston", title=None, location=None)

    started = time.perf_counter()
    folded = [fold(text) for text in texts]
    fold_us = per_post(time.perf_counter() - started, len(texts))
    print(f"{len(texts):,} posts, mean {sum(map(len, texts)) / len(texts):.0f} chars")
    print(f"{'kind':<10}{'threadline µs':>15}{'naive µs':>10}{'ratio':>8}")
    print(f"{'fold':<10}{fold_us:>15.1f}")
    total = fold_us
    for kind, find in FINDERS:
        started = time.perf_counter()
        for item in folded:
            find(item, "US")
        ours = per_post(time.perf_counter() - started, len(texts))
        total += ours
        pattern = NAIVE.get(kind)
        if pattern is None:
            print(f"{kind:<10}{ours:>15.1f}{'-':>10}{'-':>8}")
            continue
        started = time.perf_counter()
        for text in texts:
            pattern.findall(text)
        naive = per_post(time.perf_counter() - started, len(texts))
        print(f"{kind:<10}{ours:>15.1f}{naive:>10.1f}{ours / naive:>8.1f}")
    print(f"{'sum':<10}{total:>15.1f}")
    started = time.perf_counter()
    for record in records:
        extract_fields(record["text"], title=record.get("title"), location=record.get("location"))
    facade = per_post(time.perf_counter() - started, len(records))
    print(
        f"facade (text + title + region): {facade:.1f} µs/post = {1e6 / facade:,.0f} posts/s/core"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"peak memory {peak / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
