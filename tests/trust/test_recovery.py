"""``kiosk admin reconcile`` recovers a payment whose database rows were lost, and fails
while any payment is still UNKNOWN (issue 14, items 2 and 9). Real files; the commands
run through the CLI's ``main`` as a fresh process runs them (``run_kiosk``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import select

from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.payment_journal import PaymentJournal
from kiosk.payments.service import PaymentService
from kiosk.services.confirmation import payment_reference
from kiosk.settings import Settings
from kiosk.store.models import Account, AttemptState, PaymentAttempt, PaymentMethodKind
from kiosk.store.store import open_store

from ..conftest import run_kiosk

KIOSK_ID = "RECOVER-KIOSK"


def kiosk(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(
        KIOSK_DATA_DIR=str(data_dir),
        KIOSK_CONFIG=str(data_dir / "absent.toml"),
        KIOSK_KIOSK_ID=KIOSK_ID,
        **extra,
    )
    return run_kiosk(args, env)  # as a fresh process runs it, without a second of imports


def _settings(data_dir: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{data_dir / 'kiosk.sqlite3'}",
        kiosk_id=KIOSK_ID,
        payment_journal_path=str(data_dir / f"payments-{KIOSK_ID}.jsonl"),
    )


def test_a_payment_lost_with_the_database_is_recovered_from_the_journal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert kiosk(data, "db", "seed").returncode == 0
    database = data / "kiosk.sqlite3"
    with sqlite3.connect(database) as live, sqlite3.connect(tmp_path / "backup.sqlite3") as copy:
        live.backup(copy)  # last night's backup

    store = open_store(_settings(data), migrate=False, seed=False)
    processor = ProcessorJournal(data / f"processor-{KIOSK_ID}.sqlite3")
    service = PaymentService(store, PaymentJournal(_settings(data).payment_journal_path))
    paid = service.pay("40152270", 2000, CardTerminalSimulator(processor), f"{KIOSK_ID}-lost")
    store.dispose()
    processor.close()

    # The database is lost; staff restore the backup, which never saw the payment.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(tmp_path / "backup.sqlite3", database)

    done = kiosk(data, "admin", "reconcile", "--json", "--grace-seconds", "0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["settled"] == {"recovered": 1}
    rows = json.loads(kiosk(data, "admin", "payments", "--json").stdout)
    (recovered,) = [r for r in rows if r["cents"] == 2000]
    assert recovered["state"] == "succeeded" and recovered["last4"] == "4242"
    assert kiosk(data, "admin", "ledger-check").returncode == 0
    # Idempotent: a second run finds it recorded.
    again = kiosk(data, "admin", "reconcile", "--json", "--grace-seconds", "0")
    assert again.returncode == 0 and json.loads(again.stdout)["settled"] == {}
    assert paid.cents == 2000


def test_reconcile_exits_non_zero_while_a_payment_is_unknown(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert kiosk(data, "db", "seed").returncode == 0
    store = open_store(_settings(data), migrate=False, seed=False)
    with store.sessions() as session, session.begin():
        account_id = session.scalar(select(Account.id).where(Account.number == "40152271"))
        now = dt.datetime.now(dt.UTC)
        session.add(
            PaymentAttempt(
                idempotency_key=f"{KIOSK_ID}-unknown",
                account_id=account_id,
                open_account_id=account_id,
                cents=1500,
                method=PaymentMethodKind.CARD,
                state=AttemptState.UNKNOWN,
                kiosk_id=KIOSK_ID,
                created_at=now,
                updated_at=now,  # young: may still be in flight, so left alone
            )
        )
    store.dispose()
    # The reference the customer was told ("is being checked") is what staff look up.
    told = payment_reference(f"{KIOSK_ID}-unknown")
    listed = json.loads(kiosk(data, "admin", "payments", "--json").stdout)
    assert [r["reference"] for r in listed if r["state"] == "unknown"] == [told]
    assert told in kiosk(data, "admin", "payments").stdout
    done = kiosk(data, "admin", "reconcile", "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["unknown"] == 1 and report["problems"]
    settled = kiosk(data, "admin", "reconcile", "--json", "--grace-seconds", "0")
    assert settled.returncode == 0, settled.stdout
    assert json.loads(settled.stdout) == {"settled": {"canceled": 1}, "unknown": 0, "problems": []}


def test_admin_commands_on_a_locked_database_fail_plainly(tmp_path: Path) -> None:
    """Another process holds the database (BEGIN EXCLUSIVE): reconcile and the other admin
    commands exit 1 with one 'kiosk admin: error:' line, not a traceback."""
    data = tmp_path / "data"
    data.mkdir()
    assert kiosk(data, "db", "seed").returncode == 0
    holder = sqlite3.connect(data / "kiosk.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        for command in (("reconcile",), ("payments",), ("ledger-check",)):
            done = kiosk(data, "admin", *command, KIOSK_DATABASE_BUSY_TIMEOUT_SECONDS="0.2")
            assert done.returncode == 1, done.stdout + done.stderr
            assert "Traceback" not in done.stderr, done.stderr
            assert done.stderr.startswith("kiosk admin: error:") and "locked" in done.stderr
    finally:
        holder.execute("ROLLBACK")
        holder.close()
