"""Users, API tokens, sessions and the audit log of the web app, in a SQL database.

SQLite by default (a file), any SQLAlchemy URL otherwise (PostgreSQL for a shared server).
Secrets are never stored: passwords as argon2id hashes, API tokens and session ids as SHA-256
digests (they are 256-bit random values, so a fast digest is safe), shown to their owner once.
The audit log is append-only and hash-chained: each entry's hash covers the previous entry's
hash and its own fields, so :meth:`AccountStore.verify_audit` finds any edit, deletion or
reordering.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine

from threadline.accounts.policy import ROLES, Principal
from threadline.errors import ThreadlineError

__all__ = ["AccountError", "AccountStore", "AuditEntry", "Session", "TokenInfo", "UserInfo"]

#: How long a browser session lasts without signing in again.
SESSION_HOURS = 12
_GENESIS = "0" * 64

_metadata = MetaData()
_users = Table(
    "users",
    _metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    # Optional: the user's role in the case records (threadline.cases.policy.Role) and the
    # organisation they act within there; NULL for users who have no access to case records.
    Column("case_role", String(16)),
    Column("organisation", String(64)),
)
_tokens = Table(
    "api_tokens",
    _metadata,
    Column("token_id", String(16), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    # Optional, as for users: the token's case role and organisation (both or neither).
    Column("case_role", String(16)),
    Column("organisation", String(64)),
)
_sessions = Table(
    "sessions",
    _metadata,
    Column("digest", String(64), primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)
_audit = Table(
    "audit_log",
    _metadata,
    Column("entry", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(160), nullable=False),
    Column("action", String(64), nullable=False),
    Column("resource", String(256), nullable=False),
    Column("detail", String(1000), nullable=False),
    Column("previous", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


class AccountError(ThreadlineError):
    """A refused account operation (unknown role, duplicate user, unknown token...)."""


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: str
    disabled: bool
    created_at: datetime
    case_role: str | None = None
    organisation: str | None = None


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    case_role: str | None = None
    organisation: str | None = None


@dataclass(frozen=True)
class Session:
    """A signed-in browser: the cookie value (shown once) and the CSRF token of its forms."""

    cookie: str
    csrf: str
    principal: Principal
    expires_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    entry: int
    at: datetime
    actor: str
    action: str
    resource: str
    detail: str


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _chain(previous: str, at: datetime, actor: str, action: str, resource: str, detail: str) -> str:
    fields = "\x1f".join((previous, at.isoformat(), actor, action, resource, detail))
    return hashlib.sha256(fields.encode()).hexdigest()


def _add_case_columns(engine: Engine) -> None:
    """Give users and token tables made before case roles existed their two (nullable) columns."""
    inspector = inspect(engine)
    with engine.begin() as con:
        for table in (_users, _tokens):
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in ("case_role", "organisation"):
                if column not in present:
                    kind = table.c[column].type.compile(dialect=engine.dialect)
                    con.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column} {kind}"))


def _check_case_role(case_role: str | None, organisation: str | None) -> None:
    if case_role is None and organisation is None:
        return
    from threadline.cases.policy import Role

    if case_role is None or not organisation or not organisation.strip():
        raise AccountError("a case role needs an organisation, and an organisation a case role")
    if case_role not in Role._value2member_map_:
        roles = ", ".join(role.value for role in Role)
        raise AccountError(f"unknown case role {case_role!r}; case roles: {roles}")
    if len(organisation) > 64:
        raise AccountError("an organisation is at most 64 characters")


def database_url(location: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a file path (SQLite)."""
    text = str(location)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


class AccountStore:
    """The accounts database (tables are created on first use).

    Bearer tokens are looked up on every API request, so a token's answer is kept for
    ``token_cache_seconds`` (2 s by default): a token revoked by this process stops at once, one
    revoked from another process (the CLI) within that time.
    """

    def __init__(
        self,
        location: str | Path,
        *,
        engine: Engine | None = None,
        token_cache_seconds: float = 2.0,
    ) -> None:
        self.url = database_url(location)
        self.engine = engine or create_engine(self.url)
        _metadata.create_all(self.engine)
        _add_case_columns(self.engine)
        self._hasher = PasswordHasher()
        self._token_cache: dict[str, tuple[Principal | None, float]] = {}
        self._token_cache_seconds = token_cache_seconds

    def close(self) -> None:
        self.engine.dispose()

    # Users ------------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        role: str,
        *,
        case_role: str | None = None,
        organisation: str | None = None,
    ) -> str:
        """Create a user; returns a one-time password to hand over (only its hash is kept).

        ``case_role`` and ``organisation`` (both or neither) give the user access to the case
        records, as that role within that organisation; without them the user has none.
        """
        name = name.strip()
        if (
            not name
            or len(name) > 64
            or not name.replace("-", "").replace("_", "").replace(".", "").isalnum()
        ):
            raise AccountError("a user name is 1-64 letters, digits, '.', '-' or '_'")
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        _check_case_role(case_role, organisation)
        password = secrets.token_urlsafe(12)
        with self.engine.begin() as con:
            if con.execute(select(_users.c.name).where(_users.c.name == name)).first():
                raise AccountError(f"user {name!r} exists")
            con.execute(
                insert(_users).values(
                    name=name,
                    role=role,
                    password_hash=self._hasher.hash(password),
                    disabled=False,
                    created_at=_now(),
                    case_role=case_role,
                    organisation=organisation,
                )
            )
        cases = f"; case role {case_role} in {organisation}" if case_role else ""
        self.record("cli", "user.add", f"user:{name}", f"role {role}{cases}")
        return password

    def users(self) -> list[UserInfo]:
        with self.engine.connect() as con:
            rows = con.execute(select(_users).order_by(_users.c.name)).all()
        return [
            UserInfo(r.name, r.role, r.disabled, r.created_at, r.case_role, r.organisation)
            for r in rows
        ]

    def case_identity(self, name: str) -> tuple[str, str] | None:
        """``(case role, organisation)`` of an enabled user with access to the case records."""
        with self.engine.connect() as con:
            row = con.execute(
                select(_users.c.case_role, _users.c.organisation, _users.c.disabled).where(
                    _users.c.name == name
                )
            ).first()
        if row is None or row.disabled or not row.case_role or not row.organisation:
            return None
        return str(row.case_role), str(row.organisation)

    def set_case_role(
        self, name: str, case_role: str | None, organisation: str | None, *, actor: str = "cli"
    ) -> None:
        """Give a user a case role in an organisation, or take it away (both None).

        Takes effect on the user's next request: the cases API reads it afresh every time.
        """
        _check_case_role(case_role, organisation)
        with self.engine.begin() as con:
            done = con.execute(
                update(_users)
                .where(_users.c.name == name)
                .values(case_role=case_role, organisation=organisation)
            )
            if done.rowcount == 0:
                raise AccountError(f"no user {name!r}")
        detail = f"case role {case_role} in {organisation}" if case_role else "case role cleared"
        self.record(actor, "user.case_role", f"user:{name}", detail)

    def disable_user(self, name: str) -> None:
        with self.engine.begin() as con:
            done = con.execute(update(_users).where(_users.c.name == name).values(disabled=True))
            if done.rowcount == 0:
                raise AccountError(f"no user {name!r}")
            con.execute(_sessions.delete().where(_sessions.c.user_name == name))
        self.record("cli", "user.disable", f"user:{name}")

    def authenticate(self, name: str, password: str) -> Principal | None:
        """The user when the password is right and the account enabled; None otherwise."""
        with self.engine.connect() as con:
            row = con.execute(select(_users).where(_users.c.name == name)).first()
        if row is None:
            # Spend the same time as a real check, so timing does not reveal which names exist.
            self._hasher.hash(password)
            return None
        try:
            self._hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if row.disabled:
            return None
        return Principal(row.name, row.role, "user", row.name)

    # Sessions ---------------------------------------------------------------------------

    def start_session(self, principal: Principal) -> Session:
        cookie = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = _now() + timedelta(hours=SESSION_HOURS)
        with self.engine.begin() as con:
            con.execute(
                insert(_sessions).values(
                    digest=_digest(cookie), user_name=principal.name, csrf=csrf, expires_at=expires
                )
            )
        return Session(cookie, csrf, principal, expires)

    def session(self, cookie: str) -> Session | None:
        """The live session of a cookie (expired sessions and disabled users: None)."""
        with self.engine.connect() as con:
            row = con.execute(
                select(_sessions, _users.c.role, _users.c.disabled)
                .join(_users, _users.c.name == _sessions.c.user_name)
                .where(_sessions.c.digest == _digest(cookie))
            ).first()
        if row is None or row.disabled or row.expires_at <= _now():
            return None
        return Session(
            cookie,
            row.csrf,
            Principal(row.user_name, row.role, "user", row.user_name),
            row.expires_at,
        )

    def end_session(self, cookie: str) -> None:
        with self.engine.begin() as con:
            con.execute(_sessions.delete().where(_sessions.c.digest == _digest(cookie)))

    @staticmethod
    def csrf_ok(session: Session, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(session.csrf, presented)

    # API tokens -------------------------------------------------------------------------

    def create_token(
        self,
        name: str,
        role: str,
        *,
        case_role: str | None = None,
        organisation: str | None = None,
    ) -> tuple[str, str]:
        """A new token for an API client: ``(token_id, secret)``; the secret is shown once.

        ``case_role`` and ``organisation`` (both or neither, checked as for users) let the
        client call the case records as that role within that organisation.
        """
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        if not name.strip() or len(name) > 128:
            raise AccountError("a token needs a name of 1-128 characters (who uses it)")
        _check_case_role(case_role, organisation)
        token_id = secrets.token_hex(4)
        secret = f"tl_{token_id}_{secrets.token_urlsafe(32)}"
        with self.engine.begin() as con:
            con.execute(
                insert(_tokens).values(
                    token_id=token_id,
                    name=name.strip(),
                    role=role,
                    digest=_digest(secret),
                    created_at=_now(),
                    revoked_at=None,
                    case_role=case_role,
                    organisation=organisation,
                )
            )
        cases = f"; case role {case_role} in {organisation}" if case_role else ""
        self.record("cli", "token.create", f"token:{token_id}", f"{name.strip()} ({role}){cases}")
        return token_id, secret

    def tokens(self) -> list[TokenInfo]:
        with self.engine.connect() as con:
            rows = con.execute(
                select(_tokens).order_by(_tokens.c.created_at, _tokens.c.token_id)
            ).all()
        return [
            TokenInfo(
                r.token_id, r.name, r.role, r.created_at, r.revoked_at, r.case_role, r.organisation
            )
            for r in rows
        ]

    def token_case_identity(self, token_id: str) -> tuple[str, str] | None:
        """``(case role, organisation)`` of a live token with access to the case records.

        Read afresh (never cached), so a revocation from another process stops case access at
        once, not after the bearer-token cache expires.
        """
        with self.engine.connect() as con:
            row = con.execute(
                select(_tokens.c.case_role, _tokens.c.organisation, _tokens.c.revoked_at).where(
                    _tokens.c.token_id == token_id
                )
            ).first()
        if row is None or row.revoked_at is not None or not row.case_role or not row.organisation:
            return None
        return str(row.case_role), str(row.organisation)

    def revoke_token(self, token_id: str) -> None:
        with self.engine.begin() as con:
            done = con.execute(
                update(_tokens)
                .where(_tokens.c.token_id == token_id, _tokens.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            )
        if done.rowcount == 0:
            raise AccountError(f"no live token {token_id!r}")
        self._token_cache.clear()
        self.record("cli", "token.revoke", f"token:{token_id}")

    def token_principal(self, secret: str) -> Principal | None:
        """The client a bearer token stands for; None when unknown or revoked."""
        digest = _digest(secret)
        now = time.monotonic()
        cached = self._token_cache.get(digest)
        if cached is not None and now - cached[1] < self._token_cache_seconds:
            return cached[0]
        with self.engine.connect() as con:
            row = con.execute(select(_tokens).where(_tokens.c.digest == digest)).first()
        found = (
            None
            if row is None or row.revoked_at is not None
            else Principal(row.name, row.role, "token", row.token_id)
        )
        if len(self._token_cache) > 10_000:
            self._token_cache.clear()  # bounded: unknown tokens must not grow it forever
        self._token_cache[digest] = (found, now)
        return found

    # Audit ------------------------------------------------------------------------------

    def record(self, actor: str, action: str, resource: str, detail: str = "") -> None:
        """Append an entry to the audit log (who, what, on what, when)."""
        at = _now()
        with self.engine.begin() as con:
            last = con.execute(
                select(_audit.c.hash).order_by(_audit.c.entry.desc()).limit(1)
            ).scalar()
            previous = last or _GENESIS
            con.execute(
                insert(_audit).values(
                    at=at,
                    actor=actor,
                    action=action,
                    resource=resource,
                    detail=detail[:1000],
                    previous=previous,
                    hash=_chain(previous, at, actor, action, resource, detail[:1000]),
                )
            )

    def audit(self, limit: int = 100) -> list[AuditEntry]:
        with self.engine.connect() as con:
            rows = con.execute(select(_audit).order_by(_audit.c.entry.desc()).limit(limit)).all()
        return [AuditEntry(r.entry, r.at, r.actor, r.action, r.resource, r.detail) for r in rows]

    def verify_audit(self) -> tuple[bool, int | None, int]:
        """``(intact, first broken entry or None, entries checked)``."""
        previous = _GENESIS
        count = 0
        with self.engine.connect() as con:
            for row in con.execute(select(_audit).order_by(_audit.c.entry)):
                count += 1
                expected = _chain(previous, row.at, row.actor, row.action, row.resource, row.detail)
                if row.previous != previous or row.hash != expected:
                    return False, int(row.entry), count
                previous = row.hash
        return True, None, count

    def count_audit(self) -> int:
        with self.engine.connect() as con:
            return int(con.execute(select(func.count()).select_from(_audit)).scalar() or 0)
