"""The one place that touches a database. Stages talk to :class:`Engine`, never to a driver."""

from threadline.engine.base import Engine
from threadline.engine.duckdb import DuckDBEngine

__all__ = ["DuckDBEngine", "Engine"]
