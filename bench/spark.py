"""The same corpus through DuckDB and through Spark in local mode, and Spark's scaling.

    .venv/bin/python bench/spark.py [--n 1000000] [--seed 7] [--parts 8]
                                    [--masters local[1] local[2]] [--driver-memory 4g]
                                    [--baseline bench/out/spark-bench-N/duckdb.duckdb]

The synthetic corpus is split into ``--parts`` JSONL files once (not timed; Spark reads one file
per task, as it would read a cluster's part files). Each run starts from nothing: ingest of the
directory, then the stages both engines run (extract, cluster, screen, link), results in a
workspace file. Every run is a child process, so none holds memory another left behind: DuckDB
through the library (extraction in one worker per CPU), each Spark master as ``threadline
analyze --engine spark``, its JVM and Python workers included in the peak memory. Per run: wall
time, posts/s, peak resident memory of the process tree, the seconds of each stage, and the
ratio to DuckDB (the baseline) measured in the same run; then Spark's speed-up from the fewest
to the most local cores. The clusters and networks of every run are compared with DuckDB's (ids
and members, in SQL over both files), which must be equal.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import measured, mib
from ingest_extract import OUT, corpus
from threadline.ingest import ingest
from threadline.pipeline import analyze
from threadline.workspace import Workspace

STAGES = ("extract", "cluster", "screen", "link")


def parts_of(n: int, seed: int, parts: int) -> Path:
    """The corpus split into ``parts`` JSONL files of consecutive lines (cached)."""
    directory = OUT / f"parts-{n}-{seed}-{parts}"
    if directory.is_dir():
        return directory
    posts, _ = corpus(n, seed)
    partial = directory.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    per_part = -(-n // parts)
    with posts.open("rb") as source:
        for number in range(parts):
            with (partial / f"part-{number:04d}.jsonl").open("wb") as target:
                for _ in range(per_part):
                    line = source.readline()
                    if not line:
                        break
                    target.write(line)
    partial.rename(directory)
    return directory


def stage_seconds(workspace: Path) -> dict[str, float]:
    with Workspace.open(workspace, read_only=True) as ws:
        rows = ws.engine.fetchall(
            "SELECT stage, epoch(finished_at - started_at), counts FROM runs ORDER BY started_at"
        )
    seconds: dict[str, float] = {}
    for stage, span, counts in rows:
        recorded = json.loads(counts).get("seconds") if counts else None
        seconds[stage] = float(recorded if recorded is not None else span)
    return seconds


def differing_rows(expected: Path, actual: Path, table: str, columns: str) -> int:
    """Rows of ``table`` (``columns``) in one workspace and not the other, either way, counted in
    SQL so a million members never pass through Python."""
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{expected}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{actual}' AS b (READ_ONLY)")
        one_way = f"SELECT {columns} FROM a.{table} EXCEPT ALL SELECT {columns} FROM b.{table}"
        other_way = f"SELECT {columns} FROM b.{table} EXCEPT ALL SELECT {columns} FROM a.{table}"
        row = con.execute(f"SELECT count(*) FROM ({one_way} UNION ALL {other_way})").fetchone()
    return int(row[0]) if row else 0


def _duckdb_run(directory: Path, workspace: Path) -> None:
    """The baseline, in a child process: ingest of the directory, then the stages."""
    with Workspace.open(workspace) as ws:
        ingest(ws, [directory])
        analyze(ws, stages=STAGES)


def show(
    name: str, seconds: float, peak: int, n: int, stages: dict[str, float], base: float
) -> None:
    per_stage = ", ".join(f"{stage} {value:.1f} s" for stage, value in stages.items())
    print(
        f"{name:>10}: {seconds:7.1f} s  {n / seconds:9,.0f} posts/s  peak {mib(peak):>10}  "
        f"{seconds / base:5.2f}x DuckDB  ({per_stage})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a DuckDB workspace an earlier run of this benchmark wrote for the same corpus: "
        "compared against, not re-run (its ratio uses the seconds its stages recorded)",
    )
    args = parser.parse_args()
    directory = parts_of(args.n, args.seed, args.parts)
    work = OUT / f"spark-bench-{args.n}" / ("against-baseline" if args.baseline else "")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"{args.n:,} posts in {args.parts} JSONL parts; stages: ingest, {', '.join(STAGES)}")
    if args.baseline:
        duck = args.baseline.resolve()
        base = sum(stage_seconds(duck).values())
        print(f"    duckdb: {base:7.1f} s (sum of the stages {duck} recorded; not re-run)")
    else:
        duck = work / "duckdb.duckdb"
        spawn = multiprocessing.get_context("spawn")
        child = spawn.Process(target=_duckdb_run, args=(directory, duck))
        with measured() as m:
            child.start()
            child.join()
        if child.exitcode != 0:
            raise SystemExit(f"the DuckDB run failed (exit {child.exitcode})")
        base = m.seconds
        show("duckdb", m.seconds, m.peak_rss, args.n, stage_seconds(duck), base)
    timings: dict[str, float] = {}
    for number, master in enumerate(args.masters):
        target = work / f"spark-{number}.duckdb"
        command = [
            str(Path(sys.executable).parent / "threadline"), "analyze", "--engine", "spark",
            "--master", master, "--input", str(directory), "--workspace", str(target),
            *[part for stage in STAGES for part in ("--stage", stage)],
        ]  # fmt: skip
        env = {"THREADLINE_SPARK_DRIVER_MEMORY": args.driver_memory}
        with measured() as m:
            done = subprocess.run(
                command, capture_output=True, text=True, env={**_environ(), **env}, check=False
            )
        if done.returncode != 0:
            # The whole log is kept: a JVM that dies mid-run leaves its cause far above the
            # Python traceback's tail.
            log = work / f"spark-{number}.stderr.log"
            log.write_text(done.stderr, encoding="utf-8")
            print(f"{master}: failed after {m.seconds:.1f} s (log: {log})\n{done.stderr[-3000:]}")
            continue
        timings[master] = m.seconds
        show(master, m.seconds, m.peak_rss, args.n, stage_seconds(target), base)
        cluster_rows = differing_rows(duck, target, "cluster_members", "cluster_id, post_id")
        network_rows = differing_rows(duck, target, "network_posts", "network_id, post_id")
        print(
            f"{'':>10}  clusters identical to DuckDB's: {cluster_rows == 0}; "
            f"networks identical: {network_rows == 0} "
            f"(rows differing: {cluster_rows:,} members, {network_rows:,} network posts)",
            flush=True,
        )
    local = {m: int(m[6:-1]) for m in timings if m.startswith("local[") and m[6:-1].isdigit()}
    if len(local) >= 2:
        fewest, most = min(local, key=local.__getitem__), max(local, key=local.__getitem__)
        print(
            f"Spark speed-up {fewest} -> {most}: {timings[fewest] / timings[most]:.2f}x "
            f"({local[most] / local[fewest]:.0f}x the cores)"
        )


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


if __name__ == "__main__":
    main()
