"""The ``kiosk`` console script as staff and scripts use it, on real files: ``--help`` as a
real process, the commands through the CLI's ``main`` as a fresh process runs them
(``run_kiosk``: a process costs a second of imports)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import run_kiosk

KIOSK = Path(sys.executable).parent / "kiosk"
KIOSK_ID = "CLI-KIOSK"


@dataclass
class Kiosk:
    """Runs ``kiosk ARGS`` with its data directory (and SQLite database) in ``data_dir``."""

    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "kiosk.sqlite3"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        env.update(
            KIOSK_DATA_DIR=str(self.data_dir),
            KIOSK_DATABASE_URL=f"sqlite:///{self.database}",
            KIOSK_CONFIG=str(self.data_dir / "absent.toml"),
            KIOSK_KIOSK_ID=KIOSK_ID,
        )
        return env

    def __call__(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = run_kiosk(args, self.env(), cwd=self.data_dir.parent)
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done

    def process(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        """``kiosk ARGS`` as a real process of the console script."""
        done = subprocess.run(
            [str(KIOSK), *args],
            env=self.env(),
            cwd=self.data_dir.parent,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done


def make_payments(data_dir: Path) -> None:
    """A payment that went through, and one whose kiosk crashed after the terminal charged."""
    from kiosk.errors import PaymentDeclined
    from kiosk.payments.card_terminal import CardTerminalSimulator
    from kiosk.payments.journal import ProcessorJournal
    from kiosk.payments.service import PaymentService
    from kiosk.settings import Settings
    from kiosk.store.models import AttemptState
    from kiosk.store.store import open_store

    settings = Settings(
        database_url=f"sqlite:///{data_dir / 'kiosk.sqlite3'}",
        kiosk_id=KIOSK_ID,
        secret_key_file=str(data_dir / "kiosk.key"),  # the CLI kiosk's key and head file
        audit_head_file=str(data_dir / f"audit-head-{KIOSK_ID}.jsonl"),
    )
    store = open_store(settings)
    journal = ProcessorJournal(data_dir / f"processor-{KIOSK_ID}.sqlite3")
    try:
        service = PaymentService(store)
        terminal = CardTerminalSimulator(journal)
        service.pay("40152270", 2000, terminal, "cli-paid")
        with contextlib.suppress(PaymentDeclined):
            service.pay("40152270", 1051, terminal, "cli-declined")  # insufficient funds
        crashed = service._create_attempt("40152271", 3000, terminal, "cli-crashed", False)
        service._transition(crashed, AttemptState.CREATED, AttemptState.SENT)
        terminal.charge(3000, "cli-crashed")
    finally:
        journal.close()
        store.dispose()


@dataclass
class Prepared:
    kiosk: Kiosk
    outputs: dict[str, str]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """``db upgrade`` and ``db seed`` (each twice) on a fresh data directory, then payments."""
    kiosk = Kiosk(tmp_path_factory.mktemp("cli") / "data")
    outputs = {
        "upgrade": kiosk("db", "upgrade").stdout,
        "upgrade again": kiosk("db", "upgrade").stdout,
        "seed": kiosk("db", "seed").stdout,
        "seed again": kiosk("db", "seed").stdout,
    }
    make_payments(kiosk.data_dir)
    return Prepared(kiosk, outputs)


@pytest.fixture
def copy_of(prepared: Prepared, tmp_path: Path) -> Kiosk:
    """A private copy of the prepared data directory, for tests that change it."""
    target = tmp_path / "data"
    shutil.copytree(prepared.kiosk.data_dir, target)
    return Kiosk(target)


def test_help_lists_the_commands(prepared: Prepared) -> None:
    out = prepared.kiosk.process("--help").stdout
    for command in ("run", "text", "voice", "tty", "db", "admin"):
        assert command in out


def test_db_upgrade_then_seed(prepared: Prepared) -> None:
    assert "Schema upgraded." in prepared.outputs["upgrade"]
    assert "already up to date" in prepared.outputs["upgrade again"]
    assert "Demo accounts added." in prepared.outputs["seed"]
    assert "nothing added" in prepared.outputs["seed again"]
    with sqlite3.connect(prepared.kiosk.database) as db:
        numbers = [row[0] for row in db.execute("SELECT number FROM accounts ORDER BY number")]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert numbers == ["40152270", "40152271", "40152272", "40152273", "40152274"]


def test_admin_payments_reconcile_and_ledger_check(copy_of: Kiosk) -> None:
    kiosk = copy_of
    listed = json.loads(kiosk("admin", "payments", "--json").stdout)
    assert {row["state"] for row in listed} >= {"succeeded", "sent"}
    (paid,) = [row for row in listed if row["state"] == "succeeded" and row["cents"] == 2000]
    assert paid["account"] == "****2270" and paid["last4"] == "4242"
    assert "40152270" not in json.dumps(listed)

    # A young attempt may be a payment in flight: the default grace leaves it alone.
    untouched = json.loads(kiosk("admin", "reconcile", "--json").stdout)
    assert untouched == {"settled": {}, "unknown": 0, "problems": []}
    settled = kiosk("admin", "reconcile", "--json", "--grace-seconds", "0").stdout
    assert json.loads(settled)["settled"] == {"succeeded": 1}
    table = kiosk("admin", "payments").stdout
    assert "$20.00" in table and "$30.00" in table and " sent " not in table
    assert json.loads(kiosk("admin", "ledger-check", "--json").stdout)["ok"] is True


def test_ledger_check_finds_an_unbalanced_entry(copy_of: Kiosk) -> None:
    assert "Ledger OK" in copy_of("admin", "ledger-check").stdout
    with sqlite3.connect(copy_of.database) as db:
        db.execute("UPDATE postings SET cents = cents + 1 WHERE id = 1")
    result = json.loads(copy_of("admin", "ledger-check", "--json", expect=1).stdout)
    assert result["ok"] is False and result["problems"]


def tamper(database: Path, statement: str) -> None:
    """What someone with direct access to the file could do: drop the guards, change history."""
    with sqlite3.connect(database) as db:
        triggers = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
            )
        ]
        for name in triggers:
            db.execute(f'DROP TRIGGER "{name}"')
        assert db.execute(statement).rowcount == 1


def test_audit_show_and_verify(copy_of: Kiosk) -> None:
    copy_of("admin", "payments")  # admin actions are audited too
    shown = json.loads(copy_of("admin", "audit", "--json").stdout)
    assert {"admin.payments", "payment.succeeded"} <= {row["action"] for row in shown}
    assert "Audit log intact." in copy_of("admin", "audit", "verify").stdout


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = outcome || '!' WHERE id = (SELECT MIN(id) FROM audit_log)",
        "DELETE FROM audit_log WHERE id = (SELECT MIN(id) FROM audit_log)",
        "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)",
    ],
    ids=["modified", "deleted", "newest deleted"],
)
def test_audit_verify_detects_tampering(copy_of: Kiosk, statement: str) -> None:
    """A changed entry, a deleted one that has a successor, or the newest one deleted
    (caught by the chain head kept in a file outside the database)."""
    tamper(copy_of.database, statement)
    result = json.loads(copy_of("admin", "audit", "verify", "--json", expect=1).stdout)
    assert result["ok"] is False
    said = " ".join(problem["problem"] for problem in result["problems"])
    assert "changed" in said or "newest entries of the chain were deleted" in said, said


def test_db_seed_reset_starts_a_clean_demo(copy_of: Kiosk) -> None:
    """``db seed --reset`` gives a fresh demo: the payments of the deleted database do not
    come back into the new one from the payment journal (reconcile re-creates lost payments
    from it), and the new database's audit chain verifies (the old chain's head file is not
    held against it). Found by trying the kiosk: after a reset, ``admin reconcile`` said
    "recovered: 7" and Ben "owed nothing"."""
    script = "1\n40152270\n72201\n2468\n2\n1\n1\nyes\n4\nno\n"  # Ava pays $84.99 by card
    paid = subprocess.run(
        [str(KIOSK), "text"],
        input=script,
        env=copy_of.env(),
        cwd=copy_of.data_dir.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Confirmation:" in paid.stdout, paid.stdout + paid.stderr
    assert (copy_of.data_dir / f"payments-{KIOSK_ID}.jsonl").stat().st_size > 0

    assert "Demo accounts added." in copy_of("db", "seed", "--reset").stdout
    fresh = json.loads(copy_of("admin", "payments", "--json").stdout)
    assert 8499 not in [row["cents"] for row in fresh]  # the seed's own payments only
    done = json.loads(copy_of("admin", "reconcile", "--json", "--grace-seconds", "0").stdout)
    assert done == {"settled": {}, "unknown": 0, "problems": []}
    assert json.loads(copy_of("admin", "payments", "--json").stdout) == fresh
    assert "Audit log intact." in copy_of("admin", "audit", "verify").stdout
