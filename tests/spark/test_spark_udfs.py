"""The Arrow UDF bodies of the Spark stages, called directly: every batch they yield must have
the declared schema (Arrow refuses a stream whose batches differ), whatever the batch holds."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from threadline.indicators.scoring import ScreenSettings
from threadline.spark.stages import _extract_batches, _screen_batches

STAMP = datetime(2026, 1, 1)


def _posts(texts: list[str]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            "id": [f"p{n}" for n in range(len(texts))],
            "text": texts,
            "title": [None] * len(texts),
            "found": pa.nulls(len(texts), pa.list_(pa.struct([("field", pa.string())]))),
        }
    )


def test_screen_batches_keep_one_schema_with_and_without_flags() -> None:
    quiet = _posts(["a plain sentence about a bicycle for sale"])
    loud = _posts(["new girl in town, 17, ask my manager, deposit first"])
    batches = list(_screen_batches(iter([quiet, loud]), ScreenSettings(), STAMP))
    assert len(batches) == 2
    assert batches[0].schema == batches[1].schema
    assert batches[0].num_rows == 1  # one screens row, no flag rows
    assert batches[1].num_rows > 1  # one screens row and its flags


def test_extract_batches_keep_one_schema_with_and_without_identifiers() -> None:
    def posts(text: str) -> pa.RecordBatch:
        return pa.RecordBatch.from_pydict(
            {"id": ["p"], "text": [text], "title": [None], "location": [None]},
            schema=pa.schema(
                [
                    ("id", pa.string()),
                    ("text", pa.string()),
                    ("title", pa.string()),
                    ("location", pa.string()),
                ]
            ),
        )

    batches = list(
        _extract_batches(iter([posts("nothing here"), posts("call 212 555 0123")]), "US", STAMP)
    )
    assert batches[0].schema == batches[1].schema
    assert batches[1].num_rows == 2  # the post's region row and its phone
