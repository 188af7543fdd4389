"""The hash-chained audit log: any edit, deletion, insertion or reordering is found and located."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import test_cases_fixtures as fx
from test_cases_fixtures import ADMIN, CASEWORKER, Env, context, person
from threadline.cases import audit
from threadline.cases.errors import AccessDenied
from threadline.cases.models import AuditEntry

env = fx.env


def _filled(env: Env, reads: int = 4) -> str:
    case_id = env.store.create_case(CASEWORKER, person(), context(), why="intake")
    for i in range(reads):
        env.store.read_case(CASEWORKER, case_id, why=f"visit {i}")
    return case_id


def _sql(path: Path, statement: str, *params: object) -> None:
    """Tamper as someone with write access to the file: drop the guard triggers, then edit."""
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("DROP TRIGGER IF EXISTS cr_audit_no_update")
        connection.execute("DROP TRIGGER IF EXISTS cr_audit_no_delete")
        connection.execute(statement, params)
    connection.close()


def _verify(env: Env, head: str | None = None) -> audit.Verification:
    with Session(env.store.engine) as session:
        return audit.verify(session, head)


@pytest.fixture
def sqlite_env(tmp_path: Path) -> Env:
    path = tmp_path / "cases.sqlite"
    return fx.make_env(str(path), path)


def test_intact_chain_verifies_and_reports_head(sqlite_env: Env) -> None:
    _filled(sqlite_env)
    result = _verify(sqlite_env)
    assert result.ok and result.entries == 5 and len(result.head) == 64


def test_empty_chain_is_intact(sqlite_env: Env) -> None:
    result = _verify(sqlite_env)
    assert result.ok and result.entries == 0 and result.head == audit.GENESIS


@pytest.mark.parametrize(
    ("statement", "bad_seq", "problem"),
    [
        ("UPDATE cr_audit SET purpose = 'nothing to see' WHERE seq = 3", 3, "edited"),
        ("UPDATE cr_audit SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 1", 1, "edited"),
        ("UPDATE cr_audit SET outcome = 'denied' WHERE seq = 5", 5, "edited"),
        ("DELETE FROM cr_audit WHERE seq = 2", 3, "entry 2 is missing"),
        ("DELETE FROM cr_audit WHERE seq = 1", 2, "entry 1 is missing"),
    ],
)
def test_tampering_is_detected_where_it_happened(
    sqlite_env: Env, statement: str, bad_seq: int, problem: str
) -> None:
    _filled(sqlite_env)
    _sql(sqlite_env.path, statement)
    result = _verify(sqlite_env)
    assert not result.ok
    assert result.first_bad_seq == bad_seq
    assert result.problem is not None and problem in result.problem


def test_reordering_is_detected(sqlite_env: Env) -> None:
    _filled(sqlite_env)
    # swap the contents of entries 2 and 3, keeping seq numbers contiguous
    _sql(sqlite_env.path, "UPDATE cr_audit SET seq = -2 WHERE seq = 2")
    _sql(sqlite_env.path, "UPDATE cr_audit SET seq = 2 WHERE seq = 3")
    _sql(sqlite_env.path, "UPDATE cr_audit SET seq = 3 WHERE seq = -2")
    result = _verify(sqlite_env)
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_rehashed_forgery_breaks_the_link_to_the_next_entry(sqlite_env: Env) -> None:
    _filled(sqlite_env)
    fx.drop_append_only_guard(sqlite_env.store.engine)
    with Session(sqlite_env.store.engine) as session, session.begin():
        entry = session.get(AuditEntry, 2)
        assert entry is not None
        entry.purpose = "forged"
        entry.hash = audit._digest(entry.prev_hash, entry)  # a forger who knows the scheme
    result = _verify(sqlite_env)
    assert (result.first_bad_seq, result.problem) == (3, "does not follow the previous entry")


def test_cut_off_tail_is_detected_with_a_recorded_head(sqlite_env: Env) -> None:
    _filled(sqlite_env)
    head = _verify(sqlite_env).head
    _sql(sqlite_env.path, "DELETE FROM cr_audit WHERE seq >= 4")
    assert _verify(sqlite_env).ok  # without an outside anchor a clean cut looks intact
    cut = _verify(sqlite_env, head)
    assert not cut.ok and cut.problem is not None and "cut off" in cut.problem


@pytest.mark.parametrize(
    "statement",
    ["UPDATE cr_audit SET actor = 'x' WHERE seq = 1", "DELETE FROM cr_audit WHERE seq = 1"],
)
def test_database_refuses_audit_edits(env: Env, statement: str) -> None:
    _filled(env, reads=1)
    with pytest.raises(DBAPIError, match="append-only"), env.store.engine.begin() as connection:
        connection.execute(text(statement))
    assert env.store.verify_audit(ADMIN, why="check").ok


def test_postgres_refuses_truncating_the_audit(env: Env) -> None:
    if env.store.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL only")
    _filled(env, reads=1)
    with pytest.raises(DBAPIError, match="append-only"), env.store.engine.begin() as connection:
        connection.execute(text("TRUNCATE cr_audit"))
    assert env.store.verify_audit(ADMIN, why="check").entries == 2


def test_concurrent_writers_extend_one_chain(env: Env) -> None:
    def work(i: int) -> None:
        case_id = env.store.create_case(CASEWORKER, person(f"Syn{i}"), context(), why="intake")
        env.store.read_case(CASEWORKER, case_id, why="review")

    if env.store.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers with its own lock (busy errors, not forks)")
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(24)))
    result = env.store.verify_audit(ADMIN, why="check")
    assert result.ok and result.entries == 48


def test_refusal_entries_are_chained_too(env: Env) -> None:
    case_id = _filled(env, reads=1)
    with pytest.raises(AccessDenied):
        env.store.read_case(fx.OTHER_CASEWORKER, case_id, why="curious")
    result = env.store.verify_audit(ADMIN, why="check")
    assert result.ok and result.entries == 3
    with pytest.raises(AccessDenied):
        env.store.verify_audit(CASEWORKER, why="check")


@settings(max_examples=30, deadline=None)
@given(seq=st.integers(1, 6), column=st.sampled_from(["actor", "action", "record_id", "detail"]))
def test_any_single_edit_is_found_at_its_entry(
    tmp_path_factory: pytest.TempPathFactory, seq: int, column: str
) -> None:
    path = tmp_path_factory.mktemp("audit") / "cases.sqlite"
    made = fx.make_env(str(path), path)
    _filled(made, reads=5)
    _sql(path, f"UPDATE cr_audit SET {column} = {column} || 'x' WHERE seq = ?", seq)
    result = _verify(made)
    assert (result.ok, result.first_bad_seq) == (False, seq)
    made.store.engine.dispose()
