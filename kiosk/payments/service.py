"""The payment core: nothing lost, nothing charged twice.

1. The attempt (idempotency key, account, cents) is committed as CREATED before
   the method is asked, and marked SENT just before it is.
2. One open attempt per account (unique ``open_account_id``); an UNKNOWN
   attempt blocks new charges until the reconciler settles it.
3. A timeout never leads to a new charge: the attempt becomes UNKNOWN and the
   reconciler asks the processor by key, voiding keys it never charged.
4. One transaction records success: attempt SUCCEEDED, ledger entry, line
   settlements (basic service first), confirmation number, outbox rows, a
   reconnection order and the audit entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.devtools.faults import crash_point
from kiosk.errors import (
    BillPastLimit,
    InvalidAmount,
    KioskError,
    NotFound,
    PaymentDeclined,
    PaymentInProgress,
    PaymentOutcomeUnknown,
    StoreUnavailable,
)
from kiosk.logging import get_logger
from kiosk.money import format_cents
from kiosk.payments import statements
from kiosk.payments.cash import CashAcceptor
from kiosk.payments.methods import ChargeOutcomeUnknown, ChargeResult, PaymentMethod
from kiosk.payments.payment_journal import PaymentJournal
from kiosk.services import account_state, audit, ledger
from kiosk.services.common import find_account, find_account_id, no_such_account
from kiosk.services.confirmation import confirmation_number, payment_reference
from kiosk.store.db import retry_on_conflict
from kiosk.store.models import (
    OPEN_STATES,
    Account,
    AttemptState,
    LineCategory,
    LineItem,
    PaymentAttempt,
    PaymentMethodKind,
    ServiceRequest,
    ServiceStatus,
)
from kiosk.store.prepared import run, run_many
from kiosk.store.store import Store

log = get_logger("payments")


@dataclass(frozen=True)
class PaymentResult:
    attempt_id: int
    state: AttemptState
    cents: int
    fee_cents: int
    confirmation_number: str | None
    brand: str
    last4: str
    new_balance_cents: int
    reconnection_requested: bool
    at: dt.datetime
    flagged: bool = False


@dataclass
class ReconcileReport:
    settled: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.settled[outcome] = self.settled.get(outcome, 0) + 1


@dataclass(frozen=True)
class ReconnectionQuote:
    past_due_cents: int
    fee_cents: int

    @property
    def total_cents(self) -> int:
        return self.past_due_cents + self.fee_cents


class PaymentService:
    """Takes payments for accounts through any :class:`PaymentMethod`."""

    def __init__(
        self,
        store: Store,
        journal: PaymentJournal | None = None,
        *,
        prints_receipts: bool = True,
    ) -> None:
        self.store = store
        # False where nobody can take a printed receipt (the phone line): a payment
        # then queues none, so no kiosk printer ever prints a caller's receipt.
        self.prints_receipts = prints_receipts
        self.settings = store.settings
        self.journal = journal or PaymentJournal.for_settings(store.settings)

    # ----------------------------------------------------------------- checks
    def fee_for(self, method: PaymentMethod) -> int:
        return self.fee_for_kind(method.kind.value)

    def fee_for_kind(self, kind: str) -> int:
        """The convenience fee for a method kind ("card", "bank", "cash"), said before review."""
        return {
            "card": self.settings.card_fee_cents,
            "bank": self.settings.bank_fee_cents,
        }.get(kind, 0)

    def check_amount(self, account_number: str, cents: int, *, reconnect: bool = False) -> None:
        """Validate an amount before the review step.

        Raises:
            InvalidAmount: zero, negative, over the balance plus the overpayment
                limit, or (when reconnecting) short of what reconnection needs.
            NotFound: no such account.
        """
        with self.store.sessions() as session:
            account_id = find_account_id(session, account_number)
            self._check_amount(session, account_id, cents, reconnect)

    def _check_amount(
        self,
        db: Session | Connection,
        account_id: int,
        cents: int,
        reconnect: bool,
        balance: int | None = None,
    ) -> None:
        """Raise InvalidAmount for an amount the account cannot take (``balance`` if known)."""
        if cents <= 0:
            raise InvalidAmount(
                "The amount must be more than zero.", "", "Enter an amount like 20.00."
            )
        if balance is None:
            balance = ledger.balance_cents(db, account_id)
        limit = self._most_payable(balance, reconnect)
        if cents > limit:
            raise InvalidAmount(
                f"{format_cents(cents)} is more than this account can take.",
                self._why_limit(balance),
                f"Enter {format_cents(limit)} or less."
                if limit > 0
                else "No payment is needed now.",
            )
        if reconnect:
            # The quote reads through the ORM: a session of our own on a bare connection.
            with nullcontext(db) if isinstance(db, Session) else Session(bind=db) as session:
                account = session.get(Account, account_id)
                assert account is not None
                quote = self._reconnection_quote(session, account)
            if cents < quote.total_cents:
                raise InvalidAmount(
                    f"{format_cents(cents)} is not enough to turn service back on.",
                    f"Reconnection needs the past-due {format_cents(quote.past_due_cents)} "
                    f"plus the {format_cents(quote.fee_cents)} reconnection fee.",
                    f"Pay {format_cents(quote.total_cents)}, or ask for a payment plan.",
                )

    def _most_payable(self, balance: int, reconnect: bool) -> int:
        """The most one payment may be: the credit left after paying may not exceed the
        overpayment limit (a credit already on the account counts towards it)."""
        fee = self.settings.reconnection_fee_cents if reconnect else 0
        return balance + fee + self.settings.overpayment_limit_cents

    def _why_limit(self, balance: int) -> str:
        owed = (
            f"The balance is {format_cents(balance)}"
            if balance >= 0
            else f"The account already has {format_cents(-balance)} of credit"
        )
        return (
            f"{owed}, and the credit on an account can be at most "
            f"{format_cents(self.settings.overpayment_limit_cents)}."
        )

    def most_payable(self, account_number: str, *, reconnect: bool = False) -> int:
        """The most one payment may be now (see :meth:`check_amount`).

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session:
            account_id = find_account_id(session, account_number)
            return self._most_payable(ledger.balance_cents(session, account_id), reconnect)

    def accept_bill(
        self,
        account_number: str,
        acceptor: CashAcceptor,
        bill_cents: int,
        *,
        reconnect: bool = False,
    ) -> int:
        """Take one bill into ``acceptor``'s escrow, unless it would take what was put in
        past the most this account may be paid (:meth:`most_payable`): then the bill is
        handed straight back at the slot and nothing is held for it, instead of being
        held until the review refuses the payment.

        Returns:
            The cents in escrow now.

        Raises:
            BillPastLimit: the bill would pass the limit; says the most that may still go in.
            InvalidInput: the acceptor does not take that note.
            NotFound: no such account.
        """
        inserted = acceptor.escrow_cents
        with self.store.sessions() as session:
            account_id = find_account_id(session, account_number)
            balance = ledger.balance_cents(session, account_id)
        limit = self._most_payable(balance, reconnect)
        if inserted + bill_cents > limit:
            room = max(0, limit - inserted)
            raise BillPastLimit(
                f"We gave back the bill of {format_cents(bill_cents)}: it would make "
                f"{format_cents(inserted + bill_cents)}, more than this account can take.",
                self._why_limit(balance),
                f"You can put in at most {format_cents(room)} more."
                if room
                else "No more bills can go in.",
                bill_cents=bill_cents,
                room_cents=room,
            )
        return acceptor.insert(bill_cents)

    def reconnection_quote(self, account_number: str) -> ReconnectionQuote:
        with self.store.sessions() as session:
            return self._reconnection_quote(session, self._account(session, account_number))

    def _reconnection_quote(self, session: Session, account: Account) -> ReconnectionQuote:
        """Past due (or the plan part due now) plus the fee, unless a plan already has it."""
        owed = account_state.owed(session, account, self.store.today())
        plan = account_state.active_plan(session, account.id)
        fee = (
            0
            if plan is not None and plan.includes_reconnection_fee
            else self.settings.reconnection_fee_cents
        )
        return ReconnectionQuote(owed.due_now_cents, fee)

    # ------------------------------------------------------------------- pay
    def pay(
        self,
        account_number: str,
        cents: int,
        method: PaymentMethod,
        idempotency_key: str,
        *,
        reconnect: bool = False,
    ) -> PaymentResult:
        """Charge ``cents`` to ``method`` for the account, exactly once per key.

        Returns:
            The result; the same result when called again with the same key.

        Raises:
            InvalidAmount, NotFound: nothing was recorded but the audit entry.
            PaymentDeclined: the method declined; the attempt is DECLINED.
            PaymentInProgress: another attempt for the account is open.
            PaymentOutcomeUnknown: no answer; the reconciler will settle it, never a new charge.
        """
        try:
            attempt = retry_on_conflict(
                lambda: self._open_attempt(
                    account_number, cents, method, idempotency_key, reconnect
                )
            )
        except KioskError:
            raise
        except Exception as error:  # the store failed: the terminal was never asked
            raise self._not_sent(error, "open") from None
        crash_point("attempt.after_commit")
        return self._drive(attempt, method, account_number.strip())

    def _create_attempt(
        self, account_number: str, cents: int, method: PaymentMethod, key: str, reconnect: bool
    ) -> int:
        """Commit a CREATED attempt (or find the one made with this key); returns its id."""
        return self._open_attempt(account_number, cents, method, key, reconnect).id

    def _open_attempt(
        self, account_number: str, cents: int, method: PaymentMethod, key: str, reconnect: bool
    ) -> AttemptRecord:
        try:
            with self.store.engine.begin() as connection:
                if self.store.dialect == "postgresql":  # one balance check at a time per account
                    run(connection, statements.lock_account(), {"number": account_number.strip()})
                found = run(
                    connection,
                    statements.account_for_payment(),
                    {"number": account_number.strip(), "key": key},
                ).one_or_none()
                if found is None:
                    raise no_such_account()
                account_id, balance, used_by = found
                if used_by is not None:
                    existing = _attempt_row(connection, used_by)
                    return _same_request(connection, existing, account_number, cents)
                self._check_amount(connection, account_id, cents, reconnect, int(balance))
                now = self.store.clock.now()
                record = AttemptRecord(
                    id=0,
                    idempotency_key=key,
                    account_id=account_id,
                    cents=cents,
                    fee_cents=self.fee_for(method),
                    method=method.kind,
                    state=AttemptState.CREATED,
                    brand="",
                    last4="",
                    decline_code="",
                    decline_reason="",
                    confirmation_number=None,
                    requested_reconnection=reconnect,
                    flagged=False,
                    updated_at=now,
                )
                attempt_id: int = run(
                    connection,
                    statements.insert_attempt(),
                    {
                        **record.columns_to_insert(),
                        "open_account_id": account_id,
                        "kiosk_id": self.settings.kiosk_id,
                        "created_at": now,
                    },
                ).scalar_one()
                crash_point("attempt.before_commit")
                return dataclasses.replace(record, id=attempt_id)
        except IntegrityError:
            pass  # another open attempt on the account, or the same key raced us
        except InvalidAmount as error:
            with self.store.engine.begin() as connection:
                self._audit(
                    connection,
                    "payment.rejected",
                    "failure",
                    account_number.strip(),
                    reason=error.what,
                )
            raise
        with self.store.engine.connect() as connection:
            raced = _attempt_by_key(connection, key)
            if raced is not None:  # the same key raced us: still the same payment?
                return _same_request(connection, raced, account_number, cents)
        raise PaymentInProgress(
            "Another payment for this account is still being processed.",
            "We will not take a second payment until we know how the first one ended.",
            "Please wait a minute and check your balance, or ask a store associate.",
        )

    def _drive(
        self, attempt: AttemptRecord, method: PaymentMethod, account_number: str
    ) -> PaymentResult:
        """Take an attempt from wherever it stands to a final state, or to UNKNOWN.

        Nothing the store does after the attempt was sent makes the customer
        hear "nothing was charged": any failure from then on raises
        :class:`PaymentOutcomeUnknown` ("being checked", with a reference),
        unless the terminal's own answer was a decline.
        """
        state = attempt.state
        if state == AttemptState.CREATED:
            try:
                self._transition(attempt.id, AttemptState.CREATED, AttemptState.SENT)
                # Durable outside the database before the terminal is asked (rule 2 again):
                # if this line cannot be written, the terminal is not asked.
                self.journal.sent(
                    key=attempt.idempotency_key,
                    kiosk_id=self.settings.kiosk_id,
                    attempt_id=attempt.id,
                    account_number=account_number,
                    cents=attempt.cents,
                    fee_cents=attempt.fee_cents,
                    method=attempt.method.value,
                    reconnect=attempt.requested_reconnection,
                    audit_head=audit.last_anchor(self.settings.kiosk_id),
                )
            except Exception as error:
                raise self._not_sent(error, "send") from None
            state = AttemptState.SENT
            crash_point("attempt.after_sent")
        answer: ChargeResult | None = None
        try:
            if state == AttemptState.SENT:
                try:
                    answer = method.charge(
                        attempt.cents + attempt.fee_cents, attempt.idempotency_key
                    )
                except ChargeOutcomeUnknown:
                    return self._no_answer(attempt, method)
                self._journal_outcome(attempt.idempotency_key, answer)
                if answer.approved:
                    crash_point("charge.after_approve")
                succeeded = self.settle(attempt.id, answer)
                crash_point("settle.after_commit")
                if succeeded is not None:
                    return succeeded
            elif state == AttemptState.UNKNOWN:
                self.reconcile_attempt(attempt.id, method)
            return self.result_of(attempt.id)
        except KioskError:
            raise
        except Exception as error:
            log.error(
                "payment.store_failed",
                attempt_id=attempt.id,
                kiosk=self.settings.kiosk_id,
                stage="after_send",
                error=_describe(error),
            )
            if answer is not None and not answer.approved:
                # The terminal's own answer proves no money was taken.
                raise PaymentDeclined(
                    "The payment did not go through, and no money was taken.",
                    answer.decline_reason,
                    answer.how_to_fix or _how_to_fix(answer.decline_code),
                    decline_code=answer.decline_code,
                ) from None
            raise being_checked(
                attempt.idempotency_key, attempt.cents + attempt.fee_cents
            ) from None

    def _no_answer(self, attempt: AttemptRecord, method: PaymentMethod) -> PaymentResult:
        """The terminal did not answer: never charge again, ask the processor about the key."""
        with suppress(OSError):  # the database records it too; the reconciler asks by key
            self.journal.unknown(attempt.idempotency_key)
        self._transition(attempt.id, AttemptState.SENT, AttemptState.UNKNOWN)
        self._audit_attempt(attempt.id, "payment.unknown", "unknown")
        log.warning("payment.unknown", attempt_id=attempt.id, kiosk=self.settings.kiosk_id)
        crash_point("charge.after_unknown")
        if self.reconcile_attempt(attempt.id, method) != "still_unknown":
            return self.result_of(attempt.id)
        raise PaymentOutcomeUnknown(
            "The card terminal did not answer, so we do not know yet if the payment went through.",
            "You will not be charged twice: we check with the bank before anything else.",
            "Please do not pay again now. "
            f"Your payment reference is {payment_reference(attempt.idempotency_key)}. "
            "Ask a store associate, or check your balance later.",
            reference=payment_reference(attempt.idempotency_key),
        )

    def _journal_outcome(self, key: str, answer: ChargeResult) -> None:
        """Keep the terminal's answer outside the database before recording it there.

        A journal that cannot be written (disk full) does not stop the database
        from recording it: the processor keeps the answer too, and the ``sent``
        line already says which account it was for.
        """
        try:
            self.journal.outcome(key, answer)
        except OSError as error:
            log.error(
                "payment.journal_failed", kiosk=self.settings.kiosk_id, error=_describe(error)
            )

    def _not_sent(self, error: Exception, stage: str) -> StoreUnavailable:
        """The error for a store failure before the terminal was asked: truly nothing charged."""
        log.error(
            "payment.store_failed",
            kiosk=self.settings.kiosk_id,
            stage=stage,
            error=_describe(error),
        )
        return StoreUnavailable(
            "We cannot take payments at this kiosk right now.",
            "Our system is not working, so nothing was charged.",
            f"Please use another kiosk, or call us at {self.settings.support_phone}.",
        )

    def result_of(self, attempt_id: int) -> PaymentResult:
        """The outcome of an attempt as the customer should hear it.

        Raises:
            PaymentDeclined, PaymentOutcomeUnknown: the attempt did not succeed.
        """
        with self.store.engine.connect() as connection:
            attempt = _attempt_row(connection, attempt_id)
            if attempt.state == AttemptState.SUCCEEDED:
                return attempt.result(ledger.balance_cents(connection, attempt.account_id))
        if attempt.state in (AttemptState.DECLINED, AttemptState.CANCELED):
            raise PaymentDeclined(
                "The payment did not go through, and no money was taken.",
                attempt.decline_reason,
                _how_to_fix(attempt.decline_code),
                decline_code=attempt.decline_code,
            )
        raise being_checked(attempt.idempotency_key, attempt.cents + attempt.fee_cents)

    # ---------------------------------------------------------------- settle
    def settle(self, attempt_id: int, result: ChargeResult) -> PaymentResult | None:
        """Record the processor's answer for an open attempt, once.

        Safe to call from the payer and the reconciler at the same time: only
        the first to move the attempt out of its open state writes anything.

        Returns:
            The payment's result when this call recorded its success, else None.
        """
        now = self.store.clock.now()
        settled = retry_on_conflict(lambda: self._settle_once(attempt_id, result, now))
        if settled is None:
            return None
        (name, fields), succeeded = settled  # logged only once the outcome is committed
        (log.info if name == "payment.succeeded" else log.warning)(name, **fields)
        return succeeded

    def _settle_once(
        self, attempt_id: int, result: ChargeResult, now: dt.datetime
    ) -> tuple[tuple[str, dict[str, object]], PaymentResult | None] | None:
        with self.store.engine.begin() as connection:
            row = run(
                connection, statements.attempt_to_settle(), {"attempt_id": attempt_id}
            ).one_or_none()
            if row is None:
                raise NotFound(f"Payment attempt {attempt_id} does not exist.")
            columns = len(statements.ATTEMPT_COLUMNS)
            attempt, account = AttemptRecord(*row[:columns]), PayingAccount(*row[columns:])
            if attempt.state not in OPEN_STATES:
                return None
            fields: dict[str, object] = {
                "attempt_id": attempt.id,
                "account": audit.mask_account(account.number),
                "kiosk": self.settings.kiosk_id,
                "cents": attempt.cents,
                "method": attempt.method.value,
            }
            outcome = {
                "brand": result.brand,
                "last4": result.last4,
                "processor_ref": result.processor_ref,
                "updated_at": now,
                "open_account_id": None,
            }
            if not result.approved:
                run(
                    connection,
                    statements.change_attempt(),
                    {
                        **outcome,
                        "attempt_id": attempt_id,
                        "state": AttemptState.CANCELED
                        if result.decline_code == "voided"
                        else AttemptState.DECLINED,
                        "decline_code": result.decline_code,
                        "decline_reason": result.decline_reason,
                    },
                )
                self._audit(
                    connection,
                    "payment.declined",
                    "failure",
                    account.number,
                    attempt=attempt.id,
                    code=result.decline_code,
                )
                crash_point("settle.before_commit")
                return ("payment.declined", {**fields, "code": result.decline_code}), None
            succeeded = self._record_success(connection, attempt, account, now, outcome, result)
            crash_point("settle.before_commit")
            event = {
                **fields,
                "confirmation": succeeded.confirmation_number,
                "flagged": succeeded.flagged,
            }
            return ("payment.succeeded", event), succeeded

    def _record_success(
        self,
        connection: Connection,
        attempt: AttemptRecord,
        account: PayingAccount,
        now: dt.datetime,
        outcome: dict[str, object],
        charge: ChargeResult,
    ) -> PaymentResult:
        """The success transaction's writes, as Core statements; returns the payment's result.

        An account with a disconnection notice or suspended (rare) is changed
        through the ORM, in a session joined to the same transaction.
        """
        confirmation = confirmation_number(attempt.id)
        method = attempt.method.value
        status_may_change = account.status in (ServiceStatus.SUSPENDED, ServiceStatus.NOTICE)
        session = Session(bind=connection) if status_may_change else None
        if session is not None and (
            attempt.requested_reconnection and account.status == ServiceStatus.SUSPENDED
        ):
            orm_account = session.get(Account, attempt.account_id)
            assert orm_account is not None
            self._bill_reconnection_fee(session, orm_account, self.store.day_of(now))
        legs = [
            ledger.Leg(f"clearing:{method}", attempt.cents + attempt.fee_cents),
            ledger.Leg(ledger.RECEIVABLE, -attempt.cents, attempt.account_id),
        ]
        if attempt.fee_cents:
            legs.append(ledger.Leg("revenue:payment_fee", -attempt.fee_cents))
        ledger.post(
            connection, "payment", legs, memo=f"payment {confirmation}", attempt_id=attempt.id
        )
        account_state.apply_payment(
            connection, attempt.account_id, attempt.cents, attempt.id, self.store.day_of(now)
        )
        reconnected = False
        if session is not None:
            orm_account = session.get(Account, attempt.account_id)
            assert orm_account is not None
            reconnected = self._maybe_reconnect(session, orm_account, attempt, confirmation, now)
            session.flush()  # the session only joined the transaction: it commits with it
            session.close()
        flagged = self._fraud_signal(connection, account.number, attempt, now)
        run(
            connection,
            statements.change_attempt(),
            {
                **outcome,
                "attempt_id": attempt.id,
                "state": AttemptState.SUCCEEDED,
                "confirmation_number": confirmation,
                "flagged": flagged,
            },
        )
        payload = {
            "attempt_id": attempt.id,
            "confirmation_number": confirmation,
            "account_id": attempt.account_id,
        }
        # Only the printed receipt goes by itself: an email or text message goes only
        # where the customer asks, on the result step (issue 16), never unasked.
        kinds = ["receipt.print", "statement.update"]
        if not self.prints_receipts:
            kinds.remove("receipt.print")
        if reconnected:
            kinds.append("service.reconnect")
        if flagged:
            kinds.append("fraud.alert")
        run_many(
            connection,
            statements.insert_outbox(),
            [
                {
                    "kind": kind,
                    "dedupe_key": f"{kind}:{attempt.id}",
                    "account_id": attempt.account_id,
                    "payload": payload,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for kind in kinds
            ],
        )
        self._audit(
            connection,
            "payment.succeeded",
            "success",
            account.number,
            attempt=attempt.id,
            cents=attempt.cents,
            method=method,
            confirmation=confirmation,
            flagged=flagged,
        )
        succeeded = dataclasses.replace(
            attempt,
            state=AttemptState.SUCCEEDED,
            brand=charge.brand,
            last4=charge.last4,
            confirmation_number=confirmation,
            flagged=flagged,
            updated_at=now,
        )
        return succeeded.result(ledger.balance_cents(connection, attempt.account_id))

    def _bill_reconnection_fee(self, session: Session, account: Account, on: dt.date) -> None:
        from kiosk.store.seed import issue_bill

        issue_bill(
            session,
            account,
            issued_on=on,
            due_on=on,
            period="reconnection",
            lines=[
                LineItem(
                    category=LineCategory.RECONNECTION_FEE,
                    description="Reconnection fee",
                    cents=self.settings.reconnection_fee_cents,
                    change_reason="Service was turned back on.",
                )
            ],
        )

    def _maybe_reconnect(
        self,
        session: Session,
        account: Account,
        attempt: AttemptRecord,
        confirmation: str,
        now: dt.datetime,
    ) -> bool:
        """Order reconnection in the payment's own transaction once nothing is past due."""
        reconnecting = account.status == ServiceStatus.SUSPENDED and attempt.requested_reconnection
        if not reconnecting and account.status != ServiceStatus.NOTICE:
            return False  # nothing a payment changes: skip working out what is owed
        session.flush()
        owed = account_state.owed(session, account, self.store.day_of(now))
        if (
            account.status == ServiceStatus.SUSPENDED
            and attempt.requested_reconnection
            and owed.due_now_cents <= 0
        ):
            account.status = ServiceStatus.RECONNECT_PENDING
            session.add(
                ServiceRequest(
                    account_id=account.id,
                    kind="reconnection",
                    reason=f"paid with confirmation {confirmation}",
                    kiosk_id=self.settings.kiosk_id,
                )
            )
            return True
        if account.status == ServiceStatus.NOTICE and owed.due_now_cents <= 0:
            account.status = ServiceStatus.ACTIVE
            account.disconnection_on = None
        return False

    def _fraud_signal(
        self,
        connection: Connection,
        account_number: str,
        attempt: AttemptRecord,
        now: dt.datetime,
    ) -> bool:
        """Flag (never block) an unusually large payment or a burst of payments.

        Called before this attempt is marked SUCCEEDED, so it counts itself in the
        burst; the burst is counted among the account's last 12 payments, enough
        for any allowed ``fraud_max_payments_in_window``.
        """
        window_start = now - dt.timedelta(minutes=self.settings.fraud_window_minutes)
        earlier = run(
            connection,
            statements.recent_successes(),
            {"account_id": attempt.account_id, "attempt_id": attempt.id, "since": window_start},
        ).all()
        usual = statistics.median(cents for cents, _ in earlier) if earlier else None
        too_large = (
            usual is not None and attempt.cents > self.settings.fraud_multiple_of_usual * usual
        )
        recent = sum(1 for _, in_window in earlier if in_window)
        burst = recent + 1 > self.settings.fraud_max_payments_in_window
        if too_large or burst:
            self._audit(
                connection,
                "fraud.signal",
                "flagged",
                account_number,
                attempt=attempt.id,
                too_large=too_large,
                burst=burst,
            )
        return too_large or burst

    # ------------------------------------------------------------- reconcile
    def reconcile_attempt(self, attempt_id: int, method: PaymentMethod) -> str:
        """Settle one open attempt by asking the processor about its key.

        Returns the outcome: "succeeded", "declined", "canceled" or "still_unknown".
        """
        attempt = self._load(attempt_id)
        if attempt.state not in OPEN_STATES:
            return attempt.state.value
        try:
            if attempt.state == AttemptState.CREATED:
                method.void(attempt.idempotency_key)  # never sent: make sure it never is
            result = method.lookup(attempt.idempotency_key)
            if result is None:
                method.void(attempt.idempotency_key)
                result = method.lookup(attempt.idempotency_key)
        except ChargeOutcomeUnknown:
            self._transition(attempt_id, AttemptState.SENT, AttemptState.UNKNOWN)
            return "still_unknown"
        if result is None:  # pragma: no cover - a processor that forgets a void
            return "still_unknown"
        self.settle(attempt_id, result)
        return self._load(attempt_id).state.value

    def reconcile(
        self,
        methods: dict[str, PaymentMethod],
        *,
        older_than: dt.timedelta = dt.timedelta(0),
        only_this_kiosk: bool = False,
        created_before: dt.datetime | None = None,
    ) -> ReconcileReport:
        """Settle every open attempt (CREATED, SENT, UNKNOWN); idempotent.

        ``methods`` maps a method kind ("card", "bank", "cash") to the method
        that can look its keys up. A live payment is never voided: attempts
        touched in the last ``older_than`` are left alone, and so are attempts
        created at or after ``created_before`` (a kiosk reconciling at start-up
        passes its start time, so a customer paying meanwhile is not disturbed).
        """
        report = ReconcileReport()
        cutoff = self.store.clock.now() - older_than
        with self.store.sessions() as session:
            query = select(
                PaymentAttempt.id,
                PaymentAttempt.method,
                PaymentAttempt.kiosk_id,
                PaymentAttempt.created_at,
                PaymentAttempt.updated_at,
            ).where(PaymentAttempt.state.in_(list(OPEN_STATES)))
            rows = session.execute(query).all()
        for attempt_id, kind, kiosk_id, created_at, updated_at in rows:
            if only_this_kiosk and kiosk_id != self.settings.kiosk_id:
                continue
            if updated_at > cutoff:
                continue
            if created_before is not None and created_at >= created_before:
                continue
            method = methods.get(kind.value)
            if method is None:
                report.count("no_method")
                continue
            report.count(self.reconcile_attempt(attempt_id, method))
        return report

    # --------------------------------------------------------------- helpers
    def _account(self, session: Session, account_number: str) -> Account:
        return find_account(session, account_number)

    def _load(self, attempt_id: int) -> AttemptRecord:
        with self.store.engine.connect() as connection:
            return _attempt_row(connection, attempt_id)

    def _transition(self, attempt_id: int, before: AttemptState, after: AttemptState) -> bool:
        def once() -> bool:
            with self.store.engine.begin() as connection:
                changed = run(
                    connection,
                    statements.transition(),
                    {
                        "attempt_id": attempt_id,
                        "before": before,
                        "after": after,
                        "now": self.store.clock.now(),
                    },
                ).rowcount
            return bool(changed)

        return retry_on_conflict(once)

    def _audit(
        self,
        db: Session | Connection,
        action: str,
        outcome: str,
        account_number: str,
        **detail: object,
    ) -> None:
        audit.record(
            db,
            settings=self.settings,
            actor="customer",
            action=action,
            outcome=outcome,
            resource=f"account:{audit.mask_account(account_number)}",
            detail=dict(detail),
        )

    def _audit_attempt(self, attempt_id: int, action: str, outcome: str) -> None:
        def once() -> None:
            with self.store.engine.begin() as connection:
                number = run(
                    connection, statements.account_number_of_attempt(), {"attempt_id": attempt_id}
                ).scalar()
                assert number is not None
                self._audit(connection, action, outcome, number, attempt=attempt_id)

        retry_on_conflict(once)


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """The attempt columns a payment step reads, loaded with one Core query.

    Cheaper than an ORM object on the hot path, and immutable: every change
    to an attempt is an explicit UPDATE.
    """

    id: int
    idempotency_key: str
    account_id: int
    cents: int
    fee_cents: int
    method: PaymentMethodKind
    state: AttemptState
    brand: str
    last4: str
    decline_code: str
    decline_reason: str
    confirmation_number: str | None
    requested_reconnection: bool
    flagged: bool
    updated_at: dt.datetime

    def columns_to_insert(self) -> dict[str, object]:
        """The attempt's columns as an INSERT takes them (the database gives the id)."""
        return {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name != "id"
        }

    def result(self, new_balance_cents: int) -> PaymentResult:
        """The result of this attempt once it has SUCCEEDED."""
        return PaymentResult(
            attempt_id=self.id,
            state=self.state,
            cents=self.cents,
            fee_cents=self.fee_cents,
            confirmation_number=self.confirmation_number,
            brand=self.brand,
            last4=self.last4,
            new_balance_cents=new_balance_cents,
            reconnection_requested=self.requested_reconnection,
            at=self.updated_at,
            flagged=self.flagged,
        )


@dataclass(frozen=True, slots=True)
class PayingAccount:
    """What the success transaction needs to know of the account."""

    number: str
    email: str
    status: ServiceStatus


def _attempt_row(
    connection: Connection, attempt_id: int, *, for_update: bool = False
) -> AttemptRecord:
    """One attempt's columns.

    Raises:
        NotFound: no attempt has this id.
    """
    row = run(
        connection, statements.attempt_by_id(for_update=for_update), {"attempt_id": attempt_id}
    ).one_or_none()
    if row is None:
        raise NotFound(f"Payment attempt {attempt_id} does not exist.")
    return AttemptRecord(*row)


def _attempt_by_key(connection: Connection, key: str) -> AttemptRecord | None:
    """The attempt made with this idempotency key, if any."""
    row = run(connection, statements.attempt_by_key(), {"key": key}).one_or_none()
    return None if row is None else AttemptRecord(*row)


def _same_request(
    connection: Connection, attempt: AttemptRecord, account_number: str, cents: int
) -> AttemptRecord:
    """The attempt, when a repeated key asks for the same payment.

    Raises:
        InvalidAmount: the key was used for another account or amount.
    """
    number = run(
        connection, statements.account_number(), {"account_id": attempt.account_id}
    ).scalar()
    if number != account_number.strip() or attempt.cents != cents:
        raise InvalidAmount(
            "This payment reference was already used for a different payment.",
            "",
            "Start a new payment.",
        )
    return attempt


def being_checked(idempotency_key: str, cents: int) -> PaymentOutcomeUnknown:
    """What the customer is told when a sent payment's outcome could not be recorded."""
    reference = payment_reference(idempotency_key)
    return PaymentOutcomeUnknown(
        f"Your payment of {format_cents(cents)} is being checked.",
        "We could not finish recording it, so we do not know yet if it went through. "
        "You will not be charged twice.",
        f"Please do not pay again now. Your payment reference is {reference}. "
        "We will record it as soon as we can; a store associate can check it with this "
        "reference, or check your balance later.",
        reference=reference,
    )


def _describe(error: BaseException) -> str:
    """An error's type and first line, for the log (never its traceback or parameters)."""
    first = str(error).split("\n", 1)[0][:200]
    return f"{type(error).__name__}: {first}"


def _how_to_fix(decline_code: str) -> str:
    from kiosk.payments.card_terminal import DECLINES_BY_CENTS, ISSUER_UNAVAILABLE, VOIDED
    from kiosk.payments.keyed_card import KEYED_DECLINES

    for decline in (*DECLINES_BY_CENTS.values(), ISSUER_UNAVAILABLE, VOIDED, *KEYED_DECLINES):
        if decline.code == decline_code:
            return decline.how_to_fix
    from kiosk.payments.cash import HOW_TO_FIX_BY_CODE

    if decline_code in HOW_TO_FIX_BY_CODE:
        return HOW_TO_FIX_BY_CODE[decline_code]
    return "Try another way to pay, or ask a store associate."
