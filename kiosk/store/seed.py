"""The demo accounts of DESIGN.md, created on first use of an empty database.

Dates are relative to the day of seeding, so a fresh demo always shows a bill
due in 10 days, a disconnection notice, a suspended account and so on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.services import ledger
from kiosk.services.pins import hash_pin
from kiosk.store.models import (
    Account,
    Arrangement,
    ArrangementKind,
    ArrangementState,
    AttemptState,
    Bill,
    Customer,
    Dispute,
    Installment,
    LineCategory,
    LineItem,
    PaymentAttempt,
    PaymentMethodKind,
    ServiceStatus,
    Settlement,
)
from kiosk.store.store import Store

B = LineCategory


@dataclass(frozen=True)
class DemoLine:
    category: LineCategory
    description: str
    cents: int
    previous_cents: int | None = None
    change_reason: str = ""


@dataclass(frozen=True)
class DemoBill:
    issued_days_ago: int
    due_in_days: int
    period: str
    lines: tuple[DemoLine, ...]


@dataclass(frozen=True)
class DemoAccount:
    number: str
    name: str
    zip_code: str
    pin: str
    phone: str
    email: str
    address: str
    bills: tuple[DemoBill, ...]
    status: ServiceStatus = ServiceStatus.ACTIVE


DEMO_ACCOUNTS = (
    DemoAccount(
        "40152270",
        "Ava Johnson",
        "72201",
        "2468",
        "5015550101",
        "ava@example.com",
        "12 Main St, Little Rock, AR",
        (
            DemoBill(
                6,
                10,
                "this month",
                (
                    DemoLine(B.BASIC, "Home phone line", 3000, 3000),
                    DemoLine(
                        B.INTERNET, "Internet 100", 4500, 4000, "Your first-year discount ended."
                    ),
                    DemoLine(
                        B.TAXES,
                        "Taxes and fees",
                        999,
                        949,
                        "Taxes follow the higher internet price.",
                    ),
                ),
            ),
        ),
    ),
    DemoAccount(
        "40152271",
        "Ben Carter",
        "35203",
        "1357",
        "2055550102",
        "ben@example.com",
        "40 Oak Ave, Birmingham, AL",
        (
            DemoBill(
                36,
                -20,
                "last month",
                (
                    DemoLine(B.BASIC, "Home phone line", 3500, 3500),
                    DemoLine(B.INTERNET, "Internet 300", 5000, 5000),
                    DemoLine(B.TAXES, "Taxes and fees", 1000, 1000),
                ),
            ),
            DemoBill(
                4,
                12,
                "this month",
                (
                    DemoLine(B.BASIC, "Home phone line", 3500, 3500),
                    DemoLine(B.INTERNET, "Internet 500", 6000, 5000, "You moved to a faster plan."),
                    DemoLine(
                        B.EQUIPMENT, "Modem rental", 1000, None, "New modem for the faster plan."
                    ),
                    DemoLine(
                        B.TAXES, "Taxes and fees", 1040, 1000, "Taxes follow the higher price."
                    ),
                    DemoLine(B.LATE_FEE, "Late fee", 500, None, "Last month's bill was not paid."),
                ),
            ),
        ),
        ServiceStatus.NOTICE,
    ),
    DemoAccount(
        "40152272",
        "Carmen Diaz",
        "27601",
        "8642",
        "9195550103",
        "carmen@example.com",
        "7 Pine Rd, Raleigh, NC",
        (
            DemoBill(
                66,
                -50,
                "two months ago",
                (
                    DemoLine(B.BASIC, "Home phone line", 4000, 4000),
                    DemoLine(B.INTERNET, "Internet 1000", 10000, 10000),
                    DemoLine(B.TAXES, "Taxes and fees", 1500, 1500),
                ),
            ),
            DemoBill(
                36,
                -20,
                "last month",
                (
                    DemoLine(B.BASIC, "Home phone line", 4000, 4000),
                    DemoLine(B.INTERNET, "Internet 1000", 9500, 10000, "A service outage credit."),
                    DemoLine(B.LATE_FEE, "Late fee", 500, None, "The bill before was not paid."),
                    DemoLine(B.TAXES, "Taxes and fees", 1500, 1500),
                ),
            ),
        ),
        ServiceStatus.SUSPENDED,
    ),
    DemoAccount(
        "40152273",
        "Dev Patel",
        "50309",
        "9753",
        "5155550104",
        "dev@example.com",
        "300 Elm St, Des Moines, IA",
        (
            DemoBill(
                40,
                -24,
                "last month",
                (
                    DemoLine(B.BASIC, "Home phone line", 4000, 4000),
                    DemoLine(B.INTERNET, "Internet 300", 10000, 10000),
                    DemoLine(B.EQUIPMENT, "Modem rental", 1000, 1000),
                    DemoLine(B.TAXES, "Taxes and fees", 1000, 1000),
                ),
            ),
        ),
    ),
    DemoAccount(
        "40152274",
        "Emma Wilson",
        "73301",
        "1111",
        "5125550105",
        "emma@example.com",
        "88 Cedar Ln, Austin, TX",
        (
            DemoBill(
                5,
                11,
                "this month",
                (
                    DemoLine(B.BASIC, "Home phone line", 3500, 3500),
                    DemoLine(B.INTERNET, "Internet 300", 5500, 5500),
                    DemoLine(
                        B.EQUIPMENT, "Wi-Fi extender rental", 2999, None, "A new rental was added."
                    ),
                    DemoLine(B.TAXES, "Taxes and fees", 999, 999),
                ),
            ),
        ),
    ),
)


def seed_if_empty(store: Store) -> bool:
    """Seed the demo accounts unless any account exists. Returns True if it seeded."""
    with store.sessions() as session, session.begin():
        if session.scalar(select(Account.id).limit(1)) is not None:
            return False
        seed(session, store.today(), store.settings.kiosk_id, at=store.clock.now())
    return True


def seed(
    session: Session, on: dt.date, kiosk_id: str = "SEED", *, at: dt.datetime | None = None
) -> None:
    """The demo accounts as of the day ``on``; ``at``: the moment their dispute and paid
    plan part are stamped with (the store's clock: a fixed-clock test or demo store was
    stamped with the real time, so Emma's dispute said "disputed on" the real day)."""
    at = at or dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC)
    for demo in DEMO_ACCOUNTS:
        account = _create_account(session, demo, on)
        if demo.number == "40152271":
            account.disconnection_notice_on = on - dt.timedelta(days=2)
            account.disconnection_on = on + dt.timedelta(days=5)
        if demo.number == "40152272":
            account.disconnection_on = on - dt.timedelta(days=6)
        if demo.number == "40152273":
            _seed_installment_plan(session, account, on, kiosk_id, at)
        if demo.number == "40152274":
            item = account.bills[0].items[2]
            session.add(
                Dispute(
                    account_id=account.id,
                    line_item_id=item.id,
                    cents=item.cents,
                    reason="I returned the Wi-Fi extender in September.",
                    created_at=at,
                )
            )


@lru_cache(maxsize=len(DEMO_ACCOUNTS))
def _demo_pin_hash(pin: str) -> str:
    """Hash each demo PIN once per process: argon2id is slow on purpose (~0.1-0.4 s),
    and seeding many databases (tests, benchmarks) would otherwise spend seconds on it."""
    return hash_pin(pin)


def _create_account(session: Session, demo: DemoAccount, on: dt.date) -> Account:
    customer = Customer(name=demo.name)
    account = Account(
        number=demo.number,
        customer=customer,
        service_address=demo.address,
        zip_code=demo.zip_code,
        phone=demo.phone,
        email=demo.email,
        status=demo.status,
        pin_hash=_demo_pin_hash(demo.pin),
    )
    session.add(account)
    session.flush()
    for demo_bill in demo.bills:
        issue_bill(
            session,
            account,
            issued_on=on - dt.timedelta(days=demo_bill.issued_days_ago),
            due_on=on + dt.timedelta(days=demo_bill.due_in_days),
            period=demo_bill.period,
            lines=[
                LineItem(
                    category=line.category,
                    description=line.description,
                    cents=line.cents,
                    previous_cents=line.previous_cents,
                    change_reason=line.change_reason,
                )
                for line in demo_bill.lines
            ],
        )
    return account


def issue_bill(
    session: Session,
    account: Account,
    *,
    issued_on: dt.date,
    due_on: dt.date,
    period: str,
    lines: list[LineItem],
) -> Bill:
    """Create a bill and post it: the customer owes more, revenue per category."""
    bill = Bill(account_id=account.id, issued_on=issued_on, due_on=due_on, period_label=period)
    bill.items = lines
    session.add(bill)
    session.flush()
    legs = [ledger.Leg(ledger.RECEIVABLE, sum(line.cents for line in lines), account.id)]
    legs += [ledger.Leg(f"revenue:{line.category.value}", -line.cents) for line in lines]
    ledger.post(session, "bill", legs, memo=f"bill {bill.id} for {period}")
    return bill


def _seed_installment_plan(
    session: Session, account: Account, on: dt.date, kiosk_id: str, at: dt.datetime
) -> None:
    """Dev's plan: $160 in four parts of $40; the first is paid, the next is due in 5 days."""
    plan = Arrangement(
        account_id=account.id,
        kind=ArrangementKind.INSTALLMENT,
        state=ArrangementState.ACTIVE,
        total_cents=16000,
        down_payment_cents=4000,
    )
    plan.installments = [
        Installment(sequence=1, due_on=on - dt.timedelta(days=25), cents=4000, paid_cents=4000),
        Installment(sequence=2, due_on=on + dt.timedelta(days=5), cents=4000),
        Installment(sequence=3, due_on=on + dt.timedelta(days=35), cents=4000),
        Installment(sequence=4, due_on=on + dt.timedelta(days=65), cents=4000),
    ]
    session.add(plan)
    paid_at = at - dt.timedelta(days=25)  # on its due day, not today: not in today's report
    attempt = PaymentAttempt(
        idempotency_key=f"seed-{account.number}-down-payment",
        account_id=account.id,
        cents=4000,
        method=PaymentMethodKind.CASH,
        state=AttemptState.SUCCEEDED,
        kiosk_id=kiosk_id,
        confirmation_number=None,
        created_at=paid_at,
        updated_at=paid_at,
    )
    session.add(attempt)
    session.flush()
    ledger.post(
        session,
        "payment",
        [
            ledger.Leg("clearing:cash", 4000),
            ledger.Leg(ledger.RECEIVABLE, -4000, account.id),
        ],
        memo="installment 1 of 4",
        attempt_id=attempt.id,
    )
    basic = account.bills[0].items[0]
    session.add(Settlement(line_item_id=basic.id, cents=4000, attempt_id=attempt.id))
