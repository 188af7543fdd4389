"""Ingest: formats, directories, mapping, ids, duplicates, conflicts and idempotence.

All data is synthetic and made in tmp_path.
"""

from __future__ import annotations

import csv
import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from threadline.errors import InputError
from threadline.ingest import (
    FIELDS,
    REASONS,
    IngestReport,
    content_hash,
    discover,
    ingest,
    input_size,
)
from threadline.settings import IngestSettings
from threadline.workspace import Workspace


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def query(ws: Workspace, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return ws.engine.fetchall(sql, params)


def counts(ws: Workspace) -> tuple[int, int, int, int]:
    return (
        ws.count("posts"),
        ws.count("post_occurrences"),
        ws.count("quarantine"),
        ws.count("runs"),
    )


@pytest.fixture
def ws(tmp_path: Path) -> Any:
    with Workspace.open(tmp_path / "w.duckdb") as workspace:
        yield workspace


AD = {
    "id": "ad-1",
    "text": "Sweet new girl in town, call 555 0100",
    "title": "New in town",
    "posted_at": "2024-03-01T22:30:00+02:00",
    "site": "ads.example",
    "url": "https://ads.example/1",
    "location": "Houston, TX",
    "author": "profile-9",
    "images": ["img/1.jpg", "img/2.jpg"],
    "scraped_by": "crawler-7",
    "meta": {"rank": 3},
}


# ----------------------------------------------------------------------------- JSONL


def test_jsonl_record_lands_with_every_field(ws: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ads.jsonl", [AD])
    report = ingest(ws, [path])
    assert report == IngestReport(
        files=1,
        records_read=1,
        posts_added=1,
        duplicates_collapsed=0,
        already_present=0,
        quarantined=0,
        quarantine_added=0,
        quarantine_by_reason={},
        warnings=(),
        nothing_read=False,
    )
    row = query(
        ws,
        "SELECT id, text, title, posted_at, site, url, location, author, images, extra,"
        " source, line FROM posts",
    )[0]
    assert row[:3] == ("ad-1", AD["text"], "New in town")
    assert row[3] == datetime(2024, 3, 1, 20, 30)  # +02:00 converted to UTC
    assert row[4:8] == ("ads.example", "https://ads.example/1", "Houston, TX", "profile-9")
    assert row[8] == ["img/1.jpg", "img/2.jpg"]
    assert json.loads(row[9]) == {"scraped_by": "crawler-7", "meta": {"rank": 3}}
    assert row[10] == str(path.resolve())
    assert row[11] == 1
    assert query(ws, "SELECT source, line, post_id FROM post_occurrences") == [
        (str(path.resolve()), 1, "ad-1")
    ]


def test_posted_at_offsets_and_forms(ws: Workspace, tmp_path: Path) -> None:
    values = [
        "2024-03-01T10:00:00Z",
        "2024-03-01T10:00:00-05:00",
        "2024-03-01T10:00:00",  # no offset: taken as UTC
        "2024-03-01",
        "2024-03-01 10:00:00+0100",
    ]
    records = [{"id": str(i), "text": "t", "posted_at": value} for i, value in enumerate(values)]
    ingest(ws, [write_jsonl(tmp_path / "a.jsonl", records)])
    got = dict(query(ws, "SELECT id, posted_at FROM posts"))
    assert got == {
        "0": datetime(2024, 3, 1, 10),
        "1": datetime(2024, 3, 1, 15),
        "2": datetime(2024, 3, 1, 10),
        "3": datetime(2024, 3, 1),
        "4": datetime(2024, 3, 1, 9),
    }


def test_mixed_timestamp_forms_in_one_batch_fall_back_per_value(
    ws: Workspace, tmp_path: Path
) -> None:
    records = [
        {"id": "a", "text": "t", "posted_at": "2024-03-01T10:00:00+01:00"},
        {"id": "b", "text": "t", "posted_at": "2024-03-01T10:00"},
        {"id": "c", "text": "t", "posted_at": "yesterday"},
        {"id": "d", "text": "t"},
    ]
    report = ingest(ws, [write_jsonl(tmp_path / "a.jsonl", records)])
    assert dict(query(ws, "SELECT id, posted_at FROM posts")) == {
        "a": datetime(2024, 3, 1, 9),
        "b": datetime(2024, 3, 1, 10),
        "d": None,
    }
    assert report.quarantine_by_reason == {"bad_posted_at": 1}
    assert query(ws, "SELECT line, reason FROM quarantine") == [
        (3, "bad_posted_at: 'yesterday' is not an ISO-8601 date-time")
    ]


def test_numbers_become_text_for_id_and_author(ws: Workspace, tmp_path: Path) -> None:
    record = {"id": 42, "text": "t", "author": 12345, "site": 1.5}
    ingest(ws, [write_jsonl(tmp_path / "a.jsonl", [record])])
    assert query(ws, "SELECT id, author, site FROM posts") == [("42", "12345", "1.5")]


def test_blank_lines_are_not_records_and_lines_count_physically(
    ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'\n{"text": "one"}\n   \n\r\n{"text": "two", "id": "x"}\r\n')
    report = ingest(ws, [path])
    assert report.records_read == 2
    assert sorted(row[0] for row in query(ws, "SELECT line FROM posts")) == [2, 5]


def test_jsonl_with_bom_and_crlf(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "1", "text": "caf\xc3\xa9"}\r\n{"id": "2", "text": "b"}')
    report = ingest(ws, [path])
    assert report.records_read == 2 and report.quarantined == 0
    assert query(ws, "SELECT text FROM posts ORDER BY id") == [("café",), ("b",)]


def test_stray_bom_of_concatenated_files_is_tolerated(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "cat.jsonl"
    path.write_bytes(b'{"id": "1", "text": "a"}\n\xef\xbb\xbf{"id": "2", "text": "b"}\n')
    assert ingest(ws, [path]).records_read == 2


# ----------------------------------------------------------------------------- CSV


def test_csv_fields_images_and_empty_cells(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ads.csv",
        ["id", "text", "title", "images", "posted_at", "phone_seen"],
        [
            ["c1", "first ad", "", "a.jpg|b.jpg", "2024-01-01T00:00:00+01:00", "yes"],
            ["c2", "second ad", "Hi", '["x.jpg", "y.jpg"]', "", ""],
            ["c3", "third\nad with a newline", "T", "", "", ""],
        ],
    )
    report = ingest(ws, [path])
    assert report.records_read == 3 and report.quarantined == 0
    rows = query(
        ws, "SELECT id, text, title, images, posted_at, extra, line FROM posts ORDER BY id"
    )
    assert rows[0][:5] == ("c1", "first ad", None, ["a.jpg", "b.jpg"], datetime(2023, 12, 31, 23))
    assert rows[0][5:] == ('{"phone_seen":"yes"}', 2)
    assert rows[1][3] == ["x.jpg", "y.jpg"] and rows[1][2] == "Hi" and rows[1][5] is None
    assert rows[2][1] == "third\nad with a newline" and rows[2][6] == 4


def test_csv_line_is_the_physical_line_a_record_starts_on(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text('id,text\n1,"a\nb\nc"\n\n2,d\n3,"e",extra\n', encoding="utf-8")
    report = ingest(ws, [path])
    assert dict(query(ws, "SELECT id, line FROM posts")) == {"1": 2, "2": 6}
    assert query(ws, "SELECT line, reason FROM quarantine") == [
        (7, "bad_columns: expected 2 fields, got 3")
    ]
    assert report.records_read == 2 and report.quarantined == 1


def test_csv_delimiters_are_sniffed_and_tsv_is_tab(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "semi.csv").write_text("id;text\ns1;hello, world\n", encoding="utf-8")
    (tmp_path / "tabs.tsv").write_text("id\ttext\nt1\tone, two; three\n", encoding="utf-8")
    ingest(ws, [tmp_path / "semi.csv", tmp_path / "tabs.tsv"])
    assert dict(query(ws, "SELECT id, text FROM posts")) == {
        "s1": "hello, world",
        "t1": "one, two; three",
    }


def test_csv_with_bom_and_a_repeated_header_column(ws: Workspace, tmp_path: Path) -> None:
    good = tmp_path / "bom.csv"
    good.write_bytes(b"\xef\xbb\xbfid,text\r\nb1,caf\xc3\xa9\r\n")
    ingest(ws, [good])
    assert query(ws, "SELECT id, text FROM posts") == [("b1", "café")]
    bad = tmp_path / "twice.csv"
    bad.write_text("text,text\na,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="repeats column"):
        ingest(ws, [bad])


def test_csv_header_only_reads_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("id,text\n", encoding="utf-8")
    report = ingest(ws, [path])
    assert report.nothing_read and report.records_read == 0 and report.quarantined == 0


# ----------------------------------------------------------------------------- Parquet


def test_parquet_rows_types_and_row_numbers(ws: Workspace, tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": ["p1", "p2", "p3"],
            "text": ["one", None, "three"],
            "posted_at": pa.array(
                [datetime(2024, 5, 1, 12), None, datetime(2024, 5, 2)],
                type=pa.timestamp("ms", tz="America/New_York"),
            ),
            "images": [["a.png"], [], None],
            "score": [1.5, 2.0, None],
        }
    )
    path = tmp_path / "ads.parquet"
    pq.write_table(table, path)
    report = ingest(ws, [path])
    assert report.records_read == 2
    assert report.quarantine_by_reason == {"missing_text": 1}
    rows = query(ws, "SELECT id, line, posted_at, images, extra FROM posts ORDER BY id")
    # Arrow stores tz-aware timestamps as UTC instants: 12:00 UTC stays 12:00 UTC.
    assert rows[0] == ("p1", 1, datetime(2024, 5, 1, 12), ["a.png"], '{"score":1.5}')
    assert rows[1][:2] == ("p3", 3) and rows[1][3] is None
    assert query(ws, "SELECT line, reason FROM quarantine") == [
        (2, "missing_text: the record has no text")
    ]


def test_parquet_wrong_text_type_is_quarantined(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "ints.parquet"
    pq.write_table(pa.table({"text": [1, 2]}), path)
    report = ingest(ws, [path])
    assert report.nothing_read
    assert report.quarantine_by_reason == {"bad_type": 2}


# ----------------------------------------------------------------------------- discovery


def test_directory_is_read_recursively_in_sorted_order(ws: Workspace, tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "b").mkdir(parents=True)
    (root / ".hidden").mkdir()
    write_jsonl(root / "b" / "2.jsonl", [{"id": "same", "text": "second file"}])
    write_jsonl(root / "a.jsonl", [{"id": "same", "text": "first file"}])
    write_jsonl(root / ".hidden" / "x.jsonl", [{"text": "hidden"}])
    (root / "notes.txt").write_text("not data", encoding="utf-8")
    report = ingest(ws, [root])
    assert report.files == 2
    assert query(ws, "SELECT text FROM posts") == [("first file",)]  # a.jsonl sorts first
    assert report.quarantine_by_reason == {"id_conflict": 1}
    assert any("skipped 1 file" in warning for warning in report.warnings)


def test_missing_input_and_empty_directory_are_clear_errors(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="input not found"):
        ingest(ws, [tmp_path / "nope.jsonl"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no JSONL, CSV or Parquet"):
        ingest(ws, [tmp_path / "empty"])
    with pytest.raises(InputError, match="no input"):
        ingest(ws, [])
    assert counts(ws) == (0, 0, 0, 0)


def test_utf16_input_is_refused_with_advice(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "u16.jsonl"
    path.write_bytes('{"text": "x"}\n'.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        ingest(ws, [path])


def test_format_is_sniffed_without_or_with_a_wrong_extension(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "noext", [{"text": "a"}])
    (tmp_path / "table").write_text("id,text\n1,a\n", encoding="utf-8")
    pq.write_table(pa.table({"text": ["a"]}), tmp_path / "pq.csv")
    write_jsonl(tmp_path / "lines.csv", [{"text": "a"}])
    files, warnings = discover(
        [tmp_path / "noext", tmp_path / "table", tmp_path / "pq.csv", tmp_path / "lines.csv"]
    )
    assert [file.format for file in files] == ["jsonl", "csv", "parquet", "jsonl"]
    assert len(warnings) == 2 and all("extension" in warning for warning in warnings)


def test_same_file_named_twice_is_read_once(ws: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "x"}])
    report = ingest(ws, [path, tmp_path / "." / "a.jsonl", tmp_path])
    assert report.files == 1 and report.records_read == 1
    assert any("more than once" in warning for warning in report.warnings)


def test_gzip_jsonl_and_csv_and_progress_adds_up_to_input_size(
    ws: Workspace, tmp_path: Path
) -> None:
    records = [{"id": str(i), "text": f"ad number {i}"} for i in range(50)]
    jsonl_gz = tmp_path / "a.jsonl.gz"
    jsonl_gz.write_bytes(gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in records)))
    csv_gz = tmp_path / "b.csv.gz"
    csv_gz.write_bytes(gzip.compress(b"id,text\nz1,zed\nz2,zee\n"))
    seen: list[int] = []
    report = ingest(
        ws, [jsonl_gz, csv_gz], settings=IngestSettings(batch_size=7), progress=seen.append
    )
    assert report.records_read == 52
    assert sum(seen) == jsonl_gz.stat().st_size + csv_gz.stat().st_size
    assert sum(seen) == input_size([tmp_path])
    assert all(step > 0 for step in seen)


def test_progress_advances_while_a_large_file_is_read(ws: Workspace, tmp_path: Path) -> None:
    record = orjson.dumps({"text": "x" * 900}) + b"\n"
    path = tmp_path / "big.jsonl"
    path.write_bytes(record * 3000)  # about 2.7 MB: several read blocks
    seen: list[int] = []
    ingest(ws, [path], settings=IngestSettings(batch_size=500), progress=seen.append)
    assert len(seen) >= 3 and sum(seen) == path.stat().st_size


def test_truncated_gzip_keeps_what_was_read_and_quarantines_the_rest(
    ws: Workspace, tmp_path: Path
) -> None:
    data = b"".join(orjson.dumps({"id": str(i), "text": "x" * 50}) + b"\n" for i in range(2000))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(data)[:-200])
    report = ingest(ws, [path])
    assert report.records_read > 0
    assert report.quarantine_by_reason == {"unreadable_file": 1}


# ----------------------------------------------------------------------------- mapping


def test_field_map_reads_other_column_names(ws: Workspace, tmp_path: Path) -> None:
    records = [{"ad_id": "m1", "body": "mapped text", "text": "old column", "city": "Austin"}]
    report = ingest(
        ws,
        [write_jsonl(tmp_path / "a.jsonl", records)],
        field_map={"text": "body", "id": "ad_id", "location": "city"},
    )
    assert report.warnings == ()
    row = query(ws, "SELECT id, text, location, extra FROM posts")[0]
    assert row[:3] == ("m1", "mapped text", "Austin")
    assert json.loads(row[3]) == {"text": "old column"}  # unmapped column kept in extra


def test_mapping_to_a_column_never_seen_is_a_warning(ws: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "x", "title": "t"}])
    report = ingest(ws, [path], field_map={"title": "headline"})
    assert report.warnings == ("mapping title=headline: no input record has a column 'headline'",)
    assert json.loads(query(ws, "SELECT extra FROM posts")[0][0]) == {"title": "t"}


def test_csv_header_counts_as_seen_for_the_mapping(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ["body", "headline"], [["text here", ""]])
    report = ingest(ws, [path], field_map={"text": "body", "title": "headline"})
    assert report.warnings == ()
    assert query(ws, "SELECT text, title FROM posts") == [("text here", None)]


@pytest.mark.parametrize(
    ("field_map", "message"),
    [
        ({"body": "text"}, "unknown field"),
        ({"text": ""}, "empty"),
        ({"text": "body", "title": "body"}, "more than one field"),
    ],
)
def test_bad_mappings_are_errors_before_anything_is_written(
    ws: Workspace, tmp_path: Path, field_map: dict[str, str], message: str
) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "x"}])
    with pytest.raises(InputError, match=message):
        ingest(ws, [path], field_map=field_map)
    assert counts(ws) == (0, 0, 0, 0)


# ----------------------------------------------------------------------------- ids and duplicates


def test_content_hash_id_follows_the_documented_definition(ws: Workspace, tmp_path: Path) -> None:
    record = {"text": "no id here", "title": "", "site": None, "images": ["a.jpg"], "k": 1}
    ingest(ws, [write_jsonl(tmp_path / "a.jsonl", [record])])
    expected = content_hash({"text": "no id here", "images": ["a.jpg"], "k": 1})
    canonical = b'{"images":["a.jpg"],"k":1,"text":"no id here"}'
    assert expected == __import__("hashlib").sha256(canonical).hexdigest()
    assert query(ws, "SELECT id, content_hash FROM posts") == [(expected, expected)]


def test_content_hash_ignores_key_order_nulls_and_the_format(ws: Workspace, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"title": "T", "text": "same ad", "author": None}])
    write_csv(tmp_path / "b.csv", ["text", "title", "author"], [["same ad", "T", ""]])
    report = ingest(ws, [tmp_path / "a.jsonl", tmp_path / "b.csv"])
    assert report.posts_added == 1 and report.duplicates_collapsed == 1
    assert ws.count("post_occurrences") == 2


def test_exact_duplicates_collapse_and_every_occurrence_is_kept(
    ws: Workspace, tmp_path: Path
) -> None:
    records = [AD, {"text": "other", "id": "ad-2"}, AD, AD]
    path = write_jsonl(tmp_path / "a.jsonl", records)
    other = write_jsonl(tmp_path / "b.jsonl", [AD])
    report = ingest(ws, [path, other], settings=IngestSettings(batch_size=2))
    assert (report.records_read, report.posts_added, report.duplicates_collapsed) == (5, 2, 3)
    occurrences = query(ws, "SELECT source, line FROM post_occurrences WHERE post_id = 'ad-1'")
    assert sorted((Path(source).name, line) for source, line in occurrences) == [
        ("a.jsonl", 1), ("a.jsonl", 3), ("a.jsonl", 4), ("b.jsonl", 1),
    ]  # fmt: skip
    assert query(ws, "SELECT line FROM posts WHERE id = 'ad-1'") == [(1,)]


def test_same_text_under_different_ids_are_separate_posts(ws: Workspace, tmp_path: Path) -> None:
    records = [{"id": "r1", "text": "repost"}, {"id": "r2", "text": "repost"}]
    report = ingest(ws, [write_jsonl(tmp_path / "a.jsonl", records)])
    assert report.posts_added == 2 and report.duplicates_collapsed == 0


def test_id_reused_with_different_content_is_quarantined_not_overwritten(
    ws: Workspace, tmp_path: Path
) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [{"id": "k", "text": "original"}])
    ingest(ws, [first])
    second = write_jsonl(
        tmp_path / "b.jsonl",
        [{"id": "k", "text": "changed"}, {"id": "k", "text": "original"}, {"id": "n", "text": "x"}],
    )
    report = ingest(ws, [second])
    assert report.quarantine_by_reason == {"id_conflict": 1}
    assert report.posts_added == 1 and report.duplicates_collapsed == 1
    assert query(ws, "SELECT text FROM posts WHERE id = 'k'") == [("original",)]
    ((line, reason, excerpt),) = query(ws, "SELECT line, reason, raw_excerpt FROM quarantine")
    assert line == 1 and reason.startswith("id_conflict: id 'k' already names a post")
    assert str(first.resolve()) in reason and "changed" in excerpt


def test_conflict_inside_one_batch_keeps_the_first_record(ws: Workspace, tmp_path: Path) -> None:
    records = [{"id": "k", "text": "one"}, {"id": "k", "text": "two"}, {"id": "k", "text": "one"}]
    report = ingest(ws, [write_jsonl(tmp_path / "a.jsonl", records)])
    assert query(ws, "SELECT text FROM posts") == [("one",)]
    assert report.duplicates_collapsed == 1 and report.quarantine_by_reason == {"id_conflict": 1}


# ----------------------------------------------------------------------------- idempotence


def test_re_ingest_is_idempotent_and_says_already_present(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        orjson.dumps(AD)
        + b"\n"
        + orjson.dumps(AD)
        + b"\nnot json\n"
        + b'{"id": "k", "text": "b"}\n'
    )
    first = ingest(ws, [path])
    before = [query(ws, f"SELECT * FROM {t} ORDER BY ALL") for t in ("posts", "quarantine")]
    second = ingest(ws, [path])
    after = [query(ws, f"SELECT * FROM {t} ORDER BY ALL") for t in ("posts", "quarantine")]
    assert before == after
    assert ws.count("post_occurrences") == 3
    assert (first.posts_added, first.duplicates_collapsed, first.quarantined) == (2, 1, 1)
    assert (second.posts_added, second.duplicates_collapsed, second.quarantine_added) == (0, 0, 0)
    assert second.already_present == 4
    assert second.records_read == 3 and second.quarantined == 1
    assert ws.count("runs") == 2


def test_fixed_quarantined_line_is_read_on_the_next_run(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "good"}\n{"text": oops}\n', encoding="utf-8")
    ingest(ws, [path])
    assert ws.count("quarantine") == 1
    path.write_text('{"text": "good"}\n{"text": "fixed"}\n', encoding="utf-8")
    report = ingest(ws, [path])
    assert report.posts_added == 1 and report.already_present == 1
    assert ws.count("quarantine") == 0 and ws.count("posts") == 2


def test_a_changed_post_line_is_an_error_and_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": "before"}])
    ingest(ws, [path])
    before = counts(ws)
    write_jsonl(path, [{"id": "1", "text": "after"}, {"text": "new line"}])
    with pytest.raises(InputError, match="changed since an earlier ingest"):
        ingest(ws, [path])
    assert counts(ws) == before
    assert query(ws, "SELECT text FROM posts") == [("before",)]


def test_appended_lines_are_read_on_the_next_run(ws: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "one"}])
    ingest(ws, [path])
    write_jsonl(path, [{"text": "one"}, {"text": "two"}])
    report = ingest(ws, [path])
    assert (report.already_present, report.posts_added) == (1, 1)


def test_run_is_recorded_with_counts_and_settings(ws: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"body": "x"}])
    report = ingest(ws, [path], field_map={"text": "body"}, settings=IngestSettings(batch_size=3))
    ((stage, settings_json, counts_json),) = query(ws, "SELECT stage, settings, counts FROM runs")
    assert stage == "ingest"
    assert json.loads(settings_json)["ingest"]["batch_size"] == 3
    assert json.loads(settings_json)["field_map"] == {"text": "body"}
    assert json.loads(counts_json) == report.to_dict()


def test_public_constants_describe_the_contract() -> None:
    assert FIELDS[:2] == ("id", "text") and "images" in FIELDS
    assert len(set(REASONS)) == len(REASONS) and "id_conflict" in REASONS
    docs = (Path(__file__).resolve().parents[1] / "docs" / "ingest.md").read_text()
    missing = [code for code in REASONS if f"`{code}`" not in docs]
    assert not missing, f"reason codes missing from docs/ingest.md: {missing}"
