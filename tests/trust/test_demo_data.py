"""Demo accounts (with their published PINs) only on request; a missing database is never
silently re-created (issue 14 item 2's second half). Real subprocesses and servers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.settings import Settings
from kiosk.store.models import Account
from kiosk.store.store import DatabaseMissing, open_store

from ..conftest import run_kiosk

KIOSK = Path(sys.executable).parent / "kiosk"


def run(data: Path, *args: str, stdin: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
    """``kiosk ARGS``: ``db`` and ``admin`` commands through the CLI's ``main`` as a fresh
    process runs them (``run_kiosk``); ``serve`` and the customer channels as real processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(KIOSK_DATA_DIR=str(data), KIOSK_CONFIG=str(data / "absent.toml"), **extra)
    if args[0] in ("db", "admin"):
        assert not stdin
        return run_kiosk(args, env)
    return subprocess.run(
        [str(KIOSK), *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_an_admin_command_on_a_missing_database_says_how_to_create_one(tmp_path: Path) -> None:
    done = run(tmp_path, "admin", "reconcile")
    assert done.returncode == 2
    assert done.stderr.startswith("kiosk admin: error: There is no kiosk database")  # README
    assert "kiosk db upgrade" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "kiosk.sqlite3").exists()  # nothing created, nothing seeded
    served = run(tmp_path, "serve", "--once")
    assert served.returncode == 2 and "kiosk db upgrade" in served.stderr
    assert "Traceback" not in served.stderr
    assert not (tmp_path / "kiosk.sqlite3").exists()


def test_an_emptied_database_file_is_missing_not_made_anew(tmp_path: Path) -> None:
    """A 0-byte kiosk.sqlite3 (truncated, a restore that failed on a full disk): admin
    commands used to migrate it into a new, empty database; then 'payments' listed
    nothing and 'ledger-check' said OK, as if no payment had ever been made."""
    database = tmp_path / "kiosk.sqlite3"
    database.write_bytes(b"")
    done = run(tmp_path, "admin", "payments")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "kiosk db upgrade" in done.stderr and "Traceback" not in done.stderr
    assert database.stat().st_size == 0  # left as found, for whoever restores it
    assert run(tmp_path, "db", "upgrade").returncode == 0  # asked for: a new database
    assert run(tmp_path, "admin", "payments").returncode == 0


def test_kiosk_serve_with_its_database_server_down_fails_plainly(tmp_path: Path) -> None:
    """PostgreSQL not answering when kiosk serve starts: one error line, exit 1 (the
    service manager restarts it), not a traceback."""
    down = "postgresql+psycopg://kiosk@127.0.0.1:1/kiosk"  # port 1: connection refused
    served = run(tmp_path, "serve", "--once", KIOSK_DATABASE_URL=down)
    assert served.returncode == 1, served.stderr
    assert served.stderr.startswith("kiosk serve: error: the kiosk's records could not be")
    assert "Traceback" not in served.stderr


def test_a_customer_channel_on_a_missing_database_is_out_of_service(tmp_path: Path) -> None:
    done = run(tmp_path, "text", stdin="1\n2\n")
    assert done.returncode == 0, done.stderr[-2000:]
    # Told at once, before being asked for an account number, ZIP code or PIN.
    told = done.stdout.split("Simple mode", 1)[1]
    assert "out of service" in told and "account number" not in told.split("out of service")[0]
    assert "Traceback" not in done.stdout
    assert not (tmp_path / "kiosk.sqlite3").exists()


def test_kiosk_demo_creates_and_seeds_a_demo_database(tmp_path: Path) -> None:
    done = run(tmp_path, "text", stdin="1\n40152270\n72201\n2468\n7\n", KIOSK_DEMO="1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Hello, Ava" in done.stdout


def test_a_database_deleted_under_the_kiosk_is_not_re_created(tmp_path: Path) -> None:
    database = tmp_path / "kiosk.sqlite3"
    settings = Settings(database_url=f"sqlite:///{database}", kiosk_id="GONE")
    open_store(settings, seed=True).dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    with pytest.raises(DatabaseMissing, match="kiosk db upgrade"):
        open_store(settings)
    assert not database.exists()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_an_empty_database_gets_no_demo_accounts_unless_asked(database_url: str) -> None:
    settings = Settings(database_url=database_url, kiosk_id="EMPTY")
    store = open_store(settings, create=True)  # a fleet's new database: schema only
    try:
        with store.sessions() as session:
            assert session.scalar(select(func.count(Account.id))) == 0
    finally:
        store.dispose()
    demo = open_store(Settings(database_url=database_url, kiosk_id="EMPTY", demo=True))
    try:
        with demo.sessions() as session:
            assert session.scalar(select(func.count(Account.id))) == 5
    finally:
        demo.dispose()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_no_command_makes_tables_in_an_empty_database(tmp_path: Path, database_url: str) -> None:
    """A new, empty PostgreSQL database (or an SQLite file with no tables): admin
    commands used to create the kiosk's tables in it and report 'Nothing to reconcile';
    'kiosk serve' and the customer channels still did, as if no payment had been made."""
    import sqlite3

    from kiosk.store import migrate
    from kiosk.store.db import make_engine, sqlite_file

    database = sqlite_file(database_url)
    if database is not None:
        with sqlite3.connect(database) as made:
            made.execute("PRAGMA user_version = 1")  # a valid file with no tables
    for command in (("reconcile",), ("payments",), ("daily",)):
        done = run(tmp_path, "admin", *command, KIOSK_DATABASE_URL=database_url)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "no kiosk tables" in done.stderr and "Traceback" not in done.stderr
    served = run(tmp_path, "serve", "--once", KIOSK_DATABASE_URL=database_url)
    assert served.returncode == 2 and "no kiosk tables" in served.stderr, served.stderr
    customer = run(tmp_path, "text", stdin="1\n2\n", KIOSK_DATABASE_URL=database_url)
    assert "out of service" in customer.stdout and "Traceback" not in customer.stdout
    engine = make_engine(database_url)
    try:
        assert migrate.current_revision(engine) is None  # left as found
    finally:
        engine.dispose()
    assert run(tmp_path, "db", "upgrade", KIOSK_DATABASE_URL=database_url).returncode == 0
    assert run(tmp_path, "admin", "payments", KIOSK_DATABASE_URL=database_url).returncode == 0
