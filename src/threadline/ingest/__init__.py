"""Ingest: JSONL, CSV and Parquet files into the workspace, with a quarantine for bad records.

See docs/ingest.md for the formats, fields, mapping, quarantine reasons, ids and idempotence.
"""

from __future__ import annotations

from threadline.ingest.readers import InputFile, discover, input_size
from threadline.ingest.runner import IngestReport, Progress, ingest
from threadline.ingest.validate import FIELDS, FieldMap, content_hash

#: Quarantine reason codes (the part of ``quarantine.reason`` before the colon).
REASONS: tuple[str, ...] = (
    "bad_json",
    "not_object",
    "bad_encoding",
    "bad_csv",
    "bad_columns",
    "missing_text",
    "bad_type",
    "bad_posted_at",
    "oversized_field",
    "oversized_record",
    "id_conflict",
    "unreadable_file",
)

__all__ = [
    "FIELDS",
    "REASONS",
    "FieldMap",
    "IngestReport",
    "InputFile",
    "Progress",
    "content_hash",
    "discover",
    "ingest",
    "input_size",
]
