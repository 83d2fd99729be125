"""Helpers for the payment tests (importable because conftest puts this folder on sys.path)."""

from __future__ import annotations

from sqlalchemy import func, select

from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.methods import ChargeOutcomeUnknown, ChargeResult
from kiosk.services import ledger
from kiosk.store.models import (
    AttemptState,
    AuditEntry,
    JournalEntry,
    OutboxMessage,
    PaymentAttempt,
    Posting,
    ServiceRequest,
    Settlement,
)
from kiosk.store.store import Store

AVA, BEN, CARMEN, DEV, EMMA = "40152270", "40152271", "40152272", "40152273", "40152274"


class OfflineTerminal(CardTerminalSimulator):
    """The real simulator behind a network that can go down: while ``online`` is
    False, nothing reaches the processor (charge, lookup and void all time out)."""

    def __init__(self, journal: ProcessorJournal, **kwargs: object) -> None:
        super().__init__(journal, **kwargs)  # type: ignore[arg-type]
        self.online = True

    def charge(self, cents: int, idempotency_key: str) -> ChargeResult:
        result = super().charge(cents, idempotency_key)
        if not self.online:  # the answer was lost on the way back
            raise ChargeOutcomeUnknown("network down")
        return result

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        if not self.online:
            raise ChargeOutcomeUnknown("network down")
        return super().lookup(idempotency_key)

    def void(self, idempotency_key: str) -> None:
        if not self.online:
            raise ChargeOutcomeUnknown("network down")
        super().void(idempotency_key)


TABLES = {
    "attempts": PaymentAttempt,
    "entries": JournalEntry,
    "postings": Posting,
    "settlements": Settlement,
    "outbox": OutboxMessage,
    "requests": ServiceRequest,
    "audit": AuditEntry,
}


def row_counts(store: Store) -> dict[str, int]:
    with store.sessions() as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in TABLES.items()
        }


def attempt_by_key(store: Store, key: str) -> PaymentAttempt:
    with store.sessions() as session:
        attempt = session.scalar(
            select(PaymentAttempt).where(PaymentAttempt.idempotency_key == key)
        )
        assert attempt is not None, key
        return attempt


def audit_actions(store: Store) -> list[str]:
    with store.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def assert_books_clean(store: Store) -> None:
    with store.sessions() as session:
        assert ledger.check(session) == []
        assert ledger.check_accounts(session) == []


def assert_charged_once_each(store: Store, journal: ProcessorJournal) -> None:
    """What the processor approved is exactly what the kiosk recorded as SUCCEEDED."""
    with store.sessions() as session:
        succeeded = dict(
            session.execute(
                select(
                    PaymentAttempt.idempotency_key, PaymentAttempt.cents + PaymentAttempt.fee_cents
                ).where(
                    PaymentAttempt.state == AttemptState.SUCCEEDED,
                    PaymentAttempt.idempotency_key.not_like("seed-%"),
                )
            ).all()
        )
    assert journal.approved_charges() == succeeded
