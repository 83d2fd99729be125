"""Break the kiosk's store in the middle of a customer's payment and check what they were told.

One run: a fresh copy of a seeded database, a customer who signs in and pays
by card through the real conversation engine, and a store fault injected at
one crash point of the payment core (:func:`kiosk.devtools.faults.inject`):

- ``locked``: another process holds ``BEGIN EXCLUSIVE`` on the SQLite file;
- ``disk_full``: the data disk (a small tmpfs holding the database and the
  payment journal) is filled to the last byte;
- ``deleted``: the database file (and its WAL) is unlinked;
- ``corrupted``: the database file and its WAL are overwritten with noise;
- ``pg_locked``: another session holds ``LOCK TABLE ... ACCESS EXCLUSIVE`` on the
  payment tables;
- ``pg_stopped``: PostgreSQL is stopped with ``pg_ctl -m immediate stop``.

Then the fault is repaired as staff would (lock released, space freed, last
backup restored, server started), the kiosk restarts, reconciles and recovers
from its payment journal, and the processor's records are compared with the
books. Used by ``tests/trust/test_store_faults.py`` (a few runs) and
``bench/bench_faults.py`` (100+ per fault).
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.services import Services
from kiosk.devtools import faults
from kiosk.devtools.crash_harness import check_invariants
from kiosk.devtools.postgres_server import PostgresServer
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.methods import PaymentMethod
from kiosk.payments.payment_journal import PaymentJournal
from kiosk.payments.recovery import recover
from kiosk.payments.service import PaymentService
from kiosk.settings import Settings
from kiosk.store.store import Store, open_store

KIOSK_ID = "FAULT-KIOSK"
SQLITE_FAULTS = ("locked", "disk_full", "deleted", "corrupted")
POSTGRES_FAULTS = ("pg_locked", "pg_stopped")
# Where in a payment the store breaks (see kiosk.devtools.faults.CRASH_POINTS).
FAULT_POINTS = (
    "attempt.after_commit",  # CREATED committed, not yet SENT
    "attempt.after_sent",  # SENT committed, terminal not yet asked
    "charge.after_approve",  # the terminal charged, nothing recorded yet
    "settle.before_commit",  # the success transaction written, not committed
    "settle.after_commit",  # recorded, the customer not yet told
)
CUSTOMER = ("40152271", "35203", "1357")  # Ben, the demo account with a balance
# What a customer must never be told when money was taken.
NOTHING_CHARGED = (
    "nothing was charged",
    "no money was taken",
    "we took no money",
    "nothing charged",
)
TRACE_MARKS = ("Traceback", "Error:", "sqlalchemy", "sqlite3", "psycopg", 'File "')


@dataclass
class RunResult:
    kind: str
    point: str
    cents: int
    hit: bool  # the fault was injected (the payment reached its point)
    charged: bool  # the processor took the money
    told: str  # the step the customer ended on
    said_nothing_charged: bool
    traceback_shown: bool
    problems: list[str]
    text: str = ""  # what the customer was shown (standard register)

    @property
    def told_charged(self) -> bool:
        """Told the money was taken ("paid", "received") or may have been ("being checked")."""
        said = self.text.lower()
        return self.told in ("pay_result", "pay_unknown") or (
            "payment was received" in said or "being checked" in said
        )

    @property
    def false_nothing_charged(self) -> bool:
        return self.charged and self.said_nothing_charged

    @property
    def told_paid(self) -> bool:
        return self.told == "pay_result"

    @property
    def truthful(self) -> bool:
        """Paid only if charged; never "nothing charged" if charged; no traceback."""
        if self.traceback_shown or self.false_nothing_charged:
            return False
        return not (self.told_paid and not self.charged)

    @property
    def audit_flags(self) -> list[str]:
        """What the audit chain's outside anchor says after the repair. A restored backup
        lacks the audit entries written after it, and the anchor rightly says so."""
        return [p for p in self.problems if p.startswith("audit:")]

    @property
    def money_problems(self) -> list[str]:
        """Every problem but the audit anchor's (lost, doubled, ledger, outbox, recovery)."""
        return [p for p in self.problems if not p.startswith("audit:")]

    @property
    def lost(self) -> int:
        return sum("has no payment attempt" in p or "was taken but" in p for p in self.problems)

    @property
    def doubled(self) -> int:
        return sum(
            ("ledger entries" in p and "has 1 " not in p) or "never charged" in p
            for p in self.problems
        )


@dataclass
class Tally:
    """Runs of one fault kind, summed for the bench's table."""

    kind: str
    runs: int = 0
    hit: int = 0
    truthful: int = 0
    lost: int = 0
    doubled: int = 0
    false_nothing_charged: int = 0
    tracebacks: int = 0
    charged: int = 0
    told_paid: int = 0
    told_checked: int = 0
    out_of_service: int = 0
    audit_flagged: int = 0
    other_problems: list[str] = field(default_factory=list)

    def add(self, run: RunResult) -> None:
        self.runs += 1
        self.hit += run.hit
        self.truthful += run.truthful
        self.lost += run.lost
        self.doubled += run.doubled
        self.false_nothing_charged += run.false_nothing_charged
        self.tracebacks += run.traceback_shown
        self.charged += run.charged
        self.told_paid += run.told_paid
        self.told_checked += run.told == "pay_unknown"
        self.out_of_service += run.told == "out_of_service"
        self.audit_flagged += bool(run.audit_flags)
        self.other_problems += [
            f"{run.kind}@{run.point}: {p}"
            for p in run.problems
            if "has no payment attempt" not in p
            and "was taken but" not in p
            and not p.startswith("audit:")
        ]


class _Services(Services):
    """The kiosk's services with the card terminal talking to this run's processor."""

    def __init__(self, store: Store, processor: ProcessorJournal, journal: PaymentJournal) -> None:
        super().__init__(store)
        self._processor = processor
        self._journal = journal

    @property
    def payments(self) -> PaymentService:  # type: ignore[override]
        return PaymentService(self.store, self._journal)

    def card_terminal(self) -> PaymentMethod:
        return CardTerminalSimulator(self._processor)


class FaultLab:
    """Databases, disks and servers to break: one lab per back end, many runs.

    ``disk`` is where the database and the payment journal live (a small tmpfs
    for ``disk_full``); the processor's records live elsewhere, as a real
    acquirer's would.
    """

    def __init__(
        self, workdir: Path, *, disk: Path | None = None, postgres: PostgresServer | None = None
    ) -> None:
        self.workdir = workdir
        self.disk = disk or workdir / "disk"
        self.disk.mkdir(parents=True, exist_ok=True)
        self.postgres = postgres
        self._runs = 0
        self._template: Path | str | None = None

    # ----------------------------------------------------------- databases
    def _settings(self, url: str) -> Settings:
        return Settings(
            database_url=url,
            kiosk_id=KIOSK_ID,
            payment_journal_path=str(self.disk / "payments.jsonl"),
            # Each run's database has its own audit chain, so its own head file.
            audit_head_file=str(self.workdir / f"audit-head-{self._runs}.jsonl"),
            database_busy_timeout_seconds=0.3,
            demo=True,
        )

    def _fresh_database(self) -> str:
        """A copy of a migrated database with the demo accounts (seeded once per lab)."""
        if self.postgres is not None:
            if self._template is None:
                url = self.postgres.create_database("fault_template")
                open_store(self._settings(url), seed=True).dispose()
                self._template = "fault_template"
            url = self.postgres.create_database(f"fault_{self._runs}", template=str(self._template))
            _durable_commits(self.postgres, f"fault_{self._runs}")
            return url
        if self._template is None:
            template = self.workdir / "template.sqlite3"
            open_store(self._settings(f"sqlite:///{template}"), seed=True).dispose()
            self._template = template
        path = self.disk / "kiosk.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self._template, path)
        return f"sqlite:///{path}"

    # -------------------------------------------------------------- a run
    def run(self, kind: str, point: str, seed: int, cents: int | None = None) -> RunResult:
        """One payment broken by ``kind`` at ``point``; ``cents`` drawn from ``seed`` if not given."""
        self._runs += 1
        rng = random.Random(seed)
        # Mostly approvals (the faults that matter), some declines and lost answers.
        if cents is None:
            cents = rng.randint(5, 60) * 100 + rng.choice((0, 0, 0, 0, 25, 5, 51, 91))
        (self.disk / "payments.jsonl").unlink(missing_ok=True)
        url = self._fresh_database()
        settings = self._settings(url)
        processor_path = self.workdir / f"processor-{self._runs}.sqlite3"
        processor = ProcessorJournal(processor_path)
        journal = PaymentJournal(settings.payment_journal_path)
        store = open_store(settings, migrate=False, seed=False)
        backup = self._backup(url)
        fault = _FAULTS[kind](self, url)
        hit = False

        def strike() -> None:
            nonlocal hit
            hit = True
            fault.strike()

        try:
            prompt, texts = _pay(_Services(store, processor, journal), cents, point, strike)
        finally:
            faults.clear_injections()
            fault.repair()
            store.dispose()
        if fault.restores_backup:
            _restore(url, backup)
        problems = self._after_restart(settings, processor_path, journal)
        charged = bool(processor.approved_charges())
        processor.close()
        lowered = [t.lower() for t in texts]
        return RunResult(
            kind=kind,
            point=point,
            cents=cents,
            hit=hit,
            charged=charged,
            told=prompt.id,
            said_nothing_charged=any(p in t for t in lowered for p in NOTHING_CHARGED),
            traceback_shown=any(mark in t for t in texts for mark in TRACE_MARKS),
            problems=problems,
            text=texts[0],
        )

    def _backup(self, url: str) -> Path | None:
        """Last night's backup (SQLite): what staff restore after a deleted or corrupted file."""
        if not url.startswith("sqlite"):
            return None
        target = self.workdir / "backup.sqlite3"
        target.unlink(missing_ok=True)
        source = sqlite3.connect(url.removeprefix("sqlite:///"))
        destination = sqlite3.connect(target)
        with contextlib.closing(source), contextlib.closing(destination):
            source.backup(destination)
        return target

    def _after_restart(
        self, settings: Settings, processor_path: Path, journal: PaymentJournal
    ) -> list[str]:
        """Restart the kiosk, reconcile and recover as ``kiosk admin reconcile``; check the books."""
        store = open_store(settings, migrate=False, seed=False)
        try:
            service = PaymentService(store, journal)
            processor = ProcessorJournal(processor_path)
            terminal = CardTerminalSimulator(processor)
            methods: dict[str, PaymentMethod] = {
                "card": terminal,
                "bank": terminal,
                "cash": terminal,
            }
            service.reconcile(methods)
            report = recover(service, journal, methods)
            again = recover(service, journal, methods)  # idempotent: nothing more to do
            processor.close()
            problems = check_invariants(store, processor_path, None, kiosk_id=KIOSK_ID)
            problems += [f"recovery: {p}" for p in report.problems]
            done = {
                k for k in again.outcomes if k not in ("already_recorded", "lost_row_not_charged")
            }
            if done:
                problems.append(f"a second recovery pass still did {sorted(done)}")
            return problems
        finally:
            store.dispose()


def _durable_commits(server: PostgresServer, database: str) -> None:
    """Commits that survive a crash, as in production: the test server runs with
    ``synchronous_commit=off`` for speed, which loses the last commits on ``-m immediate``."""
    import psycopg

    with psycopg.connect(server.url("postgres", driver=False), autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = on')


def _pay(
    services: Services, cents: int, point: str, strike: Callable[[], None]
) -> tuple[Prompt, list[str]]:
    """Ben signs in and pays ``cents`` by card; the store breaks at ``point``.

    Returns the prompt the customer ended on and its text in every register.
    """
    conversation = Conversation(services, Register.STANDARD)

    def choose(value: str) -> Prompt:
        keys = {c.value: c.key for c in conversation.prompt.choices}
        return conversation.answer(keys[value])

    choose("start")
    for answer in CUSTOMER:
        conversation.answer(answer)
    assert conversation.prompt.id == "menu", conversation.prompt.id
    choose("pay")
    choose("other")
    conversation.answer(f"{cents // 100}.{cents % 100:02d}")
    choose("card")
    assert conversation.prompt.id == "pay_review", conversation.prompt.id
    faults.inject(point, strike)
    prompt = conversation.answer("yes")
    return prompt, [prompt.render(register) for register in Register]


# ------------------------------------------------------------------ faults
class _Fault:
    restores_backup = False

    def __init__(self, lab: FaultLab, url: str) -> None:
        self.lab = lab
        self.url = url
        self.path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None

    def strike(self) -> None:
        raise NotImplementedError

    def repair(self) -> None:
        """Undo the fault (called whether or not it struck)."""


_LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


class _Locked(_Fault):
    """Another process holds the SQLite write lock until repaired."""

    process: subprocess.Popen[str] | None = None

    def strike(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _LOCKER, str(self.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        # Inside the kiosk's own write transaction the lock comes only after its commit.
        with contextlib.suppress(TimeoutError):
            _readline(self.process.stdout, 0.2)

    def repair(self) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=15)
            self.process = None


class _DiskFull(_Fault):
    """The data disk is filled to the last byte; repaired by deleting the filler."""

    def strike(self) -> None:
        fd = os.open(self.lab.disk / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (1 << 20, 1 << 16, 1 << 12, 1):  # big blocks, then the last bytes
                with contextlib.suppress(OSError):
                    while os.write(fd, b"\0" * size) == size:
                        pass
        finally:
            os.close(fd)

    def repair(self) -> None:
        (self.lab.disk / "filler").unlink(missing_ok=True)


class _Deleted(_Fault):
    """The database file and its WAL are deleted; staff restore the last backup."""

    restores_backup = True

    def strike(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


class _Corrupted(_Fault):
    """The database file and its WAL are overwritten with noise; staff restore the backup."""

    restores_backup = True

    def strike(self) -> None:
        noise = random.Random(str(self.path)).randbytes
        for suffix, keep in (("", 0), ("-wal", 32)):
            target = Path(f"{self.path}{suffix}")
            if not target.exists():
                continue
            size = target.stat().st_size
            with open(target, "r+b") as out:
                out.seek(keep)
                out.write(noise(max(size - keep, 0)))
                out.flush()
                os.fsync(out.fileno())


class _PgLocked(_Fault):
    """Another session locks the payment tables until repaired (a migration, a dump, a DBA)."""

    connection: object | None = None

    def strike(self) -> None:
        import psycopg

        connection = psycopg.connect(self.url.replace("postgresql+psycopg", "postgresql"))
        # Inside the kiosk's own transaction the lock waits for its commit: do not wait here.
        connection.execute("SET lock_timeout = '200ms'")
        try:
            connection.execute(
                "LOCK TABLE payment_attempts, accounts, postings IN ACCESS EXCLUSIVE MODE"
            )
        except psycopg.errors.LockNotAvailable:
            connection.rollback()
        self.connection = connection

    def repair(self) -> None:
        if self.connection is not None:
            self.connection.close()  # type: ignore[attr-defined]
            self.connection = None


class _PgStopped(_Fault):
    """PostgreSQL stopped as by a crash; repaired by starting it again."""

    stopped = False

    def strike(self) -> None:
        assert self.lab.postgres is not None
        self.lab.postgres.halt()
        self.stopped = True

    def repair(self) -> None:
        if self.stopped:
            assert self.lab.postgres is not None
            self.lab.postgres.resume()
            self.stopped = False


_FAULTS: dict[str, type[_Fault]] = {
    "locked": _Locked,
    "disk_full": _DiskFull,
    "deleted": _Deleted,
    "corrupted": _Corrupted,
    "pg_locked": _PgLocked,
    "pg_stopped": _PgStopped,
}


def _restore(url: str, backup: Path | None) -> None:
    assert backup is not None
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, path)


def _readline(stream: IO[str], timeout: float) -> str:
    import select

    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        raise TimeoutError
    return stream.readline()


# ------------------------------------------------------------------ disks
@contextlib.contextmanager
def small_disk(size: str = "16m") -> Iterator[tuple[Path, str]]:
    """A small tmpfs to fill; yields (mount point, how it was made).

    Needs root (mount); without it, a plain directory is yielded and
    ``disk_full`` cannot be run (the caller says so).
    """
    point = Path(tempfile.mkdtemp(prefix="kiosk-small-disk-"))
    mounted = False
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(point)],
            capture_output=True,
        )
        mounted = done.returncode == 0
        yield point, f"tmpfs {size}" if mounted else "plain directory (mount failed)"
    finally:
        if mounted:
            for _ in range(20):
                if subprocess.run(["umount", str(point)], capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)
        shutil.rmtree(point, ignore_errors=True)
