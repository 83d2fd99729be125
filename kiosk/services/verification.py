"""Who is at the kiosk: account (or phone on file) + service ZIP + 4-digit PIN.

Failures never say which part was wrong; three failures lock the account for
a while and tell the customer how to get help. Every attempt is audited,
never with the PIN.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kiosk.errors import AccountLocked, InvalidInput, VerificationFailed
from kiosk.logging import get_logger
from kiosk.services import audit
from kiosk.services.pins import dummy_hash, pin_matches
from kiosk.store.models import Account, AuditEntry
from kiosk.store.store import Store

log = get_logger("verification")


class VerificationPaused(AccountLocked):
    """Too many failed verifications on this kiosk, across accounts: it pauses checking."""

    code = "kiosk_paused"


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
    def __init__(self, store: Store) -> None:
        self.store = store

    def verify(self, identifier: str, zip_code: str, pin: str) -> VerifiedCustomer:
        """Check the three parts together.

        Raises:
            InvalidInput: a part is malformed (nothing is counted against the account).
            VerificationFailed: no match; does not say which part.
            AccountLocked: too many failures; says when to retry and who to call.
        """
        ident = normalise_identifier(identifier)
        zip5 = validate_zip(zip_code)
        pin4 = validate_pin(pin)
        with self.store.sessions() as session, session.begin():
            outcome = self._check(session, ident, zip5, pin4)
        if isinstance(outcome, VerificationPaused):
            log.warning("verification.kiosk_paused", kiosk=self.store.settings.kiosk_id)
        elif isinstance(outcome, AccountLocked):
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

    def _check(
        self, session: Session, ident: str, zip5: str, pin4: str
    ) -> VerifiedCustomer | VerificationFailed | AccountLocked:
        settings = self.store.settings
        now = self.store.clock.now()

        def log(outcome: str, resource: str, **detail: object) -> None:
            audit.record(
                session,
                kiosk_id=settings.kiosk_id,
                actor="customer",
                action="verify",
                outcome=outcome,
                resource=resource,
                detail=dict(detail),
                at=now,
            )

        if self._kiosk_failures(session, now) >= settings.kiosk_max_failed_verifications:
            log("paused", f"account:{audit.mask_account(ident)}", reason="kiosk paused")
            return self._paused()

        account = session.scalar(
            select(Account)
            .where(or_(Account.number == ident, Account.phone == ident))
            .with_for_update()
            .limit(1)
        )
        if account is None:
            pin_matches(dummy_hash(), pin4)  # same work as a real check
            log("failure", f"account:{audit.mask_account(ident)}", reason="no such account")
            return self._failed()
        resource = f"account:{audit.mask_account(account.number)}"
        if account.locked_until is not None and account.locked_until > now:
            log("refused", resource, reason="locked")
            return self._locked(account.locked_until - now)
        if pin_matches(account.pin_hash, pin4) and account.zip_code == zip5:
            account.failed_pin_attempts = 0
            account.locked_until = None
            log("success", resource)
            name = account.customer.name
            return VerifiedCustomer(account.id, account.number, name, name.split()[0])
        account.failed_pin_attempts += 1
        locked = account.failed_pin_attempts >= settings.pin_max_attempts
        log("failure", resource, reason="mismatch", locked=locked)
        if locked:
            account.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
            account.failed_pin_attempts = 0
            return self._locked(dt.timedelta(minutes=settings.lockout_minutes))
        return self._failed()

    def _kiosk_failures(self, session: Session, now: dt.datetime) -> int:
        """Failed or refused verifications on this kiosk within the window, any account."""
        settings = self.store.settings
        since = now - dt.timedelta(minutes=settings.kiosk_failed_window_minutes)
        if session.get_bind().dialect.name == "postgresql":
            # Two failures counted at once must not both slip under the limit.
            session.execute(
                select(func.pg_advisory_xact_lock(func.hashtext("verify:" + settings.kiosk_id)))
            )
        count = session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.kiosk_id == settings.kiosk_id,
                AuditEntry.action == "verify",
                AuditEntry.outcome.in_(("failure", "refused")),
                AuditEntry.at >= since,
            )
        )
        return int(count or 0)

    def _paused(self) -> VerificationPaused:
        minutes = self.store.settings.kiosk_failed_window_minutes
        return VerificationPaused(
            "This kiosk has paused account checks for a while.",
            "There were too many wrong tries here, so we stop checking to protect accounts.",
            f"Please try again in about {minutes} minutes, ask a store associate, "
            f"or call {self.store.settings.support_phone}.",
        )

    def _failed(self) -> VerificationFailed:
        return VerificationFailed(
            "We could not match those details.",
            "The account or phone number, the ZIP code or the PIN is not right.",
            "Please try again, or ask for a person.",
        )

    def _locked(self, remaining: dt.timedelta) -> AccountLocked:
        minutes = max(1, round(remaining.total_seconds() / 60))
        return AccountLocked(
            "This account is locked after too many tries.",
            f"You can try again in {minutes} minutes.",
            f"For help now, ask a store associate or call {self.store.settings.support_phone}.",
        )
