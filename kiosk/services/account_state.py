"""What an account owes, line by line, derived from bills, settlements and disputes.

Shared by the payment core (where a payment applies) and the bill services
(what to tell the customer). Nothing here writes except :func:`apply_payment`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Connection, Insert, Select, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from kiosk.services import ledger
from kiosk.store.db import connection_of
from kiosk.store.models import (
    PAYMENT_ORDER,
    Account,
    Arrangement,
    ArrangementKind,
    ArrangementState,
    Bill,
    Dispute,
    DisputeState,
    Installment,
    LineCategory,
    LineItem,
    Settlement,
    utcnow,
)
from kiosk.store.prepared import run, run_many


@dataclass(frozen=True)
class OpenLine:
    item: LineItem
    bill: Bill
    open_cents: int
    disputed: bool


@dataclass(frozen=True)
class Owed:
    """The money picture of an account on a given day."""

    balance_cents: int  # everything owed (ledger), negative = credit
    past_due_cents: int  # overdue and not held by a dispute or covered by a plan
    held_by_dispute_cents: int
    covered_by_plan_cents: int  # open plan parts not yet due
    plan_due_now_cents: int  # plan parts due today or earlier, unpaid
    next_due_on: dt.date | None
    current_due_cents: int  # not yet overdue, not held

    @property
    def due_now_cents(self) -> int:
        """What must be paid now to be up to date."""
        return self.past_due_cents + self.plan_due_now_cents


def open_lines(session: Session, account_id: int, on: dt.date | None = None) -> list[OpenLine]:
    """Unpaid bill lines, in the order payments apply.

    Overdue lines come before current ones (given ``on``), so paying the past-due
    amount clears the past due; within each group basic service comes first,
    so a partial payment protects basic service; then oldest first. Lines held
    by an open dispute come last.
    """
    paid = dict(
        session.execute(
            select(Settlement.line_item_id, func.sum(Settlement.cents))
            .join(LineItem)
            .join(Bill)
            .where(Bill.account_id == account_id)
            .group_by(Settlement.line_item_id)
        ).all()
    )
    disputed = set(
        session.scalars(
            select(Dispute.line_item_id).where(
                Dispute.account_id == account_id, Dispute.state == DisputeState.OPEN
            )
        )
    )
    bills = session.scalars(
        select(Bill).where(Bill.account_id == account_id).options(selectinload(Bill.items))
    ).all()
    lines = [
        OpenLine(item, bill, item.cents - int(paid.get(item.id, 0)), item.id in disputed)
        for bill in bills
        for item in bill.items
        if item.cents - int(paid.get(item.id, 0)) > 0
    ]
    lines.sort(
        key=lambda line: payment_order(
            line.disputed, line.bill.due_on, line.item.category, line.item.id, on
        )
    )
    return lines


def payment_order(
    disputed: bool, due_on: dt.date, category: LineCategory, item_id: int, on: dt.date | None
) -> tuple[bool, bool, bool, dt.date, int, int]:
    """Sort key of a bill line in the order payments apply (see :func:`open_lines`)."""
    return (
        disputed,
        on is not None and due_on >= on,
        category != LineCategory.BASIC,
        due_on,
        PAYMENT_ORDER.index(category),
        item_id,
    )


def active_plan(session: Session, account_id: int) -> Arrangement | None:
    return session.scalar(
        select(Arrangement)
        .where(
            Arrangement.account_id == account_id,
            Arrangement.state == ArrangementState.ACTIVE,
            Arrangement.kind.in_([ArrangementKind.INSTALLMENT, ArrangementKind.DEFERRED]),
        )
        .options(selectinload(Arrangement.installments))
        .limit(1)
    )


def active_extension(session: Session, account_id: int) -> Arrangement | None:
    return session.scalar(
        select(Arrangement).where(
            Arrangement.account_id == account_id,
            Arrangement.state == ArrangementState.ACTIVE,
            Arrangement.kind == ArrangementKind.EXTENSION,
        )
    )


def effective_due_on(line: OpenLine, extension: Arrangement | None) -> dt.date:
    """The line's due date, moved by an active extension that covers it."""
    due = line.bill.due_on
    if (
        extension is not None
        and extension.new_due_on is not None
        and extension.original_due_on is not None
        and due <= extension.original_due_on
    ):
        due = max(due, extension.new_due_on)
    return due


def owed(session: Session, account: Account, on: dt.date) -> Owed:
    lines = open_lines(session, account.id)
    extension = active_extension(session, account.id)

    def due_on(line: OpenLine) -> dt.date:
        return effective_due_on(line, extension)

    def overdue(line: OpenLine) -> bool:
        return due_on(line) < on

    held = sum(line.open_cents for line in lines if line.disputed)
    overdue_open = sum(line.open_cents for line in lines if not line.disputed and overdue(line))
    current = sum(line.open_cents for line in lines if not line.disputed and not overdue(line))
    plan = active_plan(session, account.id)
    covered = plan_due = 0
    if plan is not None:
        for part in plan.installments:
            unpaid = part.cents - part.paid_cents
            if part.due_on <= on:
                plan_due += unpaid
            else:
                covered += unpaid
    past_due = max(0, overdue_open - covered - plan_due)
    next_due = min((due_on(line) for line in lines if not overdue(line)), default=None)
    return Owed(
        balance_cents=ledger.balance_cents(session, account.id),
        past_due_cents=past_due,
        held_by_dispute_cents=held,
        covered_by_plan_cents=covered,
        plan_due_now_cents=plan_due,
        next_due_on=next_due,
        current_due_cents=current,
    )


def apply_payment(
    session: Session | Connection,
    account_id: int,
    cents: int,
    attempt_id: int,
    on: dt.date | None = None,
) -> int:
    """Settle open lines with a payment (overdue, then basic service first).

    Written with Core statements: it runs in every payment's success
    transaction. Returns the cents left over as a credit on the account.
    """
    connection = connection_of(session)
    rows = run(connection, _payable_lines(), {"account_id": account_id}).all()
    rows.sort(key=lambda row: payment_order(row[4], row[2], row[1], row[0], on))
    settlements: list[dict[str, object]] = []
    remaining = cents
    for item_id, _category, _due_on, open_cents, _disputed in rows:
        if remaining <= 0:
            break
        share = min(remaining, int(open_cents))
        settlements.append(
            {
                "line_item_id": item_id,
                "cents": share,
                "attempt_id": attempt_id,
                "created_at": utcnow(),
            }
        )
        remaining -= share
    if settlements:
        run_many(connection, _insert_settlements(), settlements)
    _apply_to_plan(connection, account_id, cents)
    return remaining


def _apply_to_plan(connection: Connection, account_id: int, cents: int) -> None:
    """A payment counts towards the plan's parts in order; a fully paid plan is kept."""
    plan_id = run(connection, _active_plan_id(), {"account_id": account_id}).scalar()
    if plan_id is None:
        return
    parts = connection.execute(
        select(Installment.id, Installment.cents, Installment.paid_cents)
        .where(Installment.arrangement_id == plan_id)
        .order_by(Installment.sequence)
    ).all()
    remaining = cents
    all_paid = True
    for part_id, part_cents, paid_cents in parts:
        share = max(0, min(remaining, part_cents - paid_cents))
        if share:
            connection.execute(
                update(Installment)
                .where(Installment.id == part_id)
                .values(paid_cents=paid_cents + share)
            )
            remaining -= share
        all_paid = all_paid and paid_cents + share >= part_cents
    if all_paid:
        connection.execute(
            update(Arrangement).where(Arrangement.id == plan_id).values(state=ArrangementState.KEPT)
        )


# The statements every payment runs, built once (building costs more than executing).
@cache
def _payable_lines() -> Select[int, LineCategory, dt.date, int, bool]:
    """(line id, category, due date, open cents, disputed) of unpaid lines; params: ``account_id``."""
    paid = func.coalesce(
        select(func.sum(Settlement.cents))
        .where(Settlement.line_item_id == LineItem.id)
        .scalar_subquery(),
        0,
    )
    disputed = (
        select(Dispute.id)
        .where(Dispute.line_item_id == LineItem.id, Dispute.state == DisputeState.OPEN)
        .exists()
    )
    return (
        select(LineItem.id, LineItem.category, Bill.due_on, LineItem.cents - paid, disputed)
        .join(Bill)
        .where(Bill.account_id == bindparam("account_id"), LineItem.cents - paid > 0)
    )


@cache
def _insert_settlements() -> Insert:
    return insert(Settlement)


@cache
def _active_plan_id() -> Select[int]:
    return (
        select(Arrangement.id)
        .where(
            Arrangement.account_id == bindparam("account_id"),
            Arrangement.state == ArrangementState.ACTIVE,
            # A plan is any arrangement but an extension; "!=" rather than IN (...),
            # whose expanding parameter is rendered again on every execution.
            Arrangement.kind != ArrangementKind.EXTENSION,
        )
        .limit(1)
    )
