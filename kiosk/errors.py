"""Errors every service raises: each says what went wrong, why, and how to fix it.

Channels show or speak these messages as they are, so they are written for
customers, in plain words, and never reveal secrets (which of ZIP or PIN was
wrong, a card number, a PIN).
"""

from __future__ import annotations


class ExplainedError(Exception):
    """An error told as what happened, why, and how to fix it."""

    def __init__(self, what: str, why: str = "", how_to_fix: str = "") -> None:
        self.what = what
        self.why = why
        self.how_to_fix = how_to_fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return " ".join(part for part in (self.what, self.why, self.how_to_fix) if part)


class KioskError(ExplainedError):
    """Base of every error a customer may see."""

    code: str = "error"


class InvalidInput(KioskError):
    """Something typed or said could not be used (amount, ZIP, routing number...)."""

    code = "invalid_input"


class InvalidAmount(InvalidInput):
    code = "invalid_amount"


class BillPastLimit(InvalidAmount):
    """A bill that would take the cash put in past the most the account may be paid: the
    acceptor hands it straight back. ``room_cents`` is what may still go in."""

    code = "bill_past_limit"

    def __init__(
        self, what: str, why: str = "", how_to_fix: str = "", *, bill_cents: int, room_cents: int
    ) -> None:
        super().__init__(what, why, how_to_fix)
        self.bill_cents = bill_cents
        self.room_cents = room_cents


class UnknownAccount(KioskError):
    code = "unknown_account"


class VerificationFailed(KioskError):
    """Account, ZIP or PIN did not match. Deliberately does not say which."""

    code = "verification_failed"


class AccountLocked(KioskError):
    code = "account_locked"


class PaymentDeclined(KioskError):
    code = "payment_declined"

    def __init__(
        self, what: str, why: str = "", how_to_fix: str = "", *, decline_code: str = ""
    ) -> None:
        super().__init__(what, why, how_to_fix)
        self.decline_code = decline_code


class PaymentInProgress(KioskError):
    """Another payment for the account is open or its outcome is not yet known."""

    code = "payment_in_progress"


class PaymentOutcomeUnknown(KioskError):
    """The outcome is not known yet; the attempt waits for the reconciler, never a new charge.

    Raised once an attempt was sent to the terminal or processor and its answer
    could not be recorded (no answer, or the store failed): the customer is
    told the payment "is being checked", with ``reference`` to quote.
    """

    code = "payment_unknown"

    def __init__(
        self, what: str, why: str = "", how_to_fix: str = "", *, reference: str = ""
    ) -> None:
        super().__init__(what, why, how_to_fix)
        self.reference = reference


class StoreUnavailable(ExplainedError):
    """The kiosk's database (or its data directory) cannot be used now.

    Not a :class:`KioskError`: it is no fault of the request, so a step that
    turns a KioskError into "try again" must not catch it; the conversation
    takes the kiosk out of service instead. Raised by the payment core only
    where no money can have moved (nothing was sent to a terminal).
    """

    code = "store_unavailable"


class NotEligible(KioskError):
    code = "not_eligible"


class NotFound(KioskError):
    code = "not_found"
