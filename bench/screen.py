"""In-process screening throughput on 400-character posts, against a naive regex loop.

    .venv/bin/python bench/screen.py [--n 20000] [--seed 7] [--baseline-n 200]

One process, one core (the machine has two; screening is single-threaded). Measures
``screen_many`` in batches of 1,000 (the CLI and batch API path) and ``screen`` one post at a
time (the single-post API path): posts/s, µs/post and peak memory. The baseline is the obvious
implementation: one ``re.search`` per pattern spelling (case-insensitive, word-bounded) in a
Python loop, on a smaller sample because it is slow; the ratio compares µs per post. The
baseline sees no obfuscation at all, so it also finds fewer indicators (both counts printed).
Target (issue 4): >= 5,000 posts/s on one core.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measured, mib
from ingest_extract import corpus
from threadline.indicators import default_library
from threadline.screening import default_screener

POST_CHARS = 400


def posts_of_400(path: Path, n: int) -> list[str]:
    """``n`` texts of exactly 400 characters: corpus posts joined and cut (titles not used)."""
    out: list[str] = []
    buffer = ""
    with path.open("rb") as handle:
        for line in handle:
            buffer = (buffer + " " + orjson.loads(line)["text"]).strip()
            while len(buffer) >= POST_CHARS:
                out.append(buffer[:POST_CHARS])
                buffer = buffer[POST_CHARS:].lstrip()
                if len(out) == n:
                    return out
    raise SystemExit(f"corpus too small for {n} posts of {POST_CHARS} characters")


def naive_patterns() -> list[tuple[str, re.Pattern[str]]]:
    library = default_library()
    return [
        (indicator.id, re.compile(r"\b" + re.escape(spelling) + r"\b", re.IGNORECASE))
        for indicator in library.indicators
        for spellings in indicator.expanded.values()
        for spelling in spellings
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus-n", type=int, default=50_000, help="corpus to cut posts from")
    parser.add_argument("--baseline-n", type=int, default=200)
    args = parser.parse_args()
    posts_path, _ = corpus(args.corpus_n, args.seed)
    texts = posts_of_400(posts_path, args.n)
    screener = default_screener()
    screener.screen_many([(text, None) for text in texts[:200]])  # warm up: automaton, memos
    print(f"{len(texts):,} posts of {POST_CHARS} characters, one process")

    with measured() as batch_run:
        results = []
        for start in range(0, len(texts), 1000):
            chunk = texts[start : start + 1000]
            results += screener.screen_many([(text, None) for text in chunk])
    batch_us = batch_run.seconds / len(texts) * 1e6
    flags = sum(len(result.flags) for result in results)
    print(
        f"screen_many (batches of 1,000): {len(texts) / batch_run.seconds:,.0f} posts/s, "
        f"{batch_us:.1f} µs/post, peak {mib(batch_run.peak_rss)}, "
        f"{flags / len(texts):.2f} flags/post"
    )

    started = time.perf_counter()
    for text in texts:
        screener.screen(text)
    single = time.perf_counter() - started
    print(
        f"screen (one post per call):     {len(texts) / single:,.0f} posts/s, "
        f"{single / len(texts) * 1e6:.1f} µs/post"
    )

    patterns = naive_patterns()
    sample = texts[: args.baseline_n]
    started = time.perf_counter()
    naive_flags = 0
    for text in sample:
        for _, pattern in patterns:
            if pattern.search(text):
                naive_flags += 1
    naive = time.perf_counter() - started
    naive_us = naive / len(sample) * 1e6
    ours = sum(len(result.flags) for result in results[: len(sample)])
    print(
        f"naive loop of re.search over {len(patterns):,} pattern spellings: "
        f"{len(sample) / naive:,.1f} posts/s, {naive_us:,.0f} µs/post "
        f"(on {len(sample)} posts; {naive_flags} pattern hits vs {ours} flags)"
    )
    print(f"ratio: screen_many is {naive_us / batch_us:,.0f}x faster than the naive loop")
    target = len(texts) / batch_run.seconds >= 5_000
    print(f"target >= 5,000 posts/s on one core: {'met' if target else 'NOT met'}")


if __name__ == "__main__":
    main()
