"""The analyze pipeline over a real DuckDB workspace: extract stage, resumption, atomicity."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from threadline.extract import extract
from threadline.ingest import ingest
from threadline.pipeline import analyze, extract_stage
from threadline.settings import ExtractSettings, Settings
from threadline.workspace import Workspace

POSTS = [
    {"id": "a", "text": "Lexi 19yo call 212-555-0123, SC: lexi_x", "location": "Houston, TX"},
    {"id": "b", "text": "New girl Mia, two one two 555 o1two3", "title": "Mia 212.555.0123"},
    {"id": "c", "text": "Call 020 7946 0958 tonight", "location": "London, UK"},
    {"id": "d", "text": "nothing to see here"},
]


def _workspace(tmp_path: Path, posts: list[dict[str, str]]) -> Workspace:
    source = tmp_path / "posts.jsonl"
    source.write_bytes(b"".join(orjson.dumps(post) + b"\n" for post in posts))
    ws = Workspace.open(tmp_path / "w.duckdb")
    ingest(ws, [source])
    return ws


def test_extract_stage_stores_what_extract_finds(tmp_path: Path) -> None:
    with _workspace(tmp_path, POSTS) as ws:
        reports = analyze(ws, Settings(extract=ExtractSettings(workers=1)))
        assert reports[0].counts["posts"] == 4
        rows = ws.engine.fetchall(
            "SELECT post_id, field, kind, value, canonical, start_offset, end_offset "
            "FROM identifiers ORDER BY post_id, field, start_offset"
        )
        expected = []
        for post in POSTS:
            region = "GB" if post.get("location") == "London, UK" else "US"
            for field in ("text", "title"):
                if field in post:
                    for i in extract(post[field], region=region):
                        expected.append(
                            (post["id"], field, i.kind, i.value, i.canonical, i.start, i.end)
                        )
        assert sorted(rows) == sorted(expected)
        phones = {r[4] for r in rows if r[2] == "phone"}
        assert phones == {"+12125550123", "+442079460958"}
        regions = dict(ws.engine.fetchall("SELECT post_id, region FROM extracted_posts"))
        assert regions == {"a": "US", "b": "US", "c": "GB", "d": "US"}
        assert ws.engine.scalar("SELECT count(*) FROM runs WHERE stage = 'extract'") == 1


def test_analyze_resumes_and_does_not_extract_twice(tmp_path: Path) -> None:
    with _workspace(tmp_path, POSTS) as ws:
        analyze(ws, Settings(extract=ExtractSettings(workers=1)))
        before = ws.count("identifiers")
        again = analyze(ws, Settings(extract=ExtractSettings(workers=1)))
        assert again[0].counts["posts"] == 0
        assert ws.count("identifiers") == before


def test_parallel_workers_give_the_same_rows(tmp_path: Path) -> None:
    posts = [
        {"id": f"p{i:04d}", "text": f"call 212-555-01{i % 100:02d} now, {i % 30 + 18}yo"}
        for i in range(300)
    ]
    serial_dir, parallel_dir = tmp_path / "serial", tmp_path / "parallel"
    serial_dir.mkdir()
    parallel_dir.mkdir()
    query = "SELECT * EXCLUDE (post_id), post_id FROM identifiers ORDER BY ALL"
    with _workspace(serial_dir, posts) as ws:
        extract_stage(ws, ExtractSettings(workers=1, chunk_size=50))
        serial = ws.engine.fetchall(query)
    with _workspace(parallel_dir, posts) as ws:
        extract_stage(ws, ExtractSettings(workers=2, chunk_size=50))
        parallel = ws.engine.fetchall(query)
    assert serial == parallel
    assert len(serial) == 600


def test_interrupted_extract_leaves_whole_posts_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = [{"id": f"p{i:03d}", "text": f"call 212-555-01{i % 100:02d}"} for i in range(120)]
    with _workspace(tmp_path, posts) as ws:
        import threadline.pipeline as pipeline

        real = pipeline._extract_chunk
        calls = {"n": 0}

        def failing(rows, region):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("worker died")
            return real(rows, region)

        monkeypatch.setattr(pipeline, "_extract_chunk", failing)
        with pytest.raises(RuntimeError):
            extract_stage(ws, ExtractSettings(workers=1, chunk_size=50))
        done = ws.count("extracted_posts")
        assert done == 50
        # Every post marked extracted has its identifier; no post is half done.
        assert ws.engine.scalar(
            "SELECT count(DISTINCT post_id) FROM identifiers"
        ) == ws.engine.scalar("SELECT count(*) FROM extracted_posts")
        monkeypatch.setattr(pipeline, "_extract_chunk", real)
        report = extract_stage(ws, ExtractSettings(workers=1, chunk_size=50))
        assert report.counts["posts"] == 70
        assert ws.count("identifiers") == 120


def test_unknown_stage_is_refused(tmp_path: Path) -> None:
    with _workspace(tmp_path, POSTS) as ws, pytest.raises(ValueError, match="unknown stage"):
        analyze(ws, stages=["cluster-everything"])
