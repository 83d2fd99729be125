"""Payment core benchmark: one kiosk on SQLite, and a fleet of kiosks on PostgreSQL.

Single kiosk: the full payment (attempt committed -> card terminal simulator with no
delay -> success transaction) one after another; median and p99 latency, payments per
second. The same loop on PostgreSQL is the peer the ratios are taken against.
Fleet: 16 worker processes (each its own kiosk id and processor journal file) paying
random accounts, then 16 paying the same account; total payments per second. After
each run the processors' approved charges must equal the SUCCEEDED attempts (nothing
doubled, nothing lost) and the ledger must check clean.

Targets (issue 3): single kiosk >= 300 payments/s with p99 < 20 ms; fleet >= 400/s.

Run: ``.venv/bin/python bench/bench_payments.py [--quick]``
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from kiosk.clock import SystemClock
from kiosk.devtools.postgres_server import PostgresServer, find_bin_dir
from kiosk.settings import Settings
from kiosk.store.store import Store, open_store

T = TypeVar("T")

BIG_BILL_CENTS = 10_000_000  # $100,000 each, so no payment is refused for the amount
PAYMENT_CENTS = 1_000  # ends in .00: the simulator approves it


def seed_bench_accounts(store: Store, count: int) -> list[str]:
    """Add ``count`` accounts with one big bill each; returns their numbers."""
    import datetime as dt

    from kiosk.services.pins import hash_pin
    from kiosk.store.models import Account, Customer, LineCategory, LineItem
    from kiosk.store.seed import issue_bill

    pin_hash = hash_pin("0000")
    today = dt.date.today()
    numbers = [f"5{index:07d}" for index in range(count)]
    with store.sessions() as session, session.begin():
        for number in numbers:
            account = Account(
                number=number,
                customer=Customer(name=f"Bench {number}"),
                service_address="1 Bench Rd",
                zip_code="00000",
                phone=f"9{number}0",
                email="",
                pin_hash=pin_hash,
            )
            session.add(account)
            session.flush()
            issue_bill(
                session,
                account,
                issued_on=today,
                due_on=today + dt.timedelta(days=20),
                period="bench",
                lines=[
                    LineItem(category=LineCategory.BASIC, description="Bench", cents=BIG_BILL_CENTS)
                ],
            )
    return numbers


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    succeeded: int = 0
    refused: int = 0  # PaymentInProgress: another kiosk's payment for the account was open
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the kiosk processes' own CPU, not the database server's
    db_cpu_seconds: float | None = None  # the PostgreSQL server's, for runs against it

    def merge(self, other: Run) -> None:
        self.latencies += other.latencies
        self.succeeded += other.succeeded
        self.refused += other.refused
        self.errors += other.errors
        self.cpu_seconds += other.cpu_seconds

    @property
    def per_second(self) -> float:
        return self.succeeded / self.seconds if self.seconds else 0.0


def pay_loop(
    url: str, kiosk_id: str, journal_path: str, accounts: list[str], count: int, seed: int
) -> Run:
    """One kiosk paying ``count`` times; latency of every payment that succeeded."""
    from kiosk.errors import PaymentInProgress
    from kiosk.payments.card_terminal import CardTerminalSimulator
    from kiosk.payments.journal import ProcessorJournal
    from kiosk.payments.service import PaymentService

    store = open_store(
        Settings(database_url=url, kiosk_id=kiosk_id), SystemClock(), migrate=False, seed=False
    )
    journal = ProcessorJournal(journal_path)
    service = PaymentService(store)
    terminal = CardTerminalSimulator(journal)
    rng = random.Random(seed)
    run = Run()
    started = time.perf_counter()
    cpu_started = time.process_time()
    for index in range(count):
        account = accounts[rng.randrange(len(accounts))]
        begin = time.perf_counter()
        try:
            service.pay(account, PAYMENT_CENTS, terminal, f"{kiosk_id}-{index}")
        except PaymentInProgress:
            run.refused += 1
            continue
        except Exception as error:  # noqa: BLE001 - counted and shown, the bench goes on
            run.errors.append(f"{type(error).__name__}: {error}"[:200])
            continue
        run.latencies.append(time.perf_counter() - begin)
        run.succeeded += 1
    run.seconds = time.perf_counter() - started
    run.cpu_seconds = time.process_time() - cpu_started
    journal.close()
    store.dispose()
    return run


def _worker(args: tuple[str, str, str, list[str], int, int], start: object, out: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    out.put(pay_loop(*args))  # type: ignore[attr-defined]


def fleet(
    url: str, workdir: Path, accounts: list[str], workers: int, each: int, label: str
) -> tuple[Run, list[str]]:
    """``workers`` processes start together; returns the merged run and their journal files."""
    context = mp.get_context("spawn")
    start = context.Event()
    out = context.Queue()
    journals = [str(workdir / f"processor-{label}-{index}.sqlite3") for index in range(workers)]
    processes = [
        context.Process(
            target=_worker,
            args=((url, f"{label}-{index}", journals[index], accounts, each, index), start, out),
        )
        for index in range(workers)
    ]
    for process in processes:
        process.start()
    time.sleep(2.0)  # let every worker import and connect before the clock starts
    began = time.perf_counter()
    start.set()
    merged = Run()
    slowest = 0.0
    for _ in processes:
        part: Run = out.get(timeout=600)
        merged.merge(part)
        slowest = max(slowest, part.seconds)
    for process in processes:
        process.join()
    merged.seconds = max(slowest, time.perf_counter() - began - 0.0) if slowest else 0.0
    merged.seconds = slowest
    return merged, journals


def verify(store: Store, journal_paths: list[str]) -> dict[str, object]:
    """Doubled or lost payments, open attempts and ledger problems after a run."""
    from sqlalchemy import select

    from kiosk.payments.journal import ProcessorJournal
    from kiosk.services import ledger
    from kiosk.store.models import OPEN_STATES, AttemptState, PaymentAttempt

    charged: dict[str, int] = {}
    for path in journal_paths:
        if Path(path).exists():
            journal = ProcessorJournal(path)
            charged.update(journal.approved_charges())
            journal.close()
    with store.sessions() as session:
        rows = session.execute(
            select(PaymentAttempt.idempotency_key, PaymentAttempt.cents, PaymentAttempt.state)
        ).all()
        succeeded = {k: c for k, c, s in rows if s == AttemptState.SUCCEEDED and k in charged}
        recorded = {k: c for k, c, s in rows if s == AttemptState.SUCCEEDED}
        open_count = sum(1 for _, _, s in rows if s in OPEN_STATES)
        problems = ledger.check(session) + ledger.check_accounts(session)
    lost = [key for key in charged if key not in recorded]  # charged, not recorded
    doubled = [key for key, cents in charged.items() if recorded.get(key, cents) != cents]
    return {
        "charged": len(charged),
        "succeeded": len(succeeded),
        "lost": len(lost),
        "doubled_or_wrong": len(doubled),
        "open": open_count,
        "ledger_problems": len(problems),
    }


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def row(name: str, run: Run, peer: float | None) -> str:
    median = statistics.median(run.latencies) * 1000 if run.latencies else float("nan")
    p99 = pct(run.latencies, 0.99) * 1000
    ratio = f"{run.per_second / peer:5.2f}" if peer else "    -"
    attempts = run.succeeded + run.refused
    cpu = run.cpu_seconds / attempts * 1000 if attempts else float("nan")
    db_cpu = (
        f"{run.db_cpu_seconds / attempts * 1000:>9.2f}"
        if run.db_cpu_seconds is not None and attempts
        else f"{'-':>9}"
    )
    return (
        f"{name:<34} {run.succeeded:>6} {run.refused:>7} {len(run.errors):>6} "
        f"{median:>8.2f} {p99:>8.2f} {run.per_second:>9.1f} {ratio:>8} {cpu:>9.2f} {db_cpu}"
    )


def measure_database_cpu(server: PostgresServer, work: Callable[[], T]) -> tuple[T, float]:
    """``work``'s result and the CPU seconds the database server spent meanwhile."""
    before = server.cpu_seconds()
    result = work()
    time.sleep(0.5)  # ended sessions' backends exit and are counted into the postmaster
    return result, server.cpu_seconds() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    single_count = 300 if args.quick else 2000
    fleet_each = 25 if args.quick else 150

    header = (
        f"{'run':<34} {'paid':>6} {'refused':>7} {'errors':>6} "
        f"{'med ms':>8} {'p99 ms':>8} {'paid/s':>9} {'vs PG 1':>8} {'cpu ms/try':>9} "
        f"{'db cpu ms':>9}"
    )
    lines = [header, "-" * len(header)]
    checks: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-payments-") as tmp:
        workdir = Path(tmp)
        sqlite_url = f"sqlite:///{workdir / 'kiosk.sqlite3'}"
        store = open_store(Settings(database_url=sqlite_url, kiosk_id="BENCH-SQLITE"), seed=True)
        accounts = seed_bench_accounts(store, 200)
        journal = str(workdir / "processor-sqlite.sqlite3")
        pay_loop(sqlite_url, "WARM", journal, accounts, 20, 0)
        single_sqlite = pay_loop(sqlite_url, "SQLITE-1", journal, accounts, single_count, 1)
        checks.append(f"sqlite single: {verify(store, [journal])}")
        store.dispose()

        if find_bin_dir() is None:
            lines.append("PostgreSQL not installed: fleet runs skipped")
            single_pg = None
        else:
            server = PostgresServer().start()
            try:
                url = server.create_database("bench")
                pg_store = open_store(Settings(database_url=url, kiosk_id="BENCH-PG"), seed=True)
                accounts = seed_bench_accounts(pg_store, 200)
                pg_journal = str(workdir / "processor-pg.sqlite3")
                pay_loop(url, "WARM-PG", pg_journal, accounts, 20, 0)
                single_pg, single_pg.db_cpu_seconds = measure_database_cpu(
                    server,
                    lambda: pay_loop(url, "PG-1", pg_journal, accounts, single_count // 2, 2),
                )
                checks.append(f"postgres single: {verify(pg_store, [pg_journal])}")
                (random_run, random_journals), random_db_cpu = measure_database_cpu(
                    server,
                    lambda: fleet(url, workdir, accounts, args.workers, fleet_each, "RANDOM"),
                )
                random_run.db_cpu_seconds = random_db_cpu
                checks.append(f"fleet random: {verify(pg_store, [pg_journal, *random_journals])}")
                (same_run, same_journals), same_db_cpu = measure_database_cpu(
                    server,
                    lambda: fleet(url, workdir, accounts[:1], args.workers, fleet_each, "SAME"),
                )
                same_run.db_cpu_seconds = same_db_cpu
                checks.append(
                    "fleet same account: "
                    f"{verify(pg_store, [pg_journal, *random_journals, *same_journals])}"
                )
                pg_store.dispose()
            finally:
                server.stop()
        peer = single_pg.per_second if single_pg else None
        lines.append(row("single kiosk, SQLite", single_sqlite, peer))
        if single_pg is not None:
            lines.append(row("single kiosk, PostgreSQL (peer)", single_pg, peer))
            lines.append(row(f"fleet {args.workers}, random accounts, PG", random_run, peer))
            lines.append(row(f"fleet {args.workers}, same account, PG", same_run, peer))
    print("\n".join(lines))
    print()
    print("targets: single SQLite >= 300 paid/s and p99 < 20 ms; fleet random >= 400 paid/s")
    print(
        "cpu ms/try: kiosk processes' CPU per payment tried; db cpu ms: the PostgreSQL "
        f"server's; {os.cpu_count()} cores can run at most {os.cpu_count() or 1} * 1000 / "
        "(cpu + db cpu) payments a second"
    )
    for check in checks:
        print("check", check)
    errors = single_sqlite.errors + (
        random_run.errors + same_run.errors if single_pg is not None else []
    )
    for error in sorted(set(errors))[:10]:
        print("error", error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
