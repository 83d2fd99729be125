"""The store: one engine, one session factory, the settings and the clock services share."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.clock import Clock, SystemClock
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
    seed: bool = True,
) -> Store:
    """Open the configured database; create, migrate and seed it on first use."""
    from kiosk.services.keys import pin_paths
    from kiosk.store import migrate as migrations
    from kiosk.store.seed import seed_if_empty

    settings = pin_paths(settings or get_settings())
    url = settings.effective_database_url()
    engine = make_engine(url, busy_timeout=settings.database_busy_timeout_seconds)
    store = Store(engine, make_session_factory(engine), settings, clock or SystemClock())
    if migrate:
        migrations.upgrade(engine)
    if seed:
        seed_if_empty(store)
    database = sqlite_file(url)
    if database is not None:
        store.checkpointer = WalCheckpointer(database).start()
    return store
