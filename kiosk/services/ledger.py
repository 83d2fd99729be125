"""The double-entry journal: append-only entries whose postings sum to zero.

A customer's balance is the sum of the ``receivable`` postings on the
account: positive means the customer owes money.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.store.models import JournalEntry, Posting

RECEIVABLE = "receivable"


@dataclass(frozen=True)
class Leg:
    ledger: str
    cents: int
    account_id: int | None = None


def post(
    session: Session,
    kind: str,
    legs: list[Leg],
    *,
    memo: str = "",
    attempt_id: int | None = None,
    reverses_id: int | None = None,
) -> JournalEntry:
    """Write one balanced journal entry in the caller's transaction.

    Raises:
        ValueError: the legs do not sum to zero, or there are fewer than two.
    """
    if len(legs) < 2:
        raise ValueError("a journal entry needs at least two postings")
    if sum(leg.cents for leg in legs) != 0:
        raise ValueError(f"journal entry {kind!r} does not balance: {legs}")
    entry = JournalEntry(kind=kind, memo=memo, attempt_id=attempt_id, reverses_id=reverses_id)
    entry.postings = [
        Posting(ledger=leg.ledger, cents=leg.cents, account_id=leg.account_id) for leg in legs
    ]
    session.add(entry)
    session.flush()
    return entry


def balance_cents(session: Session, account_id: int) -> int:
    """What the customer owes now (negative = a credit on the account)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Posting.cents), 0)).where(
            Posting.ledger == RECEIVABLE, Posting.account_id == account_id
        )
    )
    return int(total or 0)


@dataclass(frozen=True)
class LedgerProblem:
    entry_id: int | None
    problem: str


def check(session: Session) -> list[LedgerProblem]:
    """Every entry balances and has postings; an empty list means the books are sound."""
    problems: list[LedgerProblem] = []
    unbalanced = session.execute(
        select(Posting.entry_id, func.sum(Posting.cents))
        .group_by(Posting.entry_id)
        .having(func.sum(Posting.cents) != 0)
    )
    for entry_id, total in unbalanced:
        problems.append(LedgerProblem(entry_id, f"postings sum to {total} cents, not zero"))
    empty = session.scalars(select(JournalEntry.id).where(~JournalEntry.postings.any())).all()
    problems += [LedgerProblem(entry_id, "entry has no postings") for entry_id in empty]
    grand_total = session.scalar(select(func.coalesce(func.sum(Posting.cents), 0)))
    if grand_total:
        problems.append(LedgerProblem(None, f"all postings sum to {grand_total}, not zero"))
    return problems


def check_accounts(session: Session) -> list[LedgerProblem]:
    """Each account's ledger balance equals its bills less its payments and credits.

    This ties the journal to the operational tables: a payment recorded in one
    but not the other shows up here.
    """
    from kiosk.store.models import Account, AttemptState, Bill, LineItem, PaymentAttempt, Settlement

    problems: list[LedgerProblem] = []
    for account_id, number in session.execute(select(Account.id, Account.number)).all():
        billed = session.scalar(
            select(func.coalesce(func.sum(LineItem.cents), 0))
            .join(Bill)
            .where(Bill.account_id == account_id)
        )
        paid = session.scalar(
            select(func.coalesce(func.sum(PaymentAttempt.cents), 0)).where(
                PaymentAttempt.account_id == account_id,
                PaymentAttempt.state == AttemptState.SUCCEEDED,
            )
        )
        credited = session.scalar(
            select(func.coalesce(func.sum(Settlement.cents), 0))
            .join(LineItem)
            .join(Bill)
            .where(Bill.account_id == account_id, Settlement.dispute_id.is_not(None))
        )
        expected = int(billed or 0) - int(paid or 0) - int(credited or 0)
        actual = balance_cents(session, account_id)
        if expected != actual:
            problems.append(
                LedgerProblem(
                    None,
                    f"account ****{number[-4:]}: ledger says {actual} cents, "
                    f"bills less payments and credits say {expected}",
                )
            )
    return problems
