"""Ingest + extract of a synthetic corpus: throughput, peak memory, and a naive baseline.

    .venv/bin/python bench/ingest_extract.py [--n 1000000] [--seed 7] [--sample 20000]

Prints, for the full pipeline (ingest into a fresh DuckDB workspace, then the extract stage with
one worker per CPU): wall time, posts/s and peak resident memory of the whole process tree.
Then, on a sample, single process: Threadline's batched extraction against a naive baseline of one
regular expression per kind, in posts/s and in phone recall against the ground truth, so the
ratio says what the extra cost buys. The corpus is generated once and cached in bench/out/
(generation is not timed).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from itertools import islice
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measured, mib
from threadline.extract import extract_fields, extract_fields_many
from threadline.ingest import ingest
from threadline.pipeline import analyze
from threadline.synth import iter_truth_posts, write_corpus
from threadline.workspace import Workspace

OUT = Path(__file__).resolve().parent / "out"
#: Posts per extract_fields_many call in the single-process comparison, as a worker's chunk.
_BATCH = 1000

#: The naive baseline: one plain regular expression per kind, as a first script would do.
NAIVE = {
    "phone": re.compile(r"\(?\b\d{3}\)?[-.\s]?\d{3}[-.\s]?\d{4}\b"),
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "url": re.compile(r"https?://\S+|www\.\S+"),
    "crypto": re.compile(r"\b(?:[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[0-9a-fA-F]{40}|bc1\w{20,80})\b"),
    "payment": re.compile(r"\$[A-Za-z]\w{0,19}"),
    "handle": re.compile(r"(?i)\b(?:sc|snap|snapchat|ig|insta|kik|telegram)\W{0,3}@?\w+|t\.me/\w+"),
    "age": re.compile(r"\b\d\d\s?(?:yo|y/o|years old)\b"),
    "price": re.compile(r"\$\d+"),
}


def naive_phones(text: str) -> list[str]:
    found = []
    for match in NAIVE["phone"].finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) == 10:
            found.append("+1" + digits)
    return found


def corpus(n: int, seed: int) -> tuple[Path, Path]:
    OUT.mkdir(exist_ok=True)
    posts, truth = OUT / f"posts-{n}-{seed}.jsonl", OUT / f"truth-{n}-{seed}.json"
    if not posts.exists() or not truth.exists():
        print(f"generating {n:,} posts (not timed) ...", flush=True)
        write_corpus(n, seed, posts, truth)
    return posts, truth


def full_pipeline(posts: Path, n: int) -> None:
    workspace = OUT / f"bench-{n}.duckdb"
    for stale in (workspace, Path(str(workspace) + ".wal")):
        stale.unlink(missing_ok=True)
    with measured() as total:
        with measured() as ingest_time, Workspace.open(workspace) as ws:
            report = ingest(ws, [posts])
        with measured() as extract_time, Workspace.open(workspace) as ws:
            stages = analyze(ws, stages=("extract",))
            identifiers = ws.count("identifiers")
    size = posts.stat().st_size
    print(f"\ncorpus: {report.posts_added:,} posts, {size / 2**20:,.0f} MiB JSONL")
    print(
        f"ingest:  {ingest_time.seconds:7.1f} s  {report.posts_added / ingest_time.seconds:9,.0f} "
        f"posts/s  peak {mib(ingest_time.peak_rss)}"
    )
    print(
        f"extract: {extract_time.seconds:7.1f} s  "
        f"{stages[0].counts['posts'] / extract_time.seconds:9,.0f} "
        f"posts/s  peak {mib(extract_time.peak_rss)}  ({identifiers:,} identifiers)"
    )
    print(
        f"ingest + extract: {total.seconds:.1f} s wall, {report.posts_added / total.seconds:,.0f} "
        f"posts/s, peak memory {mib(total.peak_rss)} (process tree)"
    )
    workspace.unlink(missing_ok=True)


def baseline_comparison(posts: Path, truth: Path, sample: int) -> None:
    records = [orjson.loads(line) for line in islice(posts.open("rb"), sample)]
    truths = list(islice(iter_truth_posts(truth), sample))
    true_phones = [
        sorted(i["canonical"] for i in t["identifiers"] if i["kind"] == "phone") for t in truths
    ]
    extract_fields("warm up 212 555 0123 in Houston", title=None, location=None)

    started = time.perf_counter()
    posts_in = [(r["text"], r.get("title"), r.get("location")) for r in records]
    ours = [
        found
        for first in range(0, len(posts_in), _BATCH)
        for _, found in extract_fields_many(posts_in[first : first + _BATCH])
    ]
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    naive = [
        [m.group() for pattern in NAIVE.values() for m in pattern.finditer(r["text"])]
        for r in records
    ]
    naive_seconds = time.perf_counter() - started
    assert len(naive) == len(records)

    def recall(found: list[list[str]]) -> float:
        hits = total = 0
        for got, want in zip(found, true_phones, strict=True):
            total += len(want)
            remaining = list(got)
            for phone in want:
                if phone in remaining:
                    remaining.remove(phone)
                    hits += 1
        return hits / total if total else 1.0

    ours_phones = [sorted(i.canonical for _, i in f if i.kind == "phone") for f in ours]
    naive_phone_lists = [
        naive_phones(r["text"]) + naive_phones(r.get("title") or "") for r in records
    ]
    ours_rate, naive_rate = len(records) / ours_seconds, len(records) / naive_seconds
    print(f"\nsingle process, {len(records):,} posts:")
    print(
        f"  threadline extract: {ours_rate:9,.0f} posts/s   phone recall {recall(ours_phones):.4f}"
    )
    print(
        f"  naive regex per kind: {naive_rate:7,.0f} posts/s   "
        f"phone recall {recall(naive_phone_lists):.4f}"
    )
    print(f"  ratio (threadline / naive throughput): {ours_rate / naive_rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args()
    posts, truth = corpus(args.n, args.seed)
    full_pipeline(posts, args.n)
    baseline_comparison(posts, truth, args.sample)


if __name__ == "__main__":
    main()
