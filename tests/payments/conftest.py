"""Payment test fixtures: a processor journal file, the service, a card terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.service import PaymentService
from kiosk.store.store import Store

# Lets the test modules import payment_kit (this folder only, never the repository root).
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[ProcessorJournal]:
    """The processor's own memory of charges, in a file like a real acquirer's."""
    opened = ProcessorJournal(tmp_path / "processor.sqlite3")
    yield opened
    opened.close()


@pytest.fixture
def payments(store: Store) -> PaymentService:
    return PaymentService(store)


@pytest.fixture
def terminal(journal: ProcessorJournal) -> CardTerminalSimulator:
    return CardTerminalSimulator(journal)
