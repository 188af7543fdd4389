"""The command line: a thin shell whose outputs are contracts (JSON lines, exit codes)."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from threadline.cli import app

runner = CliRunner()


def _jsonl(path: Path, records: list[object]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    return path


def test_extract_json_lines_follow_the_contract(tmp_path: Path) -> None:
    source = _jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "x1", "text": "call two one two 555 o1two3"},
            {"id": "x2", "text": "020 7946 0958", "location": "London"},
            {"id": "x3", "text": "nothing"},
        ],
    )
    result = runner.invoke(app, ["extract", str(source), "--json"])
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["x1", "x2", "x3"]
    first = lines[0]["identifiers"][0]
    assert set(first) == {"kind", "value", "canonical", "start", "end"}
    assert first["canonical"] == "+12125550123"
    assert "call two one two 555 o1two3"[first["start"] : first["end"]] == first["value"]
    assert lines[1]["identifiers"][0]["canonical"] == "+442079460958"
    assert lines[2]["identifiers"] == []


def test_extract_reads_plain_text_from_stdin() -> None:
    result = runner.invoke(app, ["extract", "-", "--json"], input="SC: jane_x\n\nkik me lexi_22\n")
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["1", "3"]
    assert lines[0]["identifiers"][0]["canonical"] == "snapchat:jane_x"


def test_extract_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_extract_bad_region_is_a_clear_error() -> None:
    result = runner.invoke(app, ["extract", "-", "--region", "USA"], input="212 555 0123\n")
    assert result.exit_code == 2
    assert "alpha-2" in result.output


def test_ingest_analyze_summary(tmp_path: Path) -> None:
    source = _jsonl(
        tmp_path / "posts.jsonl",
        [
            {"id": "a", "text": "Lexi new in town call 212-555-0123", "location": "Houston, TX"},
            {"id": "b", "text": "Mia new in town call 212.555.0123", "location": "Dallas, TX"},
            {"id": "a", "text": "Lexi new in town call 212-555-0123", "location": "Houston, TX"},
            {"id": "c", "text": "Sweet 17 yo, barely legal. My manager takes the calls."},
        ],
    )
    with source.open("ab") as handle:
        handle.write(b"{not json\n")
    workspace = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["ingest", str(source), "--workspace", str(workspace), "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["posts_added"] == 3
    assert report["duplicates_collapsed"] == 1
    assert report["quarantined"] == 1

    result = runner.invoke(app, ["analyze", "--workspace", str(workspace), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "extract" in result.stdout

    result = runner.invoke(app, ["summary", "--workspace", str(workspace), "--json"])
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.stdout)
    assert summary["posts"] == 3
    assert summary["quarantine_by_reason"] == {"bad_json": 1}
    assert summary["most_shared"][0]["canonical"] == "+12125550123"
    assert summary["most_shared"][0]["posts"] == 2
    assert summary["most_shared"][0]["locations"] == 2
    assert summary["clusters"] == 1  # the two ads differ only in name and phone layout
    assert summary["clustered_posts"] == 2
    # Only the post claiming a minor's age is flagged: "new in town" alone is a weak sign.
    assert summary["screened_posts"] == 3
    assert summary["flagged_posts"] == 1
    assert summary["screened_by_band"] == {"low": 2, "high": 1}
    assert summary["flag_categories"]["youth"] == 1
    assert "movement" not in summary["flag_categories"]

    result = runner.invoke(app, ["summary", "--workspace", str(workspace)])
    assert result.exit_code == 0, result.output
    assert "flagged for review" in result.stdout
    assert "third_party_control" in result.stdout


def test_ingest_of_nothing_readable_exits_non_zero(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text("{not json\n[1, 2]\n")
    result = runner.invoke(app, ["ingest", str(source), "--workspace", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "no record could be read" in result.output


def test_ingest_bad_map_is_a_clear_error(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "p.jsonl", [{"body": "x"}])
    result = runner.invoke(
        app, ["ingest", str(source), "--workspace", str(tmp_path / "w.duckdb"), "--map", "text"]
    )
    assert result.exit_code == 2
    assert "field=column" in result.output


def test_ingest_with_map(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "p.jsonl", [{"body": "call 212-555-0123", "ref": "r1"}])
    workspace = tmp_path / "w.duckdb"
    result = runner.invoke(
        app,
        [
            "ingest",
            str(source),
            "--workspace",
            str(workspace),
            "--map",
            "text=body",
            "--map",
            "id=ref",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["posts_added"] == 1


def test_analyze_of_a_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", "--workspace", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "no workspace" in result.output


def test_settings_prints_valid_json() -> None:
    result = runner.invoke(app, ["settings"])
    assert result.exit_code == 0
    assert orjson.loads(result.stdout)["extract"]["default_region"] == "US"
