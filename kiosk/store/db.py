"""Engines and sessions for SQLite (embedded) and PostgreSQL (fleet).

SQLite runs in WAL mode with a busy timeout, and every transaction starts with
``BEGIN IMMEDIATE`` so two writers queue instead of failing on lock upgrade.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    database = url.split("///", 1)[-1]
    return Path(database) if database and database != ":memory:" else None


def make_engine(
    url: str, *, busy_timeout: float = 30.0, create: bool = True, **kwargs: Any
) -> Engine:
    """Create an engine with the kiosk's connection settings for its back end.

    ``busy_timeout``: seconds a statement waits for another process's lock (SQLite's
    busy timeout, PostgreSQL's lock_timeout) before failing: the kiosk then goes out
    of service, or says the payment is being checked, rather than hang.
    ``create=False``: a SQLite file is opened read-write but never created, so a
    database deleted under a running kiosk is an error, not a new empty file.
    """
    if url.startswith("sqlite"):
        database = sqlite_file(url)
        if database is not None and create:
            database.parent.mkdir(parents=True, exist_ok=True)
        elif database is not None:
            url = f"sqlite:///file:{quote(str(database))}?mode=rw&uri=true"
        engine = create_engine(url, connect_args={"timeout": busy_timeout}, **kwargs)
        _configure_sqlite(engine, busy_timeout)
        return engine
    # PostgreSQL: a lock held by another session fails the statement after the same
    # timeout (the kiosk then says it is out of service or the payment is being checked).
    options = {"options": f"-c lock_timeout={int(busy_timeout * 1000)}"}
    return create_engine(url, pool_pre_ping=True, connect_args=options, **kwargs)


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL: a commit writes the WAL without fsync; a process crash loses
        # nothing, a power cut may lose the last commits (see the README).
        cursor.execute("PRAGMA synchronous=NORMAL")
        # The store's background thread checkpoints (kiosk.store.checkpoint); this
        # is the backstop, at ~40 MB of WAL, for when that thread is not running.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Straight to the driver: SQLAlchemy's statement machinery costs ~0.1 ms
        # a call, and every transaction starts here.
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")


def connection_of(db: Session | Connection) -> Connection:
    """The connection under a session (in its transaction), or the connection itself.

    Hot paths (a payment's success transaction, audit appends, ledger posts)
    write with Core statements, which cost a fraction of an ORM flush, and
    work the same inside an ORM session or on a bare connection. A session's
    pending objects are flushed first, so the statements may refer to them.
    """
    if isinstance(db, Session):
        db.flush()
        return db.connection()
    return db


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session


T = TypeVar("T")
# PostgreSQL's "try the transaction again" errors: serialization failure, deadlock detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_retryable_conflict(error: BaseException) -> bool:
    """True for a transaction the database aborted only because of a concurrent one."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_on_conflict(work: Callable[[], T], *, attempts: int = 8, first_delay: float = 0.005) -> T:
    """Run ``work`` (one whole transaction) again after a serialization failure or deadlock.

    Backs off exponentially with jitter so the colliding transactions do not
    meet again; any other error, or the last failure, is raised.
    """
    for attempt in range(attempts):
        try:
            return work()
        except DBAPIError as error:
            if attempt == attempts - 1 or not is_retryable_conflict(error):
                raise
            time.sleep(first_delay * (2**attempt) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")  # pragma: no cover
