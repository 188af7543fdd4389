"""`threadline screen` (cli_screen.screen_app): TEXT, stdin and JSONL files, the JSON contract."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from threadline.cli import app
from threadline.cli_screen import screen_app

runner = CliRunner()
AD = "Lexi 16yo, new in town. Text my manager."


def test_text_argument_gives_one_json_object() -> None:
    result = runner.invoke(screen_app, ["screen", AD, "--json"])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    body = orjson.loads(line)
    assert body["band"] == "high" and 0 <= body["score"] <= 1
    for flag in body["flags"]:
        assert set(flag) >= {"code", "label", "category", "strength", "span", "matched", "source"}
        assert AD[flag["span"][0] : flag["span"][1]] == flag["matched"]


def test_profile_and_title_options() -> None:
    result = runner.invoke(
        screen_app,
        ["screen", "Deposit required", "--json", "--profile", "job", "--title", "Mia 17yo"],
    )
    body = orjson.loads(result.stdout)
    assert body["profile"] == "job"
    assert {flag["code"] for flag in body["flags"]} == {"JB.RECRUITMENT_FEE", "YO.CLAIMED_MINOR"}
    bad = runner.invoke(screen_app, ["screen", "x", "--profile", "dating"])
    assert bad.exit_code == 2 and "profile must be one of" in bad.stderr


def test_jsonl_file_gives_one_line_per_record_and_keeps_bad_lines(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text(
        "\n".join(
            [
                '{"id": "a", "text": "Passport will be held for safekeeping."}',
                "{broken",
                '{"id": "c", "text": "Warehouse staff, apply online"}',
                "",
                '{"id": "d"}',
                '{"id": "e", "text": "new in town", "title": "Sweet 19yo"}',
            ]
        ),
        encoding="utf-8",
    )
    result = runner.invoke(screen_app, ["screen", str(source), "--json"])
    assert result.exit_code == 1
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id", line["line"]) for line in lines] == ["a", 2, "c", 5, "e"]
    assert lines[0]["flagged"] is True
    assert "not valid JSON" in lines[1]["error"]
    assert "'text'" in lines[3]["error"]
    assert {flag["field"] for flag in lines[4]["flags"]} == {"text", "title"}
    assert "2 record(s) could not be screened" in result.stderr


def test_stdin_jsonl_and_stdin_text() -> None:
    jsonl = runner.invoke(
        screen_app, ["screen", "-", "--json"], input='{"id": "x", "text": "barely legal"}\n'
    )
    assert jsonl.exit_code == 0
    assert orjson.loads(jsonl.stdout)["id"] == "x"
    text = runner.invoke(screen_app, ["screen", "-", "--json"], input="barely legal\nnew in town")
    body = orjson.loads(text.stdout)
    assert {"YO.BARELY_LEGAL", "MV.MOVEMENT"} <= {flag["code"] for flag in body["flags"]}


def test_plain_text_file_is_one_post(tmp_path: Path) -> None:
    source = tmp_path / "ad.txt"
    source.write_text(AD, encoding="utf-8")
    result = runner.invoke(screen_app, ["screen", str(source), "--json"])
    assert orjson.loads(result.stdout)["band"] == "high"


def test_human_output_names_the_flags(tmp_path: Path) -> None:
    result = runner.invoke(screen_app, ["screen", AD])
    assert result.exit_code == 0
    assert "YO.CLAIMED_MINOR" in result.stdout and "score" in result.stdout
    source = tmp_path / "p.jsonl"
    source.write_text('{"id": "q", "text": "my girls"}\n', encoding="utf-8")
    listing = runner.invoke(screen_app, ["screen", str(source)])
    assert "q: score" in listing.stdout and "TP.THIRD_PERSON" in listing.stdout


def test_non_utf8_file_and_oversized_text_are_clear_errors(tmp_path: Path) -> None:
    source = tmp_path / "latin1.txt"
    source.write_bytes("año".encode("latin-1"))
    result = runner.invoke(screen_app, ["screen", str(source)])
    assert result.exit_code == 2 and "not UTF-8" in result.stderr
    big = runner.invoke(screen_app, ["screen", "x" * 20_001])
    assert big.exit_code == 2 and "characters" in big.stderr


def test_screen_eval_on_a_small_corpus(tmp_path: Path) -> None:
    from threadline.synth import write_corpus

    posts, truth = tmp_path / "p.jsonl", tmp_path / "t.json"
    write_corpus(400, 3, posts, truth)
    result = runner.invoke(
        app, ["evaluate", "screening", "--posts", str(posts), "--truth", str(truth), "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = orjson.loads(result.stdout)
    assert figures["posts"] == 400 and 0.5 < figures["roc_auc"] <= 1.0
    human = runner.invoke(
        app, ["evaluate", "screening", "--posts", str(posts), "--truth", str(truth)]
    )
    assert "ROC-AUC" in human.stdout
    missing = runner.invoke(
        app, ["evaluate", "screening", "--posts", str(tmp_path / "no"), "--truth", str(truth)]
    )
    assert missing.exit_code == 2 and "file not found" in missing.stderr
    mismatched = runner.invoke(
        app, ["evaluate", "screening", "--posts", str(truth), "--truth", str(truth)]
    )
    assert mismatched.exit_code == 2


def test_serve_binds_loopback_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn
    from fastapi import FastAPI

    calls: list[tuple[object, dict[str, object]]] = []

    def fake_run(app: object, **kwargs: object) -> None:
        calls.append((app, kwargs))

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = runner.invoke(
        screen_app, ["serve", "--port", "8123", "--db", str(tmp_path / "app.sqlite")]
    )
    assert result.exit_code == 0, result.output
    ((app, kwargs),) = calls
    assert isinstance(app, FastAPI)
    assert kwargs["host"] == "127.0.0.1" and kwargs["port"] == 8123
    # No users yet: serve says how to create one (everything needs sign-in).
    assert "threadline users add" in result.output
