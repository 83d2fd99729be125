"""Fixtures for the kiosk screen: a real seeded SQLite store per test (copied
from one migrated template, so each test starts fast), a manual clock, and a
driver that presses keys the way a person does (a moment between presses)."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import shutil
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.pilot import Pilot

from kiosk.accessibility.modes import Mode
from kiosk.accessibility.timing import ManualClock
from kiosk.clock import FixedClock
from kiosk.conversation.services import Services
from kiosk.settings import Settings
from kiosk.store.models import AttemptState, PaymentAttempt
from kiosk.store.store import Store, open_store
from kiosk.ui.app import KioskApp

START = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)  # as in tests/conftest.py
KEY_GAP = 0.3  # seconds between presses: a person's pace, above the repeat filter's burst gap

AVA = {"account": "40152270", "zip": "72201", "pin": "2468"}


def settings_for(path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{path}", kiosk_id="TEST-KIOSK")  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui-template") / "k.sqlite3"
    store = open_store(settings_for(path), FixedClock(START), seed=True)
    store.dispose()
    return path


@pytest.fixture
def ui_store(template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))  # the simulators' journal
    path = tmp_path / "k.sqlite3"
    shutil.copy(template_db, path)
    store = open_store(settings_for(path), FixedClock(START))
    yield store
    store.dispose()


@pytest.fixture
def make_app(ui_store: Store):
    def build(mode: Mode = Mode.STANDARD, **options: object) -> KioskApp:
        options.setdefault("clock", ManualClock())
        options.setdefault("tick_seconds", 0)
        return KioskApp(Services(ui_store), mode=mode, **options)  # type: ignore[arg-type]

    return build


async def press(pilot: Pilot, *keys: str) -> None:
    """Press keys one at a time, the manual clock moving as a person's would."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    for key in keys:
        clock = app.clock
        if isinstance(clock, ManualClock):
            clock.advance(KEY_GAP)
        await pilot.press(key)
        await settled(pilot, pause=False)
    await pilot.pause()


async def settled(pilot: Pilot, *, pause: bool = True) -> None:
    """Wait until the conversation has answered (and, with ``pause``, the screen shown it)."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    for _ in range(3000):
        if not app.busy:
            break
        await asyncio.sleep(0.01)
    if pause:
        await pilot.pause()


async def type_entry(pilot: Pilot, digits: str) -> None:
    await press(pilot, *digits, "enter")


async def fill_entry(pilot: Pilot, text: str) -> None:
    """Fill the field at once (as a scanner would) and press Enter: for tests
    about what a step looks like, not about typing."""
    from kiosk.ui.entry import EntryInput

    pilot.app.screen.query_one(EntryInput).value = text
    await press(pilot, "enter")


async def sign_in(pilot: Pilot, start_key: str = "1") -> None:
    await press(pilot, start_key)
    await type_entry(pilot, AVA["account"])
    await type_entry(pilot, AVA["zip"])
    await type_entry(pilot, AVA["pin"])


def succeeded_payments(store: Store) -> list[PaymentAttempt]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(PaymentAttempt).where(PaymentAttempt.state == AttemptState.SUCCEEDED)
            )
        )


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on a fresh event loop (no async plugin needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper
