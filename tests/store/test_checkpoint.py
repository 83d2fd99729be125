"""The store's background thread copies the SQLite WAL into the database file."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from kiosk.settings import Settings
from kiosk.store.store import open_store


def _wait_for(condition, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_committed_pages_reach_the_database_file_without_a_commit_waiting(tmp_path: Path) -> None:
    database = tmp_path / "kiosk.sqlite3"
    store = open_store(
        Settings(database_url=f"sqlite:///{database}", kiosk_id="CP"), seed=False, create=True
    )
    try:
        assert store.checkpointer is not None
        with store.engine.begin() as connection:
            connection.execute(text("CREATE TABLE filler (body BLOB)"))
        _wait_for(lambda: store.checkpointer is not None and store.checkpointer.checkpoints > 0)
        size_before = database.stat().st_size
        with store.engine.begin() as connection:  # ~2 MB: far below the 40 MB backstop
            for _ in range(500):
                connection.execute(text("INSERT INTO filler VALUES (randomblob(4000))"))
        assert _wait_for(lambda: database.stat().st_size >= size_before + 1_900_000)
    finally:
        store.dispose()


def test_dispose_stops_the_thread(tmp_path: Path) -> None:
    # A name no other store in this worker has: threads are told apart by name, and a
    # store another test left open (a failed fixture) has a thread for its kiosk.sqlite3.
    database = tmp_path / "dispose-stops-the-thread.sqlite3"
    store = open_store(
        Settings(database_url=f"sqlite:///{database}", kiosk_id="CP"), seed=False, create=True
    )
    assert any(t.name == f"wal-checkpoint:{database.name}" for t in threading.enumerate())
    store.dispose()
    assert not any(t.name == f"wal-checkpoint:{database.name}" for t in threading.enumerate())


def test_an_in_memory_store_has_no_checkpointer() -> None:
    store = open_store(
        Settings(database_url="sqlite:///:memory:", kiosk_id="CP"), seed=False, create=True
    )
    try:
        assert store.checkpointer is None
    finally:
        store.dispose()
