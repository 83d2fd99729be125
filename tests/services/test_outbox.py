"""The outbox worker end to end: real SMTP on loopback, ESC/POS bytes, retries with backoff."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from kiosk.clock import FixedClock
from kiosk.errors import InvalidInput
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.receipts import DeliveryRouter, EscposPrinter, SmtpSender
from kiosk.services.outbox import OutboxWorker, ReceiptOutbox
from kiosk.store.models import AuditEntry, OutboxMessage, OutboxState
from kiosk.store.store import Store

from .conftest import AVA, CARMEN, pay


@dataclass
class Mailbox:
    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real aiosmtpd server on loopback."""
    mailbox, port = Mailbox(), _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def _router(port: int, printer: EscposPrinter | None = None) -> DeliveryRouter:
    return DeliveryRouter(
        {
            "email": SmtpSender("127.0.0.1", port, timeout=2.0),
            "print": printer or EscposPrinter.from_url("dummy:"),
        }
    )


def test_email_and_printed_receipt_end_to_end(
    store: Store, card: CardTerminalSimulator, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    printer = EscposPrinter.from_url("dummy:")
    result = pay(store, AVA, 8499, card)
    assert result.confirmation_number
    worker = OutboxWorker(store, _router(port, printer))
    assert worker.run_once().sent == 2  # print, statement: no email unasked (issue 16)
    assert mailbox.messages == []
    ReceiptOutbox(store).request_receipt_on_file(result.confirmation_number)
    report = worker.run_once()
    assert report.sent == 1 and report.retried == report.failed == 0  # the email asked for
    [message] = mailbox.messages
    assert message["To"] == "ava@example.com"
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert result.confirmation_number in body and "$84.99" in body
    assert "4242" in body and "40152270" not in body  # last 4 only
    printed = printer.output
    assert result.confirmation_number.encode() in printed and b"\x1dV" in printed  # cut
    statuses = worker.delivery_status(result.confirmation_number)
    assert {(s.channel, s.state) for s in statuses} == {("print", "sent"), ("email", "sent")}
    assert worker.run_once().sent == 0  # nothing is sent twice


def test_failed_delivery_is_retried_with_backoff_and_never_lost(
    store: Store, clock: FixedClock, card: CardTerminalSimulator
) -> None:
    dead_port = _free_port()  # nothing listens: connection refused, retryable
    store.settings.outbox_max_attempts = 3
    result = pay(store, AVA, 8499, card)
    assert result.confirmation_number
    ReceiptOutbox(store).request_receipt_on_file(result.confirmation_number)
    worker = OutboxWorker(store, _router(dead_port))
    first = worker.run_once()
    assert (first.sent, first.retried) == (2, 1)
    [email_status] = [
        s for s in worker.delivery_status(result.confirmation_number) if s.channel == "email"
    ]
    assert email_status.state == OutboxState.PENDING and email_status.attempts == 1
    assert "refused" in email_status.last_error and "try again" in email_status.text
    assert email_status.next_attempt_at == clock.now() + dt.timedelta(seconds=30)
    assert worker.run_once().retried == 0  # not due yet
    second = worker.run_once(clock.now() + dt.timedelta(seconds=30))
    assert second.retried == 1
    with store.sessions() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "receipt.email"))
        assert row is not None
        assert row.next_attempt_at == clock.now() + dt.timedelta(seconds=30 + 60)  # doubled
    third = worker.run_once(clock.now() + dt.timedelta(seconds=90))
    assert third.failed == 1
    [failed] = [
        s for s in worker.delivery_status(result.confirmation_number) if s.channel == "email"
    ]
    assert failed.state == OutboxState.FAILED and failed.attempts == 3
    assert "could not be sent" in failed.text
    # The failing email never blocked anything: another payment goes through at once.
    assert pay(store, CARMEN, 1000, card).confirmation_number
    with store.sessions() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"outbox.retry", "outbox.failed"} <= actions


def test_request_receipt_validates_and_dedupes(
    store: Store, card: CardTerminalSimulator, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    result = pay(store, AVA, 8499, card)
    number = result.confirmation_number
    assert number
    outbox = ReceiptOutbox(store)
    with pytest.raises(InvalidInput) as raised:
        outbox.request_receipt(number, "email", "ava@@example")
    assert "more than one @" in raised.value.why and "name@example.com" in raised.value.how_to_fix
    with pytest.raises(InvalidInput, match="area code"):
        outbox.request_receipt(number, "sms", "12")
    same = outbox.request_receipt(number, "email", "AVA@example.com")  # the address on file
    assert outbox.request_receipt_on_file(number).message_id == same.message_id
    extra = outbox.request_receipt(number, "email", "ava.j@example.org")
    again = outbox.request_receipt(number, "email", "ava.j@example.org")
    assert extra.message_id == again.message_id != same.message_id
    assert extra.destination == "a***@example.org"
    OutboxWorker(store, _router(port)).run_once()
    assert sorted(m["To"].lower() for m in mailbox.messages) == [
        "ava.j@example.org",
        "ava@example.com",
    ]


def test_other_kinds_are_handled_and_audited(store: Store, card: CardTerminalSimulator) -> None:
    from kiosk.services.reconnection import ReconnectionService

    paid = ReconnectionService(store).pay(CARMEN, 34500, card, "carmen-reconnect")
    ReceiptOutbox(store).request_receipt_on_file(paid.confirmation_number or "")
    report = OutboxWorker(
        store, DeliveryRouter({"print": EscposPrinter.from_url("dummy:")})
    ).run_once()
    assert report.sent == 3 and report.failed == 1  # no email channel configured: visible
    with store.sessions() as session:
        states = dict(session.execute(select(OutboxMessage.kind, OutboxMessage.state)).all())
        actions = set(session.scalars(select(AuditEntry.action)))
    assert states["service.reconnect"] == states["statement.update"] == OutboxState.SENT
    assert states["receipt.email"] == OutboxState.FAILED
    assert {"reconnection.ordered", "statement.updated"} <= actions


def test_two_workers_never_claim_the_same_message(
    store: Store, card: CardTerminalSimulator
) -> None:
    """FOR UPDATE SKIP LOCKED on PostgreSQL (BEGIN IMMEDIATE on SQLite) splits the work."""
    for _ in range(4):
        pay(store, AVA, 1000, card)
    claimed: list[list[int]] = []
    lock = threading.Lock()

    def claim() -> None:
        worker = OutboxWorker(store, DeliveryRouter())
        ids = worker._claim(store.clock.now(), 100)
        with lock:
            claimed.append(ids)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for ids in claimed for i in ids]
    with store.sessions() as session:
        all_ids = set(session.scalars(select(OutboxMessage.id)))
    assert len(all_ids) >= 8  # 4 payments x (print, statement), maybe a fraud alert
    assert len(every) == len(set(every)) and set(every) == all_ids
