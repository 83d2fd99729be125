"""debit authorizations: the text a customer agreed to for each bank debit

Bank-debit rules want the authorization (amount, date, account, how to revoke)
shown to the customer and kept; it is stored under the payment's idempotency key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "debit_authorizations",
        sa.Column("id", _ID, nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("cents", _ID, nullable=False),
        sa.Column("account_last4", sa.String(length=4), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("debit_authorizations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_debit_authorizations_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("debit_authorizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_debit_authorizations_account_id"))
    op.drop_table("debit_authorizations")
