"""Bad amounts are refused with a clear message; nothing but the audit log changes."""

from __future__ import annotations

import pytest
from payment_kit import AVA, assert_books_clean, audit_actions, row_counts

from kiosk.errors import InvalidAmount, NotFound
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.service import PaymentService
from kiosk.store.models import AttemptState
from kiosk.store.store import Store

AVA_BALANCE = 8499


@pytest.mark.parametrize(
    ("cents", "says"),
    [
        (0, "more than zero"),
        (-500, "more than zero"),
        (AVA_BALANCE + 50_000 + 1, "more than this account can take"),
        (10**15, "more than this account can take"),
    ],
)
def test_refused_amounts_change_only_the_audit_log(
    store: Store,
    payments: PaymentService,
    terminal: CardTerminalSimulator,
    journal: ProcessorJournal,
    cents: int,
    says: str,
) -> None:
    before = row_counts(store)
    with pytest.raises(InvalidAmount) as caught:
        payments.pay(AVA, cents, terminal, f"k-bad-{cents}")
    assert says in caught.value.message and caught.value.how_to_fix
    after = row_counts(store)
    assert after.pop("audit") == before.pop("audit") + 1
    assert after == before
    assert audit_actions(store)[-1] == "payment.rejected"
    assert journal.approved_charges() == {}
    with pytest.raises(InvalidAmount):  # the same check before the review step
        payments.check_amount(AVA, cents)


def test_the_limit_is_balance_plus_overpayment_allowance(
    store: Store, payments: PaymentService, terminal: CardTerminalSimulator
) -> None:
    limit = AVA_BALANCE + store.settings.overpayment_limit_cents
    payments.check_amount(AVA, limit)
    with pytest.raises(InvalidAmount) as caught:
        payments.check_amount(AVA, limit + 1)
    assert "$584.99 or less" in caught.value.message
    assert payments.pay(AVA, limit, terminal, "k-limit").state == AttemptState.SUCCEEDED
    assert_books_clean(store)


def test_unknown_account_is_refused(store: Store, payments: PaymentService) -> None:
    before = row_counts(store)
    with pytest.raises(NotFound) as caught:
        payments.pay("49999999", 1000, CardTerminalSimulator(), "k-nobody")
    assert "could not find that account" in caught.value.message
    assert row_counts(store) == before
