"""A Spark run's output directory on a local path or a Hadoop file-system URI: staged, renamed
into place when complete, removed when the run fails, copied back to the local disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from threadline.spark.storage import Output, is_uri


def test_is_uri_tells_uris_from_paths() -> None:
    assert is_uri("hdfs://namenode/runs/a") and is_uri("file:///tmp/x")
    assert not is_uri("runs/a") and not is_uri(Path("/tmp/x")) and not is_uri("/tmp/x")


@pytest.mark.parametrize("as_uri", [False, True], ids=["path", "uri"])
def test_a_staged_run_replaces_the_target_and_comes_back(
    spark: Any, tmp_path: Path, as_uri: bool
) -> None:
    where = tmp_path / "runs" / "out.parquet"
    where.parent.mkdir()
    target = Output(spark, where.as_uri() if as_uri else where)
    assert not target.exists()
    # An older run under the target's name is replaced, not merged.
    old = target.staging()
    old.put("runs", pa.table({"stage": ["old"]}))
    old.replace(target)
    assert target.exists()
    staging = target.staging()
    assert staging.name.startswith(".out.parquet.") and staging.name.endswith(".partial")
    spark.createDataFrame([("p-1", 3), ("p-2", 4)], "id string, n int").write.parquet(
        staging.table("posts")
    )
    staging.put("runs", pa.table({"stage": ["ingest", "extract"]}))
    staging.replace(target)
    assert not staging.exists()
    assert sorted(p.name for p in where.parent.iterdir()) == ["out.parquet"]
    local = target.fetch(tmp_path / "scratch")
    assert local == (tmp_path / "scratch" / "out.parquet" if as_uri else where)
    assert pq.read_table(local / "runs").column("stage").to_pylist() == ["ingest", "extract"]
    rows = pq.read_table(local / "posts").sort_by("id").to_pylist()
    assert rows == [{"id": "p-1", "n": 3}, {"id": "p-2", "n": 4}]


def test_a_failed_run_leaves_nothing_under_the_target(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage failing after others have written their tables: the staging directory goes,
    on a URI too, and nothing appears under the target's name."""
    from threadline.spark import stages
    from threadline.spark.pipeline import analyze

    posts = tmp_path / "in" / "posts.jsonl"
    posts.parent.mkdir()
    posts.write_text('{"id": "p-1", "text": "call 415 555 1000"}\n', encoding="utf-8")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("extraction failed")

    monkeypatch.setattr(stages, "extract", broken)
    runs = tmp_path / "runs"
    runs.mkdir()
    with pytest.raises(RuntimeError, match="extraction failed"):
        analyze(spark, [posts], (runs / "out").as_uri(), stages=("extract",))
    assert list(runs.iterdir()) == []


def test_the_cli_writes_to_a_uri_and_opens_the_workspace(tmp_path: Path) -> None:
    """``analyze --engine spark --parquet URI``: the run lands under the URI and the workspace
    is loaded from a copy that is removed afterwards."""
    import subprocess
    import sys

    import orjson

    from threadline.workspace import Workspace

    posts = tmp_path / "posts.jsonl"
    posts.write_bytes(
        b"\n".join(
            orjson.dumps({"id": f"p-{n}", "text": f"New in town, call 415 555 {1000 + n:04d}"})
            for n in range(5)
        )
    )
    workspace = tmp_path / "w.duckdb"
    out = (tmp_path / "remote" / "run").as_uri()
    # Its own process: the command stops its Spark session, which would stop this one's.
    command = str(Path(sys.executable).parent / "threadline")
    result = subprocess.run(
        [
            command, "analyze", "--engine", "spark", "--master", "local[1]",
            "--input", str(posts), "--workspace", str(workspace), "--parquet", out,
            "--stage", "extract",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "remote" / "run" / "posts").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.jsonl", "remote", "w.duckdb"]
    with Workspace.open(workspace, read_only=True) as ws:
        assert ws.count("posts") == 5
        phones = ws.engine.fetchall("SELECT canonical FROM identifiers WHERE kind = 'phone'")
    assert sorted(row[0] for row in phones) == [f"+1415555{1000 + n:04d}" for n in range(5)]


def test_a_uri_without_a_parent_directory_is_refused(spark: Any) -> None:
    with pytest.raises(ValueError, match="no parent directory"):
        Output(spark, "hdfs://namenode").staging()
    assert Output(spark, "hdfs://namenode/runs").staging().uri.startswith("hdfs://namenode/.runs.")
    assert Output(spark, "file:///runs").staging().uri.startswith("file:///.runs.")
