"""audit log append-only in the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Triggers refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit entries, so a bug or a
careless query cannot rewrite history; someone with rights to drop the triggers still can,
which the hash chain then reveals.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE = (
    "CREATE TRIGGER cr_audit_no_update BEFORE UPDATE ON cr_audit "
    "BEGIN SELECT RAISE(ABORT, 'cr_audit is append-only'); END",
    "CREATE TRIGGER cr_audit_no_delete BEFORE DELETE ON cr_audit "
    "BEGIN SELECT RAISE(ABORT, 'cr_audit is append-only'); END",
)
_POSTGRES = (
    "CREATE OR REPLACE FUNCTION cr_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'cr_audit is append-only'; END $$",
    "CREATE TRIGGER cr_audit_no_change BEFORE UPDATE OR DELETE ON cr_audit "
    "FOR EACH ROW EXECUTE FUNCTION cr_audit_append_only()",
    "CREATE TRIGGER cr_audit_no_truncate BEFORE TRUNCATE ON cr_audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION cr_audit_append_only()",
)


def upgrade() -> None:
    """Apply."""
    statements = _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Revert."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cr_audit_no_truncate ON cr_audit")
        op.execute("DROP TRIGGER IF EXISTS cr_audit_no_change ON cr_audit")
        op.execute("DROP FUNCTION IF EXISTS cr_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS cr_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS cr_audit_no_delete")
