"""audit log keyed: entries are chained with an HMAC under a key kept outside the database

Until now every entry's hash was a plain SHA-256, so someone who could write the
database (after dropping the triggers) could edit an entry and recompute the rest
of the chain. Entries written from now on are keyed (``keyed`` true: an HMAC with
the kiosk's secret key); older entries keep their plain hashes, and a plain entry
after a keyed one is reported as a recomputed chain.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both back ends: SQLite's batch mode would copy the table and
# lose its append-only triggers (migration 0002).
def upgrade() -> None:
    op.add_column(
        "audit_log", sa.Column("keyed", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.execute("ALTER TABLE audit_log DROP COLUMN keyed")
