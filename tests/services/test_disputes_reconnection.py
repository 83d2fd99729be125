"""Disputes hold a charge out of past due; a suspended account is reconnected by paying."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.errors import InvalidAmount, InvalidInput, NotEligible, NotFound
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.services import ledger
from kiosk.services.arrangements import ArrangementService
from kiosk.services.billing import BillService
from kiosk.services.disputes import DisputeService
from kiosk.services.reconnection import ReconnectionService
from kiosk.store.models import (
    Account,
    ArrangementKind,
    DisputeState,
    OutboxMessage,
    ServiceRequest,
    ServiceStatus,
)
from kiosk.store.store import Store

from .conftest import BEN, CARMEN, EMMA


def _status(store: Store, number: str) -> ServiceStatus:
    with store.sessions() as session:
        account = session.scalar(select(Account).where(Account.number == number))
        assert account is not None
        return account.status


def test_emma_dispute_holds_and_credit_lowers_the_balance(store: Store) -> None:
    disputes = DisputeService(store)
    [dispute] = disputes.status(EMMA)
    assert (dispute.state, dispute.cents) == (DisputeState.OPEN, 2999)
    assert BillService(store).explain(EMMA).held_by_dispute_cents == 2999
    with pytest.raises(NotEligible, match="already disputed"):
        disputes.open(EMMA, dispute.line_item_id, "Still wrong.")
    credited = disputes.resolve(dispute.dispute_id, credit=True, note="Return confirmed.")
    assert credited.state == DisputeState.CREDITED and "credited" in credited.text
    bill = BillService(store).explain(EMMA)
    assert (bill.balance_cents, bill.held_by_dispute_cents) == (9999, 0)
    assert any(
        e.description.startswith("Credit for disputed")
        for e in BillService(store).statement(EMMA).entries
    )
    with store.sessions() as session:
        assert ledger.check(session) == []
    with pytest.raises(NotEligible, match="already resolved"):
        disputes.resolve(dispute.dispute_id, credit=False, note="")


def test_ben_dispute_stops_the_notice_and_denial_releases_the_hold(store: Store) -> None:
    disputes = DisputeService(store)
    bill = BillService(store).explain(BEN)
    old_lines = [line for line in bill.lines if line.bill_period == "last month"]
    for line in old_lines:  # dispute the whole past-due bill
        disputes.open(BEN, line.line_item_id, "I was billed twice for October.")
    after = BillService(store).explain(BEN)
    assert (after.past_due_cents, after.held_by_dispute_cents) == (0, 9500)
    assert _status(store, BEN) == ServiceStatus.ACTIVE  # no disconnection for a held amount
    disputes.resolve(disputes.status(BEN)[0].dispute_id, credit=False, note="Billed once.")
    assert BillService(store).explain(BEN).past_due_cents > 0


def test_dispute_bad_input_changes_nothing(store: Store) -> None:
    disputes = DisputeService(store)
    line = BillService(store).explain(BEN).lines[0]
    with pytest.raises(InvalidInput, match="why you disagree"):
        disputes.open(BEN, line.line_item_id, "   ")
    emma_line = BillService(store).explain(EMMA).lines[0]
    with pytest.raises(NotFound, match="charge on this account"):
        disputes.open(BEN, emma_line.line_item_id, "not mine")
    assert disputes.status(BEN) == []


def test_carmen_is_reconnected_by_paying_past_due_plus_fee(
    store: Store, card: CardTerminalSimulator
) -> None:
    service = ReconnectionService(store)
    quote = service.quote(CARMEN)
    assert (quote.past_due_cents, quote.fee_cents, quote.total_cents) == (31000, 3500, 34500)
    assert quote.plan_possible and quote.plan_today_cents == 11500
    assert "$345.00" in quote.explanation and "$115.00 today" in quote.explanation
    with pytest.raises(InvalidAmount, match="not enough to turn service back on"):
        service.pay(CARMEN, 31000, card, "carmen-short")
    assert _status(store, CARMEN) == ServiceStatus.SUSPENDED
    result = service.pay(CARMEN, 34500, card, "carmen-full")
    assert result.reconnection_requested and result.new_balance_cents == 0
    assert _status(store, CARMEN) == ServiceStatus.RECONNECT_PENDING
    with store.sessions() as session:
        kinds = set(session.scalars(select(OutboxMessage.kind)))
        assert "service.reconnect" in kinds
        assert session.scalar(
            select(ServiceRequest.kind).where(ServiceRequest.kind == "reconnection")
        )


def test_carmen_is_reconnected_by_a_plan_down_payment_that_includes_the_fee(
    store: Store, card: CardTerminalSimulator
) -> None:
    plans = ArrangementService(store)
    offer = plans.offer(CARMEN, ArrangementKind.INSTALLMENT)
    assert offer.includes_reconnection_fee and offer.total_cents == 34500
    assert offer.arrangement_id is not None
    plans.accept(CARMEN, offer.arrangement_id)
    service = ReconnectionService(store)
    quote = service.quote(CARMEN)
    assert (quote.fee_cents, quote.total_cents) == (0, offer.today_cents)
    service.pay(CARMEN, offer.today_cents, card, "carmen-plan")
    assert _status(store, CARMEN) == ServiceStatus.RECONNECT_PENDING
    current = plans.current(CARMEN)
    assert current is not None and current.paid_cents == offer.today_cents
    bill = BillService(store).explain(CARMEN)
    assert bill.balance_cents == 34500 - offer.today_cents and bill.due_now_cents == 0


def test_disconnection_schedule_follows_the_policy(store: Store) -> None:
    ben = ReconnectionService(store).disconnection_schedule(BEN)
    assert ben.disconnection_on is not None and ben.notice_on is not None
    assert (ben.disconnection_on - ben.notice_on).days == 7
    assert "November 30" in ben.text
    ava = ReconnectionService(store).disconnection_schedule("40152270")
    assert ava.delinquent_on is not None and ava.disconnection_on is not None
    assert (
        ava.disconnection_on - ava.delinquent_on
    ).days == store.settings.disconnection_notice_days
    assert "due on December 5" in ava.text
