"""Recover payments the database lost or left open, from the kiosk's payment journal
and the processors' own records.

Three sources agree after a fault, or the difference is reported:

1. the database's attempts (settled by :meth:`PaymentService.reconcile`);
2. the kiosk's payment journal (:mod:`kiosk.payments.payment_journal`): every key
   the kiosk sent, for which account and amount, and the terminal's answer;
3. the processor (``lookup(key)``, ``list_since(time)`` of each method).

A journal key with no attempt row (the database was deleted, corrupted and
restored from a backup, or its transaction was lost) is re-created from the
journal and settled with the processor's answer: the charge is recorded once.
A charge the processor lists for this kiosk that neither the database nor the
journal knows is reported as unmatched: staff must look at it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from kiosk.logging import get_logger
from kiosk.payments import statements
from kiosk.payments.methods import ChargeOutcomeUnknown, ChargeResult, PaymentMethod
from kiosk.payments.payment_journal import JournalRecord, PaymentJournal
from kiosk.payments.service import PaymentService
from kiosk.store.models import (
    OPEN_STATES,
    Account,
    AttemptState,
    PaymentAttempt,
    PaymentMethodKind,
)
from kiosk.store.prepared import run

log = get_logger("payments.recovery")


@dataclass
class RecoveryReport:
    """What one recovery pass did; ``problems`` (for staff) make ``kiosk admin reconcile`` fail."""

    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def recover(
    service: PaymentService,
    journal: PaymentJournal,
    methods: dict[str, PaymentMethod],
    *,
    since: dt.datetime | None = None,
    older_than: dt.timedelta = dt.timedelta(0),
) -> RecoveryReport:
    """Settle from the journal, re-create lost attempts, list unmatched processor charges.

    An open attempt with no answer in the journal that was touched in the last
    ``older_than`` may be in flight: it is left alone (never voided under a
    customer). Idempotent: a second pass finds every key already settled.
    """
    report = RecoveryReport()
    cutoff = service.store.clock.now() - older_than
    records = journal.records()
    for record in records.values():
        if "sent" not in record.events:
            continue
        try:
            report.outcomes[_recover_one(service, record, methods, report, cutoff)] += 1
        except ChargeOutcomeUnknown:
            report.outcomes["still_unknown"] += 1
            report.problems.append(
                f"payment {record.key}: the processor cannot be asked now; still unknown"
            )
    _unmatched(service, records, methods, since, report)
    return report


def _recover_one(
    service: PaymentService,
    record: JournalRecord,
    methods: dict[str, PaymentMethod],
    report: RecoveryReport,
    cutoff: dt.datetime,
) -> str:
    with service.store.engine.connect() as connection:
        row = run(connection, statements.attempt_by_key(), {"key": record.key}).one_or_none()
    method = methods.get(record.method)
    if row is not None:
        attempt_id, state, updated_at = row[0], row[6], row[14]
        if state not in OPEN_STATES:
            return "already_recorded"
        if record.outcome is not None:  # the terminal's own answer, kept before the database
            service.settle(attempt_id, record.outcome)
            return "settled_from_journal"
        if updated_at > cutoff:
            return "in_flight"
        if method is None:
            report.problems.append(f"payment {record.key}: no method to ask for {record.method}")
            return "no_method"
        outcome = service.reconcile_attempt(attempt_id, method)
        if outcome == "still_unknown":
            report.problems.append(f"payment {record.key}: still unknown")
        return outcome
    # No row: the database lost it. What did the processor do with the key?
    if method is None:
        report.problems.append(f"payment {record.key}: no method to ask for {record.method}")
        return "no_method"
    result = method.lookup(record.key)
    if result is None:
        method.void(record.key)  # never charged: make sure it never is
        result = method.lookup(record.key)
    if result is None or not result.approved:
        return "lost_row_not_charged"
    return _recreate(service, record, result, report)


def _recreate(
    service: PaymentService, record: JournalRecord, result: ChargeResult, report: RecoveryReport
) -> str:
    """Insert the lost attempt as SENT (no balance check: the money was taken) and settle it."""
    now = service.store.clock.now()
    with service.store.engine.begin() as connection:
        account_id = connection.execute(
            select(Account.id).where(Account.number == record.account_number)
        ).scalar()
        if account_id is None:
            report.problems.append(
                f"payment {record.key}: {record.cents + record.fee_cents} cents were charged "
                "for an account this database does not have; restore the database, then "
                "run reconcile again"
            )
            return "unrecoverable"
        attempt_id = run(
            connection,
            statements.insert_attempt(),
            {
                "idempotency_key": record.key,
                "account_id": account_id,
                "open_account_id": None,  # another attempt may be open: this one is settled now
                "cents": record.cents,
                "fee_cents": record.fee_cents,
                "method": PaymentMethodKind(record.method),
                "state": AttemptState.SENT,
                "brand": "",
                "last4": "",
                "decline_code": "",
                "decline_reason": "",
                "confirmation_number": None,
                "requested_reconnection": record.reconnect,
                "flagged": False,
                "kiosk_id": record.kiosk_id or service.settings.kiosk_id,
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
    service.settle(attempt_id, result)
    log.warning(
        "payment.recovered",
        attempt_id=attempt_id,
        kiosk=service.settings.kiosk_id,
        source="journal",
    )
    return "recovered"


def _unmatched(
    service: PaymentService,
    records: dict[str, JournalRecord],
    methods: dict[str, PaymentMethod],
    since: dt.datetime | None,
    report: RecoveryReport,
) -> None:
    """Charges the processors list for this kiosk's keys that nothing here knows of."""
    prefix = f"{service.settings.kiosk_id}-"
    start = since or _journal_start(records)
    if start is None:
        return
    seen: set[int] = set()
    for method in methods.values():
        if id(method) in seen:
            continue
        seen.add(id(method))
        try:
            listed = method.list_since(start)
        except (ChargeOutcomeUnknown, NotImplementedError):
            continue
        for charge in listed:
            if not charge.result.approved or not charge.key.startswith(prefix):
                continue
            if charge.key in records:
                continue
            with service.store.engine.connect() as connection:
                known = connection.execute(
                    select(func.count(PaymentAttempt.id)).where(
                        PaymentAttempt.idempotency_key == charge.key
                    )
                ).scalar()
            if not known:
                report.outcomes["unmatched_charge"] += 1
                report.problems.append(
                    f"payment {charge.key}: {charge.cents} cents charged at {charge.at:%Y-%m-%d %H:%M} "
                    "but neither the database nor the payment journal has it"
                )


def _journal_start(records: dict[str, JournalRecord]) -> dt.datetime | None:
    times = [r.sent_at for r in records.values() if r.sent_at]
    if not times:
        return None
    return dt.datetime.fromisoformat(min(times))
