"""The store: one engine, one session factory, the settings and the clock services share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.clock import Clock, SystemClock
from kiosk.errors import StoreUnavailable
from kiosk.settings import Settings, get_settings
from kiosk.store.checkpoint import WalCheckpointer
from kiosk.store.db import make_engine, make_session_factory, sqlite_file


@dataclass
class Store:
    engine: Engine
    sessions: sessionmaker[Session]
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    checkpointer: WalCheckpointer | None = None

    def today(self) -> dt.date:
        """The store's calendar day (its ``timezone``), the day every due date, cut-off
        and plan part is counted in. The clock's UTC date is the next day from 6 pm in
        Chicago: a bill due that day was called past due all evening."""
        return self.day_of(self.clock.now())

    def day_of(self, moment: dt.datetime) -> dt.date:
        """The store's calendar day of a stored moment (UTC): what a customer was told
        ("paid December 5", "disputed on December 5")."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(ZoneInfo(self.settings.timezone)).date()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()


def open_store(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    migrate: bool = True,
    seed: bool | None = None,
    create: bool | None = None,
) -> Store:
    """Open the configured database and bring its schema up to date.

    Demo accounts (with their published PINs) are added to an empty database
    only on request: ``seed=True``, or ``settings.demo`` (KIOSK_DEMO=1) when
    ``seed`` is None. A missing SQLite file is created only when asked
    (``create``, which defaults to whether demo data was asked for); otherwise
    it is :class:`DatabaseMissing`, which says how to create one. Likewise tables
    are made only in a database asked to be created: an existing one with no kiosk
    tables is :class:`DatabaseHasNoTables` (when ``migrate``).
    """
    from kiosk.services.keys import pin_paths
    from kiosk.store import migrate as migrations
    from kiosk.store.seed import seed_if_empty

    settings = pin_paths(settings or get_settings())
    seed = settings.demo if seed is None else seed
    create = seed if create is None else create
    url = settings.effective_database_url()
    database = sqlite_file(url)
    if database is not None and not create and _lost(database):
        raise DatabaseMissing(database)
    engine = make_engine(url, busy_timeout=settings.database_busy_timeout_seconds, create=create)
    store = Store(engine, make_session_factory(engine), settings, clock or SystemClock())
    if migrate:
        if not create and migrations.current_revision(engine) is None:
            engine.dispose()  # a new, empty or wrong database is not given the kiosk's tables
            raise DatabaseHasNoTables()
        migrations.upgrade(engine)
    if seed:
        seed_if_empty(store)
    if database is not None:
        store.checkpointer = WalCheckpointer(database).start()
    return store


def _lost(database: Path) -> bool:
    """No database there: no file, or an empty one (truncated, a failed copy or restore)
    with nothing in its write-ahead log; migrating it would quietly start a new, empty
    database in place of the lost one."""
    if not database.exists():
        return True
    wal = Path(f"{database}-wal")
    return database.stat().st_size == 0 and (not wal.exists() or wal.stat().st_size == 0)


class DatabaseHasNoTables(StoreUnavailable):
    """The database exists but holds no kiosk tables; creating them there would
    quietly start a new, empty ledger in place of a lost or mistyped one."""

    def __init__(self) -> None:
        super().__init__(
            "The kiosk database has no kiosk tables.",
            "It is new, empty or not the kiosk's.",
            "Check the database setting (kiosk config show); create the tables with "
            "'kiosk db upgrade', or restore a backup and run 'kiosk admin reconcile'.",
        )


class DatabaseMissing(StoreUnavailable):
    """The kiosk's SQLite file does not exist; it is never silently re-created."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"There is no kiosk database at {path}.",
            "It was never created, or it was deleted, moved or emptied.",
            "Create it with 'kiosk db upgrade' (then 'kiosk db seed' for demo accounts), "
            "or restore it from a backup and run 'kiosk admin reconcile'.",
        )
        self.path = path
