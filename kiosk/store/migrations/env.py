"""Alembic environment: runs on the connection the kiosk hands it (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from kiosk.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - we always pass a connection
    raise RuntimeError("Run migrations through kiosk.store.migrate, which passes a connection.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
