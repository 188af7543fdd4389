"""Ingest on Spark: every input file read and validated by a task, ids classified by Spark SQL.

Each file is read by one task with the very reader and validator of the DuckDB path
(:func:`threadline.ingest.runner.prepare`), so line numbers, quarantine reasons, content
hashes and derived ids are the same on both engines. Many files make many tasks: split a big
corpus into parts to read it in parallel (Spark and most exporters write parts anyway).
Inputs are local paths (every executor must see them: local mode, or a shared mount) or URIs
of any Hadoop-compatible file system the cluster has a connector for (``hdfs://``, ``s3a://``,
``abfs://``, ``gs://``, ``file://``...): those are listed and read by Spark's ``binaryFile``
source, and each file's bytes are handed to its task, which reads them from a private temporary
file with the same reader. A file read that way must fit in a task's memory (and under 2 GB, an
Arrow and binaryFile limit): parts of 50-200 MB are the rule anyway.

The classification of the DuckDB writer (:mod:`threadline.ingest.writer`) is repeated as one
window over the id: the first row of an id (in file, then line order) is a new post, a later row
with the same content is an occurrence (an exact duplicate, counted), one with different content
an id conflict (quarantined, never overwriting the post).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from threadline.errors import InputError
from threadline.ingest.readers import (
    EXCERPT_CHARS,
    EXTENSIONS,
    InputFile,
    _describe,
    _format_from_name,
    discover,
)
from threadline.ingest.runner import _FileEnd, _FileStart, _Prepared, prepare
from threadline.ingest.validate import BATCH_SCHEMA, FieldMap
from threadline.ingest.writer import conflict_reason
from threadline.settings import IngestSettings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["STAGED_DDL", "IngestResult", "ingest", "is_uri"]

#: A URI with a scheme (``hdfs://``, ``s3a://``, ``file://``...), read through Hadoop's file
#: systems; anything else is a local path.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

#: One staged row per valid record or quarantine entry (``reason`` set) of every file.
STAGED_SCHEMA = pa.schema(
    [("file_no", pa.int32()), ("source", pa.string())]
    + [field for field in BATCH_SCHEMA]
    + [("reason", pa.string()), ("raw_excerpt", pa.string())]
)
STAGED_DDL = (
    "file_no int, source string, line long, id string, content_hash string, text string, "
    "title string, posted_at timestamp_ntz, site string, url string, location string, "
    "author string, images array<string>, extra string, reason string, raw_excerpt string"
)
_FILES_DDL = "file_no int, path string, format string, gzipped boolean, size long"
_CONTENT_DDL_NAMES = ("file_no", "path", "format", "gzipped", "size", "content")


def is_uri(path: str | Path) -> bool:
    """Whether ``path`` names a file system by its scheme (read by Spark, not by the task)."""
    return bool(_URI.match(str(path)))


@dataclass(frozen=True)
class IngestResult:
    """The DataFrames of an ingest and its counts (the DuckDB report's names)."""

    posts: DataFrame
    occurrences: DataFrame
    quarantine: DataFrame
    counts: dict[str, Any]
    warnings: tuple[str, ...]


def _read_files(
    batches: Iterator[pa.RecordBatch], fields: Mapping[str, str], settings: IngestSettings
) -> Iterator[pa.RecordBatch]:
    """Task: read and validate the files named by ``batches`` into staged rows. A row with
    ``content`` carries a remote file's bytes: they are read from a private temporary copy,
    and the rows keep the file's URI as their source."""
    field_map = FieldMap.build(fields)
    for listing in batches:
        for entry in listing.to_pylist():
            content = entry.get("content")
            if content is None:
                file = InputFile(
                    Path(entry["path"]), entry["format"], bool(entry["gzipped"]), int(entry["size"])
                )
                yield from _prepared(entry["file_no"], file.source, file, field_map, settings)
                continue
            with tempfile.TemporaryDirectory(prefix="threadline-") as directory:
                name = PurePosixPath(entry["path"]).name
                local = Path(directory) / name
                local.write_bytes(content)
                file = _describe(local, [])
                yield from _prepared(entry["file_no"], entry["path"], file, field_map, settings)


def _prepared(
    file_no: int, source: str, file: InputFile, field_map: FieldMap, settings: IngestSettings
) -> Iterator[pa.RecordBatch]:
    for item in prepare([file], field_map, settings):
        if isinstance(item, _FileStart | _FileEnd):
            continue
        assert isinstance(item, _Prepared)
        yield _staged(file_no, source, item)


def _remote_files(
    spark: SparkSession, uris: Sequence[str]
) -> tuple[list[tuple[str, int]], list[str]]:
    """(URI, size) of every data file under ``uris`` (recursively, sorted), and warnings."""
    from pyspark.errors import AnalysisException

    try:
        listed = (
            spark.read.format("binaryFile")
            .option("recursiveFileLookup", "true")
            .load(list(uris))
            .select("path", "length")
            .collect()
        )
    except AnalysisException as error:
        raise InputError(f"cannot list {', '.join(uris)}: {str(error).splitlines()[0]}") from error
    found: list[tuple[str, int]] = []
    skipped: list[str] = []
    for row in sorted(listed, key=lambda r: str(r["path"])):
        path = str(row["path"])
        name = PurePosixPath(path).name
        if name.startswith("."):
            continue
        if _format_from_name(name)[0] is None:
            skipped.append(path)
        else:
            found.append((path, int(row["length"])))
    warnings = []
    if skipped:
        warnings.append(f"skipped {len(skipped)} file(s) of unknown type, e.g. {skipped[0]}")
    if not found:
        raise InputError(
            f"{', '.join(uris)} holds no JSONL, CSV or Parquet files "
            f"(looked for {', '.join(sorted(EXTENSIONS))}, optionally .gz)"
        )
    return found, warnings


def _staged(file_no: int, source: str, item: _Prepared) -> pa.RecordBatch:
    table = item.table
    rejects = item.batch.rejects
    rows = table.num_rows
    columns: dict[str, Any] = {
        "file_no": pa.array([file_no] * (rows + len(rejects)), pa.int32()),
        "source": pa.array([source] * (rows + len(rejects)), pa.string()),
    }
    for field in BATCH_SCHEMA:
        values = table.column(field.name).combine_chunks()
        if field.name == "line":
            extra = pa.array([reject.line for reject in rejects], field.type)
        else:
            extra = pa.nulls(len(rejects), field.type)
        columns[field.name] = pa.concat_arrays([values.cast(field.type), extra])
    columns["reason"] = pa.array([None] * rows + [reject.reason for reject in rejects], pa.string())
    columns["raw_excerpt"] = pa.array(
        [None] * rows + [reject.excerpt for reject in rejects], pa.string()
    )
    return pa.RecordBatch.from_pydict(columns, schema=STAGED_SCHEMA)


def _conflicts(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Task: the quarantine reason of each id conflict, by the DuckDB writer's own function."""
    for batch in batches:
        rows = batch.to_pylist()
        yield pa.RecordBatch.from_pydict(
            {
                "source": [row["source"] for row in rows],
                "line": [row["line"] for row in rows],
                "reason": [
                    conflict_reason(
                        row["id"], row["content_hash"], row["first_source"], row["first_line"]
                    )
                    for row in rows
                ],
                "raw_excerpt": [row["raw_excerpt"] for row in rows],
            },
            schema=pa.schema(
                [
                    ("source", pa.string()),
                    ("line", pa.int64()),
                    ("reason", pa.string()),
                    ("raw_excerpt", pa.string()),
                ]
            ),
        )


def ingest(
    spark: SparkSession,
    paths: Sequence[str | Path],
    *,
    field_map: Mapping[str, str] | None = None,
    settings: IngestSettings | None = None,
    ingested_at: datetime,
) -> IngestResult:
    """Read the files under ``paths`` (local paths or file-system URIs: :func:`is_uri`) into
    ``posts``, ``post_occurrences`` and ``quarantine`` DataFrames (cached: they are reused by
    every later stage)."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    settings = settings or IngestSettings()
    FieldMap.build(field_map)  # a bad mapping fails here, before any job
    uris = [str(path) for path in paths if is_uri(path)]
    local_paths = [Path(path) for path in paths if not is_uri(path)]
    files, warnings = discover(local_paths) if local_paths else ([], [])
    rows: list[tuple[int, str, str, bool, int]] = [
        (number, str(file.path), file.format, file.gzipped, file.size)
        for number, file in enumerate(files)
    ]
    remote: list[tuple[str, int]] = []
    if uris:
        remote, remote_warnings = _remote_files(spark, uris)
        warnings += remote_warnings
        for path, size in remote:
            format_, gzipped = _format_from_name(PurePosixPath(path).name)
            assert format_ is not None
            rows.append((len(rows), path, format_, gzipped, size))
    listing = spark.createDataFrame(rows, _FILES_DDL)
    if remote:
        contents = (
            spark.read.format("binaryFile")
            .load([path for path, _ in remote])
            .select("path", "content")
        )
        listing = listing.join(contents, "path", "left").select(*_CONTENT_DDL_NAMES)
    else:
        listing = listing.withColumn("content", F.lit(None).cast("binary"))
    listing = listing.repartition(max(1, len(rows)), "file_no")
    fields = dict(field_map or {})
    staged = listing.mapInArrow(
        lambda batches: _read_files(batches, fields, settings), STAGED_DDL
    ).persist()
    file_count = len(rows)
    valid = staged.where(F.col("reason").isNull())
    by_id = Window.partitionBy("id").orderBy("file_no", "line")
    classified = valid.select(
        "*",
        F.row_number().over(by_id).alias("_rank"),
        F.first("content_hash").over(by_id).alias("_first_hash"),
        F.first("source").over(by_id).alias("first_source"),
        F.first("line").over(by_id).alias("first_line"),
    ).persist()
    stamp = F.lit(ingested_at).cast("timestamp_ntz")
    posts = classified.where(F.col("_rank") == 1).select(
        "id",
        "text",
        "title",
        "posted_at",
        "site",
        "url",
        "location",
        "author",
        "images",
        "extra",
        "content_hash",
        "source",
        "line",
        stamp.alias("ingested_at"),
    )
    same = F.col("content_hash") == F.col("_first_hash")
    occurrences = classified.where(same).select(
        "source", "line", F.col("id").alias("post_id"), stamp.alias("ingested_at")
    )
    excerpt = F.substring(
        F.to_json(
            F.struct("id", "title", "text", "posted_at", "site", "url", "location", "author")
        ),
        1,
        EXCERPT_CHARS,
    )
    conflicts = (
        classified.where(~same)
        .select(
            "source",
            "line",
            "id",
            "content_hash",
            "first_source",
            "first_line",
            excerpt.alias("raw_excerpt"),
        )
        .mapInArrow(_conflicts, "source string, line long, reason string, raw_excerpt string")
    )
    rejected = staged.where(F.col("reason").isNotNull()).select(
        "source", "line", "reason", "raw_excerpt"
    )
    quarantine = (
        rejected.unionByName(conflicts)
        .select("source", "line", "reason", "raw_excerpt", stamp.alias("ingested_at"))
        .persist()
    )
    posts = posts.persist()
    occurrences = occurrences.persist()
    posts_added = int(posts.count())
    same_count = int(occurrences.count())  # valid records that are not id conflicts
    by_reason = {
        str(row["code"]): int(row["count"])
        for row in quarantine.groupBy(F.split(F.col("reason"), ":").getItem(0).alias("code"))
        .count()
        .collect()
    }
    counts: dict[str, Any] = {
        "files": file_count,
        "records_read": same_count,
        "posts_added": posts_added,
        "duplicates_collapsed": same_count - posts_added,
        "already_present": 0,
        "quarantined": sum(by_reason.values()),
        "quarantine_added": sum(by_reason.values()),
        "quarantine_by_reason": dict(sorted(by_reason.items())),
        "nothing_read": same_count == 0,
    }
    classified.unpersist()
    staged.unpersist()
    return IngestResult(posts, occurrences, quarantine, counts, tuple(warnings))
