"""Extraction and screening on Spark: the DuckDB path's pure functions inside Arrow UDFs.

:func:`threadline.pipeline._extract_chunk` and :func:`threadline.screening.screen_columns` run
unchanged over each partition's Arrow batches (``mapInArrow``), so both engines store the same
identifiers, flags and scores by construction; only the plumbing differs. Screening is fed the
identifiers extraction stored, grouped per post in the DuckDB step's order, as there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from threadline.indicators.scoring import ScreenSettings
from threadline.records import Identifier
from threadline.screening import IDENTIFIER_KINDS_SCREENED, Screener, screen_columns
from threadline.settings import ExtractSettings
from threadline.steps.screen import _FLAGS_SCHEMA, _SCREENS_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["ExtractResult", "ScreenResult", "extract", "screen"]

IDENTIFIERS_DDL = (
    "post_id string, field string, kind string, value string, canonical string, "
    "start_offset int, end_offset int"
)
_EXTRACTED_DDL = "post_id string, region string, extracted_at timestamp_ntz"
SCREENS_DDL = (
    "post_id string, score double, band string, profile string, flagged boolean, "
    "flag_count int, screened_at timestamp_ntz"
)
FLAGS_DDL = (
    "post_id string, field string, code string, category string, strength string, "
    "weight double, start_offset int, end_offset int, matched string"
)
#: The screen UDF's rows: the DuckDB step's screens columns, then its flag columns (null on a
#: post's own row), then the time.
_SCREENED_SCHEMA = pa.schema(
    list(_SCREENS_SCHEMA)
    + [field for field in _FLAGS_SCHEMA if field.name != "post_id"]
    + [pa.field("screened_at", pa.timestamp("us"))]
)
#: Rows per Arrow batch handed to a UDF (the DuckDB step's chunk size).
BATCH_ROWS = 5_000


@dataclass(frozen=True)
class ExtractResult:
    identifiers: DataFrame
    extracted_posts: DataFrame


@dataclass(frozen=True)
class ScreenResult:
    screens: DataFrame
    flags: DataFrame


def _extract_batches(
    batches: Iterator[pa.RecordBatch], default_region: str, stamp: datetime
) -> Iterator[pa.RecordBatch]:
    """Task: one output row per post (``kind`` null, its region) and one per identifier."""
    from threadline.pipeline import _extract_chunk, _warm_worker

    # As in the DuckDB step's workers: else the cyclic collector rescans the extractors' memo
    # tables, which grow with the corpus.
    _warm_worker()

    for batch in batches:
        identifiers, extracted = _extract_chunk(batch, default_region)
        count = extracted.num_rows
        found = identifiers.num_rows
        columns: dict[str, Any] = {}
        for name in identifiers.column_names:
            column = identifiers.column(name).combine_chunks()
            if name == "post_id":
                head = extracted.column("post_id").combine_chunks()
            else:
                head = pa.nulls(count, column.type)
            columns[name] = pa.concat_arrays([head, column])
        regions = extracted.column("region").combine_chunks()
        columns["region"] = pa.concat_arrays([regions, pa.nulls(found, pa.string())])
        columns["extracted_at"] = pa.array([stamp] * (count + found), pa.timestamp("us"))
        yield pa.RecordBatch.from_pydict(columns)


def extract(posts: DataFrame, settings: ExtractSettings, *, stamp: datetime) -> ExtractResult:
    """Identifiers of every post, and the ``extracted_posts`` rows (cached)."""
    from pyspark.sql import functions as F

    region = settings.default_region
    both = (
        posts.select("id", "text", "title", "location")
        .mapInArrow(
            lambda batches: _extract_batches(batches, region, stamp),
            IDENTIFIERS_DDL + ", region string, extracted_at timestamp_ntz",
        )
        .persist()
    )
    identifiers = both.where(F.col("kind").isNotNull()).select(
        "post_id", "field", "kind", "value", "canonical", "start_offset", "end_offset"
    )
    extracted = both.where(F.col("kind").isNull()).select("post_id", "region", "extracted_at")
    return ExtractResult(identifiers, extracted)


def _screen_batches(
    batches: Iterator[pa.RecordBatch], settings: ScreenSettings, stamp: datetime
) -> Iterator[pa.RecordBatch]:
    """Task: ``screens`` rows (``code`` null) and ``flags`` rows of each batch of posts."""
    screener = Screener(settings=settings)
    for batch in batches:
        rows = batch.to_pylist()
        identifiers: list[dict[str, list[Identifier]]] = []
        for row in rows:
            by_field: dict[str, list[Identifier]] = {}
            for item in row["found"] or ():
                by_field.setdefault(item["field"], []).append(
                    Identifier(
                        item["kind"],
                        item["value"],
                        item["canonical"],
                        item["start_offset"],
                        item["end_offset"],
                    )
                )
            identifiers.append(by_field)
        screens, flags = screen_columns(
            [row["id"] for row in rows],
            [row["text"] for row in rows],
            [row["title"] for row in rows],
            identifiers=identifiers,
            screener=screener,
        )
        posts, found = len(rows), len(flags["post_id"])
        yield pa.RecordBatch.from_pydict(
            {
                "post_id": screens["post_id"] + flags["post_id"],
                "score": pa.array(screens["score"] + [None] * found, pa.float64()),
                "band": screens["band"] + [None] * found,
                "profile": screens["profile"] + [None] * found,
                "flagged": pa.array(screens["flagged"] + [None] * found, pa.bool_()),
                "flag_count": pa.array(screens["flag_count"] + [None] * found, pa.int32()),
                "field": [None] * posts + flags["field"],
                "code": [None] * posts + flags["code"],
                "category": [None] * posts + flags["category"],
                "strength": [None] * posts + flags["strength"],
                "weight": pa.array([None] * posts + flags["weight"], pa.float64()),
                "start_offset": pa.array([None] * posts + flags["start_offset"], pa.int32()),
                "end_offset": pa.array([None] * posts + flags["end_offset"], pa.int32()),
                "matched": [None] * posts + flags["matched"],
                "screened_at": pa.array([stamp] * (posts + found), pa.timestamp("us")),
            },
            # Explicit: a batch without flags would otherwise infer null-typed columns.
            schema=_SCREENED_SCHEMA,
        )


def screen(
    posts: DataFrame, identifiers: DataFrame, settings: ScreenSettings, *, stamp: datetime
) -> ScreenResult:
    """Scores and flags of every post, fed the stored identifiers of the kinds screening reads."""
    from pyspark.sql import functions as F

    found = (
        identifiers.where(F.col("kind").isin(*IDENTIFIER_KINDS_SCREENED))
        .groupBy("post_id")
        .agg(
            F.array_sort(
                F.collect_list(
                    F.struct("field", "start_offset", "end_offset", "kind", "value", "canonical")
                )
            ).alias("found")
        )
    )
    joined = posts.select("id", "text", "title").join(
        found.withColumnRenamed("post_id", "id"), "id", "left"
    )
    both = joined.mapInArrow(
        lambda batches: _screen_batches(batches, settings, stamp),
        "post_id string, score double, band string, profile string, flagged boolean, "
        "flag_count int, field string, code string, category string, strength string, "
        "weight double, start_offset int, end_offset int, matched string, "
        "screened_at timestamp_ntz",
    ).persist()
    screens = both.where(F.col("code").isNull()).select(
        "post_id", "score", "band", "profile", "flagged", "flag_count", "screened_at"
    )
    flags = both.where(F.col("code").isNotNull()).select(
        "post_id",
        "field",
        "code",
        "category",
        "strength",
        "weight",
        "start_offset",
        "end_offset",
        "matched",
    )
    return ScreenResult(screens, flags)
