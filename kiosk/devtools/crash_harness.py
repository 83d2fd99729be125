"""Kill the payment core at every step and prove nothing was lost or doubled.

A campaign forks child processes (cheap: the parent imported everything once).
Each child is a kiosk that starts up like a real one (reconciles its open
attempts, delivers waiting receipts), then takes real payments through the
simulators, with one crash point of :mod:`kiosk.devtools.faults` armed so the
kernel SIGKILLs it part-way. The processor's journal is a separate SQLite
file, so after all the kills it still says which keys were really charged;
:func:`check_invariants` compares it with the kiosk's database.

Used by ``tests/trust`` (bounded) and ``bench/bench_soak.py`` (long).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import sys
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kiosk.devtools import faults
from kiosk.errors import KioskError
from kiosk.payments.bank import BankDebitSimulator
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.cash import ACCEPTED_BILLS_CENTS, CashAcceptorSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.methods import PaymentMethod
from kiosk.payments.service import PaymentService
from kiosk.services import audit, ledger
from kiosk.settings import Settings
from kiosk.store.checkpoint import WalCheckpointer
from kiosk.store.db import sqlite_file
from kiosk.store.models import (
    AttemptState,
    Installment,
    JournalEntry,
    LineItem,
    OutboxMessage,
    OutboxState,
    PaymentAttempt,
    Settlement,
)
from kiosk.store.store import Store, open_store

KIOSK_ID = "CRASH-KIOSK"
ACCOUNTS = ("40152270", "40152271", "40152272", "40152273", "40152274")
# Cents that pick the simulator's outcome: approve, do-not-honour, insufficient funds,
# issuer unavailable (no answer, settled by the reconciler as declined).
CENTS_ENDINGS = (0, 0, 0, 25, 99, 5, 51, 91)
ROUTING = "021000021"  # a valid ABA routing number (3-7-1 checksum)


@dataclass(frozen=True)
class PlannedPayment:
    """What a key pays: derived from the key, so a retry repeats the same request."""

    key: str
    account: str
    cents: int
    method: str  # "card", "bank", "cash"
    fault: str | None  # card terminal fault: "lost_response", "no_answer" or None


def plan(key: str) -> PlannedPayment:
    rng = random.Random(key)
    cents = rng.randint(1, 60) * 100 + rng.choice(CENTS_ENDINGS)
    method = rng.choices(("card", "bank", "cash"), weights=(8, 1, 1))[0]
    fault = None
    if method == "card":
        fault = rng.choices((None, "lost_response", "no_answer"), weights=(7, 2, 1))[0]
    return PlannedPayment(key, rng.choice(ACCOUNTS), cents, method, fault)


def method_for(payment: PlannedPayment, journal: ProcessorJournal) -> PaymentMethod:
    if payment.method == "bank":
        return BankDebitSimulator(ROUTING, "000123456789", journal)
    if payment.method == "cash":
        cash = CashAcceptorSimulator(journal)
        for bill in sorted(ACCEPTED_BILLS_CENTS, reverse=True):
            while cash.inserted_cents + bill <= payment.cents:
                cash.insert(bill)
        if cash.inserted_cents < payment.cents:
            cash.insert(ACCEPTED_BILLS_CENTS[0])
        return cash
    return CardTerminalSimulator(journal, fault=payment.fault)


class DeliverySink:
    """The far end of receipt delivery (printer, mail server): records every delivery.

    Deliveries are counted raw, so a crash between delivering and marking the
    outbox row sent shows as a repeat of the same dedupe key, which a real
    receiver drops (email Message-ID, SMS message key).
    """

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")  # survives SIGKILL; no fsync per row
        self.db.execute("CREATE TABLE IF NOT EXISTS deliveries (dedupe_key TEXT NOT NULL)")

    def deliver(self, dedupe_key: str) -> None:
        self.db.execute("INSERT INTO deliveries VALUES (?)", (dedupe_key,))

    def counts(self) -> Counter[str]:
        return Counter(key for (key,) in self.db.execute("SELECT dedupe_key FROM deliveries"))


def deliver_outbox(store: Store, sink: DeliverySink) -> int:
    """Deliver every pending outbox row once, marking it sent after delivery."""
    with store.sessions() as session:
        pending = session.execute(
            select(OutboxMessage.id, OutboxMessage.dedupe_key)
            .where(OutboxMessage.state == OutboxState.PENDING)
            .order_by(OutboxMessage.id)
        ).all()
    for message_id, dedupe_key in pending:
        faults.crash_point("outbox.before_deliver")
        sink.deliver(dedupe_key)
        faults.crash_point("outbox.after_deliver")
        with store.sessions() as session, session.begin():
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(state=OutboxState.SENT, sent_at=store.clock.now())
            )
    return len(pending)


def reconciliation_methods(journal: ProcessorJournal) -> dict[str, PaymentMethod]:
    terminal = CardTerminalSimulator(journal)
    return {"card": terminal, "bank": terminal, "cash": terminal}


@dataclass
class Campaign:
    """One database, one processor journal, many crashing kiosk lives."""

    database_url: str
    workdir: Path
    seed: int = 0
    payments_per_life: int = 4
    log_path: Path | None = None
    kills: Counter[str] = field(default_factory=Counter)
    lives: int = 0
    keys_used: int = 0
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.journal_path = self.workdir / "processor.sqlite3"
        self.sink_path = self.workdir / "deliveries.sqlite3"
        self.error_path = self.workdir / "child-errors.txt"
        self._rng = random.Random(self.seed)
        self._retry_key: str | None = None

    def settings(self) -> Settings:
        # The key and the audit heads live in the campaign's own folder: in the shared data
        # directory, earlier campaigns' heads were read as entries deleted from this one.
        return Settings(
            database_url=self.database_url,
            kiosk_id=KIOSK_ID,
            secret_key_file=str(self.workdir / "kiosk.key"),
            audit_head_file=str(self.workdir / "audit-heads.jsonl"),
        )

    def prepare(self, warm_up_payments: int = 4) -> None:
        """Create, migrate and seed the database, and warm the engine up in the parent.

        Children inherit the engine and its compiled-statement cache through
        fork and take fresh connections (``dispose(close=False)``), so a life
        costs a fork and a connect, not an import and a cold start.
        """
        self.store = open_store(self.settings(), seed=True)
        self._life([f"warm-{self.seed}-{i}" for i in range(warm_up_payments)])
        # The parent forks every life, so it must run no other thread that may hold a
        # SQLite lock at that moment: the WAL checkpoint thread, caught inside SQLite
        # (its WAL-index mutex), left a child hanging forever on that mutex. Each child
        # starts its own checkpoint thread, as a kiosk process has.
        if self.store.checkpointer is not None:
            self.store.checkpointer.stop()
            self.store.checkpointer = None

    def run(self, kills: int, *, max_lives: int | None = None) -> None:
        """Fork kiosk lives until ``kills`` of them died at a crash point."""
        limit = max_lives or kills * 4
        points = faults.CRASH_POINTS
        while sum(self.kills.values()) < kills and self.lives < limit:
            point = points[self.lives % len(points)]
            self._one_life(point, self._rng.choice((1, 1, 2, 3)))
        self.collect_errors()

    def _one_life(self, point: str, after: int) -> None:
        keys = [f"c{self.seed}-{self.keys_used + i}" for i in range(self.payments_per_life)]
        self.keys_used += len(keys)
        if self._retry_key is not None:
            keys.insert(0, self._retry_key)  # the customer presses Pay again after a restart
        self._retry_key = keys[-1] if self._rng.random() < 0.5 else None
        self.lives += 1
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller
            code = 0
            try:
                faults.arm(point, after)
                self._child(keys)
            except BaseException:
                code = 70
                with open(self.error_path, "a") as out:
                    out.write(f"life {self.lives} ({point}):\n{traceback.format_exc()}\n")
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            self.kills[point] += 1
        elif os.WEXITSTATUS(status) != 0:
            self.errors.append(f"life {self.lives} exited with {os.WEXITSTATUS(status)}")

    def _child(self, keys: list[str]) -> None:
        log_file: TextIO | None = None
        if self.log_path is not None:
            from kiosk.logging import configure

            log_file = open(self.log_path, "a", buffering=1)  # noqa: SIM115 - until SIGKILL
            configure(log_file)
        self.store.engine.dispose(close=False)  # the parent's connections stay the parent's
        database = sqlite_file(self.database_url)
        if database is not None:
            self.store.checkpointer = WalCheckpointer(database).start()
        self._life(keys)

    def _life(self, keys: list[str]) -> None:
        store = self.store
        journal = ProcessorJournal(self.journal_path)
        sink = DeliverySink(self.sink_path)
        service = PaymentService(store)
        service.reconcile(reconciliation_methods(journal))  # start-up, like a real kiosk
        deliver_outbox(store, sink)
        for key in keys:
            payment = plan(key)
            # Declined, unknown, in progress: the customer is told and the kiosk goes on.
            with contextlib.suppress(KioskError):
                service.pay(payment.account, payment.cents, method_for(payment, journal), key)
        deliver_outbox(store, sink)

    def finish(self) -> Store:
        """Restart without crashes: reconcile and deliver everything. Returns the store."""
        faults.arm(None)
        self.store.dispose()
        store = open_store(self.settings(), migrate=False, seed=False)
        journal = ProcessorJournal(self.journal_path)
        PaymentService(store).reconcile(reconciliation_methods(journal))
        deliver_outbox(store, DeliverySink(self.sink_path))
        journal.close()
        return store

    def collect_errors(self) -> None:
        if self.error_path.exists():
            self.errors.append(self.error_path.read_text())


def check_invariants(
    store: Store, journal_path: Path, sink_path: Path | None, *, kiosk_id: str | None = KIOSK_ID
) -> list[str]:
    """Everything a crash or a race must never break. An empty list means all hold.

    ``kiosk_id`` limits the attempts compared with the journal to one kiosk
    (None: all kiosks); ``sink_path`` None skips the delivery checks.
    """
    problems: list[str] = []
    journal = ProcessorJournal(journal_path)
    charged = journal.approved_charges()
    journal.close()
    with store.sessions() as session:
        attempts = {
            a.idempotency_key: a
            for a in session.scalars(
                select(PaymentAttempt).where(
                    PaymentAttempt.kiosk_id == (kiosk_id or PaymentAttempt.kiosk_id),
                    PaymentAttempt.idempotency_key.not_like("seed-%"),
                )
            )
        }
        for key, cents in charged.items():
            attempt = attempts.get(key)
            if attempt is None:
                problems.append(f"charge {key} ({cents} cents) has no payment attempt")
            elif attempt.state != AttemptState.SUCCEEDED:
                problems.append(f"charge {key} was taken but the attempt is {attempt.state}")
            elif attempt.cents + attempt.fee_cents != cents:
                problems.append(f"charge {key}: {cents} cents taken, {attempt.cents} recorded")
        for key, attempt in attempts.items():
            if attempt.state == AttemptState.SUCCEEDED and key not in charged:
                problems.append(f"attempt {attempt.id} SUCCEEDED but {key} was never charged")
            if attempt.state in (AttemptState.CREATED, AttemptState.SENT, AttemptState.UNKNOWN):
                problems.append(f"attempt {attempt.id} still {attempt.state} after reconciling")
        succeeded = {a.id: a for a in attempts.values() if a.state == AttemptState.SUCCEEDED}
        entries: Counter[int] = Counter(
            attempt_id
            for attempt_id in session.scalars(
                select(JournalEntry.attempt_id).where(JournalEntry.attempt_id.is_not(None))
            )
            if attempt_id is not None
        )
        for attempt_id in succeeded:
            if entries[attempt_id] != 1:
                problems.append(f"attempt {attempt_id} has {entries[attempt_id]} ledger entries")
        ours = {a.id for a in attempts.values()}
        for attempt_id in (set(entries) & ours) - set(succeeded):
            problems.append(f"attempt {attempt_id} has a ledger entry but did not succeed")
        problems += [f"ledger: {p.problem}" for p in ledger.check(session)]
        problems += [f"ledger: {p.problem}" for p in ledger.check_accounts(session)]
        problems += [
            f"audit: entry {p.entry_id}: {p.problem}"
            for p in audit.verify_chain(session, store.settings)
        ]
        problems += _check_no_overpaid_line(session)
        problems += _check_outbox(session, succeeded, sink_path)
    return problems


def _check_no_overpaid_line(session: Session) -> list[str]:
    """No bill line settled beyond its amount, no plan part paid beyond its amount."""
    problems = []
    overpaid = session.execute(
        select(LineItem.id, LineItem.cents, func.sum(Settlement.cents))
        .join(Settlement, Settlement.line_item_id == LineItem.id)
        .group_by(LineItem.id, LineItem.cents)
        .having(func.sum(Settlement.cents) > LineItem.cents)
    ).all()
    problems += [
        f"line {i}: {paid} cents settled on a {cents}-cent line" for i, cents, paid in overpaid
    ]
    parts = session.execute(
        select(Installment.id, Installment.cents, Installment.paid_cents).where(
            (Installment.paid_cents > Installment.cents) | (Installment.paid_cents < 0)
        )
    ).all()
    problems += [f"plan part {i}: {paid} paid of {cents}" for i, cents, paid in parts]
    return problems


def _check_outbox(
    session: Session,
    succeeded: dict[int, PaymentAttempt],
    sink_path: Path | None,
) -> list[str]:
    """One row per kind per successful attempt, none for others, each delivered."""
    problems: list[str] = []
    rows = session.execute(
        select(
            OutboxMessage.kind, OutboxMessage.payload, OutboxMessage.state, OutboxMessage.dedupe_key
        )
    ).all()
    per_attempt: dict[int, Counter[str]] = {}
    for kind, payload, state, _key in rows:
        attempt_id = (payload or {}).get("attempt_id")
        if attempt_id is None:
            continue
        per_attempt.setdefault(attempt_id, Counter())[kind] += 1
        if sink_path is not None and state != OutboxState.SENT:
            problems.append(f"outbox {kind} for attempt {attempt_id} is {state}, not sent")
    for attempt_id, attempt in succeeded.items():
        kinds = per_attempt.get(attempt_id, Counter())
        expected = {"receipt.print", "statement.update"}
        if attempt.flagged:
            expected.add("fraud.alert")
        if set(kinds) - {"service.reconnect"} != expected or any(n != 1 for n in kinds.values()):
            problems.append(f"attempt {attempt_id} outbox rows {dict(kinds)}, expected {expected}")
    for attempt_id in set(per_attempt) - set(succeeded):
        problems.append(f"attempt {attempt_id} did not succeed but has outbox rows")
    if sink_path is None:
        return problems
    delivered = DeliverySink(sink_path).counts()
    for _kind, _payload, _state, key in rows:
        if delivered[key] < 1:
            problems.append(f"outbox row {key} was never delivered")
    total = session.scalar(select(func.count(OutboxMessage.id)))
    if len(set(delivered) - {key for *_, key in rows}):
        problems.append(f"deliveries of unknown messages (outbox has {total} rows)")
    return problems
