"""What an account owes, line by line, derived from bills, settlements and disputes.

Shared by the payment core (where a payment applies) and the bill services
(what to tell the customer). Nothing here writes except :func:`apply_payment`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kiosk.services import ledger
from kiosk.store.models import (
    PAYMENT_ORDER,
    Account,
    Arrangement,
    ArrangementKind,
    ArrangementState,
    Bill,
    Dispute,
    DisputeState,
    LineCategory,
    LineItem,
    Settlement,
)


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
        key=lambda line: (
            line.disputed,
            on is not None and line.bill.due_on >= on,
            line.item.category != LineCategory.BASIC,
            line.bill.due_on,
            PAYMENT_ORDER.index(line.item.category),
            line.item.id,
        )
    )
    return lines


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
    session: Session, account_id: int, cents: int, attempt_id: int, on: dt.date | None = None
) -> int:
    """Settle open lines with a payment (overdue, then basic service first).

    Returns the cents left over as a credit on the account.
    """
    remaining = cents
    for line in open_lines(session, account_id, on):
        if remaining <= 0:
            break
        share = min(remaining, line.open_cents)
        session.add(Settlement(line_item_id=line.item.id, cents=share, attempt_id=attempt_id))
        remaining -= share
    plan = active_plan(session, account_id)
    if plan is not None:
        _apply_to_plan(plan, cents)
    return remaining


def _apply_to_plan(plan: Arrangement, cents: int) -> None:
    """A payment counts towards the plan's parts in order; a fully paid plan is kept."""
    remaining = cents
    for part in plan.installments:
        if remaining <= 0:
            break
        share = min(remaining, part.cents - part.paid_cents)
        part.paid_cents += share
        remaining -= share
    if all(part.paid_cents >= part.cents for part in plan.installments):
        plan.state = ArrangementState.KEPT
