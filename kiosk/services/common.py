"""Small helpers the account services share: finding an account, auditing, calendar months."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Select, bindparam, select
from sqlalchemy.orm import Session

from kiosk.errors import NotFound
from kiosk.money import format_cents
from kiosk.services import audit
from kiosk.store.models import Account
from kiosk.store.store import Store


def find_account(session: Session, account_number: str, *, for_update: bool = False) -> Account:
    """The account with this number.

    Raises:
        NotFound: no such account (the message never echoes the number).
    """
    query = select(Account).where(Account.number == account_number.strip())
    if for_update:
        query = query.with_for_update()
    return _found(session.scalar(query))


def find_account_id(db: Session | Connection, account_number: str) -> int:
    """The id of the account with this number, without loading the account (hot paths).

    Raises:
        NotFound: no such account.
    """
    return _found(db.scalar(_account_id_by_number(), {"number": account_number.strip()}))


@cache
def _account_id_by_number() -> Select[int]:
    return select(Account.id).where(Account.number == bindparam("number"))


T = TypeVar("T")


def _found(account: T | None) -> T:
    if account is None:
        raise no_such_account()
    return account


def no_such_account() -> NotFound:
    """The error for an unknown account number (it never echoes the number)."""
    return NotFound(
        "We could not find that account.",
        "",
        "Check the account number on your bill, or ask a store associate.",
    )


def record(
    store: Store,
    session: Session,
    action: str,
    outcome: str,
    account: Account | None,
    *,
    actor: str = "customer",
    **detail: Any,
) -> None:
    """Audit one action on an account (masked) in the caller's transaction."""
    audit.record(
        session,
        settings=store.settings,
        actor=actor,
        action=action,
        outcome=outcome,
        resource=f"account:{audit.mask_account(account.number)}" if account else "",
        detail=detail,
        at=store.clock.now(),
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's end (Jan 31 + 1 = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def money(cents: int, store: Store) -> str:
    """Display form of an amount in the kiosk's locale and currency."""
    return format_cents(cents, store.settings.locale, store.settings.currency)


def spoken_date(day: dt.date) -> str:
    """A date as people say it: "March 3" this year, "March 3, 2027" otherwise."""
    return f"{day:%B} {day.day}, {day.year}"


def short_date(day: dt.date) -> str:
    """A date for plain sentences: "March 3"."""
    return f"{day:%B} {day.day}"
