"""A bill acceptor: bills go in, the payment is what went in.

No change is dispensed unless configured: money over the amount is a credit
on the account, which the kiosk says before the customer commits.
"""

from __future__ import annotations

import datetime as dt
import uuid

from kiosk.errors import InvalidInput
from kiosk.money import format_cents
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.methods import ChargeResult, PaymentMethod, ProcessorCharge
from kiosk.store.models import PaymentMethodKind

ACCEPTED_BILLS_CENTS = (100, 500, 1000, 2000, 5000, 10000)
# What to do about each cash decline; the payment core looks these up by code
# when it tells the customer (the attempt row keeps only the code and reason).
HOW_TO_FIX_BY_CODE = {
    "not_enough_cash": "Put in more bills, or pay a smaller amount.",
    "cash_over_amount": (
        "Take your bills back, then pay all you put in (the extra becomes credit on "
        "your account) or put in the exact amount."
    ),
}


class CashAcceptorSimulator(PaymentMethod):
    kind = PaymentMethodKind.CASH

    def __init__(
        self, journal: ProcessorJournal | None = None, *, gives_change: bool = False
    ) -> None:
        self.journal = journal or ProcessorJournal()
        self.gives_change = gives_change
        self.inserted_cents = 0
        self.change_due_cents = 0

    @property
    def description(self) -> str:
        return "cash"

    def insert(self, bill_cents: int) -> int:
        """A bill goes in. Returns the total inserted so far.

        Raises:
            InvalidInput: the acceptor does not take that note.
        """
        if bill_cents not in ACCEPTED_BILLS_CENTS:
            raise InvalidInput(
                "The machine does not take that note.",
                "",
                "Use $1, $5, $10, $20, $50 or $100 bills.",
            )
        self.inserted_cents += bill_cents
        return self.inserted_cents

    def charge(self, cents: int, idempotency_key: str) -> ChargeResult:
        """Stack the inserted bills as a payment of ``cents``.

        With no change to give, the payment must be what went in: an amount
        below the inserted cash would keep the extra without crediting it
        anywhere, so it is declined and the bills are handed back (escrow).
        """
        recorded = self.journal.get(idempotency_key)
        if recorded is not None:  # a retry: the bills were stacked the first time
            return recorded
        if self.inserted_cents < cents:
            return ChargeResult(
                False,
                decline_code="not_enough_cash",
                decline_reason=f"Only {format_cents(self.inserted_cents)} was put in.",
                how_to_fix=HOW_TO_FIX_BY_CODE["not_enough_cash"],
            )
        if self.inserted_cents > cents and not self.gives_change:
            inserted, self.inserted_cents = self.inserted_cents, 0
            return ChargeResult(
                False,
                decline_code="cash_over_amount",
                decline_reason=(
                    f"You put in {format_cents(inserted)}, more than the "
                    f"{format_cents(cents)} payment, and this machine gives no change."
                ),
                how_to_fix=HOW_TO_FIX_BY_CODE["cash_over_amount"],
            )
        result = ChargeResult(True, processor_ref=f"cash_{uuid.uuid4().hex[:20]}", brand="CASH")
        recorded = self.journal.record_once(idempotency_key, cents, result)
        if recorded.approved:
            self.change_due_cents = self.inserted_cents - cents
            self.inserted_cents = 0  # stacked in the cash box: never counted for another payment
        return recorded

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        return self.journal.get(idempotency_key)

    def list_since(self, since: dt.datetime) -> list[ProcessorCharge]:
        return self.journal.list_since(since)

    def void(self, idempotency_key: str) -> None:
        self.journal.record_once(idempotency_key, 0, ChargeResult(False, decline_code="voided"))
