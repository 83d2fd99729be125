"""Fixtures for the account-service tests.

``store`` here overrides the shared one with the same real databases, but
seeds once per session and copies the seeded database for each test (a file
copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), because
seeding hashes every demo PIN with argon2 and would dominate the run time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from kiosk.clock import FixedClock
from kiosk.devtools.postgres_server import PostgresServer
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.service import PaymentResult, PaymentService
from kiosk.settings import Settings
from kiosk.store.models import Base
from kiosk.store.store import Store, open_store

AVA, BEN, CARMEN, DEV, EMMA = "40152270", "40152271", "40152272", "40152273", "40152274"
SEEDED_AT = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)  # the shared ``clock`` start
_keys = itertools.count()


def _settings(url: str) -> Settings:
    return Settings(database_url=url, kiosk_id="TEST-KIOSK")


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "seeded.sqlite3"
    seeded = open_store(_settings(f"sqlite:///{path}"), FixedClock(SEEDED_AT), seed=True)
    seeded.dispose()  # the last connection to close checkpoints the WAL into the file
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@dataclass
class SeededPostgres:
    """One seeded PostgreSQL database, put back to its seeded rows before each test.

    ``CREATE DATABASE ... TEMPLATE`` takes about a second on a busy machine;
    truncating and re-inserting the few seeded rows takes milliseconds.
    """

    url: str
    rows: dict[str, list[dict[str, Any]]]

    def reset(self, engine: Engine) -> None:
        tables = Base.metadata.sorted_tables
        with engine.begin() as connection:
            # The append-only triggers guard production data; a test reset may skip them.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in tables:
                if self.rows[table.name]:
                    connection.execute(table.insert(), self.rows[table.name])
                if "id" in table.c:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                        )
                    )


@pytest.fixture(scope="session")
def seeded_postgres(postgres: PostgresServer) -> Iterator[SeededPostgres]:
    url = postgres.create_database("services_seeded")
    seeded = open_store(_settings(url), FixedClock(SEEDED_AT), seed=True)
    with seeded.engine.connect() as connection:
        rows = {
            table.name: [dict(row._mapping) for row in connection.execute(select(table))]
            for table in Base.metadata.sorted_tables
        }
    seeded.dispose()
    yield SeededPostgres(url, rows)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    """A migrated, seeded store on each database back end (a fresh copy per test)."""
    assert clock.now() == SEEDED_AT
    if request.param == "sqlite":
        target = tmp_path / "kiosk.sqlite3"
        shutil.copyfile(request.getfixturevalue("seeded_sqlite"), target)
        url = f"sqlite:///{target}"
    else:
        seeded: SeededPostgres = request.getfixturevalue("seeded_postgres")
        url = seeded.url
    opened = open_store(_settings(url), clock, migrate=False, seed=False)
    if request.param == "postgresql":
        seeded.reset(opened.engine)
    yield opened
    opened.dispose()


@pytest.fixture
def card() -> CardTerminalSimulator:
    return CardTerminalSimulator()


def pay(store: Store, account: str, cents: int, card: CardTerminalSimulator) -> PaymentResult:
    """A card payment through the real payment core, with a fresh idempotency key."""
    return PaymentService(store).pay(account, cents, card, f"test-{next(_keys)}")
