"""The ``cluster`` step over a real DuckDB workspace, the ``clusters`` command and its contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from threadline.cli import app
from threadline.cluster import SLOT, ClusterSettings
from threadline.engine.duckdb import DuckDBEngine
from threadline.ingest import ingest
from threadline.pipeline import analyze
from threadline.settings import ExtractSettings, Settings
from threadline.steps.cluster import cluster_id, cluster_step, cluster_text, load_clusters
from threadline.synth import generate
from threadline.workspace import MIGRATIONS, Workspace, schema_version

SETTINGS = Settings(extract=ExtractSettings(workers=1))


def _corpus(path: Path, n: int, seed: int) -> list[dict[str, Any]]:
    records = [record for record, _ in generate(n, seed)]
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    return records


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("clustered")
    records = _corpus(root / "posts.jsonl", 1500, 3)
    with Workspace.open(root / "w.duckdb") as ws:
        ingest(ws, [root / "posts.jsonl"])
        analyze(ws, SETTINGS, stages=("cluster",))
    return root / "w.duckdb", records


def test_cluster_text_joins_title_and_text() -> None:
    assert cluster_text("Title", "body") == "Title\nbody"
    assert cluster_text(None, "body") == "body"
    assert cluster_text("", "body") == "body"


def test_step_stores_complete_clusters(analysed: tuple[Path, list[dict[str, Any]]]) -> None:
    path, records = analysed
    by_id = {record["id"]: record for record in records}
    with Workspace.open(path, read_only=True) as ws:
        assert ws.count("clustered_posts") == len(records)
        heads = ws.engine.fetchall(
            "SELECT cluster_id, size, template, slot_count, medoid_post_id FROM clusters"
        )
        assert len(heads) >= 10
        sizes = dict(
            ws.engine.fetchall("SELECT cluster_id, count(*) FROM cluster_members GROUP BY ALL")
        )
        members = ws.engine.fetchall("SELECT cluster_id, post_id, fillers FROM cluster_members")
    for identity, size, template, slot_count, medoid in heads:
        assert sizes[identity] == size >= 2
        assert template.count(SLOT) == slot_count
        assert identity == cluster_id(medoid)
    medoids = {row[4] for row in heads}
    assert medoids <= {post for _, post, _ in members}
    slot_counts = {row[0]: row[3] for row in heads}
    for identity, post, fillers in members:
        assert len(fillers) == slot_counts[identity]
        joined = cluster_text(by_id[post].get("title"), by_id[post]["text"])
        for filler in fillers:
            assert filler in joined  # fillers are the member's own text, as written


def test_networks_templates_come_out_as_clusters(
    analysed: tuple[Path, list[dict[str, Any]]],
) -> None:
    path, _ = analysed
    with Workspace.open(path, read_only=True) as ws:
        rows = load_clusters(ws)
    assert rows == sorted(rows, key=lambda row: (-row.size, row.id))
    assert rows[0].size >= 20  # a network template reposted many times
    assert 0.0 < rows[0].cohesion <= 1.0
    assert rows[0].first_seen is not None and rows[0].last_seen is not None
    assert rows[0].first_seen <= rows[0].last_seen


def test_second_run_without_new_posts_does_nothing(tmp_path: Path) -> None:
    _corpus(tmp_path / "p.jsonl", 300, 5)
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ingest(ws, [tmp_path / "p.jsonl"])
        first = cluster_step(ws)
        before = ws.engine.fetchall("SELECT * FROM clusters ORDER BY cluster_id")
        second = cluster_step(ws)
        assert first.counts["posts"] == 300
        assert second.counts == {"posts": 0, "clusters": 0, "clustered_posts": 0}
        assert ws.engine.fetchall("SELECT * FROM clusters ORDER BY cluster_id") == before


def test_new_posts_recluster_everything(tmp_path: Path) -> None:
    records = _corpus(tmp_path / "all.jsonl", 600, 9)
    (tmp_path / "a.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records[:400]))
    (tmp_path / "b.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records[400:]))
    with Workspace.open(tmp_path / "split.duckdb") as ws:
        ingest(ws, [tmp_path / "a.jsonl"])
        cluster_step(ws)
        ingest(ws, [tmp_path / "b.jsonl"])
        report = cluster_step(ws)
        assert report.counts["new_posts"] == 200
        split = ws.engine.fetchall("SELECT cluster_id, post_id FROM cluster_members ORDER BY ALL")
    with Workspace.open(tmp_path / "whole.duckdb") as ws:
        ingest(ws, [tmp_path / "all.jsonl"])
        cluster_step(ws)
        whole = ws.engine.fetchall("SELECT cluster_id, post_id FROM cluster_members ORDER BY ALL")
    assert split == whole  # deterministic, and independent of how the posts arrived


def test_failed_write_leaves_the_previous_clusters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _corpus(tmp_path / "all.jsonl", 400, 4)
    (tmp_path / "a.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records[:300]))
    (tmp_path / "b.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records[300:]))
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ingest(ws, [tmp_path / "a.jsonl"])
        cluster_step(ws)
        before = [
            ws.engine.fetchall(f"SELECT * FROM {table} ORDER BY ALL")
            for table in ("clusters", "cluster_members", "clustered_posts")
        ]
        ingest(ws, [tmp_path / "b.jsonl"])
        real_execute = DuckDBEngine.execute

        def failing(self: DuckDBEngine, sql: str, params: Any = None) -> None:
            if sql.startswith("INSERT INTO clustered_posts"):
                raise RuntimeError("disk full")
            real_execute(self, sql, params)

        monkeypatch.setattr(DuckDBEngine, "execute", failing)
        with pytest.raises(RuntimeError, match="disk full"):
            cluster_step(ws)
        monkeypatch.setattr(DuckDBEngine, "execute", real_execute)
        after = [
            ws.engine.fetchall(f"SELECT * FROM {table} ORDER BY ALL")
            for table in ("clusters", "cluster_members", "clustered_posts")
        ]
        assert after == before
        assert cluster_step(ws).counts["new_posts"] == 100  # the next run picks them up


def test_schema_one_workspace_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    engine = DuckDBEngine(path)
    engine.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for statement in MIGRATIONS[0]:
        engine.execute(statement)
    engine.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    engine.close()
    with Workspace.open(path) as ws:
        assert schema_version(ws.engine) == len(MIGRATIONS)
        for table in ("clusters", "cluster_members", "clustered_posts"):
            assert ws.engine.table_exists(table)


def test_load_clusters_validates_and_filters(
    analysed: tuple[Path, list[dict[str, Any]]],
) -> None:
    path, _ = analysed
    with Workspace.open(path, read_only=True) as ws:
        with pytest.raises(ValueError, match="limit"):
            load_clusters(ws, limit=-1)
        assert load_clusters(ws, limit=0) == []
        big = load_clusters(ws, min_size=10)
        assert big and all(row.size >= 10 for row in big)
        assert all(row.fillers is None for row in big)
        filled = load_clusters(ws, limit=1, with_fillers=True)[0]
        assert filled.fillers is not None and len(filled.fillers) == filled.size


def test_clusters_command_json_contract(analysed: tuple[Path, list[dict[str, Any]]]) -> None:
    path, _ = analysed
    result = CliRunner().invoke(app, ["clusters", "--workspace", str(path), "--json"])
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    with Workspace.open(path, read_only=True) as ws:
        assert len(lines) == ws.count("clusters")
    for item in lines:
        assert {"id", "post_ids", "template"} <= set(item)
        assert item["post_ids"] == sorted(item["post_ids"]) and len(item["post_ids"]) >= 2
        assert item["size"] == len(item["post_ids"])
        assert "fillers" not in item
    sizes = [item["size"] for item in lines]
    assert sizes == sorted(sizes, reverse=True)
    top = CliRunner().invoke(
        app, ["clusters", "--workspace", str(path), "--json", "--top", "2", "--fillers"]
    )
    top_lines = [orjson.loads(line) for line in top.stdout.splitlines()]
    assert len(top_lines) == 2
    assert set(top_lines[0]["fillers"]) == set(top_lines[0]["post_ids"])


def test_clusters_command_before_analyze_and_without_workspace(tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_text('{"id": "a", "text": "hello there"}\n')
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ingest(ws, [tmp_path / "p.jsonl"])
    result = CliRunner().invoke(app, ["clusters", "--workspace", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 0
    assert "threadline analyze" in result.stdout
    missing = CliRunner().invoke(app, ["clusters", "--workspace", str(tmp_path / "none.duckdb")])
    assert missing.exit_code != 0
    assert "no workspace" in missing.output


def test_evaluate_clusters_command(tmp_path: Path) -> None:
    runner = CliRunner()
    posts, truth = tmp_path / "p.jsonl", tmp_path / "t.json"
    made = runner.invoke(
        app, ["synth", "--n", "1200", "--seed", "3", "--out", str(posts), "--truth", str(truth)]
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(
        app, ["evaluate", "clusters", "--posts", str(posts), "--truth", str(truth), "--json"]
    )
    assert result.exit_code == 0, result.output
    scores = orjson.loads(result.stdout)
    assert scores["posts"] == 1200
    assert scores["f1"] >= 0.8 and scores["precision"] >= 0.8
    wrong = runner.invoke(
        app, ["evaluate", "clusters", "--posts", str(truth), "--truth", str(truth)]
    )
    assert wrong.exit_code != 0


def _split_workspace(tmp_path: Path, n: int = 1200, seed: int = 3, first: int = 1000) -> Path:
    records = [record for record, _ in generate(n, seed)]
    (tmp_path / "a.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records[:first]))
    (tmp_path / "b.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records[first:]))
    path = tmp_path / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [tmp_path / "a.jsonl"])
        assert cluster_step(ws).counts["mode"] == "full"
        ingest(ws, [tmp_path / "b.jsonl"])
    return path


def test_new_posts_join_existing_clusters_or_form_new_ones(tmp_path: Path) -> None:
    path = _split_workspace(tmp_path)
    # A new template written three times, and a verbatim repost of an existing member.
    extra = [
        {"id": f"new-{k}", "text": f"Brand new agency in Reno, Nevada hiring hostesses {k} "
         "tonight, great tips, travel paid, message the manager on the app for details"}
        for k in range(3)
    ]  # fmt: skip
    with Workspace.open(path) as ws:
        member, cluster = ws.engine.fetchone(
            "SELECT post_id, cluster_id FROM cluster_members ORDER BY post_id LIMIT 1"
        ) or ("", "")
        text, title = ws.engine.fetchone(
            "SELECT text, title FROM posts WHERE id = ?", [member]
        ) or ("", "")
    extra.append({"id": "repost-1", "text": text, "title": title, "site": "elsewhere"})
    (tmp_path / "c.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in extra))
    with Workspace.open(path) as ws:
        ingest(ws, [tmp_path / "c.jsonl"])
        before = ws.count("clusters")
        report = cluster_step(ws).counts
        assert report["mode"] == "update" and report["new_posts"] == 204
        assert ws.count("clustered_posts") == ws.count("posts")
        mine = dict(ws.engine.fetchall("SELECT post_id, cluster_id FROM cluster_members"))
        assert mine["repost-1"] == cluster
        assert len({mine.get(f"new-{k}") for k in range(3)}) == 1 and mine.get("new-0")
        assert ws.count("clusters") > before
        # Every cluster's size, slot count and fillers agree with its members.
        assert (
            ws.engine.scalar(
                "SELECT count(*) FROM clusters c JOIN (SELECT cluster_id, count(*) n, "
                "min(len(fillers)) lo, max(len(fillers)) hi FROM cluster_members GROUP BY 1) m "
                "USING (cluster_id) "
                "WHERE m.n <> c.size OR m.lo <> c.slot_count OR m.hi <> c.slot_count"
            )
            == 0
        )
        assert ws.engine.scalar("SELECT min(cohesion) >= 0 AND max(cohesion) <= 1 FROM clusters")
        assert cluster_step(ws).counts["posts"] == 0


def test_changed_settings_or_rebuild_recluster_everything(tmp_path: Path) -> None:
    path = _split_workspace(tmp_path)
    with Workspace.open(path) as ws:
        changed = ClusterSettings(seed=2)
        assert cluster_step(ws, changed).counts["mode"] == "full"
        (tmp_path / "d.jsonl").write_bytes(
            orjson.dumps({"id": "late", "text": "a b c d e f"}) + b"\n"
        )
        ingest(ws, [tmp_path / "d.jsonl"])
        assert cluster_step(ws, changed, rebuild=True).counts["mode"] == "full"


def test_a_crash_during_an_update_leaves_the_workspace_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from threadline.steps import cluster as step

    path = _split_workspace(tmp_path)
    query = (
        "SELECT (SELECT count(*) FROM clusters), (SELECT count(*) FROM cluster_members), "
        "(SELECT count(*) FROM clustered_posts), (SELECT post_count FROM cluster_index_meta), "
        "(SELECT count(*) FROM cluster_index_posts)"
    )
    with Workspace.open(path) as ws:
        before = ws.engine.fetchone(query)

        def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(step, "_store_index", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            step.cluster_step(ws)
        assert ws.engine.fetchone(query) == before
        monkeypatch.undo()
        assert step.cluster_step(ws).counts["mode"] == "update"
