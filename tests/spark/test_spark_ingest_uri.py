"""Inputs named by a file-system URI are listed and read through Spark (Hadoop's file systems),
with the same reader, so they give the same posts and quarantine as the same files by path."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from threadline.errors import InputError

STAMP = datetime(2026, 11, 23, 12, 0, 0)


def _corpus(root: Path) -> Path:
    inputs = root / "in"
    (inputs / "nested").mkdir(parents=True)
    posts = [
        {"id": f"p-{n}", "text": f"New in town, call 415 555 {1000 + n:04d}", "location": "Reno"}
        for n in range(30)
    ]
    lines = [orjson.dumps(post) for post in posts[:20]] + [b"{broken", orjson.dumps(posts[0])]
    (inputs / "a.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    with gzip.open(inputs / "nested" / "b.jsonl.gz", "wb") as handle:
        handle.write(b"\n".join(orjson.dumps(post) for post in posts[20:]) + b"\n")
    (inputs / "c.csv").write_text("id,text\nc-1,Sweet and fun call me\nc-2,\n", encoding="utf-8")
    (inputs / "notes.txt").write_text("not data", encoding="utf-8")
    (inputs / ".hidden.jsonl").write_text('{"id": "h", "text": "hidden"}\n', encoding="utf-8")
    return inputs


def _tables(spark: Any, paths: list[str | Path]) -> tuple[Any, ...]:
    from threadline.spark.ingest import ingest

    result = ingest(spark, paths, ingested_at=STAMP)
    posts = sorted(
        (r["id"], r["text"], r["location"], r["content_hash"], Path(r["source"]).name, r["line"])
        for r in result.posts.collect()
    )
    quarantine = sorted(
        (Path(r["source"]).name, r["line"], r["reason"].split(":")[0])
        for r in result.quarantine.collect()
    )
    occurrences = sorted(
        (Path(r["source"]).name, r["line"], r["post_id"]) for r in result.occurrences.collect()
    )
    sources = {r["source"] for r in result.posts.collect()}
    return posts, quarantine, occurrences, result.counts, sources, result.warnings


def test_a_uri_reads_the_same_records_as_the_path(spark: Any, tmp_path: Path) -> None:
    inputs = _corpus(tmp_path)
    by_path = _tables(spark, [inputs])
    by_uri = _tables(spark, [inputs.resolve().as_uri()])
    assert by_uri[:4] == by_path[:4]
    posts, quarantine, _, counts, _, _ = by_uri
    assert len(posts) == 31  # 30 ads and the CSV's c-1; the repeat of p-0 is an occurrence
    assert ("a.jsonl", 21, "bad_json") in quarantine and ("c.csv", 3, "missing_text") in quarantine
    assert counts["files"] == 3 and counts["duplicates_collapsed"] == 1
    # Rows read through the URI keep the URI as their source (where an analyst finds the file).
    assert all(source.startswith("file:") for source in by_uri[4])
    assert all(source.startswith("/") for source in by_path[4])
    assert any("notes.txt" in warning for warning in by_uri[5])


def test_a_path_and_a_uri_together(spark: Any, tmp_path: Path) -> None:
    inputs = _corpus(tmp_path)
    posts, _, _, counts, _, _ = _tables(
        spark, [inputs / "a.jsonl", (inputs / "nested").resolve().as_uri()]
    )
    assert counts["files"] == 2
    assert {post[0] for post in posts} == {f"p-{n}" for n in range(30)}


def test_a_missing_uri_is_a_clear_error(spark: Any, tmp_path: Path) -> None:
    from threadline.spark.ingest import ingest

    with pytest.raises(InputError, match="cannot list"):
        ingest(spark, [(tmp_path / "nowhere").as_uri()], ingested_at=STAMP)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("nothing to read", encoding="utf-8")
    with pytest.raises(InputError, match="holds no JSONL, CSV or Parquet"):
        ingest(spark, [empty.as_uri()], ingested_at=STAMP)


def test_uri_detection() -> None:
    from threadline.spark.ingest import is_uri

    assert is_uri("hdfs://namenode:8020/ads") and is_uri("s3a://bucket/ads/part-0.jsonl")
    assert is_uri("file:///tmp/ads")
    assert not is_uri("/tmp/ads") and not is_uri("ads/part-0.jsonl") and not is_uri(Path("x"))
