"""Bank account (ACH) debits: validated routing and account numbers, last 4 kept only."""

from __future__ import annotations

import datetime as dt
import uuid

from kiosk.errors import InvalidInput
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.methods import ChargeResult, PaymentMethod, ProcessorCharge
from kiosk.store.models import PaymentMethodKind

_ROUTING_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)


def validate_routing_number(text: str) -> str:
    """Check an ABA routing number: 9 digits whose 3-7-1 weighted sum is a multiple of 10.

    Raises:
        InvalidInput: with what is wrong and how to find the right number.
    """
    digits = "".join(text.split())
    where = "It is the 9-digit number at the bottom left of a check."
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 9:  # not "²" etc.
        raise InvalidInput(
            "A routing number has exactly 9 digits.", f'"{text.strip()}" does not.', where
        )
    if sum(int(d) * w for d, w in zip(digits, _ROUTING_WEIGHTS, strict=True)) % 10:
        raise InvalidInput(
            "That routing number is not valid.", "One of its digits may be mistyped.", where
        )
    return digits


def validate_bank_account_number(text: str) -> str:
    """A US bank account number: 4 to 17 digits.

    Raises:
        InvalidInput: not digits, or the wrong length.
    """
    digits = "".join(text.split())
    if not (digits.isascii() and digits.isdigit()) or not 4 <= len(digits) <= 17:
        raise InvalidInput(
            "A bank account number has 4 to 17 digits.",
            "",
            "It is printed after the routing number at the bottom of a check.",
        )
    return digits


class BankDebitSimulator(PaymentMethod):
    """An ACH debit. Only the last 4 of the account leave this object."""

    kind = PaymentMethodKind.BANK

    def __init__(
        self, routing: str, account_number: str, journal: ProcessorJournal | None = None
    ) -> None:
        self.routing = validate_routing_number(routing)
        self._last4 = validate_bank_account_number(account_number)[-4:]
        self.journal = journal or ProcessorJournal()

    @property
    def description(self) -> str:
        return f"bank account ending {self._last4}"

    def charge(self, cents: int, idempotency_key: str) -> ChargeResult:
        result = ChargeResult(
            True, processor_ref=f"ach_{uuid.uuid4().hex[:20]}", brand="BANK", last4=self._last4
        )
        return self.journal.record_once(idempotency_key, cents, result)

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        return self.journal.get(idempotency_key)

    def list_since(self, since: dt.datetime) -> list[ProcessorCharge]:
        return self.journal.list_since(since)

    def void(self, idempotency_key: str) -> None:
        self.journal.record_once(idempotency_key, 0, ChargeResult(False, decline_code="voided"))
