"""Structured logging (structlog, one JSON object per line) that cannot leak secrets.

Every event goes through :func:`mask_secrets` before it is rendered: keys that
name a secret (PIN, card number, CVV, track data) are dropped whatever their
value, and numbers that look like an account, phone or card number are cut to
their last 4 digits (``40152270`` -> ``****2270``). So a careless
``log.info("x", account=number)`` still logs nothing a thief could use.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, TextIO

import structlog

if TYPE_CHECKING:
    from kiosk.settings import Settings

# Keys never logged, whatever they hold (compared lower-case, "-" read as "_").
SECRET_KEYS = frozenset(
    {
        "pin",
        "pin4",
        "new_pin",
        "pin_hash",
        "card_number",
        "pan",
        "cvv",
        "cvc",
        "cvv2",
        "track",
        "track1",
        "track2",
        "track_data",
        "pin_block",
        "password",
    }
)
# Keys whose long digit strings are safe to show in full (derived, not identifying).
SHOWN_IN_FULL = frozenset({"confirmation", "confirmation_number", "attempt", "attempt_id"})
# A standalone run of 8 or more digits (account 8, phone 10-11, card 13-19),
# possibly grouped by single spaces or dashes like "4111 1111 1111 1111".
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){7,}(?![0-9A-Za-z])")


def mask_number(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group())
    return f"****{digits[-4:]}"


def mask_text(text: str) -> str:
    """Every long digit run in ``text`` cut to ``****`` plus its last 4 digits."""
    return _LONG_NUMBER.sub(mask_number, text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return _mask_mapping(value)
    if isinstance(value, list | tuple):
        return [_mask_value(item) for item in value]
    return value


def _is_secret(key: str) -> bool:
    return key.lower().replace("-", "_") in SECRET_KEYS


def _mask_mapping(mapping: MutableMapping[str, Any]) -> dict[str, Any]:
    return {
        key: value if key in SHOWN_IN_FULL else _mask_value(value)
        for key, value in mapping.items()
        if not _is_secret(str(key))
    }


def mask_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: drop secret keys, mask long numbers everywhere else."""
    masked = _mask_mapping(event_dict)
    event_dict.clear()
    event_dict.update(masked)
    return event_dict


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Log JSON lines to ``stream`` (default: the current standard error) from ``level`` up."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            mask_secrets,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=stream or _CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


def _processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        mask_secrets,
    ]


def configure_handler(handler: logging.Handler, level: int = logging.INFO) -> None:
    """Send structlog's events and the standard library's records, as masked JSON lines,
    to one ``handler`` (a rotating file, standard output or the journal) from ``level`` up."""
    structlog.configure(
        processors=[*_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(sort_keys=True),
            ],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *_processors()],
        )
    )
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)


class JournaldHandler(logging.Handler):
    """Writes each record to systemd's journal over its native socket (no library needed):
    one datagram of ``KEY=value`` lines with the message, its priority and the program."""

    SOCKET = "/run/systemd/journal/socket"
    PRIORITIES = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}

    def __init__(self, identifier: str = "kiosk", socket_path: str = SOCKET) -> None:
        import socket

        super().__init__()
        self.identifier = identifier
        self.socket_path = socket_path
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = {
                "MESSAGE": self.format(record),
                "PRIORITY": str(self.PRIORITIES.get(record.levelname, 6)),
                "SYSLOG_IDENTIFIER": self.identifier,
                "LOGGER": record.name,
            }
            datagram = b"".join(_journal_field(key, value) for key, value in fields.items())
            self._socket.sendto(datagram, self.socket_path)
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        self._socket.close()
        super().close()


def _journal_field(key: str, value: str) -> bytes:
    """One field of the journal's native protocol (a value with a newline is length-framed)."""
    data = value.encode("utf-8")
    if b"\n" not in data:
        return key.encode() + b"=" + data + b"\n"
    return key.encode() + b"\n" + len(data).to_bytes(8, "little") + data + b"\n"


def handler_for(settings: Settings, interactive: bool) -> logging.Handler:
    """The handler the settings ask for. A channel with a customer on its terminal
    (``interactive``) never logs to standard output: it writes the file instead."""
    import logging.handlers
    from pathlib import Path

    from kiosk.settings import data_dir

    if settings.log_destination == "journald":
        return JournaldHandler()
    if settings.log_destination == "stdout" and not interactive:
        return logging.StreamHandler(sys.stdout)
    path = Path(settings.log_file) if settings.log_file else Path(data_dir()) / "kiosk.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return logging.handlers.RotatingFileHandler(
            path,
            maxBytes=settings.log_file_max_bytes,
            backupCount=settings.log_file_backups,
            encoding="utf-8",
        )
    except OSError:
        # A read-only or full data directory: the kiosk goes out of service, and its
        # logs must still not land on the customer's screen. Standard error when it is
        # not a terminal (a service manager collects it), else nowhere.
        if sys.stderr.isatty():
            return logging.NullHandler()
        return logging.StreamHandler(sys.stderr)


def log_as_configured(interactive: bool = False) -> None:
    """Logging as the settings say: ``log_level``, ``log_destination`` (file, stdout,
    journald), ``log_file`` with ``log_file_max_bytes`` and ``log_file_backups``."""
    from kiosk.settings import get_settings

    settings = get_settings()
    configure_handler(handler_for(settings, interactive), getattr(logging, settings.log_level))


def log_to_data_dir() -> None:
    """Logging for every interactive channel: a log line written to the terminal lands in
    the middle of what the customer is reading, so by default to ``kiosk.log`` in the
    data directory (rotated), or the journal."""
    log_as_configured(interactive=True)


def get_logger(component: str) -> Any:
    """A logger for one part of the kiosk; configures JSON logging if nobody has yet."""
    if not structlog.is_configured():
        configure()
    return structlog.get_logger(component=component)
