"""A small analysed workspace for the web tests: synthetic posts plus hand-written ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from threadline.ingest import ingest
from threadline.pipeline import analyze
from threadline.settings import ExtractSettings, Settings
from threadline.synth import generate
from threadline.workspace import Workspace

#: A post whose text would run script if a page did not escape it, with a phone written in
#: words and a strong indicator (a claimed minor's age).
HOSTILE = {
    "id": "hand-<1>",
    "title": "New <b>girl</b>",
    "text": "<script>alert('x')</script> sweet 17 yo, ask my manager. Call two one two 555 0123",
    "location": "Houston, TX",
    "posted_at": "2025-03-01T10:00:00Z",
}


def build_workspace(root: Path, n: int = 400, seed: int = 4) -> tuple[Path, list[dict[str, Any]]]:
    records = [record for record, _ in generate(n, seed)] + [HOSTILE]
    source = root / "posts.jsonl"
    source.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    with source.open("ab") as handle:
        handle.write(b"{not json\n")
    path = root / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [source])
        analyze(ws, Settings(extract=ExtractSettings(workers=1)))
    return path, records
