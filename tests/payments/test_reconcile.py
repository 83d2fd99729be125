"""The reconciler settles CREATED, SENT and UNKNOWN attempts by asking the processor by key."""

from __future__ import annotations

import contextlib
import datetime as dt

from payment_kit import (
    AVA,
    BEN,
    CARMEN,
    EMMA,
    OfflineTerminal,
    assert_books_clean,
    assert_charged_once_each,
    attempt_by_key,
    row_counts,
)

from kiosk.clock import FixedClock
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.service import PaymentService
from kiosk.store.models import AttemptState
from kiosk.store.store import Store


def crashed_after_create(payments: PaymentService, account: str, cents: int, key: str) -> int:
    """The kiosk died after committing the attempt and before asking the terminal."""
    terminal = CardTerminalSimulator()
    return payments._create_attempt(account, cents, terminal, key, False)


def crashed_after_send(
    payments: PaymentService, journal: ProcessorJournal, account: str, cents: int, key: str
) -> int:
    """The kiosk died after marking the attempt SENT; the terminal did or did not charge."""
    attempt_id = crashed_after_create(payments, account, cents, key)
    payments._transition(attempt_id, AttemptState.CREATED, AttemptState.SENT)
    return attempt_id


def test_reconciler_settles_every_open_state_idempotently(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    terminal = CardTerminalSimulator(journal)
    crashed_after_create(payments, AVA, 1000, "k-created")
    crashed_after_send(payments, journal, BEN, 2000, "k-sent-charged")
    terminal.charge(2000, "k-sent-charged")  # the charge went through before the crash
    crashed_after_send(payments, journal, CARMEN, 3000, "k-sent-not-charged")
    offline = OfflineTerminal(journal)
    offline.online = False
    with contextlib.suppress(Exception):
        payments.pay(EMMA, 4000, offline, "k-unknown")
    assert attempt_by_key(store, "k-unknown").state == AttemptState.UNKNOWN

    report = payments.reconcile({"card": terminal})
    assert report.settled == {"canceled": 2, "succeeded": 2}
    states = {
        key: attempt_by_key(store, key).state
        for key in ("k-created", "k-sent-charged", "k-sent-not-charged", "k-unknown")
    }
    assert states == {
        "k-created": AttemptState.CANCELED,
        "k-sent-charged": AttemptState.SUCCEEDED,
        "k-sent-not-charged": AttemptState.CANCELED,
        "k-unknown": AttemptState.SUCCEEDED,
    }
    counts = row_counts(store)
    assert payments.reconcile({"card": terminal}).settled == {}  # second run: nothing to do
    assert row_counts(store) == counts
    # Voided keys can never be charged later, even by a terminal that comes back.
    for key in ("k-created", "k-sent-not-charged"):
        assert not terminal.charge(1000, key).approved
    assert journal.approved_charges() == {"k-sent-charged": 2000, "k-unknown": 4000}
    assert_charged_once_each(store, journal)
    assert_books_clean(store)


def test_settle_twice_writes_once(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    """The payer and the reconciler may both get the answer; only the first writes."""
    attempt_id = crashed_after_send(payments, journal, AVA, 1500, "k-twice")
    answer = CardTerminalSimulator(journal).charge(1500, "k-twice")
    payments.settle(attempt_id, answer)
    counts = row_counts(store)
    payments.settle(attempt_id, answer)
    assert payments.reconcile({"card": CardTerminalSimulator(journal)}).settled == {}
    assert row_counts(store) == counts
    assert_books_clean(store)


def test_other_kiosks_young_attempts_are_left_alone(
    store: Store, clock: FixedClock, journal: ProcessorJournal
) -> None:
    other_store = Store(
        store.engine,
        store.sessions,
        store.settings.model_copy(update={"kiosk_id": "OTHER-KIOSK"}),
        clock,
    )
    other = PaymentService(other_store)
    crashed_after_send(other, journal, AVA, 1000, "k-other-in-flight")
    mine = PaymentService(store)
    terminal = CardTerminalSimulator(journal)
    grace = dt.timedelta(minutes=2)
    assert mine.reconcile({"card": terminal}, older_than=grace).settled == {}
    clock.advance(dt.timedelta(minutes=1))
    assert mine.reconcile({"card": terminal}, older_than=grace).settled == {}
    assert attempt_by_key(store, "k-other-in-flight").state == AttemptState.SENT
    clock.advance(dt.timedelta(minutes=1, seconds=1))
    assert mine.reconcile({"card": terminal}, older_than=grace, only_this_kiosk=True).settled == {}
    assert mine.reconcile({"card": terminal}, older_than=grace).settled == {"canceled": 1}
    assert journal.approved_charges() == {}
    assert_books_clean(store)


def test_attempt_without_a_method_is_reported_not_guessed(
    store: Store, payments: PaymentService
) -> None:
    crashed_after_create(payments, AVA, 1000, "k-no-method")
    assert payments.reconcile({}).settled == {"no_method": 1}
    assert attempt_by_key(store, "k-no-method").state == AttemptState.CREATED


def test_start_up_reconciliation_leaves_a_payment_made_since_start_alone(
    store: Store, payments: PaymentService, journal: ProcessorJournal, clock: FixedClock
) -> None:
    """Regression: a customer who pays while the kiosk's start-up reconciler runs
    must not have the in-flight payment voided."""
    terminal = CardTerminalSimulator(journal)
    crashed_after_send(payments, journal, AVA, 1000, "k-left-by-a-crash")
    clock.advance(dt.timedelta(seconds=5))
    started_at = clock.now()  # the kiosk restarts here
    clock.advance(dt.timedelta(seconds=1))
    crashed_after_send(payments, journal, BEN, 2000, "k-in-flight-now")
    report = payments.reconcile({"card": terminal}, only_this_kiosk=True, created_before=started_at)
    assert report.settled == {"canceled": 1}
    assert attempt_by_key(store, "k-left-by-a-crash").state == AttemptState.CANCELED
    assert attempt_by_key(store, "k-in-flight-now").state == AttemptState.SENT
    terminal.charge(2000, "k-in-flight-now")  # the customer's card goes through
    assert journal.approved_charges() == {"k-in-flight-now": 2000}
