"""The embedded default engine: one DuckDB file per workspace."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from threadline.engine.base import Engine
from threadline.errors import WorkspaceError


class DuckDBEngine(Engine):
    """DuckDB through one connection (``duckdb.sql`` is not used: it shares a global connection).

    ``memory_limit`` bounds DuckDB's own buffers; larger intermediate results spill to disk.
    512MB keeps a million-post ingest (DuckDB plus the Python reader) under 2 GB resident, for
    about a tenth more time than 1GB (bench/ingest_extract.py).
    """

    def __init__(
        self, path: Path | str, *, read_only: bool = False, memory_limit: str = "512MB"
    ) -> None:
        self.path = str(path)
        try:
            self._con = duckdb.connect(
                self.path,
                read_only=read_only,
                config={
                    "memory_limit": memory_limit,
                    # Never fetch extensions at run time: the machine may be offline.
                    "autoinstall_known_extensions": False,
                    "autoload_known_extensions": False,
                },
            )
        except duckdb.Error as exc:
            raise WorkspaceError(f"cannot open workspace {self.path}: {exc}") from exc
        self._in_transaction = False
        self._registered: dict[str, pa.Table] = {}

    def register(self, name: str, table: pa.Table) -> None:
        self._con.register(name, table)
        self._registered[name] = table

    def unregister(self, name: str) -> None:
        self._con.unregister(name)
        self._registered.pop(name, None)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._con.execute(sql, params)

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self._con.execute(sql, params).fetchall()

    def fetch_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        return self._con.sql(sql, params=params).to_arrow_table()

    def iter_batches(
        self, sql: str, params: Sequence[Any] | None = None, *, batch_size: int = 50_000
    ) -> Iterator[pa.RecordBatch]:
        # A cursor of its own, so that the caller may write through the main connection while
        # it reads.
        cursor = self._con.cursor()
        for name, table in self._registered.items():
            cursor.register(name, table)
        try:
            reader = cursor.sql(sql, params=params).to_arrow_reader(batch_size)
            yield from reader
        finally:
            cursor.close()

    def table_exists(self, name: str) -> bool:
        row = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        return bool(row and row[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_transaction:  # nested: the outer transaction decides
            yield
            return
        self._con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        else:
            self._con.execute("COMMIT")
        finally:
            self._in_transaction = False

    def close(self) -> None:
        self._con.close()
