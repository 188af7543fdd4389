"""The ``screen`` step of ``analyze`` over a workspace: one process against worker processes.

    .venv/bin/python bench/screen_step.py [--n 100000] [--seed 7] [--workers 2]

Ingests and extracts ``--n`` synthetic posts once (not timed), then runs the screen step on
copies of that workspace with one process (the baseline) and with ``--workers`` processes,
printing wall time, posts/s and peak memory of the process tree for each, the speed-up, and
whether both stored the same screens and flags.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measured, mib
from ingest_extract import OUT, corpus
from threadline.ingest import ingest
from threadline.pipeline import extract_stage
from threadline.settings import ExtractSettings
from threadline.steps.screen import screen_step
from threadline.workspace import Workspace

_TABLES = (
    "SELECT post_id, score, band, profile, flagged, flag_count FROM screens ORDER BY post_id",
    "SELECT post_id, field, code, start_offset, end_offset FROM flags "
    "ORDER BY post_id, field, start_offset, end_offset, code",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    posts, _ = corpus(args.n, args.seed)
    base = OUT / f"screen-step-{args.n}.duckdb"
    base.unlink(missing_ok=True)
    print(f"ingest + extract {args.n:,} posts (not timed) ...", flush=True)
    with Workspace.open(base) as ws:
        ingest(ws, [posts])
        extract_stage(ws, ExtractSettings(workers=args.workers))
    results = {}
    seconds = {}
    for workers in (1, args.workers):
        copy = OUT / f"screen-step-{args.n}-{workers}.duckdb"
        shutil.copyfile(base, copy)
        with Workspace.open(copy) as ws:
            with measured() as run:
                report = screen_step(ws, workers=workers)
            results[workers] = [ws.engine.fetchall(sql) for sql in _TABLES]
        seconds[workers] = run.seconds
        print(
            f"  workers {workers}: {run.seconds:7.1f} s {args.n / run.seconds:8,.0f} posts/s "
            f"peak {mib(run.peak_rss)}  flagged {report.counts['flagged']:,} "
            f"flags {report.counts['flags']:,}",
            flush=True,
        )
        copy.unlink()
    base.unlink()
    speed_up = seconds[1] / seconds[args.workers]
    print(f"  speed-up {args.workers} workers / 1 process: {speed_up:.2f}x")
    print(f"  same screens and flags: {results[1] == results[args.workers]}")


if __name__ == "__main__":
    main()
