"""The ``screen`` step of ``analyze`` over a real DuckDB workspace: the stored flags are what
``threadline.screen`` says, spans index the stored text, runs resume, a crash loses nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

import threadline
from threadline.ingest import ingest
from threadline.pipeline import analyze
from threadline.screening import indicator_rows, screen_many
from threadline.settings import ExtractSettings, Settings
from threadline.steps import screen as screen_steps
from threadline.synth import generate
from threadline.workspace import Workspace

SETTINGS = Settings(extract=ExtractSettings(workers=1))


def _workspace(root: Path, n: int, seed: int) -> tuple[Path, list[dict[str, Any]]]:
    records = [record for record, _ in generate(n, seed)]
    (root / "posts.jsonl").write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    path = root / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [root / "posts.jsonl"])
    return path, records


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    path, records = _workspace(tmp_path_factory.mktemp("screened"), 1200, 5)
    with Workspace.open(path) as ws:
        reports = analyze(ws, SETTINGS, stages=("extract", "screen"))
    counts = reports[-1].counts
    assert counts["posts"] == len(records)
    assert counts["identifiers"] == "stored"
    return path, records


def _stored(path: Path) -> tuple[dict[str, tuple[Any, ...]], dict[str, list[tuple[Any, ...]]]]:
    with Workspace.open(path, read_only=True) as ws:
        screens = {
            row[0]: row[1:]
            for row in ws.engine.fetchall(
                "SELECT post_id, score, band, profile, flagged, flag_count FROM screens"
            )
        }
        flags: dict[str, list[tuple[Any, ...]]] = {}
        for row in ws.engine.fetchall(
            "SELECT post_id, field, code, start_offset, end_offset, matched FROM flags "
            "ORDER BY post_id, field, start_offset, end_offset, code"
        ):
            flags.setdefault(row[0], []).append(row[1:])
    return screens, flags


def test_stored_screens_equal_the_library_function(
    screened: tuple[Path, list[dict[str, Any]]],
) -> None:
    path, records = screened
    screens, flags = _stored(path)
    assert set(screens) == {record["id"] for record in records}
    results = screen_many(
        [(r["text"], {"title": r["title"]} if r.get("title") else None) for r in records]
    )
    for record, result in zip(records, results, strict=True):
        score, band, profile, flagged, flag_count = screens[record["id"]]
        assert score == pytest.approx(result.score)
        assert (band, profile, flagged, flag_count) == (
            result.band,
            result.profile,
            result.flagged,
            len(result.flags),
        )
        expected = sorted((f.field, f.code, f.start, f.end, f.matched) for f in result.flags)
        assert sorted(flags.get(record["id"], [])) == expected
    assert any(result.flagged for result in results)
    assert not all(result.flagged for result in results)


def test_flag_spans_index_the_stored_text(screened: tuple[Path, list[dict[str, Any]]]) -> None:
    path, records = screened
    by_id = {record["id"]: record for record in records}
    _, flags = _stored(path)
    assert flags
    for post_id, rows in flags.items():
        for field, _code, start, end, matched in rows:
            assert by_id[post_id][field][start:end] == matched


def test_indicators_table_explains_every_code(
    screened: tuple[Path, list[dict[str, Any]]],
) -> None:
    path, _ = screened
    with Workspace.open(path, read_only=True) as ws:
        orphans = ws.engine.scalar(
            "SELECT count(*) FROM flags f ANTI JOIN indicators i ON f.code = i.code"
        )
        codes = {row[0] for row in ws.engine.fetchall("SELECT code FROM indicators")}
    assert orphans == 0
    assert codes == {row["code"] for row in indicator_rows()}


def test_a_second_run_screens_only_new_posts(tmp_path: Path) -> None:
    path, records = _workspace(tmp_path, 300, 8)
    with Workspace.open(path) as ws:
        first = analyze(ws, SETTINGS, stages=("screen",))[0].counts
        again = analyze(ws, SETTINGS, stages=("screen",))[0].counts
        assert ws.count("screens") == len(records)
    # Without the extract stage, screening extracts the identifiers it needs itself.
    assert first["posts"] == len(records)
    assert first["identifiers"] == "extracted"
    assert again["posts"] == 0


def test_a_crash_mid_run_leaves_whole_chunks_and_the_next_run_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, records = _workspace(tmp_path, 250, 9)
    real = screen_steps.screen_columns
    calls = 0

    def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("simulated crash")
        return real(*args, **kwargs)

    monkeypatch.setattr(screen_steps, "screen_columns", failing)
    with Workspace.open(path) as ws, pytest.raises(RuntimeError, match="simulated crash"):
        screen_steps.screen_step(ws, chunk_size=100)
    with Workspace.open(path) as ws:
        assert ws.count("screens") == 200
        # No flag of a post that has no screens row.
        assert ws.engine.scalar("SELECT count(*) FROM flags ANTI JOIN screens USING (post_id)") == 0
        monkeypatch.setattr(screen_steps, "screen_columns", real)
        report = screen_steps.screen_step(ws, chunk_size=100)
        assert report.counts["posts"] == len(records) - 200
        assert ws.count("screens") == len(records)
        assert ws.engine.scalar("SELECT count(DISTINCT post_id) FROM screens") == len(records)


def test_bad_chunk_size_is_refused(tmp_path: Path) -> None:
    path, _ = _workspace(tmp_path, 5, 1)
    with Workspace.open(path) as ws, pytest.raises(ValueError, match="chunk_size"):
        screen_steps.screen_step(ws, chunk_size=0)
    with Workspace.open(path) as ws, pytest.raises(ValueError, match="workers"):
        screen_steps.screen_step(ws, workers=0)


def test_worker_processes_store_what_one_process_stores(
    tmp_path: Path, screened: tuple[Path, list[dict[str, Any]]]
) -> None:
    """Two workers, many chunks (results come back out of step): the same rows as the
    single-process run of the module fixture, stored identifiers and all."""
    path, records = _workspace(tmp_path, 1200, 5)
    with Workspace.open(path) as ws:
        analyze(ws, SETTINGS, stages=("extract",))
        report = screen_steps.screen_step(ws, chunk_size=97, workers=2)
    assert report.counts["posts"] == len(records)
    assert report.counts["identifiers"] == "stored"
    single_screens, single_flags = _stored(screened[0])
    assert _stored(path) == (single_screens, single_flags)
    assert report.counts["flagged"] == sum(1 for row in single_screens.values() if row[3])
    assert report.counts["flags"] == sum(len(rows) for rows in single_flags.values())


def test_screen_is_the_top_level_api() -> None:
    result = threadline.screen("barely legal, new in town, ask my manager for rates")
    assert result.flagged
    assert {flag.code for flag in result.flags}
