"""status change time of a case; directory services of a support plan

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

``cr_cases.status_changed_at``: when ``status`` last changed, so the retention job can shred
cases closed for at least N days. Existing cases get the time of this upgrade: when they were
closed is not known, and starting their retention period now never shreds a case early.

``cr_support_plans.service_ids``: the directory services a support plan item relies on
(ids only; the directory holds no personal data). Existing items get an empty list.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("cr_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("cr_support_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_ids", sa.JSON()))
    # Typed table stubs, so each dialect stores the values in its own format.
    cases = sa.table("cr_cases", sa.column("status_changed_at", sa.DateTime(timezone=True)))
    plans = sa.table("cr_support_plans", sa.column("service_ids", sa.JSON()))
    op.execute(cases.update().values(status_changed_at=datetime.now(UTC)))
    op.execute(plans.update().values(service_ids=[]))
    # Nullable in the schema: SQLite adds columns in place only as nullable (making them NOT
    # NULL would rebuild tables that others reference); the store always sets both.
    with op.batch_alter_table("cr_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cr_cases_status_changed_at"), ["status_changed_at"], unique=False
        )


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("cr_support_plans", schema=None) as batch_op:
        batch_op.drop_column("service_ids")
    with op.batch_alter_table("cr_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cr_cases_status_changed_at"))
        batch_op.drop_column("status_changed_at")
