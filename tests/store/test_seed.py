"""The demo accounts of DESIGN.md, as the kiosk will present them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from kiosk.clock import today
from kiosk.services import ledger
from kiosk.services.account_state import active_plan, owed
from kiosk.services.pins import pin_matches
from kiosk.store.models import (
    Account,
    AuditEntry,
    Bill,
    Dispute,
    DisputeState,
    JournalEntry,
    LineItem,
    ServiceStatus,
)
from kiosk.store.seed import DEMO_ACCOUNTS, seed_if_empty
from kiosk.store.store import Store


def account(session, number: str) -> Account:
    found = session.scalar(select(Account).where(Account.number == number))
    assert found is not None
    return found


def test_demo_accounts_match_the_design(store: Store) -> None:
    on = today(store.clock)
    with store.sessions() as session:
        ava = account(session, "40152270")
        ava_owed = owed(session, ava, on)
        assert ava.customer.name == "Ava Johnson" and ava.zip_code == "72201"
        assert ava_owed.balance_cents == 8499 and ava_owed.past_due_cents == 0
        assert ava_owed.next_due_on == on + dt.timedelta(days=10)
        assert ava.status == ServiceStatus.ACTIVE

        ben = account(session, "40152271")
        ben_owed = owed(session, ben, on)
        assert ben_owed.balance_cents == 21540 and ben_owed.past_due_cents == 9500
        assert ben.status == ServiceStatus.NOTICE
        assert ben.disconnection_notice_on is not None and ben.disconnection_on is not None

        carmen = account(session, "40152272")
        carmen_owed = owed(session, carmen, on)
        assert carmen.status == ServiceStatus.SUSPENDED
        assert carmen_owed.past_due_cents == 31000 == carmen_owed.balance_cents

        dev = account(session, "40152273")
        dev_owed = owed(session, dev, on)
        plan = active_plan(session, dev.id)
        assert plan is not None
        next_part = next(p for p in plan.installments if p.paid_cents < p.cents)
        assert next_part.cents == 4000 and next_part.due_on == on + dt.timedelta(days=5)
        assert dev_owed.past_due_cents == 0 and dev_owed.balance_cents == 12000
        assert dev_owed.covered_by_plan_cents == 12000

        emma = account(session, "40152274")
        emma_owed = owed(session, emma, on)
        assert emma_owed.balance_cents == 12998
        assert emma_owed.held_by_dispute_cents == 2999
        assert emma_owed.current_due_cents == 12998 - 2999
        dispute = session.scalar(select(Dispute).where(Dispute.account_id == emma.id))
        assert dispute is not None and dispute.state == DisputeState.OPEN


def test_demo_pins_are_argon2id_hashes(store: Store) -> None:
    with store.sessions() as session:
        for demo in DEMO_ACCOUNTS[:2]:
            found = account(session, demo.number)
            assert found.pin_hash.startswith("$argon2id$")
            assert demo.pin not in found.pin_hash
            assert pin_matches(found.pin_hash, demo.pin)


def test_seed_ledger_is_balanced(store: Store) -> None:
    with store.sessions() as session:
        assert ledger.check(session) == []
        assert ledger.check_accounts(session) == []


def test_seeding_twice_adds_nothing(store: Store) -> None:
    def counts() -> tuple[int | None, ...]:
        with store.sessions() as session:
            return tuple(
                session.scalar(select(func.count()).select_from(table))
                for table in (Account, Bill, LineItem, JournalEntry, Dispute, AuditEntry)
            )

    before = counts()
    assert before[0] == len(DEMO_ACCOUNTS)
    assert seed_if_empty(store) is False
    assert counts() == before
