"""The outbox worker: delivers receipts and runs follow-up work the payment transaction wrote.

Rows are claimed in short transactions (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two workers never take the same row) and leased by moving
``next_attempt_at`` forward, so slow delivery never holds a database lock and
never blocks a payment. Failures are retried with exponential backoff and end
as FAILED rows staff can see, never lost. Delivery is at least once; the
adapters give retries a stable message id so copies are recognisable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.devtools.faults import crash_point
from kiosk.errors import InvalidInput, NotFound
from kiosk.receipts import (
    DeliveryError,
    DeliveryRouter,
    InvalidContact,
    PaymentMethod,
    Receipt,
    validate_email,
    validate_phone,
)
from kiosk.services import ledger
from kiosk.services.common import money, record
from kiosk.store.models import (
    Account,
    AttemptState,
    JournalEntry,
    OutboxMessage,
    OutboxState,
    PaymentAttempt,
    PaymentMethodKind,
    Posting,
)
from kiosk.store.store import Store

RECEIPT_KINDS = {"receipt.print": "print", "receipt.email": "email", "receipt.sms": "sms"}
PRINT_KIND = "receipt.print"
CHANNEL_WORDS = {"print": "Printed receipt", "email": "Email", "sms": "Text message"}
Handler = Callable[[Session, OutboxMessage], None]


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


def mask_destination(channel: str, destination: str) -> str:
    """Enough of an address for the customer to recognise it, no more."""
    if not destination:
        return ""
    if channel == "email" and "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"***-***-{destination[-4:]}"


class ReceiptOutbox:
    """Delivery status and extra receipts; needs no delivery adapters."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    # --------------------------------------------------------------- queries
    def _attempt(self, session: Session, confirmation_number: str) -> PaymentAttempt:
        attempt = session.scalar(
            select(PaymentAttempt).where(
                PaymentAttempt.confirmation_number == confirmation_number.strip(),
                PaymentAttempt.state == AttemptState.SUCCEEDED,
            )
        )
        if attempt is None:
            raise NotFound(
                "We could not find a payment with that confirmation number.",
                "",
                "Check the number on your receipt or screen.",
            )
        return attempt

    def _receipt_messages(self, session: Session, attempt_id: int) -> list[OutboxMessage]:
        keys = [
            condition
            for kind in RECEIPT_KINDS
            for condition in (
                OutboxMessage.dedupe_key == f"{kind}:{attempt_id}",
                OutboxMessage.dedupe_key.like(f"{kind}:{attempt_id}:%"),
            )
        ]
        return list(
            session.scalars(select(OutboxMessage).where(or_(*keys)).order_by(OutboxMessage.id))
        )

    def _destination(self, session: Session, message: OutboxMessage) -> str:
        """Where a receipt goes: the address asked for, else the one on file."""
        given = message.payload.get("destination")
        if given:
            return str(given)
        channel = RECEIPT_KINDS.get(message.kind, "")
        account = session.get(Account, message.account_id) if message.account_id else None
        if account is None or channel == "print":
            return ""
        return account.email if channel == "email" else account.phone

    def _status(self, session: Session, message: OutboxMessage) -> DeliveryStatus:
        channel = RECEIPT_KINDS.get(message.kind, message.kind)
        shown = mask_destination(channel, self._destination(session, message))
        name = CHANNEL_WORDS.get(channel, channel) + (f" to {shown}" if shown else "")
        if message.state == OutboxState.SENT:
            text = f"{name}: sent."
        elif message.state == OutboxState.FAILED:
            text = f"{name}: could not be sent. A store associate can help. ({message.last_error})"
        elif message.attempts:
            text = f"{name}: not sent yet, we will try again shortly."
        else:
            text = f"{name}: on its way."
        return DeliveryStatus(
            message_id=message.id,
            channel=channel,
            destination=shown,
            state=message.state,
            attempts=message.attempts,
            last_error=message.last_error,
            next_attempt_at=message.next_attempt_at
            if message.state == OutboxState.PENDING
            else None,
            text=text,
        )

    def delivery_status(self, confirmation_number: str) -> list[DeliveryStatus]:
        """Every receipt delivery of one payment, in the order they were asked for.

        Raises:
            NotFound: no successful payment with that confirmation number.
        """
        with self.store.sessions() as session:
            attempt = self._attempt(session, confirmation_number)
            return [self._status(session, m) for m in self._receipt_messages(session, attempt.id)]

    # ------------------------------------------------------------- requests
    def request_receipt_on_file(self, confirmation_number: str) -> DeliveryStatus:
        """Queue an email receipt to the address on the account, when the customer asks
        for it (nothing is emailed unasked); the address is never shown unmasked.

        Raises:
            InvalidInput: the account has no email address on file.
            NotFound: no successful payment with that confirmation number.
        """
        with self.store.sessions() as session:
            attempt = self._attempt(session, confirmation_number)
            account = session.get(Account, attempt.account_id)
            address = account.email if account is not None else ""
        if not address:
            raise InvalidInput(
                "There is no email address on this account.",
                "",
                "Type the email address for the receipt.",
            )
        return self.request_receipt(confirmation_number, "email", address)

    def request_receipt(
        self, confirmation_number: str, channel: str, destination: str
    ) -> DeliveryStatus:
        """Queue an email or SMS receipt after the payment (deduped per channel+destination).

        Asking again for a delivery that failed queues it again.

        Raises:
            InvalidInput: bad email or phone (plain message), unknown channel.
            NotFound: no successful payment with that confirmation number.
        """
        if channel not in ("email", "sms"):
            raise InvalidInput(
                f"A receipt cannot be sent by {channel!r}.",
                "",
                "Choose email or a text message.",
            )
        try:
            normal = (
                validate_email(destination) if channel == "email" else validate_phone(destination)
            )
        except InvalidContact as error:
            raise InvalidInput(
                error.what.rstrip(".") + ".", _sentence(error.why), error.how_to_fix + "."
            ) from None
        kind = f"receipt.{channel}"
        for _ in range(2):  # a second pass after losing an insert race
            try:
                with self.store.sessions() as session, session.begin():
                    attempt = self._attempt(session, confirmation_number)
                    account = session.get(Account, attempt.account_id)
                    for message in self._receipt_messages(session, attempt.id):
                        same = message.kind == kind and _same_destination(
                            channel, self._destination(session, message), normal
                        )
                        if same:
                            if message.state == OutboxState.FAILED:
                                message.state = OutboxState.PENDING
                                message.attempts = 0
                                message.next_attempt_at = self.store.clock.now()
                                record(
                                    self.store,
                                    session,
                                    "receipt.requeued",
                                    "success",
                                    account,
                                    channel=channel,
                                    confirmation=attempt.confirmation_number,
                                )
                            return self._status(session, message)
                    digest = hashlib.sha256(normal.lower().encode()).hexdigest()[:16]
                    message = OutboxMessage(
                        kind=kind,
                        dedupe_key=f"{kind}:{attempt.id}:{digest}",
                        account_id=attempt.account_id,
                        payload={
                            "attempt_id": attempt.id,
                            "confirmation_number": attempt.confirmation_number,
                            "account_id": attempt.account_id,
                            "destination": normal,
                        },
                        next_attempt_at=self.store.clock.now(),
                        created_at=self.store.clock.now(),
                    )
                    session.add(message)
                    session.flush()
                    record(
                        self.store,
                        session,
                        "receipt.requested",
                        "success",
                        account,
                        channel=channel,
                        confirmation=attempt.confirmation_number,
                    )
                    return self._status(session, message)
            except IntegrityError:
                continue
        raise InvalidInput("The receipt could not be queued.", "", "Please try again.")

    # -------------------------------------------------------------- receipt
    def build_receipt(self, session: Session, attempt_id: int) -> Receipt:
        """The receipt of one successful payment, as it was at that moment (last 4 only)."""
        attempt = session.get(PaymentAttempt, attempt_id)
        if attempt is None or attempt.state != AttemptState.SUCCEEDED:
            raise ValueError(f"payment attempt {attempt_id} did not succeed")
        account = session.get(Account, attempt.account_id)
        assert account is not None and attempt.confirmation_number
        entry_id = session.scalar(
            select(JournalEntry.id).where(JournalEntry.attempt_id == attempt.id)
        )
        balance_then = int(
            session.scalar(
                select(func.coalesce(func.sum(Posting.cents), 0)).where(
                    Posting.ledger == ledger.RECEIVABLE,
                    Posting.account_id == account.id,
                    Posting.entry_id <= (entry_id or 0),
                )
            )
            or 0
        )
        lines: list[str] = []
        if attempt.fee_cents:
            lines.append(
                f"Paid on the bill {money(attempt.cents, self.store)}, "
                f"payment fee {money(attempt.fee_cents, self.store)}"
            )
        if attempt.requested_reconnection:
            lines.append("Reconnection of service requested")
        method = PaymentMethod(attempt.method.value)
        return Receipt(
            confirmation_number=attempt.confirmation_number,
            kiosk_id=attempt.kiosk_id,
            store_id=self.settings.store_id,
            timestamp=attempt.updated_at.astimezone(ZoneInfo(self.settings.timezone)),
            customer_name=account.customer.name,
            account_number=account.number,
            amount_cents=attempt.cents + attempt.fee_cents,
            method=method,
            new_balance_cents=balance_then,
            card_brand=(attempt.brand or "Card")
            if attempt.method == PaymentMethodKind.CARD
            else None,
            card_last4=attempt.last4 if attempt.method == PaymentMethodKind.CARD else None,
            bank_last4=attempt.last4 if attempt.method == PaymentMethodKind.BANK else None,
            lines=tuple(lines),
        )


class OutboxWorker(ReceiptOutbox):
    """Runs the outbox: receipts through the router, other kinds through handlers."""

    def __init__(
        self,
        store: Store,
        router: DeliveryRouter,
        handlers: Mapping[str, Handler] | None = None,
    ) -> None:
        super().__init__(store)
        self.router = router
        self.handlers: dict[str, Handler] = {
            "statement.update": self._statement_update,
            "service.reconnect": self._service_reconnect,
            "fraud.alert": self._fraud_alert,
        }
        self.handlers.update(handlers or {})

    # ------------------------------------------------------------- handlers
    def _statement_update(self, session: Session, message: OutboxMessage) -> None:
        """Statements are derived on every view; record that this one is current."""
        account = session.get(Account, message.account_id) if message.account_id else None
        record(
            self.store,
            session,
            "statement.updated",
            "success",
            account,
            actor="outbox",
            confirmation=message.payload.get("confirmation_number"),
        )

    def _service_reconnect(self, session: Session, message: OutboxMessage) -> None:
        """Hand the reconnection order to provisioning (here: the audited order itself)."""
        account = session.get(Account, message.account_id) if message.account_id else None
        record(
            self.store,
            session,
            "reconnection.ordered",
            "success",
            account,
            actor="outbox",
            confirmation=message.payload.get("confirmation_number"),
        )

    def _fraud_alert(self, session: Session, message: OutboxMessage) -> None:
        account = session.get(Account, message.account_id) if message.account_id else None
        record(
            self.store,
            session,
            "fraud.alert",
            "flagged",
            account,
            actor="outbox",
            confirmation=message.payload.get("confirmation_number"),
        )

    # ---------------------------------------------------------- in session
    def print_now(self, attempt_id: int, *, wait_seconds: float = 15.0) -> bool:
        """Print a payment's receipt while its customer is still at the kiosk.

        Returns True once it printed (here or by the background pass a moment ago),
        False when it could not: it is then cancelled, never printed later, and the
        session offers email or a text message instead.
        """
        key = f"{PRINT_KIND}:{attempt_id}"
        deadline = time.monotonic() + wait_seconds
        while True:
            now = self.store.clock.now()
            with self.store.sessions() as session, session.begin():
                message = session.scalar(
                    select(OutboxMessage)
                    .where(OutboxMessage.dedupe_key == key)
                    .with_for_update(skip_locked=True)
                )
                if message is not None and message.state != OutboxState.PENDING:
                    return message.state == OutboxState.SENT
                if message is not None and message.next_attempt_at <= now:
                    lease = dt.timedelta(seconds=self.settings.outbox_lease_seconds)
                    message.next_attempt_at = now + lease  # ours: the background pass skips it
                    message_id = message.id
                else:
                    message_id = None  # none, or being printed by the background pass
            if message_id is not None:
                return self._process(message_id, now) == "sent"
            if time.monotonic() >= deadline:
                return self._settled(key) == OutboxState.SENT
            time.sleep(0.2)

    def _settled(self, key: str) -> OutboxState | None:
        with self.store.sessions() as session:
            return session.scalar(
                select(OutboxMessage.state).where(OutboxMessage.dedupe_key == key)
            )

    def _print_too_late(self, message_id: int, now: dt.datetime) -> bool:
        """Whether a printed receipt's session is surely over (older than the setting)."""
        with self.store.sessions() as session:
            created = session.scalar(
                select(OutboxMessage.created_at).where(OutboxMessage.id == message_id)
            )
        limit = dt.timedelta(seconds=self.settings.receipt_print_within_seconds)
        return created is not None and now - created > limit

    # ------------------------------------------------------------------ run
    def run_once(self, now: dt.datetime | None = None, *, limit: int = 50) -> OutboxRunReport:
        """Work through every message due at ``now``; returns what happened."""
        now = now or self.store.clock.now()
        sent = retried = failed = 0
        for message_id in self._claim(now, limit):
            outcome = self._process(message_id, now)
            sent += outcome == "sent"
            retried += outcome == "retried"
            failed += outcome == "failed"
        return OutboxRunReport(sent, retried, failed)

    def _claim(self, now: dt.datetime, limit: int) -> list[int]:
        lease = now + dt.timedelta(seconds=self.settings.outbox_lease_seconds)
        with self.store.sessions() as session, session.begin():
            messages = session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.state == OutboxState.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for message in messages:
                message.next_attempt_at = lease
            return [message.id for message in messages]

    def _process(self, message_id: int, now: dt.datetime) -> str:
        with self.store.sessions() as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            kind = message.kind
        if kind not in RECEIPT_KINDS:
            return self._handle(message_id, kind, now)
        if kind == PRINT_KIND and self._print_too_late(message_id, now):
            return self._failed(
                message_id,
                "cancelled: not printed within its customer's session, so it never prints "
                "for the next customer",
                False,
                now,
            )
        try:
            with self.store.sessions() as session:
                message = session.get(OutboxMessage, message_id)
                assert message is not None
                receipt = self.build_receipt(session, int(message.payload["attempt_id"]))
                destination = self._destination(session, message)
            crash_point("outbox.before_deliver")
            self.router.deliver(RECEIPT_KINDS[kind], destination, receipt)
            crash_point("outbox.after_deliver")
        except DeliveryError as error:
            return self._failed(message_id, str(error), error.retryable, now)
        except (ValueError, KeyError) as error:
            return self._failed(message_id, f"the receipt could not be made: {error}", False, now)
        return self._sent(message_id, now)

    def _handle(self, message_id: int, kind: str, now: dt.datetime) -> str:
        handler = self.handlers.get(kind)
        if handler is None:
            return self._failed(message_id, f"no handler for {kind!r} messages", False, now)
        try:
            with self.store.sessions() as session, session.begin():
                message = session.get(OutboxMessage, message_id)
                assert message is not None
                handler(session, message)
                message.state = OutboxState.SENT
                message.attempts += 1
                message.sent_at = now
                message.last_error = ""
        except Exception as error:  # a handler's failure must stay visible in its row
            return self._failed(message_id, f"{type(error).__name__}: {error}", True, now)
        return "sent"

    def _sent(self, message_id: int, now: dt.datetime) -> str:
        with self.store.sessions() as session, session.begin():
            message = session.get(OutboxMessage, message_id, with_for_update=True)
            assert message is not None
            message.state = OutboxState.SENT
            message.attempts += 1
            message.sent_at = now
            message.last_error = ""
            account = session.get(Account, message.account_id) if message.account_id else None
            record(
                self.store,
                session,
                "receipt.sent",
                "success",
                account,
                actor="outbox",
                channel=RECEIPT_KINDS[message.kind],
                confirmation=message.payload.get("confirmation_number"),
            )
        return "sent"

    def _failed(self, message_id: int, error: str, retryable: bool, now: dt.datetime) -> str:
        s = self.settings
        with self.store.sessions() as session, session.begin():
            message = session.get(OutboxMessage, message_id, with_for_update=True)
            assert message is not None
            if message.kind == PRINT_KIND and not error.startswith("cancelled"):
                error = f"cancelled, never printed after its session: {error}"
            message.attempts += 1
            message.last_error = error[:2000]
            # A printed receipt belongs to its customer's session: never printed later.
            give_up = (
                not retryable
                or message.attempts >= s.outbox_max_attempts
                or message.kind == PRINT_KIND
            )
            account = session.get(Account, message.account_id) if message.account_id else None
            if give_up:
                message.state = OutboxState.FAILED
            else:
                delay = min(
                    s.outbox_backoff_seconds * 2 ** (message.attempts - 1),
                    s.outbox_backoff_max_seconds,
                )
                message.next_attempt_at = now + dt.timedelta(seconds=delay)
            record(
                self.store,
                session,
                "outbox.failed" if give_up else "outbox.retry",
                "failure",
                account,
                actor="outbox",
                kind=message.kind,
                attempts=message.attempts,
                error=message.last_error[:200],
            )
        return "failed" if give_up else "retried"


def _same_destination(channel: str, known: str, wanted: str) -> bool:
    if not known:
        return False
    if channel == "email":
        return known.strip().lower() == wanted.lower()
    try:
        return validate_phone(known) == wanted
    except InvalidContact:
        return False


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return (text[:1].upper() + text[1:] + ".") if text else ""
