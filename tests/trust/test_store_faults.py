"""The store fails in the middle of a payment: the customer is told the truth, nothing is lost.

Each case breaks the store at a representative point of a card payment made
through the conversation engine (kiosk.devtools.store_faults): the SQLite file
locked by another process, the data disk full (a small tmpfs), the file
deleted or corrupted (then restored from the last backup), PostgreSQL's payment
tables locked by another session, or the server stopped with
``pg_ctl -m immediate stop``. After repair, a restart, reconcile and recovery
from the payment journal, the processor's records and the books must agree. ``bench/bench_faults.py`` runs the same at every point, 100+ times a fault.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devtools.postgres_server import PostgresServer, find_bin_dir
from kiosk.devtools.store_faults import FaultLab, RunResult, small_disk

APPROVED = 4200  # the sandbox approves .00
DECLINED = 4205  # do not honour
POINTS = ("attempt.after_sent", "charge.after_approve", "settle.before_commit")


@pytest.fixture(scope="module")
def sqlite_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FaultLab, str]]:
    with small_disk() as (disk, how):
        yield FaultLab(tmp_path_factory.mktemp("faults-sqlite"), disk=disk), how


@pytest.fixture(scope="module")
def postgres_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultLab]:
    """A server of its own: the tests stop and start it."""
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (make test installs it)")
    server = PostgresServer().start()
    try:
        yield FaultLab(tmp_path_factory.mktemp("faults-pg"), postgres=server)
    finally:
        server.stop()


def assert_truthful(run: RunResult) -> None:
    assert run.hit, "the fault never struck"
    assert not run.traceback_shown
    assert not run.false_nothing_charged
    assert run.truthful, run
    # Nothing lost, nothing doubled, books balanced after reconcile. The audit chain's
    # anchor is checked apart: after a restored backup it rightly reports the lost entries.
    assert run.money_problems == []


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("kind", ["locked", "disk_full", "deleted", "corrupted"])
def test_sqlite_store_fails_mid_payment(
    sqlite_lab: tuple[FaultLab, str], kind: str, point: str
) -> None:
    lab, how = sqlite_lab
    if kind == "disk_full" and not how.startswith("tmpfs"):
        pytest.skip(f"no small disk to fill: {how}")
    run = lab.run(kind, point, 0, cents=APPROVED)
    assert_truthful(run)
    assert run.charged
    # Once the terminal charged, the customer hears "paid" or "being checked" (maybe on the
    # out-of-service screen, when the store also fails building the result), nothing else.
    assert run.told_charged, (run.told, run.text)


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("kind", ["pg_locked", "pg_stopped"])
def test_postgres_fails_mid_payment(postgres_lab: FaultLab, kind: str, point: str) -> None:
    run = postgres_lab.run(kind, point, 0, cents=APPROVED)
    assert_truthful(run)
    assert run.charged and run.told_charged, (run.told, run.text)


def test_a_decline_is_still_a_decline_when_the_store_fails(
    sqlite_lab: tuple[FaultLab, str],
) -> None:
    """The terminal's own answer proves no money was taken, so the customer may hear it."""
    lab, _ = sqlite_lab
    run = lab.run("locked", "attempt.after_sent", 0, cents=DECLINED)
    assert_truthful(run)
    assert not run.charged and run.told == "pay_failed" and run.said_nothing_charged


def test_store_broken_before_sending_is_out_of_service_and_nothing_charged(
    sqlite_lab: tuple[FaultLab, str],
) -> None:
    lab, _ = sqlite_lab
    run = lab.run("locked", "attempt.after_commit", 0, cents=APPROVED)
    assert_truthful(run)
    assert not run.charged and run.told == "out_of_service" and run.said_nothing_charged


KIOSK = Path(sys.executable).parent / "kiosk"


def test_a_read_only_data_directory_puts_the_kiosk_out_of_service(tmp_path: Path) -> None:
    """No traceback on the customer's screen; the kiosk says it is out of service."""
    with small_disk("4m") as (disk, how):
        if not how.startswith("tmpfs"):
            pytest.skip(f"cannot make a read-only disk: {how}")
        env = {
            **os.environ,
            "KIOSK_DATA_DIR": str(disk),
            "KIOSK_CONFIG": str(tmp_path / "none.toml"),
        }
        subprocess.run([str(KIOSK), "db", "seed"], env=env, check=True, capture_output=True)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        try:
            done = subprocess.run(
                [str(KIOSK), "text"],
                env=env,
                input="1\n40152270\n72201\n2468\n2\n",
                capture_output=True,
                text=True,
                timeout=60,
            )
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "out of service" in done.stdout
    assert "Traceback" not in done.stdout and "Error" not in done.stdout


def test_after_being_checked_the_menu_says_the_balance_may_not_show_the_payment(
    tmp_path: Path, seeded_sqlite_template: Path
) -> None:
    """The lock is released, the customer goes back to the menu: the balance read from the
    records is still the old one, and the kiosk says so, with the reference."""
    import shutil

    from kiosk.conversation.engine import Conversation
    from kiosk.conversation.facts import spoken_number
    from kiosk.conversation.prompt import Register
    from kiosk.devtools import faults, store_faults
    from kiosk.payments.journal import ProcessorJournal
    from kiosk.payments.payment_journal import PaymentJournal
    from kiosk.settings import Settings
    from kiosk.store.store import open_store

    database = tmp_path / "kiosk.sqlite3"
    shutil.copyfile(seeded_sqlite_template, database)
    settings = Settings(
        database_url=f"sqlite:///{database}", kiosk_id="CAVEAT", database_busy_timeout_seconds=0.3
    )
    store = open_store(settings)
    processor = ProcessorJournal(tmp_path / "processor.sqlite3")
    services = store_faults._Services(store, processor, PaymentJournal(tmp_path / "j.jsonl"))
    lock = store_faults._Locked(None, settings.database_url)  # type: ignore[arg-type]
    try:
        conversation = Conversation(services, Register.STANDARD)
        for answer in ("1", "40152271", "35203", "1357", "2", "other", "42.00", "1"):
            conversation.answer(answer)
        assert conversation.prompt.id == "pay_review", conversation.prompt.id
        faults.inject("charge.after_approve", lock.strike)
        told = conversation.answer("yes")
        assert told.id == "pay_unknown"
        reference = conversation.ctx.values["pay_reference"]
        lock.repair()
        menu = conversation.answer("2")
        assert menu.id == "menu"
        for register in Register:  # speech reads it digit group by digit group
            said = spoken_number(reference) if register == Register.SPOKEN else reference
            assert said in menu.render(register), register
        assert spoken_number(reference) in told.render(Register.SPOKEN)
    finally:
        faults.clear_injections()
        lock.repair()
        processor.close()
        store.dispose()


def test_a_failed_commit_leaves_no_audit_anchor(sqlite_lab: tuple[FaultLab, str]) -> None:
    lab, how = sqlite_lab
    if not how.startswith("tmpfs"):
        pytest.skip(f"no small disk to fill: {how}")
    run = lab.run("disk_full", "settle.before_commit", 0, cents=APPROVED)
    assert run.money_problems == []
    assert run.audit_flags == []
