"""Alembic migrations (a package so that a wheel carries env.py and the versions)."""
