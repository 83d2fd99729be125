"""The payment core's SQL, built once and executed with bound parameters.

Building a SQLAlchemy statement costs several times more than executing a
built one (about 0.9 ms against 0.12 ms here), and a payment runs about
twenty of them, so the hot path keeps its statements ready: each function
builds its statement on first use and returns the same object afterwards.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, func, insert, select, update

from kiosk.services.ledger import RECEIVABLE
from kiosk.store.models import Account, AttemptState, OutboxMessage, PaymentAttempt, Posting

# Every column a payment step reads of an attempt (see service.AttemptRecord).
ATTEMPT_COLUMNS = (
    PaymentAttempt.id,
    PaymentAttempt.idempotency_key,
    PaymentAttempt.account_id,
    PaymentAttempt.cents,
    PaymentAttempt.fee_cents,
    PaymentAttempt.method,
    PaymentAttempt.state,
    PaymentAttempt.brand,
    PaymentAttempt.last4,
    PaymentAttempt.decline_code,
    PaymentAttempt.decline_reason,
    PaymentAttempt.confirmation_number,
    PaymentAttempt.requested_reconnection,
    PaymentAttempt.flagged,
    PaymentAttempt.updated_at,
)


@cache
def attempt_by_id(*, for_update: bool = False) -> Select[*tuple[Any, ...]]:
    """Params: ``attempt_id``."""
    query = select(*ATTEMPT_COLUMNS).where(PaymentAttempt.id == bindparam("attempt_id"))
    return query.with_for_update() if for_update else query


@cache
def attempt_by_key() -> Select[*tuple[Any, ...]]:
    """The columns of the attempt made with an idempotency key; params: ``key``."""
    return select(*ATTEMPT_COLUMNS).where(PaymentAttempt.idempotency_key == bindparam("key"))


@cache
def account_for_payment() -> Select[int, int, int | None]:
    """(account id, balance cents, id of the attempt already made with this key) in one query.

    Params: ``number``, ``key``. No row: no such account.
    """
    balance = (
        select(func.coalesce(func.sum(Posting.cents), 0))
        .where(Posting.ledger == RECEIVABLE, Posting.account_id == Account.id)
        .scalar_subquery()
    )
    used_key = (
        select(PaymentAttempt.id)
        .where(PaymentAttempt.idempotency_key == bindparam("key"))
        .scalar_subquery()
    )
    return select(Account.id, balance, used_key).where(Account.number == bindparam("number"))


@cache
def insert_attempt() -> Insert:
    """Params: the attempt's columns; returns its id."""
    return insert(PaymentAttempt).returning(PaymentAttempt.id)


@cache
def change_attempt() -> Update:
    """Params: ``attempt_id`` and the columns to set."""
    return update(PaymentAttempt).where(PaymentAttempt.id == bindparam("attempt_id"))


@cache
def transition() -> Update:
    """Move an attempt between states only if it is still in ``before``.

    Params: ``attempt_id``, ``before``, ``after``, ``now``.
    """
    return (
        update(PaymentAttempt)
        .where(
            PaymentAttempt.id == bindparam("attempt_id"),
            PaymentAttempt.state == bindparam("before", type_=PaymentAttempt.state.type),
        )
        .values(
            state=bindparam("after", type_=PaymentAttempt.state.type),
            updated_at=bindparam("now", type_=PaymentAttempt.updated_at.type),
        )
    )


@cache
def attempt_to_settle() -> Select[*tuple[Any, ...]]:
    """The attempt's columns, then its account's number, email and status; locks both rows.

    Params: ``attempt_id``.
    """
    return (
        select(*ATTEMPT_COLUMNS, Account.number, Account.email, Account.status)
        .join(Account, Account.id == PaymentAttempt.account_id)
        .where(PaymentAttempt.id == bindparam("attempt_id"))
        .with_for_update(of=(PaymentAttempt, Account))
    )


@cache
def lock_account() -> Select[int]:
    """Lock the paying account's row (PostgreSQL) before its balance is read; params: ``number``.

    The balance check and the attempt insert of a payment, and the postings of
    a payment's success (:func:`attempt_to_settle` locks the same row), are so
    serialised per account: in READ COMMITTED the balance read after the lock
    is granted sees every payment committed before it. SQLite needs none: each
    transaction there takes the database's write lock at BEGIN IMMEDIATE.
    """
    return select(Account.id).where(Account.number == bindparam("number")).with_for_update()


@cache
def account_number_of_attempt() -> Select[str]:
    """Params: ``attempt_id``."""
    return (
        select(Account.number)
        .join(PaymentAttempt, PaymentAttempt.account_id == Account.id)
        .where(PaymentAttempt.id == bindparam("attempt_id"))
    )


@cache
def account_number() -> Select[str]:
    """Params: ``account_id``."""
    return select(Account.number).where(Account.id == bindparam("account_id"))


@cache
def recent_successes() -> Select[int, bool]:
    """(cents, settled since ``since``) of the account's last twelve successful payments
    but this one.

    Params: ``account_id``, ``attempt_id``, ``since``. The database compares the
    times, which spares reading a dozen timestamps back into Python.
    """
    settled_since = PaymentAttempt.updated_at >= bindparam(
        "since", type_=PaymentAttempt.updated_at.type
    )
    return (
        select(PaymentAttempt.cents, settled_since)
        .where(
            PaymentAttempt.account_id == bindparam("account_id"),
            PaymentAttempt.state == AttemptState.SUCCEEDED,
            PaymentAttempt.id != bindparam("attempt_id"),
        )
        .order_by(PaymentAttempt.id.desc())
        .limit(12)
    )


@cache
def insert_outbox() -> Insert:
    """Params: a list of outbox rows."""
    return insert(OutboxMessage)
