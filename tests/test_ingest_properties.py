"""Property tests: any input bytes are accounted for, line by line, without an exception."""

from __future__ import annotations

import codecs
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threadline.errors import InputError
from threadline.ingest import REASONS, content_hash, ingest
from threadline.settings import IngestSettings
from threadline.workspace import Workspace

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Lines that look like records often enough to reach the validation paths, mixed with noise.
_INT64 = st.integers(-(2**63), 2**63 - 1)  # what JSON parsers and Parquet give
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | _INT64 | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
_RECORDS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["a", "b", 1, "", None, True]),
        "text": st.one_of(st.text(max_size=20), _INT64, st.none()),
        "title": st.one_of(st.text(max_size=8), _INT64, st.lists(st.text(), max_size=2)),
        "posted_at": st.sampled_from(
            ["2024-01-01T00:00:00Z", "2024-01-01", "2024-02-30", "soon", 5, None, ""]
        ),
        "images": st.one_of(st.lists(st.text(max_size=5), max_size=2), st.text(), st.none()),
        "other": _JSON_VALUES,
    },
)
_LINES = st.one_of(
    _RECORDS.map(orjson.dumps),
    st.binary(max_size=40),
    _JSON_VALUES.map(orjson.dumps),
)


def _non_blank_line_numbers(data: bytes) -> set[int]:
    data = data.removeprefix(codecs.BOM_UTF8)
    return {number for number, line in enumerate(data.split(b"\n"), start=1) if line.strip()}


def _check_accounting(ws: Workspace, path: Path, data: bytes, batch_size: int) -> None:
    path.write_bytes(data)
    try:
        report = ingest(ws, [path], settings=IngestSettings(batch_size=batch_size))
    except InputError as error:  # only a whole-file problem may stop a file
        assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)), error
        return
    expected = _non_blank_line_numbers(data)
    assert report.records_read + report.quarantined == len(expected)
    assert report.records_read == report.posts_added + report.duplicates_collapsed
    source = str(path.resolve())
    read = {line for (line,) in ws.engine.fetchall(
        "SELECT line FROM post_occurrences WHERE source = ?", [source]
    )}  # fmt: skip
    quarantined = {
        line: reason
        for line, reason in ws.engine.fetchall(
            "SELECT line, reason FROM quarantine WHERE source = ?", [source]
        )
    }
    assert read.isdisjoint(quarantined)
    assert read | set(quarantined) == expected
    assert all(reason.split(":", 1)[0] in REASONS for reason in quarantined.values())
    for text, post_id in ws.engine.fetchall("SELECT text, id FROM posts"):
        assert isinstance(text, str) and text.strip() and post_id


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_as_jsonl_every_line_accounted_for(tmp_path: Path, data: bytes) -> None:
    with Workspace.open(tmp_path / f"{uuid.uuid4().hex}.duckdb") as ws:
        _check_accounting(ws, tmp_path / f"{uuid.uuid4().hex}.jsonl", data, batch_size=3)


@PROPERTY_SETTINGS
@given(lines=st.lists(_LINES, max_size=12), batch_size=st.integers(1, 5))
def test_record_like_lines_every_line_accounted_for(
    tmp_path: Path, lines: list[bytes], batch_size: int
) -> None:
    data = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    with Workspace.open(tmp_path / f"{uuid.uuid4().hex}.duckdb") as ws:
        _check_accounting(ws, tmp_path / f"{uuid.uuid4().hex}.jsonl", data, batch_size)


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_as_csv_never_raise_unexpectedly(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_bytes(data)
    with Workspace.open(tmp_path / f"{uuid.uuid4().hex}.duckdb") as ws:
        try:
            report = ingest(ws, [path], settings=IngestSettings(batch_size=2))
        except InputError as error:  # a header naming a column twice, or UTF-16
            assert "repeats column" in str(error) or "UTF-16" in str(error)
            return
        assert report.records_read + report.quarantined == ws.count("post_occurrences") + sum(
            1 for _ in ws.engine.fetchall("SELECT 1 FROM quarantine")
        )


@given(record=st.dictionaries(st.text(max_size=5), _JSON_VALUES, max_size=6))
def test_content_hash_ignores_key_order(record: dict[str, Any]) -> None:
    reordered = dict(reversed(list(record.items())))
    assert content_hash(record) == content_hash(reordered)


@pytest.mark.parametrize("batch_size", [1, 2, 1000])
def test_batch_size_does_not_change_the_result(tmp_path: Path, batch_size: int) -> None:
    lines = [
        b'{"id": "a", "text": "one"}',
        b'{"id": "a", "text": "two"}',
        b"junk",
        b'{"id": "a", "text": "one"}',
        b'{"text": "no id"}',
        b'{"text": "no id"}',
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines))
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        report = ingest(ws, [path], settings=IngestSettings(batch_size=batch_size))
        assert (report.posts_added, report.duplicates_collapsed) == (2, 2)
        assert report.quarantine_by_reason == {"bad_json": 1, "id_conflict": 1}
        assert ws.engine.fetchall("SELECT line FROM quarantine ORDER BY line") == [(2,), (3,)]
