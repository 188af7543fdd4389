"""One ingest is one transaction: an exception or a SIGKILL mid-way changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

import threadline.ingest.runner as runner
from threadline.ingest import ingest
from threadline.ingest.readers import Chunk, InputFile
from threadline.ingest.readers import read_file as real_read_file
from threadline.ingest.writer import Writer
from threadline.settings import IngestSettings
from threadline.workspace import Workspace

TABLES = ("posts", "post_occurrences", "quarantine", "runs")


def snapshot(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    return {table: ws.engine.fetchall(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES}


def make_input(path: Path, records: int, *, bad_every: int = 10) -> Path:
    """Synthetic ads, with a bad line every ``bad_every`` lines (so quarantine is written too)."""
    lines = []
    for index in range(records):
        if index % bad_every == bad_every - 1:
            lines.append(b"{not json")
        else:
            ad_id = f"{path.stem}-{index}"
            lines.append(orjson.dumps({"id": ad_id, "text": f"synthetic ad {ad_id} " * 40}))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture
def populated(tmp_path: Path) -> Path:
    """A workspace that already holds one earlier run."""
    path = tmp_path / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [make_input(tmp_path / "earlier.jsonl", 30)])
        assert ws.count("posts") == 27 and ws.count("quarantine") == 3
    return path


def test_exception_in_the_reader_mid_way_rolls_everything_back(
    populated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[int] = []

    def failing_read_file(file: InputFile, batch_size: int, max_bytes: int) -> Iterator[Chunk]:
        for chunk in real_read_file(file, batch_size, max_bytes):
            if len(served) == 3:
                raise RuntimeError("disk went away")
            served.append(len(chunk))
            yield chunk

    monkeypatch.setattr(runner, "read_file", failing_read_file)
    data = make_input(tmp_path / "new.jsonl", 400)
    with Workspace.open(populated) as ws:
        before = snapshot(ws)
        with pytest.raises(RuntimeError, match="disk went away"):
            ingest(ws, [data], settings=IngestSettings(batch_size=50))
        assert served == [50, 50, 50]  # three batches (with quarantine rows) were written
        assert snapshot(ws) == before
        assert not ws.engine.table_exists("_tl_stage")
        monkeypatch.undo()
        report = ingest(ws, [data], settings=IngestSettings(batch_size=50))  # usable afterwards
        assert report.posts_added == 360 and report.quarantine_added == 40


def test_exception_after_posts_were_inserted_rolls_them_back(
    populated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_finish = Writer.finish

    def finish_then_fail(self: Writer) -> None:
        real_finish(self)
        assert self.counts.posts_added == 360
        raise KeyboardInterrupt  # e.g. Ctrl-C at the worst moment

    monkeypatch.setattr(Writer, "finish", finish_then_fail)
    with Workspace.open(populated) as ws:
        before = snapshot(ws)
        with pytest.raises(KeyboardInterrupt):
            ingest(ws, [make_input(tmp_path / "new.jsonl", 400)])
        assert snapshot(ws) == before


CHILD = """
import sys, time
from pathlib import Path
from threadline.ingest import ingest
from threadline.ingest.writer import Writer
from threadline.settings import IngestSettings
from threadline.workspace import Workspace

workspace, data, marker, moment = sys.argv[1:5]

def hold(reason):
    # Written whole, then renamed: the parent polls for the file and must never read it empty.
    Path(marker + ".tmp").write_text(reason)
    Path(marker + ".tmp").rename(marker)
    time.sleep(120)  # the parent kills us here

calls = []
def progress(done):
    calls.append(done)
    if moment == "mid-read" and len(calls) == 2:
        hold("mid-read")

if moment == "after-posts-inserted":
    real_finish = Writer.finish
    def finish_and_hold(self):
        real_finish(self)
        hold("after-posts-inserted")
    Writer.finish = finish_and_hold

with Workspace.open(workspace) as ws:
    ingest(ws, [Path(data)], settings=IngestSettings(batch_size=300), progress=progress)
Path(marker + ".tmp").write_text("finished")
Path(marker + ".tmp").rename(marker)
"""


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["mid-read", "after-posts-inserted"])
def test_sigkill_mid_ingest_leaves_the_workspace_as_it_was(
    populated: Path, tmp_path: Path, moment: str
) -> None:
    data = make_input(tmp_path / "big.jsonl", 4000)  # about 3 MB: several read blocks
    with Workspace.open(populated) as ws:
        before = snapshot(ws)
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, str(script), str(populated), str(data), str(marker), moment],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), child.communicate(timeout=5)[1].decode()
        assert marker.read_text() == moment
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    with Workspace.open(populated) as ws:
        assert snapshot(ws) == before
        report = ingest(ws, [data])  # and the workspace works: the run can simply be repeated
        assert report.posts_added == 3600 and report.quarantine_added == 400
