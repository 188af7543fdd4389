"""Every quarantine reason, and that a bad record never costs the rest of its file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from threadline.ingest import REASONS, ingest
from threadline.settings import IngestSettings
from threadline.workspace import Workspace

GOOD = b'{"text": "a good synthetic ad"}'


@pytest.fixture
def ws(tmp_path: Path) -> Any:
    with Workspace.open(tmp_path / "w.duckdb") as workspace:
        yield workspace


def quarantine_of(ws: Workspace, tmp_path: Path, line: bytes, **settings: int) -> str:
    """Ingest ``GOOD``, the bad line, ``GOOD``; return the one quarantine reason."""
    path = tmp_path / "in.jsonl"
    path.write_bytes(GOOD + b"\n" + line + b"\n" + GOOD.replace(b"good", b"fine") + b"\n")
    report = ingest(ws, [path], settings=IngestSettings(**settings))
    assert report.records_read == 2, "the records around the bad one must still be read"
    rows = ws.engine.fetchall("SELECT line, reason, raw_excerpt FROM quarantine")
    assert len(rows) == 1 and rows[0][0] == 2
    assert len(rows[0][2]) <= 200
    code = rows[0][1].split(":", 1)[0]
    assert code in REASONS
    assert report.quarantine_by_reason == {code: 1} and report.quarantine_added == 1
    return str(rows[0][1])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b'{"text": "unterminated', "bad_json: "),
        (b"{'text': 'single quotes'}", "bad_json: "),
        (b'{"text": "x", "n": NaN}', "bad_json: "),
        (b'["text", "a list"]', "not_object: a JSON array, not an object"),
        (b'"just a string"', "not_object: a JSON string"),
        (b"42", "not_object: a JSON number"),
        (b"null", "not_object: a JSON null"),
        (b'{"title": "no text"}', "missing_text: the record has no text"),
        (b'{"text": null}', "missing_text: the record has no text"),
        (b'{"text": ""}', "missing_text: the text is empty"),
        (b'{"text": " \\t\\n "}', "missing_text: the text is empty"),
        (b'{"text": 12}', "bad_type: text must be a string, not a number"),
        (b'{"text": ["a"]}', "bad_type: text must be a string, not a list"),
        (b'{"text": "x", "images": "a.jpg"}', "bad_type: images must be a list of strings"),
        (b'{"text": "x", "images": ["a.jpg", 3]}', "bad_type: images must be a list of strings"),
        (b'{"text": "x", "id": true}', "bad_type: id must be a string, not a boolean"),
        (b'{"text": "x", "id": {"a": 1}}', "bad_type: id must be a string, not an object"),
        (b'{"text": "x", "title": {"a": 1}}', "bad_type: title must be a string"),
        (b'{"text": "x", "posted_at": "tomorrow"}', "bad_posted_at: 'tomorrow' is not an ISO"),
        (b'{"text": "x", "posted_at": "2024-13-01"}', "bad_posted_at: "),
        (b'{"text": "x", "posted_at": 1700000000}', "bad_posted_at: "),
        (b'{"text": "x", "posted_at": "9999-12-31T23:00:00-05:00"}', "bad_posted_at: "),
        (b'{"text": "caf\xe9"}', "bad_encoding: invalid UTF-8 at byte"),
        (b'{"text": "\\ud800 lone surrogate"}', "bad_json: "),
    ],
)
def test_each_jsonl_reason(ws: Workspace, tmp_path: Path, line: bytes, expected: str) -> None:
    assert quarantine_of(ws, tmp_path, line).startswith(expected)


def test_oversized_field(ws: Workspace, tmp_path: Path) -> None:
    line = orjson.dumps({"text": "x" * 60})
    reason = quarantine_of(ws, tmp_path, line, max_field_chars=50)
    assert reason == "oversized_field: text has 60 characters (limit 50)"
    for record, name in (
        ({"text": "x", "title": "t" * 60}, "title"),
        ({"text": "x", "notes": "n" * 60}, "'notes'"),
        ({"text": "x", "images": ["i" * 60]}, "an image path"),
        ({"id": "d" * 60, "text": "x"}, "id"),
    ):
        ws.engine.execute("DELETE FROM quarantine")
        ws.engine.execute("DELETE FROM post_occurrences")
        ws.engine.execute("DELETE FROM posts")
        reason = quarantine_of(ws, tmp_path, orjson.dumps(record), max_field_chars=50)
        assert reason.startswith(f"oversized_field: {name} has"), reason


def test_oversized_record_is_not_parsed(ws: Workspace, tmp_path: Path) -> None:
    # Broken JSON, but too long to be looked at: the size is the reason, not the syntax.
    line = b'{"text": "' + b"y" * 5000
    reason = quarantine_of(ws, tmp_path, line, max_record_bytes=1000)
    assert reason == f"oversized_record: {len(line)} bytes (limit 1000)"


def test_oversized_line_longer_than_a_read_block(ws: Workspace, tmp_path: Path) -> None:
    line = orjson.dumps({"text": "z" * (3 << 20)})  # 3 MB: spans several read blocks
    reason = quarantine_of(ws, tmp_path, line, max_record_bytes=1 << 20)
    assert reason == f"oversized_record: {len(line)} bytes (limit {1 << 20})"


def test_csv_reasons(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        b"id,text,posted_at\n"
        b"1,fine,2024-01-01\n"  # 2
        b"2,too,many,fields\n"  # 3
        b"3\n"  # 4
        b"4,caf\xe9,\n"  # 5
        b"5,,\n"  # 6
        b"6,ok,not a date\n"  # 7
        b'7,"' + b"w" * 300 + b'",\n'  # 8
        b"8,last,\n"  # 9
    )
    report = ingest(ws, [path], settings=IngestSettings(max_record_bytes=200))
    assert report.records_read == 2
    reasons = dict(ws.engine.fetchall("SELECT line, reason FROM quarantine"))
    assert reasons == {
        3: "bad_columns: expected 3 fields, got 4",
        4: "bad_columns: expected 3 fields, got 1",
        5: "bad_encoding: invalid UTF-8 on line 5",
        6: "missing_text: the record has no text",
        7: "bad_posted_at: 'not a date' is not an ISO-8601 date-time",
        8: "oversized_record: 305 bytes (limit 200)",
    }


def test_csv_record_the_parser_rejects(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes(b"id,text\n1,a\rb\n2,fine\n")  # a bare carriage return mid-field
    report = ingest(ws, [path])
    assert ws.engine.fetchall("SELECT line, reason FROM quarantine") == [
        (2, "bad_csv: new-line character seen in unquoted field")
    ]
    assert report.records_read == 1


def test_csv_field_over_the_csv_module_limit(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_bytes(b'id,text\n1,"' + b"q" * 140_000 + b'"\n2,after\n')
    report = ingest(ws, [path], settings=IngestSettings(max_record_bytes=10_000_000))
    assert report.quarantine_by_reason == {"oversized_field": 1}
    assert ws.engine.fetchall("SELECT id FROM posts") == [("2",)]


def test_corrupt_parquet_is_an_unreadable_file(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 64)
    report = ingest(ws, [path])
    assert report.nothing_read
    ((line, reason),) = ws.engine.fetchall("SELECT line, reason FROM quarantine")
    assert line == 1 and reason.startswith("unreadable_file: ")


def test_nothing_readable_is_reported(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_bytes(b"not json\n[1]\n\xff\xfe\n")
    report = ingest(ws, [path])
    assert report.nothing_read and report.records_read == 0
    assert report.quarantine_by_reason == {"bad_encoding": 1, "bad_json": 1, "not_object": 1}
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert ingest(ws, [empty]).nothing_read


def test_parquet_nested_values_and_bytes_are_kept_in_extra(ws: Workspace, tmp_path: Path) -> None:
    import pyarrow as pa

    table = pa.table(
        {
            "text": ["x"],
            "blob": pa.array([b"\x00\x01"], type=pa.binary()),
            "tags": [{"a": 1}],
        }
    )
    path = tmp_path / "n.parquet"
    pq.write_table(table, path)
    ingest(ws, [path])
    assert ws.engine.fetchall("SELECT extra FROM posts") == [('{"blob":"0001","tags":{"a":1}}',)]
