"""Find input files, tell their format, and stream their records in bounded memory.

Readers do no validation of the post fields: they turn bytes into ``(line, mapping, raw)``
records, or into :class:`Reject` entries when a record cannot even be parsed (bad JSON, bad
encoding, oversized, wrong CSV column count). Every record is read exactly once and lands in
exactly one of the two lists, so nothing is dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal, cast

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from threadline.errors import InputError

Format = Literal["jsonl", "csv", "parquet"]

#: Extensions read as each format (after an optional ``.gz``).
EXTENSIONS: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: How much of a raw record is kept in ``quarantine.raw_excerpt``: enough to recognise it.
EXCERPT_CHARS = 200

_BOM = codecs.BOM_UTF8
_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BLOCK_BYTES = 1 << 20
#: Smaller for gzip: a truncated stream fails the whole read call, losing that block's lines.
_GZIP_BLOCK_BYTES = 1 << 16
#: Python's csv module refuses fields longer than this (its process-wide default, left alone).
CSV_FIELD_LIMIT = csv.field_size_limit()


@dataclass(frozen=True)
class InputFile:
    """One file to read: its resolved path (the ``source`` stored with every row) and format."""

    path: Path
    format: Format
    gzipped: bool
    size: int

    @property
    def source(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class Reject:
    """A record set aside before validation: ``reason`` is ``code: detail``."""

    line: int
    reason: str
    excerpt: str


#: A parsed record: its line, the mapping of input column -> value, and the raw form (bytes of a
#: JSONL line, text of a CSV record, None for Parquet) for the quarantine excerpt.
RawRecord = tuple[int, dict[str, Any], bytes | str | None]


@dataclass
class Chunk:
    """Up to ``batch_size`` records of one file and how far into the file they reach."""

    records: list[RawRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: Bytes of the file on disk consumed so far (compressed bytes for ``.gz``).
    bytes_done: int = 0
    #: Column names seen by a reader that knows them up front (CSV header, Parquet schema).
    columns: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.records) + len(self.rejects)


# --------------------------------------------------------------------------- discovery


def discover(paths: list[Path]) -> tuple[list[InputFile], list[str]]:
    """Resolve paths into input files (directories recursively, sorted) plus warnings.

    A missing path, an unreadable file or a directory without any data file is an
    :class:`InputError`; the same file named twice is read once.
    """
    if not paths:
        raise InputError("no input given: name JSONL, CSV or Parquet files or directories")
    files: list[InputFile] = []
    warnings: list[str] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise InputError(f"input not found: {path}")
        if path.is_dir():
            found, skipped = _data_files_under(path)
            if not found:
                raise InputError(
                    f"directory {path} holds no JSONL, CSV or Parquet files "
                    f"(looked for {', '.join(sorted(EXTENSIONS))}, optionally .gz)"
                )
            if skipped:
                warnings.append(
                    f"{path}: skipped {len(skipped)} file(s) of unknown type, "
                    f"e.g. {skipped[0].name}"
                )
        else:
            found = [path.resolve()]
        for file_path in found:
            if file_path in seen:
                warnings.append(f"{file_path} was named more than once; read once")
                continue
            seen.add(file_path)
            files.append(_describe(file_path, warnings))
    return files, warnings


def input_size(paths: Sequence[Path]) -> int:
    """Bytes on disk of every file :func:`discover` finds: the total of ``ingest``'s progress."""
    files, _ = discover(list(paths))
    return sum(file.size for file in files)


def _data_files_under(directory: Path) -> tuple[list[Path], list[Path]]:
    found: list[Path] = []
    skipped: list[Path] = []
    for path in sorted(directory.resolve().rglob("*")):
        relative = path.relative_to(directory.resolve())
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        (found if _format_from_name(path.name)[0] is not None else skipped).append(path.resolve())
    return found, skipped


def _format_from_name(name: str) -> tuple[Format | None, bool]:
    lower = name.lower()
    gzipped = lower.endswith(".gz")
    if gzipped:
        lower = lower[:-3]
    suffix = lower[lower.rfind(".") :] if "." in lower else ""
    return EXTENSIONS.get(suffix), gzipped


def _describe(path: Path, warnings: list[str]) -> InputFile:
    """Tell a file's format: magic bytes win, then the extension, then the first byte."""
    try:
        size = path.stat().st_size
        with path.open("rb") as raw:
            head = raw.read(64)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    by_name, named_gz = _format_from_name(path.name)
    gzipped = head.startswith(_GZIP_MAGIC)
    if gzipped:
        try:
            with gzip.open(path, "rb") as stream:
                head = stream.read(64)
        except (OSError, EOFError, zlib.error):
            head = b""  # unreadable: reported as a quarantined file when read
    elif named_gz:
        warnings.append(f"{path} is named .gz but is not gzip-compressed; read as plain")
    if head.startswith(_PARQUET_MAGIC):
        if gzipped:
            raise InputError(
                f"{path}: gzip-compressed Parquet is not supported (Parquet "
                "compresses itself); decompress it first"
            )
        fmt: Format = "parquet"
    elif head.startswith(_UTF16_BOMS):
        raise InputError(f"{path} is UTF-16 encoded; convert it to UTF-8 first")
    else:
        first = head.removeprefix(_BOM).lstrip()[:1]
        if by_name is None or by_name == "parquet":
            fmt = "jsonl" if first == b"{" else "csv"
        elif by_name == "csv" and first == b"{":
            fmt = "jsonl"
        else:
            fmt = by_name
    if by_name is not None and by_name != fmt:
        warnings.append(f"{path} has a {by_name} extension but holds {fmt}; read as {fmt}")
    return InputFile(path=path, format=fmt, gzipped=gzipped, size=size)


# --------------------------------------------------------------------------- byte streams


@contextmanager
def _open_bytes(file: InputFile) -> Iterator[tuple[IO[bytes], Callable[[], int]]]:
    """The file's (decompressed) bytes and a function giving the on-disk bytes consumed."""
    with file.path.open("rb") as raw:
        if file.gzipped:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                yield cast(IO[bytes], stream), raw.tell
        else:
            yield raw, raw.tell


def _block_bytes(file: InputFile) -> int:
    return _GZIP_BLOCK_BYTES if file.gzipped else _BLOCK_BYTES


@dataclass(frozen=True)
class Oversized:
    """A physical line longer than the limit: only its size and first bytes are kept."""

    size: int
    head: bytes


def iter_lines(
    stream: IO[bytes], max_bytes: int, block_bytes: int = _BLOCK_BYTES
) -> Iterator[tuple[int, bytes | Oversized]]:
    """Yield ``(line_number, line)`` without the line break; memory stays under ``max_bytes``.

    Lines are split on ``\\n`` only (a trailing ``\\r`` is kept: JSON and CSV parsers accept it).
    A UTF-8 byte order mark at the start of the file is dropped. A line longer than
    ``max_bytes`` is not kept: an :class:`Oversized` marker stands for it.
    """
    line_no = 0
    carry = b""
    skipping: Oversized | None = None
    first = True
    while True:
        block = stream.read(block_bytes)
        if first:
            block = block.removeprefix(_BOM)
            first = False
        if not block:
            break
        if skipping is not None:
            cut = block.find(b"\n")
            if cut < 0:
                skipping = Oversized(skipping.size + len(block), skipping.head)
                continue
            line_no += 1
            yield line_no, Oversized(skipping.size + cut, skipping.head)
            skipping = None
            block = block[cut + 1 :]
        parts = block.split(b"\n")
        if carry:
            parts[0] = carry + parts[0]
        carry = parts.pop()
        for line in parts:
            line_no += 1
            if len(line) > max_bytes:
                yield line_no, Oversized(len(line), line[: EXCERPT_CHARS * 4])
            else:
                yield line_no, line
        if len(carry) > max_bytes:
            skipping = Oversized(len(carry), carry[: EXCERPT_CHARS * 4])
            carry = b""
    if skipping is not None:
        yield line_no + 1, skipping
    elif carry:
        yield line_no + 1, carry


def excerpt_of(raw: bytes | str) -> str:
    """The start of a raw record, decoded leniently (undecodable bytes shown as U+FFFD)."""
    if isinstance(raw, bytes):
        raw = raw[: EXCERPT_CHARS * 4].decode("utf-8", "replace")
    return raw[:EXCERPT_CHARS]


def _oversized_reject(line: int, marker: Oversized, limit: int) -> Reject:
    return Reject(
        line,
        f"oversized_record: {marker.size} bytes (limit {limit})",
        excerpt_of(marker.head),
    )


# --------------------------------------------------------------------------- JSONL


def _json_reject(line_no: int, line: bytes, exc: orjson.JSONDecodeError) -> Reject:
    """Why a JSONL line did not parse: undecodable bytes, or the parser's message."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        return Reject(line_no, f"bad_encoding: invalid UTF-8 at byte {bad.start}", excerpt_of(line))
    return Reject(line_no, f"bad_json: {exc}", excerpt_of(line))


def read_jsonl(file: InputFile, batch_size: int, max_record_bytes: int) -> Iterator[Chunk]:
    """Stream a JSONL file: one JSON object per line; blank lines are not records."""
    loads = orjson.loads
    with _open_bytes(file) as (stream, position):
        chunk = Chunk()
        records, rejects = chunk.records, chunk.rejects
        line_no = 0
        try:
            for line_no, line in iter_lines(stream, max_record_bytes, _block_bytes(file)):
                if type(line) is not bytes:
                    assert isinstance(line, Oversized)
                    rejects.append(_oversized_reject(line_no, line, max_record_bytes))
                elif not line or line.isspace():
                    continue
                else:
                    try:
                        value = loads(line)
                    except orjson.JSONDecodeError as exc:
                        value = _loads_after_bom(line)
                        if value is _NOT_JSON:
                            rejects.append(_json_reject(line_no, line, exc))
                    if type(value) is dict:
                        records.append((line_no, value, line))
                    elif value is not _NOT_JSON:
                        reason = f"not_object: a JSON {_json_type(value)}, not an object"
                        rejects.append(Reject(line_no, reason, excerpt_of(line)))
                if len(records) + len(rejects) >= batch_size:
                    chunk.bytes_done = position()
                    yield chunk
                    chunk = Chunk()
                    records, rejects = chunk.records, chunk.rejects
        except (OSError, EOFError, zlib.error) as exc:
            rejects.append(_unreadable(exc, line_no + 1))
        chunk.bytes_done = file.size
        yield chunk


_NOT_JSON = object()


def _loads_after_bom(line: bytes) -> Any:
    """Parse a line that starts with a stray BOM (files concatenated with ``cat``)."""
    if not line.startswith(_BOM):
        return _NOT_JSON
    try:
        return orjson.loads(line[len(_BOM) :])
    except orjson.JSONDecodeError:
        return _NOT_JSON


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _unreadable(exc: BaseException, line: int) -> Reject:
    detail = str(exc) or type(exc).__name__
    return Reject(line, f"unreadable_file: {detail} (the rest of the file was not read)", "")


# --------------------------------------------------------------------------- CSV


class _LineFeed:
    """Feeds decoded physical lines to ``csv.reader`` and remembers what each record used.

    Decoding is per line, so one undecodable byte spoils only the record it is in.
    """

    def __init__(self, lines: Iterator[tuple[int, bytes | Oversized]]) -> None:
        self._lines = lines
        self.line_no = 0
        self.bad_encoding_line = 0
        self.oversized_line = 0
        self.record_bytes = 0
        self.record_text: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line_no, line = next(self._lines)
        self.line_no = line_no
        if self.record_text:
            self.record_bytes += 1  # the line break inside the record
        if isinstance(line, Oversized):
            self.oversized_line = line_no
            self.record_bytes += line.size
            text = line.head.decode("utf-8", "replace")
        else:
            self.record_bytes += len(line)
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                self.bad_encoding_line = line_no
                text = line.decode("utf-8", "replace")
        self.record_text.append(text)
        return text + "\n"

    def take(self) -> tuple[str, int]:
        """The raw text and byte size of the record just parsed; starts the next record."""
        text = "\n".join(self.record_text)
        size = self.record_bytes
        self.record_text = []
        self.record_bytes = 0
        return text, size


def _sniff_delimiter(file: InputFile, header_line: str) -> str:
    if file.path.name.lower().removesuffix(".gz").endswith(".tsv"):
        return "\t"
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", "\t", ";")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > counts[","] else ","


def read_csv(file: InputFile, batch_size: int, max_record_bytes: int) -> Iterator[Chunk]:
    """Stream a CSV file with a header row; ``line`` is the physical line a record starts on."""
    with _open_bytes(file) as (stream, position):
        lines = iter_lines(stream, max_record_bytes, _block_bytes(file))
        header_text = ""
        header_start = 0
        try:
            for line_no, line in lines:  # the header: the first line that is not blank
                if isinstance(line, Oversized) or line.strip():
                    head = line.head if isinstance(line, Oversized) else line
                    header_text = head.decode("utf-8", "replace")
                    header_start = line_no
                    break
        except (OSError, EOFError, zlib.error) as exc:
            yield Chunk(rejects=[_unreadable(exc, 1)], bytes_done=file.size)
            return
        if not header_start:
            yield Chunk(bytes_done=file.size)
            return
        delimiter = _sniff_delimiter(file, header_text)
        try:
            header_row = next(csv.reader([header_text], delimiter=delimiter), [])
        except csv.Error as exc:
            reason = f"unreadable_file: the CSV header cannot be parsed: {exc}"
            reject = Reject(header_start, reason, excerpt_of(header_text))
            yield Chunk(rejects=[reject], bytes_done=file.size)
            return
        header = _header_names(file, header_row)
        feed = _LineFeed(lines)
        feed.line_no = header_start
        reader = csv.reader(feed, delimiter=delimiter)
        chunk = Chunk(columns=header)
        width = len(header)
        while True:
            start = feed.line_no + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                text, _ = feed.take()
                code = "oversized_field" if "field limit" in str(exc) else "bad_csv"
                detail = str(exc).split(" - do you need")[0]  # Python's advice is for its users
                chunk.rejects.append(Reject(start, f"{code}: {detail}", excerpt_of(text)))
                continue
            except (OSError, EOFError, zlib.error) as exc:
                chunk.rejects.append(_unreadable(exc, start))
                break
            text, size = feed.take()
            if not row:
                continue  # a blank line
            if feed.oversized_line >= start or size > max_record_bytes:
                reason = f"oversized_record: {size} bytes (limit {max_record_bytes})"
                chunk.rejects.append(Reject(start, reason, excerpt_of(text)))
            elif feed.bad_encoding_line >= start:
                reason = f"bad_encoding: invalid UTF-8 on line {feed.bad_encoding_line}"
                chunk.rejects.append(Reject(start, reason, excerpt_of(text)))
            elif len(row) != width:
                reason = f"bad_columns: expected {width} fields, got {len(row)}"
                chunk.rejects.append(Reject(start, reason, excerpt_of(text)))
            else:
                chunk.records.append(
                    (
                        start,
                        {name: value for name, value in zip(header, row, strict=True) if value},
                        text,
                    )
                )
            if len(chunk) >= batch_size:
                chunk.bytes_done = position()
                yield chunk
                chunk = Chunk(columns=header)
        chunk.bytes_done = file.size
        yield chunk


def _header_names(file: InputFile, row: list[str]) -> tuple[str, ...]:
    names = tuple(name.strip() or f"column_{index + 1}" for index, name in enumerate(row))
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise InputError(f"{file.path}: the CSV header repeats column(s) {duplicated}")
    return names


# --------------------------------------------------------------------------- Parquet


def json_default(value: Any) -> Any:
    """Make Parquet values orjson cannot write (decimals, bytes, ...) into JSON values."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def read_parquet(file: InputFile, batch_size: int, max_record_bytes: int) -> Iterator[Chunk]:
    """Stream a Parquet file by row batches; ``line`` is the 1-based row number."""
    del max_record_bytes  # rows come parsed and bounded by the batch: field limits apply
    try:
        parquet = pq.ParquetFile(file.path)
    except (OSError, pa.ArrowException) as exc:
        yield Chunk(rejects=[_unreadable(exc, 1)], bytes_done=file.size)
        return
    total_rows = max(parquet.metadata.num_rows, 1)
    columns = tuple(parquet.schema_arrow.names)
    row = 0
    batches = parquet.iter_batches(batch_size=batch_size)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except (OSError, pa.ArrowException) as exc:
            yield Chunk(rejects=[_unreadable(exc, row + 1)], bytes_done=file.size)
            return
        chunk = Chunk(columns=columns)
        chunk.records = [
            (row + offset + 1, values, None) for offset, values in enumerate(batch.to_pylist())
        ]
        row += batch.num_rows
        chunk.bytes_done = min(file.size, file.size * row // total_rows)
        yield chunk
    yield Chunk(columns=columns, bytes_done=file.size)


READERS: dict[Format, Callable[[InputFile, int, int], Iterator[Chunk]]] = {
    "jsonl": read_jsonl,
    "csv": read_csv,
    "parquet": read_parquet,
}


def read_file(file: InputFile, batch_size: int, max_record_bytes: int) -> Iterator[Chunk]:
    """Stream any supported file as chunks of at most ``batch_size`` records."""
    return READERS[file.format](file, batch_size, max_record_bytes)
