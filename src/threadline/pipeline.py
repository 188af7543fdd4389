"""The facade over the stages: ingest -> extract -> cluster -> screen -> link (and rank).

Each stage is a pure function over columns (in its own module) plus a thin step here that reads
the workspace in bounded batches and writes its results in a transaction per batch, so that an
interrupted run leaves every post either fully processed or untouched and the next run resumes.
"""

from __future__ import annotations

import atexit
import gc
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import cache
from multiprocessing import get_context

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from threadline import __version__
from threadline.extract import extract_fields, extract_fields_many
from threadline.settings import ExtractSettings, Settings
from threadline.steps import Progress, StageReport
from threadline.steps import screen as screen_steps
from threadline.steps.cluster import cluster_step, pending_posts
from threadline.steps.link import link_step
from threadline.workspace import Workspace

#: Stages ``analyze`` knows, in the order they run.
STAGES: tuple[str, ...] = ("extract", "cluster", "screen", "link")

#: Allocations between young-generation collections in an extraction worker (default 700).
_GC_THRESHOLD = 100_000

_IDENTIFIER_SCHEMA = pa.schema(
    [
        ("post_id", pa.string()),
        ("field", pa.string()),
        ("kind", pa.string()),
        ("value", pa.string()),
        ("canonical", pa.string()),
        ("start_offset", pa.int32()),
        ("end_offset", pa.int32()),
    ]
)
_EXTRACTED_SCHEMA = pa.schema(
    [("post_id", pa.string()), ("region", pa.string()), ("extracted_at", pa.timestamp("us"))]
)


def _extract_chunk(posts: pa.RecordBatch, default_region: str) -> tuple[pa.Table, pa.Table]:
    """Worker: the identifiers and the ``extracted_posts`` rows of a batch of posts.

    Arrow in and Arrow out, so that the parent process only moves buffers: it also writes to
    DuckDB, and every CPU-second it spends is taken from the two extraction workers.
    """
    post_ids: list[str] = posts.column(0).to_pylist()
    results = extract_fields_many(
        list(
            zip(
                posts.column(1).to_pylist(),
                posts.column(2).to_pylist(),
                posts.column(3).to_pylist(),
                strict=True,
            )
        ),
        default_region=default_region,
    )
    rows: list[tuple[str, str, str, str, str, int, int]] = []
    add = rows.append
    regions: list[str] = []
    for post_id, (region, found) in zip(post_ids, results, strict=True):
        regions.append(region)
        for field_name, (kind, value, canonical, start, end) in found:
            add((post_id, field_name, kind, value, canonical, start, end))
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * 7
    now = datetime.now(UTC).replace(tzinfo=None)
    extracted = pa.table(
        {"post_id": post_ids, "region": regions, "extracted_at": [now] * len(post_ids)},
        schema=_EXTRACTED_SCHEMA,
    )
    identifiers = pa.Table.from_arrays(
        [
            pa.array(column, type=f.type)
            for column, f in zip(columns, _IDENTIFIER_SCHEMA, strict=True)
        ],
        schema=_IDENTIFIER_SCHEMA,
    )
    return identifiers, extracted


@cache
def _warm_worker() -> None:
    """Build the lookup tables once per worker process, not once per chunk, then keep the
    cyclic garbage collector off them. Once per process: Spark's extraction tasks call it at
    their start, in Python workers that serve many tasks.

    Extraction makes millions of short-lived acyclic objects (freed by reference counting) and
    fills memo tables of a few hundred thousand entries: with the default thresholds the
    collector would rescan those tables again and again for cycles that are not there.
    """
    extract_fields(
        "warm up 212 555 0123 in Houston", title=None, location=None, default_region="US"
    )
    gc.freeze()
    gc.set_threshold(_GC_THRESHOLD, 50, 1000)
    # Frozen objects are never finalised: thaw them at exit, so that extension modules
    # (DuckDB's bindings) release theirs instead of reporting leaks.
    atexit.register(gc.unfreeze)


def _chunks(workspace: Workspace, chunk_size: int) -> Iterator[pa.RecordBatch]:
    """Posts not yet extracted, in storage order (no sort: a million texts would spill)."""
    sql = (
        "SELECT p.id, p.text, p.title, p.location FROM posts p "
        "ANTI JOIN extracted_posts e ON p.id = e.post_id"
    )
    yield from workspace.engine.iter_batches(sql, batch_size=chunk_size)


def extract_stage(
    workspace: Workspace,
    settings: ExtractSettings | None = None,
    *,
    progress: Progress | None = None,
) -> StageReport:
    """Extract identifiers of every post not yet extracted, in parallel worker processes."""
    settings = settings or ExtractSettings()
    engine = workspace.engine
    pending = int(
        engine.scalar(
            "SELECT count(*) FROM posts p ANTI JOIN extracted_posts e ON p.id = e.post_id"
        )
    )
    found = 0
    by_kind: dict[str, int] = {}
    if pending == 0:
        return StageReport("extract", {"posts": 0, "identifiers": 0, "by_kind": {}})
    workers = settings.workers or os.cpu_count() or 1
    chunks = _chunks(workspace, settings.chunk_size)

    def write(identifiers: pa.Table, extracted: pa.Table) -> None:
        nonlocal found
        with engine.transaction():
            engine.register("_new_identifiers", identifiers)
            engine.register("_new_extracted", extracted)
            try:
                engine.execute("INSERT INTO identifiers SELECT * FROM _new_identifiers")
                engine.execute("INSERT INTO extracted_posts SELECT * FROM _new_extracted")
            finally:
                engine.unregister("_new_identifiers")
                engine.unregister("_new_extracted")
        found += identifiers.num_rows
        for row in pc.value_counts(identifiers.column("kind")).to_pylist():
            by_kind[row["values"]] = by_kind.get(row["values"], 0) + row["counts"]
        if progress is not None:
            progress(extracted.num_rows)

    if workers == 1 or pending <= settings.chunk_size:
        for rows in chunks:
            write(*_extract_chunk(rows, settings.default_region))
    else:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=_warm_worker
        ) as pool:
            # Keep at most 2 chunks per worker in flight: bounded memory, busy workers.
            in_flight = []
            for rows in chunks:
                in_flight.append(pool.submit(_extract_chunk, rows, settings.default_region))
                if len(in_flight) >= 2 * workers:
                    write(*in_flight.pop(0).result())
            for future in in_flight:
                write(*future.result())
    return StageReport(
        "extract",
        {"posts": pending, "identifiers": found, "by_kind": dict(sorted(by_kind.items()))},
    )


def record_run(
    workspace: Workspace, report: StageReport, started_at: datetime, settings: Settings
) -> None:
    """Write a stage's counts and settings to the ``runs`` table (provenance of the workspace)."""
    workspace.engine.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            uuid.uuid4().hex,
            report.stage,
            started_at,
            datetime.now(UTC).replace(tzinfo=None),
            __version__,
            settings.model_dump_json(),
            orjson.dumps(report.counts).decode(),
        ],
    )


def analyze(
    workspace: Workspace,
    settings: Settings | None = None,
    *,
    stages: Sequence[str] = STAGES,
    progress_factory: Callable[[str, int], Progress] | None = None,
) -> list[StageReport]:
    """Run the analysis stages over a workspace; each resumes where an earlier run stopped.

    ``progress_factory(stage, total)`` returns a callback advanced as work is done (the CLI
    passes one that drives a progress bar).
    """
    settings = settings or Settings()
    unknown = [stage for stage in stages if stage not in STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}; known stages: {list(STAGES)}")
    reports = []
    for stage in STAGES:
        if stage not in stages:
            continue
        started = datetime.now(UTC).replace(tzinfo=None)
        if stage == "extract":
            total = int(
                workspace.engine.scalar(
                    "SELECT count(*) FROM posts p ANTI JOIN extracted_posts e ON p.id = e.post_id"
                )
            )
            progress = progress_factory(stage, total) if progress_factory else None
            report = extract_stage(workspace, settings.extract, progress=progress)
        elif stage == "cluster":
            total = pending_posts(workspace)
            progress = progress_factory(stage, total) if progress_factory else None
            report = cluster_step(
                workspace,
                settings.cluster,
                progress=progress,
                workers=settings.extract.workers or os.cpu_count() or 1,
            )
        elif stage == "screen":
            total = screen_steps.pending_posts(workspace)
            progress = progress_factory(stage, total) if progress_factory else None
            report = screen_steps.screen_step(
                workspace,
                settings.screen,
                progress=progress,
                workers=settings.extract.workers or os.cpu_count() or 1,
            )
        elif stage == "link":
            total = workspace.count("posts")
            progress = progress_factory(stage, total) if progress_factory else None
            report = link_step(workspace, settings.link, progress=progress)
        reports.append(report)
        record_run(workspace, report, started, settings)
    return reports
