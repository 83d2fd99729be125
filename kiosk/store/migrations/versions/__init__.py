"""Alembic revisions, applied by kiosk.store.migrate."""
