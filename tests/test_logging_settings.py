"""Logging as the settings say: level, a rotating file, standard output, the journal's
native socket (a real Unix datagram socket standing in for journald's)."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import logging as kiosk_logging
from kiosk.settings import Settings


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    kiosk_logging.configure()


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'k.sqlite3'}", **values)  # type: ignore[arg-type]


def test_rotating_file_at_the_level_set(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "kiosk.log"
    chosen = settings(
        tmp_path,
        log_file=str(log_file),
        log_file_max_bytes=10_000,
        log_file_backups=2,
        log_level="WARNING",
    )
    handler = kiosk_logging.handler_for(chosen, interactive=True)
    kiosk_logging.configure_handler(handler, logging.WARNING)
    log = kiosk_logging.get_logger("test")
    for number in range(400):
        log.warning("payment.checked", account="40152270", n=number)
        log.info("not kept")
    logging.getLogger("kiosk.other").warning("plain %s", "standard library")
    handler.flush()
    files = sorted(p.name for p in log_file.parent.iterdir())
    assert files == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]  # rotated, 2 kept
    assert all(p.stat().st_size <= 10_000 for p in log_file.parent.iterdir())
    lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert lines[-1]["event"] == "plain standard library" and lines[-1]["level"] == "warning"
    checked = [line for line in lines if line["event"] == "payment.checked"]
    assert checked and all(line["account"] == "****2270" for line in checked)
    assert checked[-1]["n"] == 399
    assert not any(line["event"] == "not kept" for line in lines)


def test_stdout_only_for_services(tmp_path: Path) -> None:
    chosen = settings(tmp_path, log_destination="stdout", log_file=str(tmp_path / "k.log"))
    service = kiosk_logging.handler_for(chosen, interactive=False)
    assert type(service) is logging.StreamHandler
    # A customer's terminal never gets log lines: a channel writes the file instead.
    channel = kiosk_logging.handler_for(chosen, interactive=True)
    assert isinstance(channel, logging.handlers.RotatingFileHandler)
    channel.close()


def test_journald_native_protocol(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as journal:
        journal.bind(path)
        journal.settimeout(5)
        handler = kiosk_logging.JournaldHandler(socket_path=path)
        kiosk_logging.configure_handler(handler, logging.INFO)
        kiosk_logging.get_logger("payments").error("payment.failed", card_number="4111")
        datagram = journal.recv(65536)
    handler.close()
    fields = dict(line.split("=", 1) for line in datagram.decode().splitlines())
    assert fields["PRIORITY"] == "3" and fields["SYSLOG_IDENTIFIER"] == "kiosk"
    message = json.loads(fields["MESSAGE"])
    assert message["event"] == "payment.failed" and "card_number" not in message
    assert kiosk_logging._journal_field("MESSAGE", "a\nb") == (
        b"MESSAGE\n" + (3).to_bytes(8, "little") + b"a\nb\n"
    )
