"""A bill acceptor: bills go in, the payment is what went in.

No change is dispensed unless configured: money over the amount is a credit
on the account, which the kiosk says before the customer commits.
"""

from __future__ import annotations

import uuid

from kiosk.errors import InvalidInput
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.methods import ChargeResult, PaymentMethod
from kiosk.store.models import PaymentMethodKind

ACCEPTED_BILLS_CENTS = (100, 500, 1000, 2000, 5000, 10000)


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
        if self.inserted_cents < cents:
            return ChargeResult(
                False,
                decline_code="not_enough_cash",
                decline_reason=f"Only {self.inserted_cents / 100:.2f} dollars were put in.",
                how_to_fix="Put in more bills, or pay a smaller amount.",
            )
        self.change_due_cents = self.inserted_cents - cents if self.gives_change else 0
        result = ChargeResult(True, processor_ref=f"cash_{uuid.uuid4().hex[:20]}", brand="CASH")
        return self.journal.record_once(idempotency_key, cents, result)

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        return self.journal.get(idempotency_key)

    def void(self, idempotency_key: str) -> None:
        self.journal.record_once(idempotency_key, 0, ChargeResult(False, decline_code="voided"))
