"""Hash-chained, append-only audit log of every read and write of personal data.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own columns, so an
edited, deleted, inserted or reordered entry breaks the chain at a position ``verify`` reports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from threadline.cases.models import AuditEntry
from threadline.cases.policy import Principal

GENESIS = "0" * 64
_PG_LOCK = 0x7448_4C41  # advisory lock id of the audit chain ("tHLA")


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = orjson.dumps(
        [
            entry.seq,
            entry.at,
            entry.actor,
            entry.roles,
            entry.organisation,
            entry.action,
            entry.record_id,
            entry.purpose,
            entry.outcome,
            entry.detail,
        ]
    )
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def append(
    session: Session,
    principal: Principal,
    action: str,
    record_id: str,
    *,
    purpose: str,
    outcome: str,
    at: datetime,
    detail: str = "",
) -> AuditEntry:
    """Add the next entry in the caller's transaction.

    On PostgreSQL a transaction-scoped advisory lock serialises appenders, so concurrent writers
    extend the chain one after another instead of forking it (``seq`` is also unique).
    SQLite serialises writers itself.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _PG_LOCK})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = AuditEntry(
        seq=seq,
        at=at.isoformat(),
        actor=principal.user_id,
        roles=",".join(sorted(principal.roles)),
        organisation=principal.organisation,
        action=action,
        record_id=record_id,
        purpose=purpose,
        outcome=outcome,
        detail=detail,
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = _digest(prev_hash, entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    """Result of checking the chain: ``first_bad_seq`` and ``problem`` are None when intact."""

    entries: int
    first_bad_seq: int | None
    problem: str | None
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        """True when every entry checks."""
        return self.problem is None


def verify(session: Session, expected_head: str | None = None) -> Verification:
    """Walk the chain in ``seq`` order and report the first entry that does not check.

    A chain cut off at its end still links up; pass a head hash recorded earlier outside the
    database (``expected_head``) to detect that too.
    """
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        count += 1
        if entry.seq != expected_seq:
            return Verification(count, entry.seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return Verification(count, entry.seq, "does not follow the previous entry")
        if _digest(prev_hash, entry) != entry.hash:
            return Verification(count, entry.seq, "entry was edited")
        prev_hash = entry.hash
        expected_seq += 1
    if (
        expected_head is not None
        and expected_head != prev_hash
        and not _contains(session, expected_head)
    ):
        return Verification(
            count, None, "the recorded head is gone: entries were cut off", prev_hash
        )
    return Verification(count, None, None, prev_hash)


def _contains(session: Session, entry_hash: str) -> bool:
    return session.scalar(select(AuditEntry.seq).where(AuditEntry.hash == entry_hash)) is not None


def entry_count(session: Session) -> int:
    """Number of audit entries."""
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
