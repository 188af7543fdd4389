"""Ingest on Spark: every input file read and validated by a task, ids classified by Spark SQL.

Each file is read by one task with the very reader and validator of the DuckDB path
(:func:`threadline.ingest.runner.prepare`), so line numbers, quarantine reasons, content
hashes and derived ids are the same on both engines. Many files make many tasks: split a big
corpus into parts to read it in parallel (Spark and most exporters write parts anyway).
Files are named by paths every executor can open (a local path in local mode, a shared mount on
a cluster).

The classification of the DuckDB writer (:mod:`threadline.ingest.writer`) is repeated as one
window over the id: the first row of an id (in file, then line order) is a new post, a later row
with the same content is an occurrence (an exact duplicate, counted), one with different content
an id conflict (quarantined, never overwriting the post).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from threadline.ingest.readers import EXCERPT_CHARS, InputFile, discover
from threadline.ingest.runner import _FileEnd, _FileStart, _Prepared, prepare
from threadline.ingest.validate import BATCH_SCHEMA, FieldMap
from threadline.ingest.writer import conflict_reason
from threadline.settings import IngestSettings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["STAGED_DDL", "IngestResult", "ingest"]

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
    """Task: read and validate the files named by ``batches`` into staged rows."""
    field_map = FieldMap.build(fields)
    for listing in batches:
        for entry in listing.to_pylist():
            file = InputFile(
                Path(entry["path"]), entry["format"], bool(entry["gzipped"]), int(entry["size"])
            )
            for item in prepare([file], field_map, settings):
                if isinstance(item, _FileStart | _FileEnd):
                    continue
                assert isinstance(item, _Prepared)
                yield _staged(entry["file_no"], file.source, item)


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
    paths: Sequence[Path],
    *,
    field_map: Mapping[str, str] | None = None,
    settings: IngestSettings | None = None,
    ingested_at: datetime,
) -> IngestResult:
    """Read the files under ``paths`` into ``posts``, ``post_occurrences`` and ``quarantine``
    DataFrames (cached: they are reused by every later stage)."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    settings = settings or IngestSettings()
    FieldMap.build(field_map)  # a bad mapping fails here, before any job
    files, warnings = discover(list(paths))
    listing = spark.createDataFrame(
        [
            (number, str(file.path), file.format, file.gzipped, file.size)
            for number, file in enumerate(files)
        ],
        _FILES_DDL,
    ).repartition(max(1, len(files)), "file_no")
    fields = dict(field_map or {})
    staged = listing.mapInArrow(
        lambda batches: _read_files(batches, fields, settings), STAGED_DDL
    ).persist()
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
        "files": len(files),
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
