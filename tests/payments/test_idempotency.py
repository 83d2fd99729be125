"""One idempotency key, one charge: retries return the first result and never charge again."""

from __future__ import annotations

import pytest
from payment_kit import (
    AVA,
    BEN,
    assert_books_clean,
    assert_charged_once_each,
    attempt_by_key,
    row_counts,
)

from kiosk.errors import InvalidAmount, PaymentDeclined, PaymentInProgress
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.service import PaymentService
from kiosk.store.models import AttemptState
from kiosk.store.store import Store


def test_retry_with_the_same_key_returns_the_same_result_and_charges_once(
    store: Store,
    payments: PaymentService,
    terminal: CardTerminalSimulator,
    journal: ProcessorJournal,
) -> None:
    first = payments.pay(AVA, 2500, terminal, "k-once")
    counts = row_counts(store)
    for _ in range(3):
        again = payments.pay(AVA, 2500, terminal, "k-once")
        assert again == first
    assert row_counts(store) == counts  # nothing new: no attempt, entry, outbox or audit row
    assert journal.approved_charges() == {"k-once": 2500}
    assert_charged_once_each(store, journal)
    assert_books_clean(store)


def test_the_terminal_itself_charges_a_key_once(journal: ProcessorJournal) -> None:
    terminal = CardTerminalSimulator(journal)
    first = terminal.charge(1000, "k-direct")
    second = terminal.charge(1000, "k-direct")
    assert first == second and first.approved
    assert journal.approved_charges() == {"k-direct": 1000}


@pytest.mark.parametrize(("account", "cents"), [(AVA, 2600), (BEN, 2500)])
def test_same_key_for_a_different_payment_is_refused(
    store: Store,
    payments: PaymentService,
    terminal: CardTerminalSimulator,
    journal: ProcessorJournal,
    account: str,
    cents: int,
) -> None:
    payments.pay(AVA, 2500, terminal, "k-reused")
    counts = row_counts(store)
    with pytest.raises(InvalidAmount) as caught:
        payments.pay(account, cents, terminal, "k-reused")
    assert "already used for a different payment" in caught.value.message
    after = row_counts(store)
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in counts.items() if k != "audit"
    }
    assert journal.approved_charges() == {"k-reused": 2500}


def test_retry_of_a_declined_payment_is_declined_again_without_asking(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    calls: list[int] = []

    class CountingTerminal(CardTerminalSimulator):
        def charge(self, cents: int, idempotency_key: str):  # type: ignore[no-untyped-def]
            calls.append(cents)
            return super().charge(cents, idempotency_key)

    terminal = CountingTerminal(journal)
    for _ in range(2):
        with pytest.raises(PaymentDeclined) as caught:
            payments.pay(AVA, 2051, terminal, "k-declined")
        assert caught.value.decline_code == "insufficient_funds"
    assert calls == [2051]
    assert attempt_by_key(store, "k-declined").state == AttemptState.DECLINED


def test_one_open_attempt_per_account(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    """A payment in flight (SENT, answer pending) blocks a second one for the same account only."""
    terminal = CardTerminalSimulator(journal)
    seen: list[str] = []

    class ReentrantTerminal(CardTerminalSimulator):
        def charge(self, cents: int, idempotency_key: str):  # type: ignore[no-untyped-def]
            with pytest.raises(PaymentInProgress) as caught:
                payments.pay(AVA, 1000, terminal, "k-second-same-account")
            seen.append(caught.value.message)
            other = payments.pay(BEN, 1000, terminal, "k-other-account")
            seen.append(other.state.value)
            return super().charge(cents, idempotency_key)

    result = payments.pay(AVA, 2000, ReentrantTerminal(journal), "k-first")
    assert result.state == AttemptState.SUCCEEDED
    assert "still being processed" in seen[0] and seen[1] == "succeeded"
    assert journal.approved_charges() == {"k-first": 2000, "k-other-account": 1000}
    # Once the first is settled the account takes payments again.
    assert payments.pay(AVA, 1000, terminal, "k-after").state == AttemptState.SUCCEEDED
    assert_charged_once_each(store, journal)
    assert_books_clean(store)
