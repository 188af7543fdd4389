"""Linking and ranking at growing sizes, `find` latency, and a plain baseline in the same run.

    .venv/bin/python bench/link.py [--sizes 100000 300000 1000000] [--seed 7] [--finds 50]

Per size: a workspace is built once and cached in bench/out/ (ingest and the extract stage, not
timed; the cluster and screen stages are skipped, so the template edges and flag-based factors
are absent: clustering a million posts is measured by bench/cluster.py), then the link stage is
timed (read, link with the hub guard, profile, rank, write): wall time, posts/s, peak memory.
The baseline is plain connected components over every shared contact identifier with no hub
guard, no profile and no ranking (scipy), timed on the same arrays. `find` is timed on
identifiers of the corpus written in another form (phones in words), median and worst of
``--finds`` queries. Target (issue 5): 1,000,000 posts linked and ranked in at most 3 minutes,
peak at most 4 GB; `find` under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measured, mib
from ingest_extract import OUT, corpus
from threadline.ingest import ingest
from threadline.pipeline import analyze
from threadline.steps.link import _evidence, _read, find, link_step
from threadline.workspace import Workspace

_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def workspace_for(n: int, seed: int) -> Path:
    path = OUT / f"link-{n}-{seed}.duckdb"
    if path.exists():
        return path
    posts, _ = corpus(n, seed)
    print(f"building the {n:,}-post workspace (ingest + extract, not timed) ...", flush=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with Workspace.open(partial) as ws:
        ingest(ws, [posts])
        analyze(ws, stages=("extract",))
    partial.rename(path)
    return path


def baseline(ws: Workspace) -> tuple[float, int]:
    """Plain components over all shared contacts: seconds, components of two posts or more."""
    started = time.perf_counter()
    _, index_of, _ = _read(ws)
    evidence = _evidence(ws, index_of, [])
    n = evidence.post_count
    items = len(evidence.keys)
    graph = coo_matrix(
        (np.ones(len(evidence.item_of)), (evidence.item_post, n + evidence.item_of)),
        shape=(n + items, n + items),
    )
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels[:n])
    return time.perf_counter() - started, int((sizes >= 2).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--finds", type=int, default=50)
    args = parser.parse_args()
    for n in args.sizes:
        path = workspace_for(n, args.seed)
        with Workspace.open(path) as ws, measured() as run:
            report = link_step(ws)
        counts = report.counts
        print(
            f"\n{n:,} posts: link {run.seconds:6.1f} s  {n / run.seconds:9,.0f} posts/s  "
            f"peak {mib(run.peak_rss)}  networks {counts['networks']:,}  "
            f"set aside {counts['set_aside']:,}",
            flush=True,
        )
        with Workspace.open(path, read_only=True) as ws:
            seconds, components = baseline(ws)
            print(
                f"  baseline (components of all shared contacts, no guard, no ranking): "
                f"{seconds:6.1f} s, {components:,} components; ratio link / baseline "
                f"{run.seconds / seconds:.1f}x"
            )
            phones = [
                row[0]
                for row in ws.engine.fetchall(
                    "SELECT DISTINCT canonical FROM identifiers WHERE kind = 'phone' "
                    "AND canonical LIKE '+1%' ORDER BY canonical LIMIT ?",
                    [args.finds],
                )
            ]
            started = time.perf_counter()
            find(ws, "warm up two one two 555 0123")  # loads the extractors' tables once
            warm_up = time.perf_counter() - started
            timings = []
            for phone in phones:
                spoken = " ".join(_WORDS[int(d)] for d in phone[2:])
                started = time.perf_counter()
                answer = find(ws, spoken)
                timings.append(time.perf_counter() - started)
                assert answer["matches"], f"find lost {phone}"
            print(
                f"  find (a phone written in words), {len(timings)} queries: median "
                f"{statistics.median(timings) * 1000:.0f} ms, worst {max(timings) * 1000:.0f} ms "
                f"(after a one-time extractor load of {warm_up * 1000:.0f} ms per process)"
            )


if __name__ == "__main__":
    main()
