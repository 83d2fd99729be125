"""The operator's commands as a store runs them, on a real SQLite file and a real
PostgreSQL database: their output and exit codes. Each command runs through the CLI's
``main`` as a fresh process would (``run_kiosk``: a process costs a second of imports);
the console script and ``kiosk serve`` (signals, ports) run as real processes."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .conftest import run_kiosk

KIOSK = Path(sys.executable).parent / "kiosk"
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Kiosk:
    """``kiosk ARGS`` against one database, with its own data directory and no TOML file."""

    url: str
    data_dir: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        env.update(
            KIOSK_DATA_DIR=str(self.data_dir),
            KIOSK_DATABASE_URL=self.url,
            KIOSK_CONFIG=str(self.data_dir / "absent.toml"),
            KIOSK_KIOSK_ID="OPS-KIOSK",
        )
        env.update(extra)
        return env

    def __call__(self, *args: str, expect: int = 0, **env: str) -> subprocess.CompletedProcess[str]:
        done = run_kiosk(args, self.env(**env))
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done

    def process(self, *args: str, expect: int = 0, **env: str) -> subprocess.CompletedProcess[str]:
        """``kiosk ARGS`` as a real process of the console script."""
        done = subprocess.run(
            [str(KIOSK), *args],
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("America/Chicago")).date()  # the default store timezone


def pay(url: str, data_dir: Path) -> str:
    """A card payment, a declined one and a cash one, now; returns the paid confirmation."""
    from kiosk.errors import PaymentDeclined
    from kiosk.payments.card_terminal import CardTerminalSimulator
    from kiosk.payments.cash import CashAcceptorSimulator
    from kiosk.payments.journal import ProcessorJournal
    from kiosk.payments.service import PaymentService
    from kiosk.settings import Settings
    from kiosk.store.store import open_store

    store = open_store(Settings(database_url=url, kiosk_id="OPS-KIOSK"))
    journal = ProcessorJournal(data_dir / "processor-OPS-KIOSK.sqlite3")
    try:
        service = PaymentService(store)
        paid = service.pay("40152270", 2000, CardTerminalSimulator(journal), "ops-paid")
        with contextlib.suppress(PaymentDeclined):
            service.pay("40152271", 1054, CardTerminalSimulator(journal), "ops-declined")
        cash = CashAcceptorSimulator(journal)
        cash.insert(1000)
        service.pay("40152272", 1000, cash, "ops-cash")
    finally:
        journal.close()
        store.dispose()
    assert paid.confirmation_number
    return paid.confirmation_number


@pytest.fixture(params=["sqlite", "postgresql"])
def kiosk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Kiosk]:
    """A seeded database on each back end (a copy of the session's template)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if request.param == "sqlite":
        path = data_dir / "kiosk.sqlite3"
        shutil.copyfile(request.getfixturevalue("seeded_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("postgres")
        template = request.getfixturevalue("seeded_postgres_template")
        # A fresh name each time: id(tmp_path) was reused within one process.
        url = server.create_database(f"ops_cli_{uuid.uuid4().hex}", template=template)
    yield Kiosk(url, data_dir)


def test_report_and_payments_by_date(kiosk: Kiosk) -> None:
    day = today().isoformat()
    before = json.loads(kiosk("admin", "report", "--date", day, "--json").stdout)
    confirmation = pay(kiosk.url, kiosk.data_dir)
    report = json.loads(kiosk("admin", "report", "--date", day, "--json").stdout)

    def added(method: str) -> tuple[int, int]:
        now, then = report["by_method"][method], before["by_method"][method]
        return now["count"] - then["count"], now["cents"] - then["cents"]

    assert (added("card"), added("bank"), added("cash")) == ((1, 2000), (0, 0), (1, 1000))
    assert report["cash_in_acceptor_cents"] - before["cash_in_acceptor_cents"] == 1000
    assert report["declines"] == {"expired_card": 1}
    assert report["total"]["cents"] - before["total"]["cents"] == 3000
    assert [head["kiosk_id"] for head in report["audit_heads"]] == ["OPS-KIOSK"]
    total = report["total"]
    csv_rows = kiosk("admin", "report", "--date", day, "--csv").stdout.splitlines()
    assert f"{day},payments,total,{total['count']},{total['cents']}" in csv_rows
    text = kiosk("admin", "report", "--date", day).stdout
    assert f"total ({total['count']})" in text and "expired_card" in text
    printed = kiosk("admin", "report", "--date", day, "--print").stdout
    # The same lines (and the dummy printer took the job); only the audit chain's head
    # moved: each report is audited.
    assert printed.splitlines()[:-1] == text.splitlines()[:-1]
    assert printed.splitlines()[-1] != text.splitlines()[-1]

    listed = json.loads(kiosk("admin", "payments", "--date", day, "--json").stdout)
    assert {(row["cents"], row["state"]) for row in listed} >= {
        (2000, "succeeded"),
        (1054, "declined"),
        (1000, "succeeded"),
    }
    assert confirmation in {row["confirmation_number"] for row in listed}
    earlier = (today() - dt.timedelta(days=400)).isoformat()
    assert json.loads(kiosk("admin", "payments", "--date", earlier, "--json").stdout) == []
    bad = kiosk("admin", "report", "--date", "25/11/2026", expect=2)
    assert "kiosk admin report: error: argument --date: '25/11/2026' is not a date" in bad.stderr


def test_daily_job_and_receipt_reprint(kiosk: Kiosk) -> None:
    confirmation = pay(kiosk.url, kiosk.data_dir)
    daily = json.loads(kiosk("admin", "daily", "--json").stdout)
    assert daily["day"] == today().isoformat()
    assert daily["report"]["day"] == (today() - dt.timedelta(days=1)).isoformat()

    shown = kiosk("admin", "receipt", confirmation).stdout
    assert "$20.00" in shown and "****2270" in shown and "40152270" not in shown
    data = json.loads(kiosk("admin", "receipt", confirmation, "--json").stdout)
    assert data["confirmation_number"] == confirmation and data["amount_cents"] == 2000
    assert "Printed again." in kiosk("admin", "receipt", confirmation, "--print").stdout
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    offline = kiosk(
        "admin",
        "receipt",
        confirmation,
        "--print",
        expect=1,
        KIOSK_PRINTER_URL=f"network:127.0.0.1:{port}",
    )
    assert offline.stderr.startswith("kiosk admin receipt: error: The receipt could not be printed")
    missing = kiosk("admin", "receipt", "999999999", expect=2)
    assert "no successful payment has confirmation number '999999999'" in missing.stderr


def test_serve_health_endpoint_and_stop(kiosk: Kiosk) -> None:
    pay(kiosk.url, kiosk.data_dir)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = subprocess.Popen(
        [str(KIOSK), "serve", "--no-daily", "--health-port", str(port)],
        env=kiosk.env(KIOSK_LOG_DESTINATION="stdout"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        first = serve.stdout.readline()
        assert first.strip() == f"kiosk serve: health on http://127.0.0.1:{port}/metrics"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            body = response.read().decode()
        assert 'kiosk_payments{outcome="succeeded"} 3' in body  # the seeded one and two now
        assert 'kiosk_payments{outcome="declined"} 1' in body
        assert "kiosk_open_attempts 0" in body
        assert 'kiosk_info{kiosk_id="OPS-KIOSK"} 1' in body
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def test_serve_refuses_a_port_in_use(tmp_path: Path, seeded_sqlite_template: Path) -> None:
    shutil.copyfile(seeded_sqlite_template, tmp_path / "kiosk.sqlite3")
    kiosk = Kiosk(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = kiosk.process("serve", "--once", "--health-port", str(port), expect=2)
    assert done.stderr.startswith(f"kiosk serve: error: cannot serve health on 127.0.0.1:{port}")


def test_config_check_finds_a_typo_with_the_suggestion(tmp_path: Path) -> None:
    kiosk = Kiosk(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path)
    typo = tmp_path / "typo.toml"
    typo.write_text('reconection_fee_cents = 4000\nlog_level = "LOUD"\n', encoding="utf-8")
    done = kiosk("config", "check", str(typo), expect=1)
    assert done.stderr.splitlines() == [
        f"kiosk config check: error: {typo}: unknown setting 'reconection_fee_cents'; "
        "did you mean 'reconnection_fee_cents'?",
        f"kiosk config check: error: {typo}: log_level = 'LOUD': "
        "Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'",
    ]
    broken = tmp_path / "broken.toml"
    broken.write_text("late_fee_cents = \n", encoding="utf-8")
    assert "cannot read the settings file" in kiosk("config", "check", str(broken), expect=2).stderr
    assert "no such file" in kiosk("config", "check", str(tmp_path / "nope.toml"), expect=2).stderr

    # `kiosk config sample` names every setting; the committed sample (made by it; a
    # setting added since is missing from it until it is made again) names only settings,
    # and uncommented it is a valid file of the defaults.
    from kiosk.settings import Settings

    generated = kiosk("config", "sample").stdout
    assert {name for name, _ in _sample_values(generated)} == set(Settings.model_fields)
    sample = REPO / "deploy" / "kiosk.toml.sample"
    values = _sample_values(sample.read_text(encoding="utf-8"))
    assert {name for name, _ in values} <= set(Settings.model_fields), (
        "a setting was renamed or removed: run `kiosk config sample > deploy/kiosk.toml.sample`"
    )
    assert "Settings OK" in kiosk("config", "check", str(sample)).stdout
    uncommented = tmp_path / "uncommented.toml"
    uncommented.write_text("\n".join(v for _, v in values if "[...]" not in v), encoding="utf-8")
    assert "Settings OK" in kiosk("config", "check", str(uncommented)).stdout

    bad_env = kiosk("config", "check", expect=1, KIOSK_LATE_FEE_CENTS="five")
    assert "KIOSK_LATE_FEE_CENTS: late_fee_cents = 'five'" in bad_env.stderr
    refused = kiosk("admin", "payments", expect=2, KIOSK_LATE_FEE_CENTS="five")
    assert refused.stderr.startswith("kiosk: error: bad setting: late_fee_cents")


def test_config_check_names_where_each_bad_value_comes_from(tmp_path: Path) -> None:
    """A bad value is reported once, against the file or the variable that holds it."""
    kiosk = Kiosk(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path)
    bad_file = tmp_path / "kiosk.toml"
    bad_file.write_text('late_fee_cents = "abc"\n', encoding="utf-8")
    done = kiosk("config", "check", expect=1, KIOSK_CONFIG=str(bad_file))
    assert done.stderr.splitlines() == [
        f"kiosk config check: error: {bad_file}: late_fee_cents = 'abc': "
        "Input should be a valid integer, unable to parse string as an integer",
    ]
    good_file = tmp_path / "good.toml"
    good_file.write_text("late_fee_cents = 500\n", encoding="utf-8")
    done = kiosk("config", "check", str(good_file), expect=1, KIOSK_LOG_LEVEL="LOUD")
    assert done.stderr.splitlines() == [
        "kiosk config check: error: KIOSK_LOG_LEVEL: log_level = 'LOUD': "
        "Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'",
    ]


def test_a_time_zone_that_does_not_exist_is_a_bad_setting(tmp_path: Path) -> None:
    """It used to pass `config check`, then end `admin report` with a traceback."""
    kiosk = Kiosk(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path)
    checked = kiosk("config", "check", expect=1, KIOSK_TIMEZONE="America/Chicgo")
    assert "KIOSK_TIMEZONE: timezone = 'America/Chicgo'" in checked.stderr
    assert "no time zone named 'America/Chicgo'" in checked.stderr
    refused = kiosk("admin", "report", expect=2, KIOSK_TIMEZONE="America/Chicgo")
    assert refused.stderr.startswith("kiosk: error: bad setting: timezone")
    assert "Traceback" not in refused.stderr


def _sample_values(text: str) -> list[tuple[str, str]]:
    """``(name, "name = value")`` for each commented-out setting of a sample file."""
    return [
        (line[2:].split(" = ", 1)[0], line[2:])
        for line in text.splitlines()
        if re.match(r"# [a-z0-9_]+ = ", line)
    ]


def test_config_show_names_each_source(tmp_path: Path) -> None:
    kiosk = Kiosk(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path)
    config = tmp_path / "kiosk.toml"
    config.write_text("late_fee_cents = 700\nstore_id = 'STORE-9'\n", encoding="utf-8")
    shown = json.loads(
        kiosk("config", "show", "--json", KIOSK_CONFIG=str(config), KIOSK_STORE_ID="S-ENV").stdout
    )
    assert shown["late_fee_cents"] == {"value": 700, "source": f"file {config}"}
    assert shown["store_id"] == {"value": "S-ENV", "source": "env KIOSK_STORE_ID"}
    assert shown["bill_due_days"] == {"value": 16, "source": "default"}
    text = kiosk("config", "show", KIOSK_CONFIG=str(config)).stdout
    assert any(line.split()[:3] == ["late_fee_cents", "700", "file"] for line in text.splitlines())
    secret = kiosk("config", "show", KIOSK_CONFIG=str(config), KIOSK_SECRET_KEY="k3y-v4lu3").stdout
    assert "k3y-v4lu3" not in secret and "(set, not shown)" in secret  # the audit chain's key


def test_version_usage_and_help_for_every_option(tmp_path: Path) -> None:
    kiosk = Kiosk(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", tmp_path)
    from importlib.metadata import version

    assert kiosk.process("--version").stdout.strip() == f"kiosk {version('accessible-kiosk')}"
    assert "kiosk config check: error:" in kiosk.process("config", "check", "nope", expect=2).stderr
    speech = kiosk("speech", expect=2)
    assert "usage: kiosk speech" in speech.stderr and "kiosk speech: error:" in speech.stderr
    assert "usage: kiosk config" in kiosk("config", expect=2).stderr

    from kiosk.cli import build_parser

    missing = []
    for command in ("run", "tty", "speech", "admin", "config", "serve", "db"):
        for parser in _parsers(build_parser([command])):
            for action in parser._actions:
                if action.help is None and not isinstance(action, argparse._SubParsersAction):
                    missing.append(
                        f"{parser.prog} {'/'.join(action.option_strings) or action.dest}"
                    )
    assert not missing, missing


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)
