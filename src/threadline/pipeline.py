"""The facade over the stages: ingest -> extract (-> screen -> cluster -> link -> rank, later).

Each stage is a pure function over columns (in its own module) plus a thin step here that reads
the workspace in bounded batches and writes its results in a transaction per batch, so that an
interrupted run leaves every post either fully processed or untouched and the next run resumes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Any

import orjson
import pyarrow as pa

from threadline import __version__
from threadline.extract import extract_fields, extract_fields_many
from threadline.settings import ExtractSettings, Settings
from threadline.workspace import Workspace

#: Stages ``analyze`` knows, in the order they run.
STAGES: tuple[str, ...] = ("extract",)

Progress = Callable[[int], None]

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


@dataclass(frozen=True)
class StageReport:
    """What one stage did: counts for the summary and the ``runs`` table."""

    stage: str
    counts: dict[str, Any] = field(default_factory=dict)


PostRow = tuple[str, str, str | None, str | None]  # id, text, title, location


def _extract_chunk(
    rows: Sequence[PostRow], default_region: str
) -> tuple[dict[str, list[Any]], list[tuple[str, str]]]:
    """Worker: extract identifiers of a chunk of posts into columns (picklable, no I/O)."""
    columns: dict[str, list[Any]] = {name: [] for name in _IDENTIFIER_SCHEMA.names}
    regions: list[tuple[str, str]] = []
    results = extract_fields_many(
        [(text, title, location) for _, text, title, location in rows],
        default_region=default_region,
    )
    for (post_id, *_), (region, found) in zip(rows, results, strict=True):
        regions.append((post_id, region))
        for field_name, ident in found:
            columns["post_id"].append(post_id)
            columns["field"].append(field_name)
            columns["kind"].append(ident.kind)
            columns["value"].append(ident.value)
            columns["canonical"].append(ident.canonical)
            columns["start_offset"].append(ident.start)
            columns["end_offset"].append(ident.end)
    return columns, regions


def _warm_worker() -> None:
    """Build the lookup tables once per worker process, not once per chunk."""
    extract_fields(
        "warm up 212 555 0123 in Houston", title=None, location=None, default_region="US"
    )


def _chunks(workspace: Workspace, chunk_size: int) -> Iterator[list[PostRow]]:
    sql = (
        "SELECT p.id, p.text, p.title, p.location FROM posts p "
        "ANTI JOIN extracted_posts e ON p.id = e.post_id ORDER BY p.id"
    )
    for batch in workspace.engine.iter_batches(sql, batch_size=chunk_size):
        yield list(zip(*(batch.column(i).to_pylist() for i in range(4)), strict=True))


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

    def write(columns: dict[str, list[Any]], regions: list[tuple[str, str]]) -> None:
        nonlocal found
        identifiers = pa.table(columns, schema=_IDENTIFIER_SCHEMA)
        now = datetime.now(UTC).replace(tzinfo=None)
        extracted = pa.table(
            {
                "post_id": [post_id for post_id, _ in regions],
                "region": [region for _, region in regions],
                "extracted_at": [now] * len(regions),
            },
            schema=_EXTRACTED_SCHEMA,
        )
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
        for kind in columns["kind"]:
            by_kind[kind] = by_kind.get(kind, 0) + 1
        if progress is not None:
            progress(len(regions))

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
        reports.append(report)
        record_run(workspace, report, started, settings)
    return reports
