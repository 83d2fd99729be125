"""The double-entry journal: append-only entries whose postings sum to zero.

A customer's balance is the sum of the ``receivable`` postings on the
account: positive means the customer owes money.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Connection, Insert, Select, bindparam, func, insert, select
from sqlalchemy.orm import Session

from kiosk.store.db import connection_of
from kiosk.store.models import JournalEntry, Posting, utcnow
from kiosk.store.prepared import run, run_many

RECEIVABLE = "receivable"


@dataclass(frozen=True)
class Leg:
    ledger: str
    cents: int
    account_id: int | None = None


def post(
    session: Session | Connection,
    kind: str,
    legs: list[Leg],
    *,
    memo: str = "",
    attempt_id: int | None = None,
    reverses_id: int | None = None,
) -> int:
    """Write one balanced journal entry in the caller's transaction.

    Returns:
        The new entry's id.

    Raises:
        ValueError: the legs do not sum to zero, or there are fewer than two.
    """
    if len(legs) < 2:
        raise ValueError("a journal entry needs at least two postings")
    if sum(leg.cents for leg in legs) != 0:
        raise ValueError(f"journal entry {kind!r} does not balance: {legs}")
    connection = connection_of(session)
    entry_id: int = run(
        connection,
        _insert_entry(),
        {
            "kind": kind,
            "memo": memo,
            "attempt_id": attempt_id,
            "reverses_id": reverses_id,
            "created_at": utcnow(),
        },
    ).scalar_one()
    run_many(
        connection,
        _insert_postings(),
        [
            {
                "entry_id": entry_id,
                "ledger": leg.ledger,
                "cents": leg.cents,
                "account_id": leg.account_id,
            }
            for leg in legs
        ],
    )
    return entry_id


def balance_cents(session: Session | Connection, account_id: int) -> int:
    """What the customer owes now (negative = a credit on the account)."""
    return int(run(connection_of(session), _balance(), {"account_id": account_id}).scalar() or 0)


# Statements every payment runs, built once (building costs more than executing).
@cache
def _insert_entry() -> Insert:
    return insert(JournalEntry).returning(JournalEntry.id)


@cache
def _insert_postings() -> Insert:
    return insert(Posting)


@cache
def _balance() -> Select[int]:
    return select(func.coalesce(func.sum(Posting.cents), 0)).where(
        Posting.ledger == RECEIVABLE, Posting.account_id == bindparam("account_id")
    )


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
