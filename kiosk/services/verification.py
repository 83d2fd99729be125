"""Who is at the kiosk: account (or phone on file) + service ZIP + 4-digit PIN.

Failures never say which part was wrong; three failures lock the identifier for
a while and tell the customer how to get help, whether or not it belongs to an
account (same words, same work), so the lockout cannot tell which numbers are
accounts. Many failures on one kiosk slow its checks down (a doubling wait)
instead of closing it for everyone. Every attempt is audited, never with the PIN.
"""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.errors import AccountLocked, InvalidInput, VerificationFailed
from kiosk.logging import get_logger
from kiosk.services import audit
from kiosk.services.keys import keyed_digest
from kiosk.services.pins import dummy_hash, pin_matches
from kiosk.store.models import Account, AuditEntry, IdentifierLock
from kiosk.store.store import Store

log = get_logger("verification")


def _ascii_digits(text: str) -> str:
    """Decimal digits of any script (full-width, Arabic-Indic...) as ASCII "0"-"9".

    ``str.isdigit`` also accepts superscripts like "²", which ``int`` cannot
    read and which no keypad produces; those are not digits here.
    """
    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())


@dataclass(frozen=True)
class VerifiedCustomer:
    """What the conversation keeps about a verified customer (wiped at session end)."""

    account_id: int
    account_number: str
    name: str
    first_name: str


def normalise_identifier(text: str) -> str:
    """Digits of an account number, phone number or scanned bill code.

    Raises:
        InvalidInput: no digits, or not 8 (account) or 10 (phone) digits.
    """
    digits = _ascii_digits(text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]  # +1 country code on a phone number
    if len(digits) not in (8, 10):
        raise InvalidInput(
            "That is not an account or phone number.",
            "An account number has 8 digits and a phone number has 10.",
            "It is at the top of your bill, for example 40152270.",
        )
    return digits


def validate_zip(text: str) -> str:
    first = text.strip().split("-")[0]
    digits = _ascii_digits(first)
    if not (first.isdecimal() and len(digits) == 5):
        raise InvalidInput("A ZIP code has 5 digits.", "", "For example 72201.")
    return digits


def validate_pin(text: str) -> str:
    pin = text.strip()
    if not (pin.isdecimal() and len(pin) == 4):
        raise InvalidInput(
            "The PIN has 4 digits.", "", "Enter the 4 digits you chose for your account."
        )
    return _ascii_digits(pin)


class VerificationService:
    def __init__(self, store: Store, sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self.sleep = sleep  # the kiosk-wide throttle's wait (tests pass a recorder)

    def verify(self, identifier: str, zip_code: str, pin: str) -> VerifiedCustomer:
        """Check the three parts together.

        Past the kiosk's failure threshold each check first waits (the throttle),
        so guessing across accounts slows down without closing the kiosk.

        Raises:
            InvalidInput: a part is malformed (nothing is counted against the account).
            VerificationFailed: no match; does not say which part.
            AccountLocked: too many failures on this identifier, known or not; says
                when to retry and who to call, in the same words for both.
        """
        ident = normalise_identifier(identifier)
        zip5 = validate_zip(zip_code)
        pin4 = validate_pin(pin)
        lock_key = keyed_digest(self.store.settings, "identifier", ident)
        wait = self.throttle_seconds()
        if wait > 0:
            log.warning("verification.throttled", kiosk=self.store.settings.kiosk_id, wait=wait)
            self.sleep(wait)
        with self.store.sessions() as session, session.begin():
            outcome = self._check(session, ident, zip5, pin4, lock_key)
        if isinstance(outcome, AccountLocked):
            log.warning(
                "verification.lockout",
                kiosk=self.store.settings.kiosk_id,
                account=audit.mask_account(ident),
            )
        elif isinstance(outcome, VerificationFailed):
            log.info(
                "verification.failed",
                kiosk=self.store.settings.kiosk_id,
                account=audit.mask_account(ident),
            )
        if isinstance(outcome, Exception):
            raise outcome  # the failure is committed to the audit log first
        return outcome

    def throttle_seconds(self) -> float:
        """How long this kiosk waits before its next check: 0 up to the threshold of
        recent failures, then the base doubling with each failure, up to the maximum."""
        settings = self.store.settings
        with self.store.sessions() as session:
            failures = self._kiosk_failures(session, self.store.clock.now())
        over = failures - settings.kiosk_throttle_after_failures
        if over < 0:
            return 0.0
        return float(
            min(settings.kiosk_throttle_base_seconds * 2**over, settings.kiosk_throttle_max_seconds)
        )

    def _check(
        self, session: Session, ident: str, zip5: str, pin4: str, lock_key: str
    ) -> VerifiedCustomer | VerificationFailed | AccountLocked:
        """One check. A known and an unknown identifier take the same path, with the
        same answers and the same work (one PIN hash, or none while locked)."""
        settings = self.store.settings
        now = self.store.clock.now()

        def log(outcome: str, **detail: object) -> None:
            audit.record(
                session,
                settings=settings,
                actor="customer",
                action="verify",
                outcome=outcome,
                resource=f"account:{audit.mask_account(ident)}",
                detail=dict(detail),
                at=now,
            )

        account = session.scalar(
            select(Account)
            .where(or_(Account.number == ident, Account.phone == ident))
            .with_for_update()
            .limit(1)
        )
        counter: Account | IdentifierLock = account or _identifier_lock(session, lock_key)
        if counter.locked_until is not None and counter.locked_until > now:
            log("refused", reason="locked")
            return self._locked(counter.locked_until - now)
        if account is None:
            pin_matches(dummy_hash(), pin4)  # same work as a real check
            matched = False
        else:
            matched = pin_matches(account.pin_hash, pin4) and account.zip_code == zip5
        if matched and account is not None:
            account.failed_pin_attempts = 0
            account.locked_until = None
            log("success")
            name = account.customer.name
            return VerifiedCustomer(account.id, account.number, name, name.split()[0])
        counter.failed_pin_attempts += 1
        locked = counter.failed_pin_attempts >= settings.pin_max_attempts
        log("failure", reason="mismatch", locked=locked)
        if locked:
            counter.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
            counter.failed_pin_attempts = 0
            return self._locked(dt.timedelta(minutes=settings.lockout_minutes))
        return self._failed()

    def _kiosk_failures(self, session: Session, now: dt.datetime) -> int:
        """Failed or refused verifications on this kiosk within the window, any account."""
        settings = self.store.settings
        since = now - dt.timedelta(minutes=settings.kiosk_failed_window_minutes)
        count = session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.kiosk_id == settings.kiosk_id,
                AuditEntry.action == "verify",
                AuditEntry.outcome.in_(("failure", "refused")),
                AuditEntry.at >= since,
            )
        )
        return int(count or 0)

    def _failed(self) -> VerificationFailed:
        return VerificationFailed(
            "We could not match those details.",
            "The account or phone number, the ZIP code or the PIN is not right.",
            "Please try again, or ask for a person.",
        )

    def _locked(self, remaining: dt.timedelta) -> AccountLocked:
        minutes = max(1, round(remaining.total_seconds() / 60))
        return AccountLocked(
            "This account or phone number is locked after too many tries.",
            f"You can try again in {minutes} minutes.",
            f"For help now, ask a store associate or call {self.store.settings.support_phone}.",
        )


def _identifier_lock(session: Session, key: str) -> IdentifierLock:
    """The lock row of an identifier that matches no account, made on its first
    failure and held for update (two kiosks failing at once count twice)."""
    query = select(IdentifierLock).where(IdentifierLock.key == key).with_for_update()
    found = session.scalar(query)
    if found is not None:
        return found
    with suppress(IntegrityError), session.begin_nested():  # another kiosk made it: theirs
        session.execute(insert(IdentifierLock).values(key=key, failed_pin_attempts=0))
    made = session.scalar(query)
    assert made is not None
    return made
