"""The workspace schema: created, versioned, migrated, refused when too new; transactions."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from threadline.engine import DuckDBEngine
from threadline.errors import WorkspaceError
from threadline.workspace import SCHEMA_VERSION, Workspace, schema_version

CONTRACT_TABLES = ("posts", "quarantine", "identifiers", "post_occurrences", "runs")


def test_new_workspace_has_the_documented_tables(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        for table in CONTRACT_TABLES:
            assert ws.engine.table_exists(table), table
        assert schema_version(ws.engine) == SCHEMA_VERSION


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Workspace.open(path) as ws:
        ws.engine.execute(
            "INSERT INTO quarantine VALUES ('f', 1, 'bad_json', 'x', now()::TIMESTAMP)"
        )
    with Workspace.open(path) as ws:
        assert ws.count("quarantine") == 1


def test_read_only_open_of_a_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no workspace"):
        Workspace.open(tmp_path / "missing.duckdb", read_only=True)


def test_workspace_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    Workspace.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(WorkspaceError, match="newer than this release"):
        Workspace.open(path)


def test_a_file_that_is_not_a_workspace_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "not.duckdb"
    path.write_text("hello, not a database\n" * 100)
    with pytest.raises(WorkspaceError, match="cannot open workspace"):
        Workspace.open(path)


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    engine = DuckDBEngine(tmp_path / "e.duckdb")
    engine.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), engine.transaction():
        engine.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("boom")
    assert engine.scalar("SELECT count(*) FROM t") == 0
    with engine.transaction():
        engine.execute("INSERT INTO t VALUES (2)")
    assert engine.scalar("SELECT sum(x) FROM t") == 2
    engine.close()


def test_register_and_stream_batches(tmp_path: Path) -> None:
    engine = DuckDBEngine(tmp_path / "e.duckdb")
    engine.register("numbers", pa.table({"n": list(range(1000))}))
    batches = list(engine.iter_batches("SELECT n FROM numbers ORDER BY n", batch_size=100))
    assert sum(batch.num_rows for batch in batches) == 1000
    assert engine.fetch_arrow("SELECT max(n) AS m FROM numbers").column("m").to_pylist() == [999]
    engine.unregister("numbers")
    assert not engine.table_exists("numbers")
    engine.close()
