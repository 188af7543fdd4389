"""Accounts: roles checked in one place, argon2 passwords, one-time secrets, sessions with
CSRF, revocable API tokens, rate limits and a tamper-evident audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy
from typer.testing import CliRunner

from threadline.accounts import ACTIONS, ROLES, AccountError, AccountStore, RateLimiter, allowed
from threadline.cli import app

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    return AccountStore(tmp_path / "app.sqlite")


def test_roles_may_do_only_their_actions() -> None:
    assert all(allowed("admin", action) for action in ACTIONS)
    assert allowed("analyst", "label") and allowed("analyst", "export")
    assert not allowed("analyst", "manage")
    assert allowed("viewer", "view") and not allowed("viewer", "label")
    assert not allowed("viewer", "export")
    assert not allowed("nobody", "view") and not allowed("admin", "nuke")
    assert set(ROLES) == {"admin", "analyst", "viewer"}


def test_users_sign_in_with_their_one_time_password(store: AccountStore) -> None:
    password = store.add_user("ana", "analyst")
    assert len(password) >= 16
    user = store.authenticate("ana", password)
    assert user is not None and user.role == "analyst" and user.kind == "user"
    assert store.authenticate("ana", password + "x") is None
    assert store.authenticate("bob", password) is None
    with store.engine.connect() as con:
        stored = con.execute(sqlalchemy.text("SELECT password_hash FROM users")).scalar()
    assert stored.startswith("$argon2id$") and password not in stored
    with pytest.raises(AccountError, match="exists"):
        store.add_user("ana", "viewer")
    with pytest.raises(AccountError, match="unknown role"):
        store.add_user("carl", "god")
    with pytest.raises(AccountError, match="user name"):
        store.add_user("bad name;", "viewer")
    store.disable_user("ana")
    assert store.authenticate("ana", password) is None
    with pytest.raises(AccountError, match="no user"):
        store.disable_user("nobody")


def test_sessions_and_csrf(store: AccountStore) -> None:
    password = store.add_user("vera", "viewer")
    user = store.authenticate("vera", password)
    assert user is not None
    session = store.start_session(user)
    found = store.session(session.cookie)
    assert found is not None and found.principal == user
    assert store.csrf_ok(found, session.csrf)
    assert not store.csrf_ok(found, "forged") and not store.csrf_ok(found, None)
    assert store.session("not-a-session") is None
    with store.engine.connect() as con:
        digests = [r[0] for r in con.execute(sqlalchemy.text("SELECT digest FROM sessions"))]
    assert session.cookie not in digests  # only a digest is stored
    store.end_session(session.cookie)
    assert store.session(session.cookie) is None
    again = store.start_session(user)
    store.disable_user("vera")
    assert store.session(again.cookie) is None


def test_tokens_are_shown_once_scoped_and_revocable(store: AccountStore) -> None:
    token_id, secret = store.create_token("platform-x", "viewer")
    client = store.token_principal(secret)
    assert client is not None and client.role == "viewer" and client.key == token_id
    assert [t.token_id for t in store.tokens()] == [token_id]
    with store.engine.connect() as con:
        assert secret not in str(con.execute(sqlalchemy.text("SELECT * FROM api_tokens")).all())
    store.revoke_token(token_id)
    assert store.token_principal(secret) is None
    with pytest.raises(AccountError, match="no live token"):
        store.revoke_token(token_id)
    assert store.token_principal("tl_guess") is None
    with pytest.raises(AccountError):
        store.create_token("", "viewer")
    with pytest.raises(AccountError):
        store.create_token("x", "root")


def test_audit_log_is_hash_chained_and_tampering_is_found(store: AccountStore) -> None:
    store.add_user("ana", "admin")
    for n in range(5):
        store.record("ana", "network.view", f"network:nw-{n}")
    ok, broken, count = store.verify_audit()
    assert ok and broken is None and count == 6
    with store.engine.begin() as con:
        con.execute(
            sqlalchemy.text("UPDATE audit_log SET resource = 'network:other' WHERE entry = 3")
        )
    assert store.verify_audit()[:2] == (False, 3)


def test_audit_log_deletion_is_found(store: AccountStore) -> None:
    for n in range(4):
        store.record("ana", "export", f"network:nw-{n}")
    with store.engine.begin() as con:
        con.execute(sqlalchemy.text("DELETE FROM audit_log WHERE entry = 2"))
    assert store.verify_audit()[:2] == (False, 3)


def test_rate_limiter_allows_bursts_then_says_how_long_to_wait() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    assert [limiter.take("t1") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("t1")
    assert wait == pytest.approx(1.0)
    assert limiter.take("t2") == 0.0  # buckets are per client
    now[0] += 1.0
    assert limiter.take("t1") == 0.0
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0, burst=1)


def test_cli_users_and_tokens(tmp_path: Path) -> None:
    db = str(tmp_path / "app.sqlite")
    added = runner.invoke(app, ["users", "add", "ana", "--role", "analyst", "--db", db])
    assert added.exit_code == 0, added.output
    password = added.stdout.strip().split()[-1]
    assert AccountStore(db).authenticate("ana", password) is not None
    listing = runner.invoke(app, ["users", "list", "--db", db])
    assert (
        "ana" in listing.stdout and "analyst" in listing.stdout and password not in listing.stdout
    )
    assert (
        runner.invoke(app, ["users", "add", "ana", "--role", "viewer", "--db", db]).exit_code == 2
    )
    assert runner.invoke(app, ["users", "add", "x", "--role", "boss", "--db", db]).exit_code == 2
    created = runner.invoke(
        app, ["tokens", "create", "--name", "ngo-x", "--role", "viewer", "--db", db]
    )
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().split()[-1]
    token_id = created.stdout.split()[1]
    assert AccountStore(db).token_principal(secret) is not None
    tokens = runner.invoke(app, ["tokens", "list", "--db", db])
    assert token_id in tokens.stdout and secret not in tokens.stdout
    assert runner.invoke(app, ["tokens", "revoke", token_id, "--db", db]).exit_code == 0
    assert AccountStore(db).token_principal(secret) is None
    assert runner.invoke(app, ["tokens", "revoke", token_id, "--db", db]).exit_code == 2
    assert runner.invoke(app, ["users", "disable", "ana", "--db", db]).exit_code == 0


def test_token_answers_are_cached_briefly_across_processes(tmp_path: Path) -> None:
    server = AccountStore(tmp_path / "app.sqlite", token_cache_seconds=60)
    admin = AccountStore(tmp_path / "app.sqlite")  # another process, e.g. the CLI
    token_id, secret = admin.create_token("platform", "viewer")
    assert server.token_principal(secret) is not None
    admin.revoke_token(token_id)
    # The serving process learns of the revocation when its cached answer expires...
    assert server.token_principal(secret) is not None
    uncached = AccountStore(tmp_path / "app.sqlite", token_cache_seconds=0)
    assert uncached.token_principal(secret) is None
    # ...and at once when it revokes the token itself.
    token_id, secret = server.create_token("other", "viewer")
    assert server.token_principal(secret) is not None
    server.revoke_token(token_id)
    assert server.token_principal(secret) is None


def test_app_from_env_needs_an_accounts_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from threadline.api import app_from_env
    from threadline.errors import SettingsError

    monkeypatch.delenv("THREADLINE_APP_DB", raising=False)
    with pytest.raises(SettingsError, match="THREADLINE_APP_DB"):
        app_from_env()
    monkeypatch.setenv("THREADLINE_APP_DB", str(tmp_path / "app.sqlite"))
    app = app_from_env()
    assert app.state.accounts is not None


# ---- case roles of tokens and users (issue 7) -----------------------------------------------


def test_tokens_carry_an_optional_case_role_validated_like_users(store: AccountStore) -> None:
    token_id, secret = store.create_token(
        "intake-app", "viewer", case_role="caseworker", organisation="org-north"
    )
    plain_id, _ = store.create_token("platform", "viewer")
    listed = {t.token_id: (t.case_role, t.organisation) for t in store.tokens()}
    assert listed == {token_id: ("caseworker", "org-north"), plain_id: (None, None)}
    assert store.token_case_identity(token_id) == ("caseworker", "org-north")
    assert store.token_case_identity(plain_id) is None
    assert store.token_case_identity("nope") is None
    for case_role, org, message in (
        ("caseworker", None, "needs an organisation"),
        (None, "org-north", "needs an organisation"),
        ("boss", "org-north", "unknown case role"),
        ("caseworker", "x" * 65, "at most 64"),
        ("caseworker", "  ", "needs an organisation"),
    ):
        with pytest.raises(AccountError, match=message):
            store.create_token("t", "viewer", case_role=case_role, organisation=org)
    assert len(store.tokens()) == 2  # nothing half-made by the refusals
    created = [e for e in store.audit() if e.action == "token.create"]
    assert "case role caseworker in org-north" in created[-1].detail
    # revocation from another process ends case access at once (no cache on this path)
    AccountStore(store.url).revoke_token(token_id)
    assert store.token_case_identity(token_id) is None
    with store.engine.connect() as con:
        stored = con.execute(sqlalchemy.text("SELECT digest FROM api_tokens")).scalars().all()
    assert secret not in stored


def test_a_users_case_role_is_changed_and_audited(store: AccountStore) -> None:
    store.add_user("ana", "viewer")
    assert store.case_identity("ana") is None
    store.set_case_role("ana", "caseworker", "org-north")
    assert store.case_identity("ana") == ("caseworker", "org-north")
    store.set_case_role("ana", "supervisor", "org-south")
    assert store.case_identity("ana") == ("supervisor", "org-south")
    store.set_case_role("ana", None, None)
    assert store.case_identity("ana") is None
    assert [u.case_role for u in store.users()] == [None]
    details = [e.detail for e in store.audit() if e.action == "user.case_role"]
    assert details == [
        "case role cleared",
        "case role supervisor in org-south",
        "case role caseworker in org-north",
    ]
    with pytest.raises(AccountError, match="no user"):
        store.set_case_role("nobody", "caseworker", "org-north")
    with pytest.raises(AccountError, match="unknown case role"):
        store.set_case_role("ana", "root", "org-north")
    with pytest.raises(AccountError, match="needs an organisation"):
        store.set_case_role("ana", "caseworker", None)
    assert store.case_identity("ana") is None  # refusals changed nothing


def test_an_old_token_table_gains_the_case_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE api_tokens (token_id VARCHAR(16) PRIMARY KEY, name VARCHAR(128) NOT NULL, "
        "role VARCHAR(16) NOT NULL, digest VARCHAR(64) NOT NULL UNIQUE, "
        "created_at DATETIME NOT NULL, revoked_at DATETIME)"
    )
    connection.execute(
        "INSERT INTO api_tokens VALUES ('abcd1234', 'old', 'viewer', 'd', '2025-01-01 00:00:00', "
        "NULL)"
    )
    connection.commit()
    connection.close()
    store = AccountStore(path)
    assert [(t.token_id, t.case_role) for t in store.tokens()] == [("abcd1234", None)]
    assert store.token_case_identity("abcd1234") is None


def test_cli_case_roles_of_users_and_tokens(tmp_path: Path) -> None:
    db = str(tmp_path / "app.sqlite")
    added = runner.invoke(app, ["users", "add", "ana", "--role", "viewer", "--db", db])
    assert added.exit_code == 0
    role = ["--case-role", "supervisor", "--org", "org-n"]
    changed = runner.invoke(app, ["users", "set-case-role", "ana", *role, "--db", db])
    assert changed.exit_code == 0, changed.output
    assert "supervisor in org-n" in changed.stdout
    assert AccountStore(db).case_identity("ana") == ("supervisor", "org-n")
    assert runner.invoke(app, ["users", "list", "--db", db]).exit_code == 0
    for bad in (
        ["users", "set-case-role", "ana", "--db", db],
        ["users", "set-case-role", "ana", "--clear", "--case-role", "analyst", "--db", db],
        ["users", "set-case-role", "ana", "--case-role", "analyst", "--db", db],
        ["users", "set-case-role", "bob", "--case-role", "analyst", "--org", "o", "--db", db],
    ):
        result = runner.invoke(app, bad)
        assert result.exit_code == 2, (bad, result.output)
    assert AccountStore(db).case_identity("ana") == ("supervisor", "org-n")
    cleared = runner.invoke(app, ["users", "set-case-role", "ana", "--clear", "--db", db])
    assert cleared.exit_code == 0 and AccountStore(db).case_identity("ana") is None
    created = runner.invoke(
        app,
        [
            "tokens", "create", "--name", "intake-app", "--role", "viewer",
            "--case-role", "caseworker", "--org", "org-n", "--db", db,
        ],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    token_id = created.stdout.split()[1]
    assert AccountStore(db).token_case_identity(token_id) == ("caseworker", "org-n")
    tokens = runner.invoke(app, ["tokens", "list", "--db", db])
    assert tokens.exit_code == 0 and token_id in tokens.stdout  # (a narrow terminal wraps cells)
    assert [(t.case_role, t.organisation) for t in AccountStore(db).tokens()] == [
        ("caseworker", "org-n")
    ]
    half = runner.invoke(
        app, ["tokens", "create", "--name", "x", "--role", "viewer", "--org", "o", "--db", db]
    )
    assert half.exit_code == 2 and "case role" in half.output
