"""Write a run's records to the workspace with set-based SQL: posts, occurrences, quarantine.

Valid rows of every batch are appended to a staging table (a plain append, no lookups); at the
end of the run one statement classifies them all against ``posts``: a row is a *new post*
(its id is unknown and it is the first row of that id, in file then line order), an
*occurrence* of the post with the same id and the same content hash (an exact duplicate), or
an *id conflict* (same id, different content), which goes to quarantine: nothing is
overwritten. One pass over ``posts`` per run, rather than one per batch, keeps the cost linear.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from threadline.engine.base import Engine
from threadline.errors import InputError
from threadline.ingest.readers import EXCERPT_CHARS, Reject
from threadline.ingest.validate import BATCH_SCHEMA, Batch

_QUARANTINE_SCHEMA = pa.schema(
    [("line", pa.int64()), ("reason", pa.string()), ("raw_excerpt", pa.string())]
)
_STAGE_COLUMNS = ", ".join(
    f"{f.name} {_type}"
    for f, _type in zip(
        BATCH_SCHEMA,
        (
            "BIGINT",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "TIMESTAMP",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR[]",
            "VARCHAR",
        ),
        strict=True,
    )
)
_CREATE_STAGE = f"""
CREATE OR REPLACE TEMP TABLE _tl_stage (file_no INTEGER NOT NULL, {_STAGE_COLUMNS})
"""
_CREATE_FILES = "CREATE OR REPLACE TEMP TABLE _tl_files (file_no INTEGER, source VARCHAR)"
# Per staged row: whether it starts a new post, and whether its content matches the post its
# id names (in the workspace, or else the run's first row of that id).
_CLASSIFY = """
CREATE OR REPLACE TEMP TABLE _tl_class AS
SELECT s.file_no, s.line,
       p.content_hash IS NULL AND row_number() OVER w = 1 AS is_new,
       s.content_hash = coalesce(p.content_hash, first_value(s.content_hash) OVER w) AS same,
       p.source AS post_source,
       coalesce(p.line, first_value(s.line) OVER w) AS first_line,
       first_value(s.file_no) OVER w AS first_file_no
FROM _tl_stage s LEFT JOIN posts p ON p.id = s.id
WINDOW w AS (PARTITION BY s.id ORDER BY s.file_no, s.line)
"""
_INSERT_POSTS = """
INSERT INTO posts (id, text, title, posted_at, site, url, location, author, images, extra,
                   content_hash, source, line, ingested_at)
SELECT s.id, s.text, s.title, s.posted_at, s.site, s.url, s.location, s.author, s.images,
       s.extra, s.content_hash, f.source, s.line, ?
FROM _tl_stage s
JOIN _tl_class c ON c.file_no = s.file_no AND c.line = s.line AND c.is_new
JOIN _tl_files f ON f.file_no = s.file_no
"""
_INSERT_OCCURRENCES = """
INSERT INTO post_occurrences (source, line, post_id, ingested_at)
SELECT f.source, s.line, s.id, ?
FROM _tl_stage s
JOIN _tl_class c ON c.file_no = s.file_no AND c.line = s.line AND c.same
JOIN _tl_files f ON f.file_no = s.file_no
"""
# An id conflict: the record was valid, so its excerpt shows its fields as JSON.
_CONFLICTS = f"""
SELECT f.source, s.line, s.id, s.content_hash,
       coalesce(c.post_source, ff.source), c.first_line,
       left(json_object('id', s.id, 'title', s.title, 'text', s.text, 'posted_at', s.posted_at,
                        'site', s.site, 'url', s.url, 'location', s.location,
                        'author', s.author)::VARCHAR, {EXCERPT_CHARS})
FROM _tl_stage s
JOIN _tl_class c ON c.file_no = s.file_no AND c.line = s.line AND NOT c.same
JOIN _tl_files f ON f.file_no = s.file_no
JOIN _tl_files ff ON ff.file_no = c.first_file_no
ORDER BY s.file_no, s.line
"""
_INSERT_QUARANTINE = """
INSERT INTO quarantine (source, line, reason, raw_excerpt, ingested_at)
SELECT ?, line, reason, raw_excerpt, ? FROM _tl_quarantine
"""


@dataclass
class WriteCounts:
    """What the writer did, summed over every batch of a run."""

    records_read: int = 0
    posts_added: int = 0
    duplicates_collapsed: int = 0
    already_present: int = 0
    quarantine_added: int = 0
    quarantine_by_reason: Counter[str] = field(default_factory=Counter)


class Writer:
    """Writes one run's batches; use inside the run's transaction, and call :meth:`finish`."""

    def __init__(self, engine: Engine, ingested_at: datetime) -> None:
        self.engine = engine
        self.ingested_at = ingested_at
        self.counts = WriteCounts()
        self._has_history = False
        self._file_no = -1
        self._staged = 0
        engine.execute(_CREATE_STAGE)
        engine.execute(_CREATE_FILES)

    def begin_file(self, source: str) -> None:
        """Number the file, and look once whether an earlier run read it (re-ingest path)."""
        self._file_no += 1
        self.engine.execute("INSERT INTO _tl_files VALUES (?, ?)", [self._file_no, source])
        self._has_history = bool(
            self.engine.scalar(
                "SELECT (SELECT count(*) FROM post_occurrences WHERE source = ?)"
                " + (SELECT count(*) FROM quarantine WHERE source = ?)",
                [source, source],
            )
        )

    def write(self, source: str, batch: Batch, table: pa.Table) -> None:
        """Stage one batch (``table`` holds its valid rows, from :meth:`Batch.finish`) and store
        its quarantine entries."""
        if self._has_history:
            batch, table = self._skip_already_present(source, batch, table)
        if len(batch):
            self.engine.register("_tl_batch", table)
            try:
                self.engine.execute(
                    "INSERT INTO _tl_stage SELECT ?, * FROM _tl_batch", [self._file_no]
                )
            finally:
                self.engine.unregister("_tl_batch")
            self._staged += len(batch)
        self._write_quarantine(source, batch.rejects)

    def finish(self) -> None:
        """Classify every staged row at once and write posts, occurrences and id conflicts."""
        engine = self.engine
        if self._staged:
            engine.execute(_CLASSIFY)
            row = engine.fetchone(
                "SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE same) FROM _tl_class"
            )
            new, same = (int(row[0]), int(row[1])) if row else (0, 0)
            if new:
                engine.execute(_INSERT_POSTS, [self.ingested_at])
            if same:
                engine.execute(_INSERT_OCCURRENCES, [self.ingested_at])
            self.counts.records_read += same
            self.counts.posts_added += new
            self.counts.duplicates_collapsed += same - new
            if same < self._staged:
                self._write_conflicts()
        for table in ("_tl_class", "_tl_stage", "_tl_files"):
            engine.execute(f"DROP TABLE IF EXISTS {table}")

    def _write_conflicts(self) -> None:
        by_source: dict[str, list[Reject]] = {}
        for (
            source,
            line,
            post_id,
            digest,
            first_source,
            first_line,
            excerpt,
        ) in self.engine.fetchall(_CONFLICTS):
            reason = conflict_reason(post_id, digest, first_source, first_line)
            by_source.setdefault(source, []).append(Reject(int(line), reason, excerpt or ""))
        for source, rejects in by_source.items():
            self._write_quarantine(source, rejects)

    # ------------------------------------------------------------------ quarantine

    def _write_quarantine(self, source: str, rejects: list[Reject]) -> None:
        by_reason = self.counts.quarantine_by_reason
        for reject in rejects:
            by_reason[reject.reason.split(":", 1)[0]] += 1
        fresh = [reject for reject in rejects if not getattr(reject, "already_present", False)]
        if not fresh:
            return
        table = pa.table(
            {
                "line": [reject.line for reject in fresh],
                "reason": [reject.reason for reject in fresh],
                "raw_excerpt": [reject.excerpt for reject in fresh],
            },
            schema=_QUARANTINE_SCHEMA,
        )
        self.engine.register("_tl_quarantine", table)
        try:
            self.engine.execute(_INSERT_QUARANTINE, [source, self.ingested_at])
        finally:
            self.engine.unregister("_tl_quarantine")
        self.counts.quarantine_added += len(fresh)

    # ------------------------------------------------------------------ re-ingest

    def _skip_already_present(
        self, source: str, batch: Batch, table: pa.Table
    ) -> tuple[Batch, pa.Table]:
        """Drop records an earlier run already stored at the same (source, line).

        A quarantined line that now holds something else (the user fixed it) is read again
        and its old quarantine entry removed; a line that was read as a post and now holds
        something else is an :class:`InputError`, because posts are never overwritten.
        """
        lines: list[int] = [row[0] for row in batch.rows]
        all_lines = lines + [reject.line for reject in batch.rejects]
        if not all_lines:
            return batch, table
        bounds = [source, min(all_lines), max(all_lines)]
        stored_posts: dict[int, tuple[str, str | None]] = {
            int(line): (post_id, digest)
            for line, post_id, digest in self.engine.fetchall(
                "SELECT o.line, o.post_id, p.content_hash FROM post_occurrences o"
                " LEFT JOIN posts p ON p.id = o.post_id"
                " WHERE o.source = ? AND o.line BETWEEN ? AND ?",
                bounds,
            )
        }
        stored_quarantine: dict[int, tuple[str, str]] = {
            int(line): (reason, excerpt or "")
            for line, reason, excerpt in self.engine.fetchall(
                "SELECT line, reason, raw_excerpt FROM quarantine"
                " WHERE source = ? AND line BETWEEN ? AND ?",
                bounds,
            )
        }
        if not stored_posts and not stored_quarantine:
            return batch, table
        keep: list[int] = []
        replaced: list[int] = []
        for index, line in enumerate(lines):
            _, post_id, digest = batch.rows[index][:3]
            if line in stored_posts:
                if stored_posts[line] != (post_id, digest):
                    raise _changed(source, line)
                self.counts.already_present += 1
                self.counts.records_read += 1
            elif line in stored_quarantine:
                reason, _ = stored_quarantine[line]
                shown = post_id if len(post_id) <= 80 else post_id[:80] + "..."
                if reason.startswith(f"id_conflict: id {shown!r} ") and digest[:16] in reason:
                    # the same conflicting record again: posts never change, so it still is
                    self.counts.already_present += 1
                    self.counts.quarantine_by_reason["id_conflict"] += 1
                else:
                    replaced.append(line)
                    keep.append(index)
            else:
                keep.append(index)
        rejects: list[Reject] = []
        for reject in batch.rejects:
            if reject.line in stored_posts:
                raise _changed(source, reject.line)
            if reject.line in stored_quarantine:
                if stored_quarantine[reject.line] == (reject.reason, reject.excerpt):
                    self.counts.already_present += 1
                    rejects.append(_AlreadyPresent(reject.line, reject.reason, reject.excerpt))
                    continue
                replaced.append(reject.line)
            rejects.append(reject)
        if replaced:
            self.engine.execute(
                "DELETE FROM quarantine WHERE source = ? AND list_contains(?, line)",
                [source, replaced],
            )
        kept = Batch(
            rows=[batch.rows[i] for i in keep], raws=[batch.raws[i] for i in keep], rejects=rejects
        )
        return kept, table.take(pa.array(keep, type=pa.int64()))


@dataclass(frozen=True)
class _AlreadyPresent(Reject):
    """A quarantine entry an earlier run already wrote: counted, not written again."""

    already_present: bool = True


def _changed(source: str, line: int) -> InputError:
    return InputError(
        f"{source} changed since an earlier ingest: line {line} now holds a different record. "
        "Posts are never overwritten: ingest the new version under another file name, "
        "or into a new workspace."
    )


def conflict_reason(post_id: str, digest: str, first_source: str, first_line: int) -> str:
    """The quarantine reason of an id conflict; names the record's content hash, so that a
    re-ingest recognises the same record."""
    shown = post_id if len(post_id) <= 80 else post_id[:80] + "..."
    return (
        f"id_conflict: id {shown!r} already names a post with different content "
        f"(this record's content hash {digest[:16]}; first read from {first_source} "
        f"line {first_line})"
    )
