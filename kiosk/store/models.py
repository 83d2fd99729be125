"""Typed SQLAlchemy 2.0 models: accounts, bills, payments, ledger, arrangements, outbox, audit.

Money columns are BIGINT cents. The ledger is append-only double entry: every
journal entry's postings sum to zero and corrections are reversals. An
account's balance is the sum of its receivable postings.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {int: BigInteger().with_variant(Integer, "sqlite")}


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class ServiceStatus(enum.StrEnum):
    ACTIVE = "active"
    NOTICE = "notice"  # disconnection notice sent
    SUSPENDED = "suspended"  # disconnected for non-payment
    RECONNECT_PENDING = "reconnect_pending"


class LineCategory(enum.StrEnum):
    """Bill line categories; the order is the order payments apply (basic service first)."""

    BASIC = "basic_service"
    INTERNET = "internet"
    EQUIPMENT = "equipment"
    TAXES = "taxes_fees"
    LATE_FEE = "late_fee"
    RECONNECTION_FEE = "reconnection_fee"


PAYMENT_ORDER = list(LineCategory)


class AttemptState(enum.StrEnum):
    CREATED = "created"
    SENT = "sent"
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


OPEN_STATES = frozenset({AttemptState.CREATED, AttemptState.SENT, AttemptState.UNKNOWN})


class PaymentMethodKind(enum.StrEnum):
    CARD = "card"
    BANK = "bank"
    CASH = "cash"


class ArrangementKind(enum.StrEnum):
    EXTENSION = "extension"
    DEFERRED = "deferred"
    INSTALLMENT = "installment"


class ArrangementState(enum.StrEnum):
    OFFERED = "offered"
    ACTIVE = "active"
    KEPT = "kept"  # completed as agreed
    BROKEN = "broken"
    DECLINED = "declined"  # offered, the customer said no


class DisputeState(enum.StrEnum):
    OPEN = "open"
    CREDITED = "credited"
    DENIED = "denied"


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the maximum attempts; visible to staff


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    accounts: Mapped[list[Account]] = relationship(back_populates="customer")


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    service_address: Mapped[str] = mapped_column(String(200))
    zip_code: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ServiceStatus] = mapped_column(
        _enum(ServiceStatus), default=ServiceStatus.ACTIVE
    )
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_pin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disconnection_notice_on: Mapped[dt.date | None] = mapped_column(Date)
    disconnection_on: Mapped[dt.date | None] = mapped_column(Date)

    customer: Mapped[Customer] = relationship(back_populates="accounts")
    bills: Mapped[list[Bill]] = relationship(back_populates="account", order_by="Bill.issued_on")


class IdentifierLock(Base):
    """Failed sign-ins for an identifier that matches no account.

    Counted and locked exactly like an account's own ``failed_pin_attempts`` and
    ``locked_until``, so an unknown number answers as a real one does. ``key`` is a
    keyed digest of the identifier (:func:`kiosk.services.keys.keyed_digest`): the
    database never holds a guessed phone or account number.
    """

    __tablename__ = "identifier_locks"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_pin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Bill(Base):
    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(40))

    account: Mapped[Account] = relationship(back_populates="bills")
    items: Mapped[list[LineItem]] = relationship(back_populates="bill", order_by="LineItem.id")


class LineItem(Base):
    __tablename__ = "line_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    category: Mapped[LineCategory] = mapped_column(_enum(LineCategory))
    description: Mapped[str] = mapped_column(String(200))
    cents: Mapped[int] = mapped_column()
    previous_cents: Mapped[int | None] = mapped_column()  # same line on the last bill
    change_reason: Mapped[str] = mapped_column(String(200), default="")

    bill: Mapped[Bill] = relationship(back_populates="items")
    settlements: Mapped[list[Settlement]] = relationship(back_populates="line_item")


class Settlement(Base):
    """Money applied to one bill line: part of a payment, or a credit from a dispute."""

    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_item_id: Mapped[int] = mapped_column(ForeignKey("line_items.id"), index=True)
    cents: Mapped[int] = mapped_column()
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("payment_attempts.id"))
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    line_item: Mapped[LineItem] = relationship(back_populates="settlements")


class PaymentAttempt(Base):
    """One try to take money. Committed before the terminal is asked.

    ``open_account_id`` equals ``account_id`` while the attempt is open
    (created, sent or unknown) and is NULL otherwise; its unique constraint
    allows one open attempt per account on SQLite and PostgreSQL alike.
    """

    __tablename__ = "payment_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    open_account_id: Mapped[int | None] = mapped_column(unique=True)
    cents: Mapped[int] = mapped_column()
    fee_cents: Mapped[int] = mapped_column(default=0)
    method: Mapped[PaymentMethodKind] = mapped_column(_enum(PaymentMethodKind))
    state: Mapped[AttemptState] = mapped_column(_enum(AttemptState), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    processor_ref: Mapped[str] = mapped_column(String(80), default="")
    brand: Mapped[str] = mapped_column(String(20), default="")
    last4: Mapped[str] = mapped_column(String(4), default="")
    decline_code: Mapped[str] = mapped_column(String(40), default="")
    decline_reason: Mapped[str] = mapped_column(String(200), default="")
    confirmation_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    requested_reconnection: Mapped[bool] = mapped_column(default=False)
    flagged: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalEntry(Base):
    """An append-only ledger entry; its postings sum to zero."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    memo: Mapped[str] = mapped_column(String(200), default="")
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("payment_attempts.id"), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    postings: Mapped[list[Posting]] = relationship(back_populates="entry")


class Posting(Base):
    """One leg of a journal entry. Positive = debit, negative = credit.

    ``ledger`` names the ledger account: ``receivable`` (what a customer owes,
    with ``account_id``), ``revenue:<category>``, ``clearing:<method>``,
    ``adjustments:dispute``.
    """

    __tablename__ = "postings"
    __table_args__ = (Index("ix_postings_ledger_account", "ledger", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    ledger: Mapped[str] = mapped_column(String(60))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    cents: Mapped[int] = mapped_column()

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")


class Arrangement(Base):
    __tablename__ = "arrangements"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[ArrangementKind] = mapped_column(_enum(ArrangementKind))
    state: Mapped[ArrangementState] = mapped_column(_enum(ArrangementState))
    total_cents: Mapped[int] = mapped_column(default=0)
    down_payment_cents: Mapped[int] = mapped_column(default=0)
    includes_reconnection_fee: Mapped[bool] = mapped_column(default=False)
    original_due_on: Mapped[dt.date | None] = mapped_column(Date)
    new_due_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    installments: Mapped[list[Installment]] = relationship(
        back_populates="arrangement", order_by="Installment.sequence"
    )


class Installment(Base):
    __tablename__ = "installments"
    __table_args__ = (UniqueConstraint("arrangement_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("arrangements.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date] = mapped_column(Date)
    cents: Mapped[int] = mapped_column()
    paid_cents: Mapped[int] = mapped_column(default=0)

    arrangement: Mapped[Arrangement] = relationship(back_populates="installments")


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    line_item_id: Mapped[int] = mapped_column(ForeignKey("line_items.id"))
    cents: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[DisputeState] = mapped_column(_enum(DisputeState), default=DisputeState.OPEN)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution_note: Mapped[str] = mapped_column(Text, default="")


class ServiceRequest(Base):
    """A customer asked for something staff act on: a person, assistance info, reconnection."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    contact_preference: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    kiosk_id: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMessage(Base):
    """Work to do after a commit (receipt, email, SMS, reconnection order, alerts).

    Written in the same transaction as what caused it, so nothing is lost;
    ``dedupe_key`` makes each message unique so nothing is sent twice.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[OutboxState] = mapped_column(_enum(OutboxState), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Append-only, hash-chained audit trail: who, what, when, outcome, origin, resource.

    Each kiosk (origin) keeps its own chain, so kiosks of a fleet never contend
    for one chain head; a unique (kiosk_id, prev_hash) makes a forked chain fail.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "prev_hash"),
        # Finding a chain's head (newest entry of a kiosk) must not scan the whole chain.
        Index("ix_audit_log_kiosk_id_id", "kiosk_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60), index=True)
    resource: Mapped[str] = mapped_column(String(80), default="")
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    # True: ``hash`` is an HMAC with the kiosk's secret key; False: a plain SHA-256
    # (entries written before the key; none may follow a keyed one).
    keyed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class DebitAuthorization(Base):
    """The words a customer agreed to for one bank debit (amount, date, account ending,
    how to revoke), kept with the payment: its idempotency key is the payment's.

    Written before the bank is asked, so no debit exists without its authorization.
    """

    __tablename__ = "debit_authorizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    cents: Mapped[int] = mapped_column()
    account_last4: Mapped[str] = mapped_column(String(4))
    text: Mapped[str] = mapped_column(Text)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
