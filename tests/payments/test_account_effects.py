"""What a payment does to an account's service: reconnection and the disconnection notice."""

from __future__ import annotations

import pytest
from payment_kit import BEN, CARMEN, assert_books_clean, row_counts
from sqlalchemy import select

from kiosk.errors import InvalidAmount
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.service import PaymentService
from kiosk.store.models import Account, LineCategory, LineItem, OutboxMessage, ServiceRequest
from kiosk.store.models import ServiceStatus as S
from kiosk.store.store import Store


def status(store: Store, number: str) -> S:
    with store.sessions() as session:
        account = session.scalar(select(Account).where(Account.number == number))
        assert account is not None
        return account.status


def test_carmen_reconnects_with_past_due_plus_fee(
    store: Store, payments: PaymentService, terminal: CardTerminalSimulator
) -> None:
    quote = payments.reconnection_quote(CARMEN)
    assert (quote.past_due_cents, quote.fee_cents) == (31000, 3500)
    before = row_counts(store)
    with pytest.raises(InvalidAmount) as caught:
        payments.pay(CARMEN, 31000, terminal, "k-short", reconnect=True)
    assert "not enough to turn service back on" in caught.value.message
    assert "$345.00" in caught.value.message
    assert {k: v for k, v in row_counts(store).items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    result = payments.pay(CARMEN, quote.total_cents, terminal, "k-reconnect", reconnect=True)
    assert result.reconnection_requested and result.new_balance_cents == 0
    assert status(store, CARMEN) == S.RECONNECT_PENDING
    with store.sessions() as session:
        kinds = session.scalars(
            select(OutboxMessage.kind).where(
                OutboxMessage.dedupe_key.like(f"%:{result.attempt_id}")
            )
        ).all()
        assert "service.reconnect" in kinds
        assert session.scalar(select(ServiceRequest.kind)) == "reconnection"
        fee = session.scalar(
            select(LineItem.cents).where(LineItem.category == LineCategory.RECONNECTION_FEE)
        )
        assert fee == 3500
    assert_books_clean(store)


def test_carmen_paying_without_asking_to_reconnect_stays_suspended(
    store: Store, payments: PaymentService, terminal: CardTerminalSimulator
) -> None:
    payments.pay(CARMEN, 31000, terminal, "k-no-reconnect")
    assert status(store, CARMEN) == S.SUSPENDED
    assert_books_clean(store)


def test_ben_goes_from_notice_to_active_when_past_due_is_paid(
    store: Store, payments: PaymentService, terminal: CardTerminalSimulator
) -> None:
    assert status(store, BEN) == S.NOTICE
    payments.pay(BEN, 5000, terminal, "k-ben-part")  # part of the past due only
    assert status(store, BEN) == S.NOTICE
    payments.pay(BEN, 4500, terminal, "k-ben-rest")  # the rest of the $95.00 past due
    assert status(store, BEN) == S.ACTIVE
    with store.sessions() as session:
        ben = session.scalar(select(Account).where(Account.number == BEN))
        assert ben is not None and ben.disconnection_on is None
    assert_books_clean(store)
