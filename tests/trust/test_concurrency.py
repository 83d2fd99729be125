"""16 kiosk processes against one PostgreSQL server, paying the same five accounts.

Each process is a kiosk with its own id. They pay at once, double-click (two
threads, one idempotency key), retry with the same key, and make payment
arrangements while payments on the same account are in flight. Afterwards the
processor's journal and the books must agree: no payment doubled or lost, no
bill line or plan part over-settled, no unhandled deadlock.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kiosk.devtools.crash_harness import ACCOUNTS, check_invariants, reconciliation_methods
from kiosk.errors import KioskError
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.service import PaymentResult, PaymentService
from kiosk.services.arrangements import ArrangementService
from kiosk.settings import Settings
from kiosk.store.models import ArrangementKind
from kiosk.store.store import Store, open_store

KIOSKS = 16
SECONDS = float(os.environ.get("KIOSK_TRUST_CONCURRENCY_SECONDS", "8"))


def _outcome(call: Any) -> object:
    try:
        return call()
    except KioskError as error:
        return type(error).__name__


def _name(outcome: object) -> str:
    return outcome if isinstance(outcome, str) else type(outcome).__name__


def _one_operation(
    service: PaymentService,
    journal: ProcessorJournal,
    rng: random.Random,
    key: str,
    stats: Counter[str],
    errors: list[str],
) -> None:
    account = rng.choice(ACCOUNTS)
    cents = rng.randint(1, 30) * 100 + rng.choice((0, 0, 0, 50, 5, 51))
    operation = rng.choice(("pay", "double_click", "retry", "arrange"))
    stats[operation] += 1
    terminal = CardTerminalSimulator(journal, delay_seconds=rng.choice((0, 0.005)))

    def pay() -> PaymentResult:
        return service.pay(account, cents, terminal, key)

    if operation == "pay":
        stats[_name(_outcome(pay))] += 1
    elif operation == "double_click":
        outcomes: list[object] = []
        barrier = threading.Barrier(2)

        def click() -> None:
            barrier.wait()
            outcomes.append(_outcome(pay))

        threads = [threading.Thread(target=click) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stats.update(_name(o) for o in outcomes)
        ids = {o.attempt_id for o in outcomes if isinstance(o, PaymentResult)}
        if len(ids) > 1:
            errors.append(f"double click {key} made attempts {ids}")
    elif operation == "retry":
        first, second = _outcome(pay), _outcome(pay)
        stats.update((_name(first), _name(second)))
        if isinstance(first, PaymentResult) and (
            not isinstance(second, PaymentResult)
            or second.confirmation_number != first.confirmation_number
        ):
            errors.append(f"retry of {key} gave {second!r} after {first!r}")
    else:  # an arrangement is made while the same account pays
        arrangements = ArrangementService(service.store)
        account = rng.choice(("40152271", "40152272", "40152273"))

        def arrange() -> None:
            offer = arrangements.offer(account, ArrangementKind.INSTALLMENT)
            if offer.arrangement_id is not None:
                arrangements.accept(account, offer.arrangement_id)
            stats["arrangement_made"] += 1

        thread = threading.Thread(target=lambda: stats.update([_name(_outcome(arrange))]))
        thread.start()
        stats[_name(_outcome(pay))] += 1
        thread.join()


def _kiosk(index: int, url: str, journal_path: Path, deadline: float, queue: Any) -> None:
    stats: Counter[str] = Counter()
    errors: list[str] = []
    try:
        store = open_store(
            Settings(database_url=url, kiosk_id=f"KIOSK-{index:02d}"), migrate=False, seed=False
        )
        journal = ProcessorJournal(journal_path)
        service = PaymentService(store)
        rng = random.Random(index)
        serial = 0
        while time.monotonic() < deadline:
            serial += 1
            _one_operation(service, journal, rng, f"k{index}-{serial}", stats, errors)
        service.reconcile(reconciliation_methods(journal), only_this_kiosk=True)
        store.dispose()
    except BaseException:
        errors.append(traceback.format_exc())
    queue.put((index, dict(stats), errors))


def test_sixteen_kiosks_pay_the_same_accounts_at_once(postgres: Any, tmp_path: Path) -> None:
    url = postgres.create_database("concurrency")
    open_store(Settings(database_url=url, kiosk_id="SEED"), seed=True).dispose()
    journal_path = tmp_path / "processor.sqlite3"
    ProcessorJournal(journal_path).close()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    deadline = time.monotonic() + SECONDS + 2  # start-up of the processes included
    processes = [
        context.Process(target=_kiosk, args=(i, url, journal_path, deadline, queue))
        for i in range(KIOSKS)
    ]
    for process in processes:
        process.start()
    reports = [queue.get(timeout=SECONDS + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    errors = [error for _, _, kiosk_errors in reports for error in kiosk_errors]
    assert errors == []
    totals: Counter[str] = Counter()
    for _, stats, _ in reports:
        totals.update(stats)
    print(f"\nconcurrency: {dict(totals)}")

    store = open_store(Settings(database_url=url, kiosk_id="CHECK"), migrate=False, seed=False)
    try:
        _reconcile_everything(store, journal_path)
        problems = check_invariants(store, journal_path, None, kiosk_id=None)
        assert problems == []
        assert totals["PaymentResult"] >= 5  # the kiosks really paid
        assert totals["double_click"] >= 1 and totals["arrange"] >= 1
    finally:
        store.dispose()


def _reconcile_everything(store: Store, journal_path: Path) -> None:
    journal = ProcessorJournal(journal_path)
    PaymentService(store).reconcile(reconciliation_methods(journal))
    journal.close()


if not hasattr(os, "fork"):  # pragma: no cover
    pytestmark = pytest.mark.skip("needs fork")
