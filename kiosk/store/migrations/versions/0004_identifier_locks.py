"""identifier locks: failed sign-ins for identifiers that match no account

An unknown account or phone number never locked while a real one did, so the
lockout told which numbers were accounts. Unknown identifiers now count and lock
in this table, keyed by a digest made with the kiosk's secret key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identifier_locks",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failed_pin_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("identifier_locks")
