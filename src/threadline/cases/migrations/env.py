"""Alembic environment: the engine comes from ``threadline.cases.db`` via config attributes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from threadline.cases.db import VERSION_TABLE
from threadline.cases.models import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only through threadline.cases.db
    raise RuntimeError("run migrations through threadline.cases.db.upgrade")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        version_table=VERSION_TABLE,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
