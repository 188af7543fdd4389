"""The ``screen`` step: indicator flags and a screening score for every post of a workspace.

Posts not yet screened are read in chunks (``ANTI JOIN screens``); each chunk is screened by
:func:`threadline.screening.screen_columns` (in worker processes when ``workers`` > 1: Arrow in,
Arrow out, results written in chunk order, so the tables are the same as with one process) and
its ``screens`` and ``flags`` rows are written in one transaction, so an interrupted run leaves
every post screened completely or not at all, and the next run resumes. When the extract stage
has already run over the pending posts, their stored identifiers (claimed ages, wallets, payment
tags, messenger handles) feed the scorer instead of a second extraction. The ``indicators``
table is rewritten from the packaged library on every run, so that SQL users can read a flag's
label and public source by its code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from functools import lru_cache
from multiprocessing import get_context

import pyarrow as pa
import pyarrow.compute as pc

from threadline.indicators.scoring import ScreenSettings
from threadline.records import Identifier
from threadline.screening import (
    FLAG_COLUMNS,
    IDENTIFIER_KINDS_SCREENED,
    SCREEN_COLUMNS,
    Screener,
    indicator_rows,
    screen_columns,
)
from threadline.steps import Progress, StageReport
from threadline.workspace import Workspace

__all__ = ["pending_posts", "screen_step"]

#: Posts screened per transaction.
CHUNK_SIZE = 5_000

_PENDING_SQL = "SELECT count(*) FROM posts p ANTI JOIN screens s ON p.id = s.post_id"
_UNEXTRACTED_SQL = (
    "SELECT count(*) FROM posts p ANTI JOIN screens s ON p.id = s.post_id "
    "ANTI JOIN extracted_posts e ON p.id = e.post_id"
)
_SCREENS_SCHEMA = pa.schema(
    [
        ("post_id", pa.string()),
        ("score", pa.float64()),
        ("band", pa.string()),
        ("profile", pa.string()),
        ("flagged", pa.bool_()),
        ("flag_count", pa.int32()),
    ]
)
_FLAGS_SCHEMA = pa.schema(
    [
        ("post_id", pa.string()),
        ("field", pa.string()),
        ("code", pa.string()),
        ("category", pa.string()),
        ("strength", pa.string()),
        ("weight", pa.float64()),
        ("start_offset", pa.int32()),
        ("end_offset", pa.int32()),
        ("matched", pa.string()),
    ]
)
_INDICATORS_SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("label", pa.string()),
        ("category", pa.string()),
        ("strength", pa.string()),
        ("weight", pa.float64()),
        ("source", pa.string()),
    ]
)
assert tuple(_SCREENS_SCHEMA.names) == SCREEN_COLUMNS
assert tuple(_FLAGS_SCHEMA.names) == FLAG_COLUMNS


def pending_posts(workspace: Workspace) -> int:
    """Posts not screened yet."""
    return int(workspace.engine.scalar(_PENDING_SQL))


def _stored_rows(workspace: Workspace, post_ids: pa.Array) -> pa.Table:
    """The identifiers the extract stage stored for ``post_ids``, of the kinds screening looks
    at, as Arrow (grouped per post by :func:`_by_post`, in a worker when there are workers)."""
    engine = workspace.engine
    engine.register("_screen_ids", pa.table({"post_id": post_ids}))
    try:
        return engine.fetch_arrow(
            f"""SELECT i.post_id, i.field, i.kind, i.value, i.canonical, i.start_offset,
                       i.end_offset
                FROM identifiers i SEMI JOIN _screen_ids s ON i.post_id = s.post_id
                WHERE i.kind IN ({", ".join("?" * len(IDENTIFIER_KINDS_SCREENED))})
                ORDER BY i.post_id, i.field, i.start_offset, i.end_offset, i.kind""",
            list(IDENTIFIER_KINDS_SCREENED),
        )
    finally:
        engine.unregister("_screen_ids")


def _by_post(post_ids: Sequence[str], rows: pa.Table) -> list[Mapping[str, Sequence[Identifier]]]:
    """Per post of ``post_ids``, its stored identifiers per field."""
    by_post: dict[str, dict[str, list[Identifier]]] = defaultdict(lambda: defaultdict(list))
    columns = [rows.column(k).to_pylist() for k in range(7)]
    for post_id, field, kind, value, canonical, start, end in zip(*columns, strict=True):
        by_post[post_id][field].append(Identifier(kind, value, canonical, start, end))
    return [by_post.get(post_id, {}) for post_id in post_ids]


@lru_cache(maxsize=2)
def _screener(settings_json: str) -> Screener:
    """One screener per settings and process (its indicator automaton is built once)."""
    return Screener(settings=ScreenSettings.model_validate_json(settings_json))


def _screen_chunk(
    posts: pa.RecordBatch, stored: pa.Table | None, settings_json: str
) -> tuple[pa.Table, pa.Table]:
    """Worker: the ``screens`` and ``flags`` rows of a batch of posts (id, text, title)."""
    post_ids: list[str] = posts.column(0).to_pylist()
    screens, flags = screen_columns(
        post_ids,
        posts.column(1).to_pylist(),
        posts.column(2).to_pylist(),
        identifiers=_by_post(post_ids, stored) if stored is not None else None,
        screener=_screener(settings_json),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    screens_table = pa.table(screens, schema=_SCREENS_SCHEMA).append_column(
        "screened_at", pa.repeat(pa.scalar(now, pa.timestamp("us")), len(post_ids))
    )
    return screens_table, pa.table(flags, schema=_FLAGS_SCHEMA)


def _warm_worker(settings_json: str) -> None:
    _screener(settings_json).screen("warm up: new girls in town, call 212 555 0123")


def _write_indicators(workspace: Workspace, screener: Screener) -> None:
    rows = indicator_rows(screener.library)
    table = pa.Table.from_pylist(rows, schema=_INDICATORS_SCHEMA)
    engine = workspace.engine
    with engine.transaction():
        engine.register("_new_indicators", table)
        try:
            engine.execute("DELETE FROM indicators")
            engine.execute("INSERT INTO indicators SELECT * FROM _new_indicators")
        finally:
            engine.unregister("_new_indicators")


def screen_step(
    workspace: Workspace,
    settings: ScreenSettings | None = None,
    *,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    workers: int = 1,
) -> StageReport:
    """Screen every post not screened yet (see the module docstring)."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if workers < 1:
        raise ValueError("workers must be at least 1")
    settings_json = (settings or ScreenSettings()).model_dump_json()
    engine = workspace.engine
    _write_indicators(workspace, _screener(settings_json))
    pending = pending_posts(workspace)
    if pending == 0:
        return StageReport("screen", {"posts": 0, "flagged": 0, "flags": 0, "by_band": {}})
    # Stored identifiers only when every pending post has them; otherwise screening extracts.
    use_stored = int(engine.scalar(_UNEXTRACTED_SQL)) == 0
    flagged = 0
    flag_total = 0
    by_band: dict[str, int] = {}

    def write(screens_table: pa.Table, flags_table: pa.Table) -> None:
        nonlocal flagged, flag_total
        with engine.transaction():
            engine.register("_new_screens", screens_table)
            engine.register("_new_flags", flags_table)
            try:
                engine.execute("INSERT INTO screens SELECT * FROM _new_screens")
                engine.execute("INSERT INTO flags SELECT * FROM _new_flags")
            finally:
                engine.unregister("_new_screens")
                engine.unregister("_new_flags")
        flagged += int(pc.sum(screens_table.column("flagged").cast(pa.int64())).as_py())
        flag_total += flags_table.num_rows
        for row in pc.value_counts(screens_table.column("band")).to_pylist():
            by_band[row["values"]] = by_band.get(row["values"], 0) + row["counts"]
        if progress is not None:
            progress(screens_table.num_rows)

    sql = "SELECT p.id, p.text, p.title FROM posts p ANTI JOIN screens s ON p.id = s.post_id"
    chunks = (
        (batch, _stored_rows(workspace, batch.column(0)) if use_stored else None)
        for batch in engine.iter_batches(sql, batch_size=chunk_size)
    )
    if workers == 1 or pending <= chunk_size:
        for batch, stored in chunks:
            write(*_screen_chunk(batch, stored, settings_json))
    else:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context("spawn"),
            initializer=_warm_worker,
            initargs=(settings_json,),
        ) as pool:
            # At most 2 chunks per worker in flight: bounded memory, busy workers, and the
            # results written in chunk order.
            in_flight: list[Future[tuple[pa.Table, pa.Table]]] = []
            for batch, stored in chunks:
                in_flight.append(pool.submit(_screen_chunk, batch, stored, settings_json))
                if len(in_flight) >= 2 * workers:
                    write(*in_flight.pop(0).result())
            for future in in_flight:
                write(*future.result())
    return StageReport(
        "screen",
        {
            "posts": pending,
            "flagged": flagged,
            "flags": flag_total,
            "by_band": dict(sorted(by_band.items())),
            "identifiers": "stored" if use_stored else "extracted",
        },
    )
