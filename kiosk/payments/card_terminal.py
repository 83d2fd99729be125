"""Card terminal: the kiosk sends an amount and gets back a token, brand and last 4.

The kiosk never sees a card number (PCI P2PE): the terminal reads and
encrypts the card. :class:`CardTerminalSimulator` behaves like a card-present
sandbox, choosing the outcome from the cents of the amount, so every decline
path can be exercised on a demo kiosk and in tests.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass

from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.methods import (
    ChargeOutcomeUnknown,
    ChargeResult,
    PaymentMethod,
    ProcessorCharge,
)
from kiosk.store.models import PaymentMethodKind


@dataclass(frozen=True)
class Decline:
    code: str
    reason: str
    how_to_fix: str

    def result(self, brand: str = "", last4: str = "") -> ChargeResult:
        """The processor's answer declining a card (named by brand and last 4) this way."""
        return ChargeResult(
            approved=False,
            brand=brand,
            last4=last4,
            decline_code=self.code,
            decline_reason=self.reason,
            how_to_fix=self.how_to_fix,
        )


# Sandbox convention: the cents of the amount pick the outcome.
DECLINES_BY_CENTS: dict[int, Decline] = {
    5: Decline(
        "do_not_honor",
        "The card's bank declined the payment.",
        "Use another card, or call the bank on the back of the card.",
    ),
    51: Decline(
        "insufficient_funds",
        "There is not enough money available on the card.",
        "Use another card or pay a smaller amount.",
    ),
    54: Decline("expired_card", "The card has expired.", "Use a card that has not expired."),
    55: Decline(
        "incorrect_pin",
        "The card PIN was not right.",
        "Try again and enter the card PIN carefully, or use another card.",
    ),
}
ISSUER_UNAVAILABLE_CENTS = 91
ISSUER_UNAVAILABLE = Decline(
    "issuer_unavailable",
    "The card's bank did not answer in time, so no money was taken.",
    "Try again in a few minutes or use another card.",
)
VOIDED = Decline(
    "voided", "This payment was canceled before it went through.", "Start a new payment."
)


class ProcessorRecords:
    """A card simulator's processor side: keys looked up, listed and voided in its
    processor journal (the terminal's and the keyed cards' acquirer)."""

    journal: ProcessorJournal

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        return self.journal.get(idempotency_key)

    def list_since(self, since: dt.datetime) -> list[ProcessorCharge]:
        return self.journal.list_since(since)

    def void(self, idempotency_key: str) -> None:
        self.journal.record_once(idempotency_key, 0, VOIDED.result())


class CardTerminalSimulator(ProcessorRecords, PaymentMethod):
    """A card-present sandbox terminal.

    Args:
        journal: the processor's memory of charges (shared across processes if a file).
        delay_seconds: time the customer and bank take, per charge.
        fault: for fault-injection tests: ``"lost_response"`` charges and then times out,
            ``"no_answer"`` times out without charging.
    """

    kind = PaymentMethodKind.CARD

    def __init__(
        self,
        journal: ProcessorJournal | None = None,
        *,
        delay_seconds: float = 0.0,
        brand: str = "VISA",
        last4: str = "4242",
        fault: str | None = None,
    ) -> None:
        self.journal = journal or ProcessorJournal()
        self.delay_seconds = delay_seconds
        self.brand = brand
        self.last4 = last4
        self.fault = fault

    @property
    def description(self) -> str:
        return f"{self.brand.title()} card ending {self.last4}"

    def charge(self, cents: int, idempotency_key: str) -> ChargeResult:
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if self.fault == "no_answer":
            raise ChargeOutcomeUnknown("the card terminal did not answer")
        outcome = self._outcome(cents)
        recorded = self.journal.record_once(idempotency_key, cents, outcome)
        if self.fault == "lost_response" or (
            not recorded.approved and recorded.decline_code == ISSUER_UNAVAILABLE.code
        ):
            raise ChargeOutcomeUnknown("the card terminal's answer was lost")
        return recorded

    def _outcome(self, cents: int) -> ChargeResult:
        decline = DECLINES_BY_CENTS.get(cents % 100)
        if cents % 100 == ISSUER_UNAVAILABLE_CENTS:
            decline = ISSUER_UNAVAILABLE
        if decline is not None:
            return decline.result(self.brand, self.last4)
        return ChargeResult(
            approved=True,
            processor_ref=f"tok_{uuid.uuid4().hex[:20]}",
            brand=self.brand,
            last4=self.last4,
        )
