"""Shared fixtures: a real store on SQLite (a file) and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.clock import FixedClock
from kiosk.devtools.postgres_server import PostgresServer, find_bin_dir
from kiosk.settings import Settings
from kiosk.store.store import Store, open_store

START = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
_db_counter = itertools.count()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Each test's simulator journals and payment journal in a directory of its own,
    never the user's data directory (shared by every test run on the machine)."""
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (make test installs it)")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def make_settings(url: str, **overrides: object) -> Settings:
    return Settings(database_url=url, kiosk_id="TEST-KIOSK", **overrides)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path, clock: FixedClock) -> Iterator[Store]:
    """A migrated, seeded store on each database back end (a copy of a seeded template)."""
    if request.param == "sqlite":
        path = tmp_path / "kiosk.sqlite3"
        shutil.copyfile(request.getfixturevalue("seeded_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        template: str = request.getfixturevalue("seeded_postgres_template")
        url = server.create_database(f"test_{next(_db_counter)}", template=template)
    opened = open_store(make_settings(url), clock)
    yield opened
    opened.dispose()


@pytest.fixture(scope="session")
def seeded_postgres_template(postgres: PostgresServer) -> str:
    """One migrated, seeded PostgreSQL database that each test's database is copied from."""
    name = "kiosk_seeded_template"
    opened = open_store(make_settings(postgres.create_database(name)), FixedClock(START), seed=True)
    opened.dispose()  # CREATE DATABASE ... TEMPLATE needs the template to have no sessions
    return name


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, seeded SQLite file; tests get a copy (seeding hashes PINs slowly)."""
    path = tmp_path_factory.mktemp("template") / "kiosk.sqlite3"
    opened = open_store(make_settings(f"sqlite:///{path}"), FixedClock(START), seed=True)
    opened.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def sqlite_store(tmp_path, clock: FixedClock, seeded_sqlite_template: Path) -> Iterator[Store]:
    """A store on its own copy of the seeded SQLite file."""
    path = tmp_path / "kiosk.sqlite3"
    shutil.copyfile(seeded_sqlite_template, path)
    opened = open_store(make_settings(f"sqlite:///{path}"), clock)
    yield opened
    opened.dispose()
