"""``ingest``: read input files into the workspace in one transaction, with a quarantine."""

from __future__ import annotations

import gc
import queue
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from threadline import __version__
from threadline.ingest.readers import InputFile, discover, read_file
from threadline.ingest.validate import Batch, FieldMap, Validator
from threadline.ingest.writer import Writer
from threadline.settings import IngestSettings
from threadline.workspace import Workspace

#: Called with the number of input bytes (on disk) consumed since the previous call.
Progress = Callable[[int], None]


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did.

    Every input record is counted once: ``records_read + quarantined`` is the number of records
    in the input. ``records_read`` = ``posts_added + duplicates_collapsed`` + the valid records
    among ``already_present``; ``quarantined`` (= the sum of ``quarantine_by_reason``) includes
    records an earlier run had already quarantined, ``quarantine_added`` only the new rows.
    """

    files: int
    records_read: int
    posts_added: int
    duplicates_collapsed: int
    already_present: int
    quarantined: int
    quarantine_added: int
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: True when not a single record could be read (the CLI exits non-zero then).
    nothing_read: bool = False

    def to_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["warnings"] = list(self.warnings)
        return result


def ingest(
    workspace: Workspace,
    paths: Sequence[Path],
    *,
    field_map: Mapping[str, str] | None = None,
    settings: IngestSettings = IngestSettings(),  # noqa: B008 - frozen pydantic model
    progress: Progress | None = None,
) -> IngestReport:
    """Read JSONL, CSV and Parquet files (or directories of them) into the workspace.

    The whole call is one transaction: if anything fails (or the process dies) the workspace
    is left exactly as it was. Bad input raises :class:`~threadline.errors.InputError`: before
    anything is written for a missing file, an empty directory or a bad mapping; during the
    run (rolled back) for a CSV header naming a column twice or a line changed since an earlier
    ingest. Bad *records* go to the ``quarantine`` table and are counted in the report.
    ``progress`` is called with the input bytes (on disk) consumed since its previous call; the
    calls add up to the sum of ``InputFile.size`` over :func:`discover`'s files.
    """
    fields = FieldMap.build(field_map)
    files, warnings = discover(list(paths))
    started = datetime.now(UTC).replace(tzinfo=None)
    engine = workspace.engine
    unseen: set[str] | None = None
    consumed = 0
    with _gc_paused(), engine.transaction():
        writer = Writer(engine, started)
        with _Producer(files, fields, settings) as produced:
            for item in produced:
                if isinstance(item, _FileStart):
                    writer.begin_file(item.file.source)
                    consumed = 0
                elif isinstance(item, _FileEnd):
                    unseen = item.unseen if unseen is None else unseen & item.unseen
                else:
                    writer.write(item.file.source, item.batch, item.table)
                    if progress is not None and item.bytes_done > consumed:
                        progress(item.bytes_done - consumed)
                    consumed = max(consumed, item.bytes_done)
        writer.finish()
        counts = writer.counts
        for ours, theirs in sorted(fields.columns.items()):
            if unseen and theirs in unseen and ours in fields.mapped:
                warnings.append(f"mapping {ours}={theirs}: no input record has a column {theirs!r}")
        report = IngestReport(
            files=len(files),
            records_read=counts.records_read,
            posts_added=counts.posts_added,
            duplicates_collapsed=counts.duplicates_collapsed,
            already_present=counts.already_present,
            quarantined=sum(counts.quarantine_by_reason.values()),
            quarantine_added=counts.quarantine_added,
            quarantine_by_reason=dict(sorted(counts.quarantine_by_reason.items())),
            warnings=tuple(warnings),
            nothing_read=counts.records_read == 0,
        )
        _record_run(workspace, report, started, settings, fields)
    return report


@dataclass(frozen=True)
class _FileStart:
    file: InputFile


@dataclass(frozen=True)
class _Prepared:
    file: InputFile
    batch: Batch
    table: pa.Table
    bytes_done: int


@dataclass(frozen=True)
class _FileEnd:
    file: InputFile
    unseen: set[str]


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_Item = _FileStart | _Prepared | _FileEnd | _Failed
_DONE = object()


def prepare(
    files: Sequence[InputFile], fields: FieldMap, settings: IngestSettings
) -> Iterator[_FileStart | _Prepared | _FileEnd]:
    """Read, validate and convert every file into Arrow batches (no database involved)."""
    for file in files:
        yield _FileStart(file)
        validator = Validator(
            fields, max_field_chars=settings.max_field_chars, images_as_text=file.format == "csv"
        )
        add = validator.add
        for chunk in read_file(file, settings.batch_size, settings.max_record_bytes):
            if chunk.columns:
                validator.note_columns(chunk.columns)
            batch = Batch(rejects=chunk.rejects)
            for line, record, raw in chunk.records:
                add(batch, line, record, raw)
            yield _Prepared(file, batch, batch.finish(), chunk.bytes_done)
        yield _FileEnd(file, set(validator.unseen))


class _Producer:
    """Runs :func:`prepare` in a thread, at most two batches ahead of the database writes.

    Parsing is Python work and holds the GIL; DuckDB releases it while it inserts, so the two
    overlap. An error in the thread is re-raised in the caller; an error in the caller stops
    the thread.
    """

    def __init__(self, files: Sequence[InputFile], fields: FieldMap, settings: IngestSettings):
        self._queue: queue.Queue[_Item | object] = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(files, fields, settings), name="threadline-ingest", daemon=True
        )

    def _run(self, files: Sequence[InputFile], fields: FieldMap, settings: IngestSettings) -> None:
        try:
            for item in prepare(files, fields, settings):
                if not self._put(item):
                    return
            self._put(_DONE)
        except BaseException as error:  # handed to the caller, which re-raises it
            self._put(_Failed(error))

    def _put(self, item: _Item | object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __enter__(self) -> Iterator[_FileStart | _Prepared | _FileEnd]:
        self._thread.start()
        return self._items()

    def _items(self) -> Iterator[_FileStart | _Prepared | _FileEnd]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            assert isinstance(item, _FileStart | _Prepared | _FileEnd)
            yield item

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
        self._thread.join()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while batches are built.

    A batch holds tens of thousands of fresh dicts (parsed records), none in a reference
    cycle; the collector would rescan them all many times per batch, which costs about a third
    of the run. Reference counting still frees everything; the previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _record_run(
    workspace: Workspace,
    report: IngestReport,
    started: datetime,
    settings: IngestSettings,
    fields: FieldMap,
) -> None:
    """One ``runs`` row: the counts, and the settings and mapping that produced them."""
    mapping = {ours: fields.columns[ours] for ours in sorted(fields.mapped)}
    workspace.engine.execute(
        "INSERT INTO runs (run_id, stage, started_at, finished_at, software_version, settings,"
        " counts) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            uuid.uuid4().hex,
            "ingest",
            started,
            datetime.now(UTC).replace(tzinfo=None),
            __version__,
            orjson.dumps({"ingest": settings.model_dump(), "field_map": mapping}).decode(),
            orjson.dumps(report.to_dict()).decode(),
        ],
    )
