"""The narrow engine interface: register a table, run a statement, fetch, check a table exists.

Kept this small on purpose (Splink's pattern) so that the stages stay engine-neutral and a second
engine (Spark) is an implementation of these few methods, not a second pipeline.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import pyarrow as pa


class Engine(ABC):
    """A SQL engine holding one workspace."""

    @abstractmethod
    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table queryable as ``name`` until :meth:`unregister`."""

    @abstractmethod
    def unregister(self, name: str) -> None:
        """Forget a table made queryable by :meth:`register`."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement for its effect."""

    @abstractmethod
    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return its rows."""

    @abstractmethod
    def fetch_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return its result as one Arrow table."""

    @abstractmethod
    def iter_batches(
        self, sql: str, params: Sequence[Any] | None = None, *, batch_size: int = 50_000
    ) -> Iterator[pa.RecordBatch]:
        """Run a query and stream its result in bounded memory."""

    @abstractmethod
    def table_exists(self, name: str) -> bool:
        """Whether a table or view of that name exists in the workspace."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """All statements inside commit together, or none do (an exception rolls back)."""

    @abstractmethod
    def close(self) -> None:
        """Release the workspace."""

    def fetchone(self, sql: str, params: Sequence[Any] | None = None) -> tuple[Any, ...] | None:
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.fetchone(sql, params)
        return None if row is None else row[0]
