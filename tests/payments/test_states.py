"""Every state an attempt can reach, and every decline code of the card simulator."""

from __future__ import annotations

import pytest
from payment_kit import (
    AVA,
    OfflineTerminal,
    assert_books_clean,
    assert_charged_once_each,
    attempt_by_key,
    audit_actions,
    row_counts,
)

from kiosk.errors import PaymentDeclined, PaymentInProgress, PaymentOutcomeUnknown
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.methods import ChargeResult
from kiosk.payments.service import PaymentService
from kiosk.store.models import AttemptState
from kiosk.store.store import Store


class WatchingTerminal(CardTerminalSimulator):
    """Reads the attempt from the database (a separate session) while being asked to charge."""

    def __init__(self, journal: ProcessorJournal, store: Store) -> None:
        super().__init__(journal)
        self.store = store
        self.seen: list[tuple[AttemptState, int | None]] = []

    def charge(self, cents: int, idempotency_key: str) -> ChargeResult:
        attempt = attempt_by_key(self.store, idempotency_key)
        self.seen.append((attempt.state, attempt.open_account_id))
        return super().charge(cents, idempotency_key)


def test_success_is_committed_as_sent_before_the_terminal_is_asked(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    terminal = WatchingTerminal(journal, store)
    result = payments.pay(AVA, 2000, terminal, "k-success")
    attempt = attempt_by_key(store, "k-success")
    assert terminal.seen == [(AttemptState.SENT, attempt.account_id)]
    assert result.state == AttemptState.SUCCEEDED == attempt.state
    assert attempt.open_account_id is None  # no longer blocks the account
    assert (attempt.brand, attempt.last4) == ("VISA", "4242")
    assert attempt.processor_ref.startswith("tok_")
    assert journal.approved_charges() == {"k-success": 2000}
    assert_books_clean(store)


DECLINES = [
    (5, "do_not_honor", "bank declined"),
    (51, "insufficient_funds", "not enough money"),
    (54, "expired_card", "expired"),
    (55, "incorrect_pin", "PIN was not right"),
]


@pytest.mark.parametrize(("cents", "code", "words"), DECLINES)
def test_decline_codes(
    store: Store,
    payments: PaymentService,
    terminal: CardTerminalSimulator,
    journal: ProcessorJournal,
    cents: int,
    code: str,
    words: str,
) -> None:
    before = row_counts(store)
    with pytest.raises(PaymentDeclined) as caught:
        payments.pay(AVA, 1000 + cents, terminal, f"k-{code}")
    error = caught.value
    assert error.decline_code == code
    assert words in error.message and "no money was taken" in error.message
    assert error.how_to_fix
    attempt = attempt_by_key(store, f"k-{code}")
    assert attempt.state == AttemptState.DECLINED and attempt.decline_code == code
    assert attempt.open_account_id is None
    after = row_counts(store)
    assert after["attempts"] == before["attempts"] + 1
    assert after["entries"] == before["entries"] and after["settlements"] == before["settlements"]
    assert after["outbox"] == before["outbox"]
    assert audit_actions(store)[-1] == "payment.declined"
    assert journal.approved_charges() == {}
    # A declined attempt does not block the account: the next card goes through.
    assert payments.pay(AVA, 1000, terminal, f"k-{code}-again").state == AttemptState.SUCCEEDED
    assert_books_clean(store)


def test_issuer_unavailable_times_out_then_settles_as_declined(
    store: Store, payments: PaymentService, terminal: CardTerminalSimulator
) -> None:
    """.91: the bank did not answer. The kiosk asks by key (never charges again)."""
    with pytest.raises(PaymentDeclined) as caught:
        payments.pay(AVA, 1091, terminal, "k-issuer")
    assert caught.value.decline_code == "issuer_unavailable"
    assert "did not answer in time" in caught.value.message
    assert attempt_by_key(store, "k-issuer").state == AttemptState.DECLINED
    assert audit_actions(store)[-2:] == ["payment.unknown", "payment.declined"]


def test_no_answer_is_voided_and_canceled_and_never_charged_later(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    silent = CardTerminalSimulator(journal, fault="no_answer")
    with pytest.raises(PaymentDeclined) as caught:
        payments.pay(AVA, 2000, silent, "k-silent")
    assert caught.value.decline_code == "voided"
    attempt = attempt_by_key(store, "k-silent")
    assert attempt.state == AttemptState.CANCELED and attempt.open_account_id is None
    # The key is dead at the processor: a late charge for it takes nothing.
    late = CardTerminalSimulator(journal).charge(2000, "k-silent")
    assert not late.approved and late.decline_code == "voided"
    with pytest.raises(PaymentDeclined):  # retrying the same payment does not charge either
        payments.pay(AVA, 2000, CardTerminalSimulator(journal), "k-silent")
    assert journal.approved_charges() == {}
    assert_books_clean(store)


def test_lost_response_becomes_succeeded_by_lookup(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    lossy = CardTerminalSimulator(journal, fault="lost_response")
    result = payments.pay(AVA, 2000, lossy, "k-lost")
    assert result.state == AttemptState.SUCCEEDED and result.confirmation_number
    assert audit_actions(store)[-2:] == ["payment.unknown", "payment.succeeded"]
    assert journal.approved_charges() == {"k-lost": 2000}
    again = payments.pay(AVA, 2000, lossy, "k-lost")
    assert again.attempt_id == result.attempt_id
    assert journal.approved_charges() == {"k-lost": 2000}
    assert_charged_once_each(store, journal)
    assert_books_clean(store)


def test_unknown_blocks_the_account_until_reconciled(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    """Charged, then the network fails both ways: UNKNOWN, and no second charge is possible."""
    offline = OfflineTerminal(journal)
    offline.online = False
    with pytest.raises(PaymentOutcomeUnknown) as caught:
        payments.pay(AVA, 2000, offline, "k-unknown")
    assert "not be charged twice" in caught.value.message
    attempt = attempt_by_key(store, "k-unknown")
    assert attempt.state == AttemptState.UNKNOWN
    assert attempt.open_account_id == attempt.account_id
    with pytest.raises(PaymentInProgress):
        payments.pay(AVA, 2000, CardTerminalSimulator(journal), "k-second")
    with pytest.raises(PaymentOutcomeUnknown):  # the reconciler cannot reach it either
        payments.pay(AVA, 2000, offline, "k-unknown")
    assert payments.reconcile({"card": offline}).settled == {"still_unknown": 1}
    offline.online = True
    assert payments.reconcile({"card": offline}).settled == {"succeeded": 1}
    assert attempt_by_key(store, "k-unknown").state == AttemptState.SUCCEEDED
    assert payments.pay(AVA, 1000, offline, "k-third").state == AttemptState.SUCCEEDED
    assert journal.approved_charges() == {"k-unknown": 2000, "k-third": 1000}
    assert_charged_once_each(store, journal)
    assert_books_clean(store)


def test_unknown_retried_with_its_key_settles_without_a_new_charge(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    offline = OfflineTerminal(journal)
    offline.online = False
    with pytest.raises(PaymentOutcomeUnknown):
        payments.pay(AVA, 2000, offline, "k-retry")
    offline.online = True
    result = payments.pay(AVA, 2000, offline, "k-retry")
    assert result.state == AttemptState.SUCCEEDED
    assert journal.approved_charges() == {"k-retry": 2000}
    assert_books_clean(store)
