"""Shared fixtures of the case-record tests (synthetic people only)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from threadline.cases import crypto, db
from threadline.cases.models import Base
from threadline.cases.policy import Principal

__all__ = ["Principal"]
from threadline.cases.store import CaseContext, CaseStore, PersonInput

ORG = "org-north"
CASEWORKER = Principal("cw-ana", frozenset({"caseworker"}), ORG)
OTHER_CASEWORKER = Principal("cw-ben", frozenset({"caseworker"}), ORG)
SUPERVISOR = Principal("sup-cleo", frozenset({"supervisor"}), ORG)
ANALYST = Principal("an-dev", frozenset({"analyst"}), ORG)
RESEARCHER = Principal("rs-eve", frozenset({"researcher"}), ORG)
ADMIN = Principal("ad-fay", frozenset({"admin"}), ORG)
FOREIGN_SUPERVISOR = Principal("sup-gus", frozenset({"supervisor"}), "org-south")

PLANTED_NAME = "Zyxwandra"  # synthetic and rare, so grepping raw storage for it is meaningful


class Clock:
    """A settable clock so consent expiry can be tested without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Env:
    store: CaseStore
    ring: crypto.Keyring
    clock: Clock
    path: Path
    url: str


def person(given: str = PLANTED_NAME, family: str = "Qorvath") -> PersonInput:
    return PersonInput(
        given_name=given,
        family_name=family,
        birth_date=date(2001, 5, 17),
        email=f"{given.lower()}@example.org",
        phone="+15550100999",
        identity_number="X-SYN-0042",
        gender="Feminine",
        citizenship=("MD",),
        primary_language="ro",
    )


def context() -> CaseContext:
    return CaseContext(
        trafficking_status="ActualVictimOfTrafficking",
        relationship_to_trafficker="Acquainted",
        recruitment_methods=("ThroughAnOnlineAdvertisement",),
        recruitment_apps=("Telegram",),
        control_methods=("DebtBondage", "WithholdsDocuments"),
        exploitation_types=("SexualExploitation",),
        exploitation_apps=("WhatsApp",),
        recruitment_country="MD",
        exploitation_country="DE",
        vulnerability_notes="Synthetic note: moved after losing work.",
    )


def make_env(
    target: str, path: Path, factory: Callable[[], crypto.Keyring] = crypto.new_keyring
) -> Env:
    ring = factory()
    clock = Clock()
    store = CaseStore.open(target, ring, clock=clock)
    return Env(store, ring, clock, path, target)


PG_URL = os.environ.get("THREADLINE_TEST_PG_URL")


def pg_worker_url() -> str:
    """The test server URL with a schema of this pytest worker, so workers never collide."""
    assert PG_URL is not None
    schema = "tl_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    engine = db.make_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    engine.dispose()
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


def reset_pg(url: str) -> None:
    """Drop the case tables so each PostgreSQL test starts from an empty schema."""
    engine = db.make_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS cr_alembic_version"))
        connection.execute(text("DROP FUNCTION IF EXISTS cr_audit_append_only() CASCADE"))
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="THREADLINE_TEST_PG_URL is not set"),
        ),
    ]
)
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Env]:
    """A fresh store on SQLite (a temp file) and, when configured, on PostgreSQL."""
    if request.param == "postgresql":
        url = pg_worker_url()
        reset_pg(url)
        made = make_env(url, tmp_path / "unused")
    else:
        path = tmp_path / "cases.sqlite"
        made = make_env(str(path), path)
    yield made
    made.store.engine.dispose()


def drop_append_only_guard(engine: Engine) -> None:
    """What an attacker with DBA rights can do: remove the triggers that block audit edits."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER IF EXISTS cr_audit_no_change ON cr_audit"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS cr_audit_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS cr_audit_no_delete"))


def raw_storage(env: Env) -> bytes:
    """Everything the database holds, as bytes: the SQLite file, or every PostgreSQL row as text."""
    env.store.engine.dispose()
    if env.store.engine.dialect.name == "sqlite":
        data = env.path.read_bytes()
        wal = env.path.with_name(env.path.name + "-wal")
        return data + (wal.read_bytes() if wal.exists() else b"")
    chunks: list[bytes] = []
    with env.store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for (row,) in connection.execute(text(f"SELECT t::text FROM {table.name} t")):
                chunks.append(row.encode())
            for values in connection.execute(table.select()):  # bytea as bytes, not hex
                chunks.extend(v if isinstance(v, bytes) else str(v).encode() for v in values)
    return b"\n".join(chunks)
