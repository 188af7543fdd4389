"""The analysis workspace: a documented DuckDB schema with a version and migrations.

Analysts may query the workspace with SQL (see docs/workspace.md). The schema only grows by
numbered migrations, so a workspace written by an older release opens in a newer one; a workspace
from a newer release is refused rather than misread.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from threadline.engine.base import Engine
from threadline.engine.duckdb import DuckDBEngine
from threadline.errors import WorkspaceError

#: Each migration moves the schema from version ``i`` to ``i + 1``; never edit a released one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE posts (
            id VARCHAR PRIMARY KEY,
            text VARCHAR NOT NULL,
            title VARCHAR,
            posted_at TIMESTAMP,
            site VARCHAR,
            url VARCHAR,
            location VARCHAR,
            author VARCHAR,
            images VARCHAR[],
            extra JSON,
            content_hash VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            line BIGINT NOT NULL,
            ingested_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE post_occurrences (
            source VARCHAR NOT NULL,
            line BIGINT NOT NULL,
            post_id VARCHAR NOT NULL,
            ingested_at TIMESTAMP NOT NULL,
            PRIMARY KEY (source, line)
        )""",
        """CREATE TABLE quarantine (
            source VARCHAR NOT NULL,
            line BIGINT NOT NULL,
            reason VARCHAR NOT NULL,
            raw_excerpt VARCHAR,
            ingested_at TIMESTAMP NOT NULL,
            PRIMARY KEY (source, line)
        )""",
        """CREATE TABLE identifiers (
            post_id VARCHAR NOT NULL,
            field VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            value VARCHAR NOT NULL,
            canonical VARCHAR NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL
        )""",
        """CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            stage VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            software_version VARCHAR NOT NULL,
            settings JSON,
            counts JSON
        )""",
        """CREATE TABLE extracted_posts (
            post_id VARCHAR PRIMARY KEY,
            region VARCHAR NOT NULL,
            extracted_at TIMESTAMP NOT NULL
        )""",
    ),
    (
        """CREATE TABLE clusters (
            cluster_id VARCHAR PRIMARY KEY,
            size INTEGER NOT NULL,
            template VARCHAR NOT NULL,
            slot_count INTEGER NOT NULL,
            cohesion DOUBLE NOT NULL,
            medoid_post_id VARCHAR NOT NULL,
            first_seen TIMESTAMP,
            last_seen TIMESTAMP,
            locations INTEGER NOT NULL,
            sites INTEGER NOT NULL,
            clustered_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE cluster_members (
            cluster_id VARCHAR NOT NULL,
            post_id VARCHAR PRIMARY KEY,
            fillers VARCHAR[] NOT NULL
        )""",
        """CREATE TABLE clustered_posts (
            post_id VARCHAR PRIMARY KEY,
            clustered_at TIMESTAMP NOT NULL
        )""",
    ),
    (
        """CREATE TABLE screens (
            post_id VARCHAR PRIMARY KEY,
            score DOUBLE NOT NULL,
            band VARCHAR NOT NULL,
            profile VARCHAR NOT NULL,
            flagged BOOLEAN NOT NULL,
            flag_count INTEGER NOT NULL,
            screened_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE flags (
            post_id VARCHAR NOT NULL,
            field VARCHAR NOT NULL,
            code VARCHAR NOT NULL,
            category VARCHAR NOT NULL,
            strength VARCHAR NOT NULL,
            weight DOUBLE NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            matched VARCHAR NOT NULL
        )""",
        """CREATE TABLE indicators (
            code VARCHAR PRIMARY KEY,
            label VARCHAR NOT NULL,
            category VARCHAR NOT NULL,
            strength VARCHAR NOT NULL,
            weight DOUBLE NOT NULL,
            source VARCHAR NOT NULL
        )""",
    ),
    (
        # The incremental clustering state (threadline.cluster.incremental.ClusterIndex): posts
        # are numbered in the order they were clustered; `cluster_index_posts` maps the numbers
        # to post ids.
        """CREATE TABLE cluster_index_meta (
            settings_json VARCHAR NOT NULL,
            post_count BIGINT NOT NULL,
            doc_count BIGINT NOT NULL,
            built_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE cluster_index_posts (
            post BIGINT PRIMARY KEY,
            post_id VARCHAR NOT NULL
        )""",
        """CREATE TABLE cluster_index_buckets (
            key UBIGINT NOT NULL,
            post BIGINT NOT NULL
        )""",
        """CREATE TABLE cluster_index_shingles (
            shingle UBIGINT NOT NULL,
            df BIGINT NOT NULL
        )""",
        """CREATE TABLE cluster_index_common (
            shingle UBIGINT NOT NULL
        )""",
        """CREATE TABLE cluster_index_medoids (
            label BIGINT NOT NULL,
            post BIGINT NOT NULL
        )""",
    ),
    (
        """CREATE TABLE networks (
            network_id VARCHAR PRIMARY KEY,
            score DOUBLE NOT NULL,
            model_score DOUBLE NOT NULL,
            pattern VARCHAR NOT NULL,
            pattern_reason VARCHAR NOT NULL,
            posts INTEGER NOT NULL,
            personas INTEGER NOT NULL,
            one_off_personas INTEGER NOT NULL,
            identifiers INTEGER NOT NULL,
            phones VARCHAR[] NOT NULL,
            cities VARCHAR[] NOT NULL,
            first_seen TIMESTAMP,
            last_seen TIMESTAMP,
            posts_per_day DOUBLE NOT NULL,
            ages INTEGER[] NOT NULL,
            prices VARCHAR[] NOT NULL,
            templates VARCHAR[] NOT NULL,
            sites VARCHAR[] NOT NULL,
            flag_categories JSON NOT NULL,
            factors JSON NOT NULL,
            linked_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE network_posts (
            network_id VARCHAR NOT NULL,
            post_id VARCHAR PRIMARY KEY
        )""",
        """CREATE TABLE network_identifiers (
            network_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            canonical VARCHAR NOT NULL,
            posts INTEGER NOT NULL
        )""",
        """CREATE TABLE set_aside (
            kind VARCHAR NOT NULL,
            key VARCHAR NOT NULL,
            posts INTEGER NOT NULL,
            groups INTEGER NOT NULL,
            reason VARCHAR NOT NULL
        )""",
    ),
    (
        """CREATE TABLE image_hashes (
            post_id VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            phash UBIGINT,
            error VARCHAR,
            hashed_at TIMESTAMP NOT NULL,
            PRIMARY KEY (post_id, path)
        )""",
        # Contact identifiers sorted by canonical value, rewritten by every link run: DuckDB's
        # per-row-group min/max let a point lookup read one or two row groups (threadline find).
        """CREATE TABLE identifier_lookup (
            canonical VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            post_id VARCHAR NOT NULL
        )""",
    ),
)

#: The schema version this release writes.
SCHEMA_VERSION = len(MIGRATIONS)


class Workspace:
    """An open workspace. Use as a context manager, or call :meth:`close`."""

    def __init__(self, engine: Engine, path: str) -> None:
        self.engine = engine
        self.path = path

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False, create: bool = True) -> Workspace:
        """Open (and, unless read-only, create or migrate) the workspace at ``path``."""
        path = Path(path)
        if not path.exists() and (read_only or not create):
            raise WorkspaceError(
                f"no workspace at {path}: run `threadline ingest ... --workspace {path}` first"
            )
        engine = DuckDBEngine(path, read_only=read_only)
        try:
            version = schema_version(engine)
            if version > SCHEMA_VERSION:
                raise WorkspaceError(
                    f"workspace {path} has schema version {version}, newer than this release "
                    f"understands ({SCHEMA_VERSION}); upgrade threadline"
                )
            if version < SCHEMA_VERSION:
                if read_only:
                    raise WorkspaceError(
                        f"workspace {path} has schema version {version}; open it writable once "
                        f"to migrate it to {SCHEMA_VERSION}"
                    )
                migrate(engine, version)
        except BaseException:
            engine.close()
            raise
        return cls(engine, str(path))

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def count(self, table: str) -> int:
        if not self.engine.table_exists(table):
            return 0
        return int(self.engine.scalar(f'SELECT count(*) FROM "{table}"'))


def schema_version(engine: Engine) -> int:
    if not engine.table_exists("meta"):
        return 0
    value = engine.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(value) if value is not None else 0


def migrate(engine: Engine, from_version: int) -> None:
    """Apply every migration after ``from_version`` in one transaction."""
    with engine.transaction():
        if from_version == 0:
            engine.execute(
                "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)"
            )
        for statements in MIGRATIONS[from_version:]:
            for statement in statements:
                engine.execute(statement)
        engine.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
