"""The retention job, the reclaiming of shredded keys' storage, and the 0003 migration.

SQLite always; PostgreSQL too when THREADLINE_TEST_PG_URL is set (.ci/run's server). Synthetic
people only.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import test_cases_fixtures as fx
from test_cases_fixtures import (
    ADMIN,
    ANALYST,
    CASEWORKER,
    PLANTED_NAME,
    SUPERVISOR,
    Env,
    context,
    person,
    raw_storage,
)
from threadline.cases import crypto, db
from threadline.cases.errors import AccessDenied, CaseError, NotFound, RecordErased
from threadline.cases.models import AuditEntry, Case, DataKey
from threadline.cases.policy import Action, Principal, Role, Scope, decide
from threadline.cases.retention import apply_retention
from threadline.cases.store import CaseStore
from threadline.cli_cases import cases_app, keys_app

env = fx.env
runner = CliRunner()
FOREIGN_ADMIN = Principal("ad-hal", frozenset({"admin"}), "org-south")
FOREIGN_CASEWORKER = Principal("cw-gus", frozenset({"caseworker"}), "org-south")


def _case(env: Env, who: Principal = CASEWORKER, given: str = PLANTED_NAME) -> str:
    return env.store.create_case(who, person(given), context(), why="intake")


def _close(env: Env, case_id: str, who: Principal = CASEWORKER, status: str = "Closed") -> None:
    env.store.set_status(who, case_id, status, why="case closed")


def _audit(env: Env) -> list[AuditEntry]:
    with Session(env.store.engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _wrapped(env: Env, case_id: str) -> bytes | None:
    with Session(env.store.engine) as session:
        row = session.get(DataKey, case_id)
        assert row is not None
        return row.wrapped


# ---- policy ----------------------------------------------------------------------------------


def test_only_admins_may_apply_retention() -> None:
    for role in Role:
        who = Principal("u", frozenset({role.value}), "o")
        assert decide(who, Action.RETENTION_APPLY).allowed is (role is Role.ADMIN)
        assert not decide(who, Action.RETENTION_APPLY, Scope("u", "o")).allowed


# ---- the job -----------------------------------------------------------------------------------


def test_retention_shreds_only_cases_closed_long_enough(env: Env) -> None:
    old_closed = _case(env)
    old_referred = _case(env, given="Ilvanna")
    _close(env, old_closed)
    _close(env, old_referred, status="ClosedReferred")
    env.clock.advance(days=10)
    recent = _case(env, given="Orsolya")
    _close(env, recent)
    active = _case(env, given="Bertilde")  # open for 10 days, never closed
    env.clock.advance(days=21)
    foreign = _case(env, FOREIGN_CASEWORKER, given="Quennet")
    _close(env, foreign, FOREIGN_CASEWORKER)
    env.clock.advance(days=30)
    # now: the first two closed 61 days ago, `recent` 51, `foreign` 30; `active` is open
    dry = apply_retention(env.store, ADMIN, closed_for_days=60, why="retention", dry_run=True)
    assert dry.dry_run and dry.erased == () and set(dry.due) == {old_closed, old_referred}
    assert all(_wrapped(env, c) is not None for c in (old_closed, old_referred))
    assert env.store.read_case(CASEWORKER, old_closed, why="check").person.given_name
    run = apply_retention(env.store, ADMIN, closed_for_days=60, why="retention period 60 days")
    assert set(run.erased) == {old_closed, old_referred} and run.due == run.erased
    assert run.reclaimed is (env.store.engine.dialect.name in ("sqlite", "postgresql"))
    for gone in run.erased:
        with pytest.raises(RecordErased):
            env.store.read_case(SUPERVISOR, gone, why="check")
        assert env.store.read_pseudonymous(ANALYST, gone, why="stats").erased
    assert env.store.read_case(CASEWORKER, recent, why="check").person.given_name == "Orsolya"
    assert env.store.read_case(CASEWORKER, active, why="check").status == "Active"
    assert _wrapped(env, foreign) is not None  # another organisation's case is never touched
    erasures = [
        (e.record_id, e.actor, e.purpose, e.detail)
        for e in _audit(env)
        if e.action == "case.erase" and e.outcome == "allowed"
    ]
    assert sorted(erasures) == sorted(
        (c, "ad-fay", "retention period 60 days", "retention") for c in run.erased
    )
    listings = [e for e in _audit(env) if e.action == "retention.list"]
    assert [e.detail for e in listings] == ["2 cases due", "2 cases due"]
    # a second run finds nothing; a shorter period catches the recent one
    assert apply_retention(env.store, ADMIN, closed_for_days=60, why="again").due == ()
    assert apply_retention(env.store, ADMIN, closed_for_days=50, why="shorter").erased == (recent,)
    # the other organisation's admin applies its own period to its own cases only
    south = apply_retention(env.store, FOREIGN_ADMIN, closed_for_days=30, why="south")
    assert south.erased == (foreign,)
    assert env.store.verify_audit(ADMIN, why="check").ok


def test_the_period_runs_from_the_last_status_change(env: Env) -> None:
    reopened = _case(env)
    _close(env, reopened)
    env.clock.advance(days=40)
    env.store.set_status(CASEWORKER, reopened, "Active", why="survivor came back")
    env.clock.advance(days=5)
    _close(env, reopened)  # closed again 5 days ago: the period starts over
    env.store.set_status(CASEWORKER, reopened, "Closed", why="same status again")
    env.clock.advance(days=25)
    assert apply_retention(env.store, ADMIN, closed_for_days=30, why="r", dry_run=True).due == ()
    env.clock.advance(days=5)
    assert apply_retention(env.store, ADMIN, closed_for_days=30, why="r").erased == (reopened,)


def test_a_case_reopened_during_the_run_is_kept(env: Env) -> None:
    case_id = _case(env)
    _close(env, case_id)
    env.clock.advance(days=90)
    assert env.store.retention_due(ADMIN, env.store.now(), why="r") == [case_id]
    # between the listing and the erasure, the survivor comes back
    env.store.set_status(CASEWORKER, case_id, "FollowUp", why="survivor came back")
    assert not env.store.erase_for_retention(ADMIN, case_id, env.store.now(), why="r")
    assert _wrapped(env, case_id) is not None
    with pytest.raises(NotFound):
        env.store.erase_for_retention(ADMIN, "f" * 32, env.store.now(), why="r")


def test_retention_is_refused_to_everyone_but_admins_and_audited(env: Env) -> None:
    case_id = _case(env)
    _close(env, case_id)
    env.clock.advance(days=400)
    for who in (SUPERVISOR, CASEWORKER, ANALYST):
        with pytest.raises(AccessDenied):
            apply_retention(env.store, who, closed_for_days=1, why="tidy up")
        last = _audit(env)[-1]
        assert (last.actor, last.action, last.outcome) == (who.user_id, "retention.apply", "denied")
        with pytest.raises(AccessDenied):
            env.store.erase_for_retention(who, case_id, env.store.now(), why="tidy up")
    assert _wrapped(env, case_id) is not None
    for days in (0, -3, True, 10**9):
        with pytest.raises(CaseError, match="retention period"):
            apply_retention(env.store, ADMIN, closed_for_days=days, why="r")
    with pytest.raises(CaseError, match="reason"):
        apply_retention(env.store, ADMIN, closed_for_days=1, why=" ")
    assert _wrapped(env, case_id) is not None


# ---- reclaiming the destroyed key's storage ---------------------------------------------------


def test_erasure_vacuums_and_the_sqlite_file_keeps_no_key_bytes(env: Env) -> None:
    if env.store.engine.dialect.name != "sqlite":
        pytest.skip("file-level check")
    cases = [_case(env, given=f"Syn{i}") for i in range(30)]  # several pages of rows
    wrapped = {c: _wrapped(env, c) for c in cases}
    assert all(w is not None and w in raw_storage(env) for w in wrapped.values())
    with env.store.engine.begin() as connection:  # free pages, so we can see VACUUM run
        connection.execute(text("CREATE TABLE scratch AS SELECT * FROM cr_cases"))
        connection.execute(text("DROP TABLE scratch"))
    assert _freelist(env) > 0
    env.store.erase(SUPERVISOR, cases[3], why="asked")
    assert _freelist(env) == 0  # the erasure vacuumed the file
    for c in cases[10:20]:
        _close(env, c)
    env.clock.advance(days=8)
    run = apply_retention(env.store, ADMIN, closed_for_days=7, why="retention")
    assert run.reclaimed and len(run.erased) == 10
    raw = raw_storage(env)
    for case_id, key in wrapped.items():
        assert key is not None
        gone = case_id == cases[3] or case_id in run.erased
        assert (key in raw) is not gone, case_id
    connection = sqlite3.connect(env.path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()


def _freelist(env: Env) -> int:
    connection = sqlite3.connect(env.path)
    try:
        return int(connection.execute("PRAGMA freelist_count").fetchone()[0])
    finally:
        connection.close()


def test_reclaiming_runs_on_each_dialect_and_fails_soft_elsewhere(env: Env) -> None:
    case_id = _case(env)
    env.store.erase(SUPERVISOR, case_id, why="asked", reclaim=False)
    assert env.store.reclaim_key_storage() is True  # VACUUM outside a transaction works
    other = db.make_engine("sqlite://")
    try:
        assert db.reclaim_key_storage(other) is True  # an in-memory database: nothing to fail
    finally:
        other.dispose()


def test_a_busy_sqlite_database_is_not_vacuumed_but_the_erasure_stands(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "busy.sqlite"
    store = fx.make_env(str(path), path).store
    case_id = store.create_case(CASEWORKER, person(), context(), why="intake")
    store.erase(SUPERVISOR, case_id, why="asked", reclaim=False)
    engine = create_engine(db.database_url(str(path)), connect_args={"timeout": 0.05})
    holder = sqlite3.connect(path)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        assert db.reclaim_key_storage(engine) is False
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
    assert PLANTED_NAME not in caplog.text and case_id not in caplog.text
    assert "could not vacuum" in caplog.text
    with pytest.raises(RecordErased):
        store.read_case(SUPERVISOR, case_id, why="check")
    store.engine.dispose()


# ---- the 0003 migration ------------------------------------------------------------------------


def test_upgrading_an_0002_database_dates_closed_cases_from_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = db.make_engine(str(path))
    db.upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cr_cases (id, organisation, owner_id, status, opened_on, "
                "citizenship, recruitment_methods, recruitment_apps, control_methods, "
                "exploitation_types, exploitation_apps) VALUES ('c1', 'org-north', 'cw-ana', "
                "'Closed', '2020-01-01', '[]', '[]', '[]', '[]', '[]', '[]')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO cr_support_plans (id, case_id, plan_type) VALUES ('p1', 'c1', 'Legal')"
            )
        )
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision() == "0003"
    with Session(engine) as session:
        case = session.get(Case, "c1")
        assert case is not None and case.status_changed_at is not None
        assert case.status_changed_at.date() >= date(2026, 1, 1)  # the upgrade, not 2020
        plans = session.execute(text("SELECT service_ids FROM cr_support_plans")).all()
        assert [tuple(row) for row in plans] == [("[]",)]
    engine.dispose()


# ---- the command -------------------------------------------------------------------------------


def test_retention_command(tmp_path: Path) -> None:
    database, keys = tmp_path / "cases.sqlite", tmp_path / "keys.json"
    assert runner.invoke(keys_app, ["generate", "--key-file", str(keys)]).exit_code == 0
    store = CaseStore.open(str(database), crypto.load_keyring(keys))
    case_id = store.create_case(CASEWORKER, person(), context(), why="intake")
    kept = store.create_case(CASEWORKER, person("Ilvanna"), context(), why="intake")
    store.set_status(CASEWORKER, case_id, "Closed", why="closed")
    with store.engine.begin() as connection:  # closed long ago (the CLI uses the real clock)
        connection.execute(
            text("UPDATE cr_cases SET status_changed_at = '2020-01-01 00:00:00' WHERE id = :i"),
            {"i": case_id},
        )
    store.engine.dispose()
    common = ["--db", str(database), "--key-file", str(keys), "--org", "org-north"]
    args = ["retention", *common, "--user", "ad-fay", "--closed-for-days", "30"]
    dry = runner.invoke(cases_app, [*args, "--why", "yearly retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.split() == [case_id] and "none erased" in dry.stderr
    refused = runner.invoke(
        cases_app, [*args, "--why", "tidy", "--role", "supervisor", "--user", "sup-cleo"]
    )
    assert refused.exit_code == 2 and "refused" in refused.output
    assert runner.invoke(cases_app, [*args[:-1], "0", "--why", "w"]).exit_code == 2
    assert runner.invoke(cases_app, args).exit_code == 2  # --why is required
    done = runner.invoke(cases_app, [*args, "--why", "yearly retention"])
    assert done.exit_code == 0, done.output
    assert done.stdout.split() == [case_id] and "1 cases" in done.stderr
    again = runner.invoke(cases_app, [*args, "--why", "yearly retention"])
    assert again.stdout.split() == [] and "nothing erased" in again.stderr
    store = CaseStore.open(str(database), crypto.load_keyring(keys))
    with pytest.raises(RecordErased):
        store.read_case(CASEWORKER, case_id, why="check")
    assert store.read_case(CASEWORKER, kept, why="check").person.given_name == "Ilvanna"
    store.engine.dispose()
