"""audit log: index (kiosk_id, id) so appending finds the chain head without a scan

Every audited action reads the newest entry of its kiosk's chain; without this
index that read sorts the kiosk's whole history, which grows for a year.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:25:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_kiosk_id_id", "audit_log", ["kiosk_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_kiosk_id_id", table_name="audit_log")
