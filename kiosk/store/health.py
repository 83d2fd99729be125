"""Is the store usable? Telling a broken store from a bug, and a cheap check to recover.

A locked, full, read-only, deleted or corrupted SQLite file and a stopped
PostgreSQL server all surface as driver or OS errors; the conversation takes
these to its "out of service" step instead of pretending the request failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.store.store import Store


def is_store_failure(error: BaseException) -> bool:
    """True for an error of the store itself (not of what the customer asked)."""
    import sqlite3

    from kiosk.errors import StoreUnavailable

    if isinstance(error, StoreUnavailable | sqlite3.Error | OSError):
        return True
    from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

    if isinstance(error, IntegrityError):
        return False  # a constraint said no: the store works
    return isinstance(error, DBAPIError | SQLAlchemyError)


def unusable_message(error: BaseException) -> str:
    """One line for staff about a store failure (the driver's own first line, not its
    SQL or traceback), as ``kiosk admin`` and ``kiosk serve`` report it."""
    cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return (
        f"the kiosk's records could not be read or written ({cause}). Another program "
        "may hold the database, or it is full, damaged or unreachable. Try again; if it "
        "lasts, see 'When the database fails' in docs/operations.md."
    )


def check(store: Store) -> None:
    """Read the schema version and an account, and make a write that is rolled back.

    Raises if the store cannot serve a customer: missing tables, corruption, a
    server that is down, a read-only file or a lock held by another process.
    """
    from sqlalchemy import text

    with store.engine.connect() as connection:  # the first execute begins a transaction
        try:
            connection.execute(text("SELECT id FROM accounts LIMIT 1")).all()
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        finally:
            connection.rollback()
