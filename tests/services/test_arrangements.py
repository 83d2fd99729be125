"""Extensions, deferred payments and installment plans over the demo accounts."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.clock import FixedClock
from kiosk.errors import InvalidInput, NotEligible
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.services.arrangements import ArrangementService, installment_schedule
from kiosk.services.billing import BillService
from kiosk.store.models import (
    Account,
    Arrangement,
    ArrangementKind,
    ArrangementState,
    AuditEntry,
    ServiceStatus,
)
from kiosk.store.store import Store

from .conftest import AVA, BEN, CARMEN, DEV, pay

K = ArrangementKind


def _account(store: Store, number: str) -> Account:
    with store.sessions() as session:
        account = session.scalar(select(Account).where(Account.number == number))
        assert account is not None
        return account


def _actions(store: Store) -> list[str]:
    with store.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_ben_is_offered_every_kind_in_plain_words(store: Store) -> None:
    offers = {o.kind: o for o in ArrangementService(store).eligibility(BEN)}
    assert all(o.eligible for o in offers.values())
    assert offers[K.EXTENSION].new_due_on == dt.date(2026, 12, 5)
    assert "$95.00 by December 5" in offers[K.EXTENSION].explanation
    plan = offers[K.INSTALLMENT]
    assert (plan.total_cents, plan.today_cents) == (21540, 7180)
    assert [p.cents for p in plan.parts] == [7180, 4787, 4787, 4786]
    assert [p.due_on.isoformat() for p in plan.parts[1:]] == [
        "2026-12-25",
        "2027-01-25",
        "2027-02-25",
    ]
    assert "Pay $71.80 today" in plan.explanation


def test_ben_extension_stops_disconnection_and_is_once_a_year(
    store: Store, clock: FixedClock, card: CardTerminalSimulator
) -> None:
    service = ArrangementService(store)
    offer = service.offer(BEN, K.EXTENSION, days=10)
    assert offer.arrangement_id is not None
    service.accept(BEN, offer.arrangement_id)
    bill = BillService(store).explain(BEN)
    assert bill.past_due_cents == 0 and bill.due_on == dt.date(2026, 12, 5)
    account = _account(store, BEN)
    assert account.status == ServiceStatus.ACTIVE and account.disconnection_on is None
    pay(store, BEN, 9500, card)
    clock.advance(dt.timedelta(days=11))
    report = service.check_plans()
    assert offer.arrangement_id in report.kept
    offers = {o.kind: o for o in service.eligibility(BEN)}
    extension = offers[K.EXTENSION]
    assert not extension.eligible
    assert extension.explanation.startswith("An extension was already used on November 25")
    assert "an installment plan is possible with $40.14 today" in extension.instead
    with pytest.raises(NotEligible) as raised:
        service.offer(BEN, K.EXTENSION)
    assert "already used on November 25" in raised.value.why
    assert "installment plan is possible" in raised.value.how_to_fix
    assert {"arrangement.offered", "arrangement.accepted", "arrangement.kept"} <= set(
        _actions(store)
    )
    assert _actions(store)[-1] == "arrangement.offer"  # the rejection is audited too


def test_ben_installment_down_payment_counts_as_first_part(
    store: Store, card: CardTerminalSimulator
) -> None:
    service = ArrangementService(store)
    offer = service.offer(BEN, K.INSTALLMENT)
    assert offer.arrangement_id is not None
    summary = service.accept(BEN, offer.arrangement_id)
    assert summary.state == ArrangementState.ACTIVE and summary.next_part_cents == 7180
    options = BillService(store).payment_options(BEN)
    assert (options[0].kind, options[0].cents) == ("plan_part", 7180)
    pay(store, BEN, 7180, card)
    current = service.current(BEN)
    assert current is not None
    assert current.paid_cents == 7180 and current.next_part_cents == 4787
    assert current.next_part_due_on == dt.date(2026, 12, 25)
    account = _account(store, BEN)
    assert account.status == ServiceStatus.ACTIVE and account.disconnection_on is None
    bill = BillService(store).explain(BEN)
    assert (bill.balance_cents, bill.due_now_cents) == (14360, 0)
    with pytest.raises(NotEligible, match="already on a payment plan"):
        service.offer(BEN, K.DEFERRED)


def test_missed_installment_breaks_the_plan_and_restarts_notice(
    store: Store, clock: FixedClock, card: CardTerminalSimulator
) -> None:
    service = ArrangementService(store)
    offer = service.offer(BEN, K.INSTALLMENT, parts=2)
    assert offer.arrangement_id is not None
    service.accept(BEN, offer.arrangement_id)
    pay(store, BEN, offer.today_cents, card)
    assert service.check_plans().broken == ()
    clock.advance(dt.timedelta(days=31))  # the December 25 part was not paid
    report = service.check_plans()
    assert offer.arrangement_id in report.broken
    account = _account(store, BEN)
    assert account.status == ServiceStatus.NOTICE
    assert account.disconnection_on == clock.now().date() + dt.timedelta(days=7)
    offers = {o.kind: o for o in service.eligibility(BEN)}
    assert not offers[K.INSTALLMENT].eligible
    assert "was not kept on December 26" in offers[K.INSTALLMENT].explanation
    assert offers[K.EXTENSION].eligible  # what is possible instead
    assert "An extension to" in offers[K.INSTALLMENT].instead


def test_dev_pays_an_installment_and_the_plan_advances(
    store: Store, card: CardTerminalSimulator
) -> None:
    service = ArrangementService(store)
    before = service.current(DEV)
    assert before is not None and before.next_part_cents == 4000
    pay(store, DEV, 4000, card)
    after = service.current(DEV)
    assert after is not None
    assert after.paid_cents == 8000 and after.next_part_due_on == dt.date(2026, 12, 30)
    pay(store, DEV, 8000, card)
    assert service.current(DEV) is None
    assert after.arrangement_id in service.check_plans().kept


def test_ineligible_requests_say_why_and_what_instead(store: Store) -> None:
    service = ArrangementService(store)
    carmen = {o.kind: o for o in service.eligibility(CARMEN)}
    assert not carmen[K.EXTENSION].eligible
    assert "turned off" in carmen[K.EXTENSION].explanation
    assert "installment plan is possible with $115.00 today" in carmen[K.EXTENSION].instead
    dev = {o.kind: o for o in service.eligibility(DEV)}
    assert not any(o.eligible for o in dev.values())
    assert "next payment is $40.00 by November 30" in dev[K.INSTALLMENT].explanation
    with pytest.raises(InvalidInput, match="13 monthly payments"):
        service.offer(AVA, K.INSTALLMENT, parts=13)
    with pytest.raises(InvalidInput, match="extension of 11 days"):
        service.offer(AVA, K.EXTENSION, days=11)
    with store.sessions() as session:
        assert session.scalar(select(Arrangement).where(Arrangement.account_id == 1)) is None


def test_deferred_payment_and_decline(store: Store) -> None:
    service = ArrangementService(store)
    offer = service.offer(AVA, K.DEFERRED, pay_now_cents=5000, pay_rest_by=dt.date(2026, 12, 20))
    assert [p.cents for p in offer.parts] == [5000, 3499]
    assert offer.arrangement_id is not None
    service.decline(AVA, offer.arrangement_id)
    with pytest.raises(NotEligible, match="cannot be changed"):
        service.accept(AVA, offer.arrangement_id)
    with pytest.raises(InvalidInput, match="up to 30 days"):
        service.offer(AVA, K.DEFERRED, pay_rest_by=dt.date(2027, 1, 30))
    assert "arrangement.declined" in _actions(store)


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(min_value=1, max_value=10_000_000),
    parts=st.integers(min_value=1, max_value=12),
    divisor=st.integers(min_value=1, max_value=6),
)
def test_installment_schedules_always_sum_to_the_total(
    total: int, parts: int, divisor: int
) -> None:
    schedule = installment_schedule(total, parts, divisor, dt.date(2026, 1, 31))
    assert sum(p.cents for p in schedule) == total
    assert all(p.cents > 0 for p in schedule)
    assert len(schedule) <= parts + 1
    monthly = [p.cents for p in schedule[1:]]
    assert not monthly or max(monthly) - min(monthly) <= 1
    assert monthly == sorted(monthly, reverse=True)  # leftover cents go first
    dates = [p.due_on for p in schedule]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
