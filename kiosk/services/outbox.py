"""The outbox worker: delivers receipts and runs follow-up work the payment transaction wrote.

Rows are claimed in short transactions (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) and leased, so slow delivery never holds a database lock and never
blocks a payment; failures are retried with exponential backoff and end as
FAILED rows staff can see, never lost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.receipts import DeliveryRouter
from kiosk.store.models import OutboxState
from kiosk.store.store import Store


@dataclass(frozen=True)
class DeliveryStatus:
    message_id: int
    channel: str  # "print", "email", "sms"
    destination: str  # masked: "a***@example.com", "***-***-0123", "" for print
    state: OutboxState
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime | None  # while pending
    text: str  # plain words: "Email to a***@example.com: sent."


@dataclass(frozen=True)
class OutboxRunReport:
    sent: int = 0  # delivered or handled
    retried: int = 0  # failed, will try again later
    failed: int = 0  # gave up; visible to staff


class ReceiptOutbox:
    """Delivery status and extra receipts; needs no delivery adapters."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def delivery_status(self, confirmation_number: str) -> list[DeliveryStatus]:
        raise NotImplementedError

    def request_receipt(
        self, confirmation_number: str, channel: str, destination: str
    ) -> DeliveryStatus:
        """Queue an email or SMS receipt after the payment (deduped per channel+destination).

        Raises:
            InvalidInput: bad email or phone (plain message), unknown channel.
            NotFound: no successful payment with that confirmation number.
        """
        raise NotImplementedError


class OutboxWorker(ReceiptOutbox):
    def __init__(self, store: Store, router: DeliveryRouter) -> None:
        super().__init__(store)
        self.router = router

    def run_once(self, now: dt.datetime | None = None, *, limit: int = 50) -> OutboxRunReport:
        raise NotImplementedError
