"""Database engines and Alembic migrations shipped inside the package (run programmatically)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

_log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "cr_alembic_version"  # not alembic_version: other parts of the app may use Alembic


def database_url(target: str) -> str:
    """A SQLAlchemy URL from a URL or a plain file path (SQLite)."""
    if "://" in target:
        if target.startswith("postgresql://"):
            return "postgresql+psycopg://" + target.removeprefix("postgresql://")
        return target
    return f"sqlite:///{Path(target).expanduser()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Secure delete overwrites freed pages, so shredded keys do not linger in the file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def make_engine(target: str) -> Engine:
    """An engine for ``target``; SQLite connections get foreign keys and secure delete."""
    engine = create_engine(database_url(target))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    command.upgrade(_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database, None when never initialised."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this release."""
    return ScriptDirectory.from_config(_config(create_engine("sqlite://"))).get_current_head()


def reclaim_key_storage(engine: Engine) -> bool:
    """Reclaim the space of destroyed data keys, so their old bytes leave the database file.

    Runs outside any transaction (an autocommit connection), as VACUUM requires. PostgreSQL:
    ``VACUUM cr_data_keys`` removes the dead row versions that still hold a shredded key
    (until then an UPDATE leaves the old version in the table). SQLite: ``secure_delete`` for
    the connection, then ``VACUUM`` rewrites the file without free pages. Returns False, and
    logs a warning naming no record, when the database is busy: the erasure stands, and the
    next erasure (or an operator's VACUUM) reclaims it.
    """
    dialect = engine.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        return False
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if dialect == "postgresql":
                connection.exec_driver_sql("VACUUM cr_data_keys")
            else:
                connection.exec_driver_sql("PRAGMA secure_delete=ON")
                connection.exec_driver_sql("VACUUM")
    except DBAPIError as exc:
        _log.warning("could not vacuum the case database after an erasure: %s", type(exc).__name__)
        return False
    return True
