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
from typing import Any, TextIO

import structlog

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


def log_to_data_dir() -> None:
    """Send the logs to ``kiosk.log`` in the data directory.

    For every interactive channel: a log line written to the terminal lands in the
    middle of what the customer is reading.
    """
    import os
    from pathlib import Path

    from kiosk.settings import data_dir

    directory = Path(data_dir())
    stream: TextIO
    try:
        directory.mkdir(parents=True, exist_ok=True)
        stream = (directory / "kiosk.log").open("a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    except OSError:
        # A read-only or full data directory: the kiosk goes out of service, and
        # its logs must still not land on the customer's screen. Standard error
        # when it is not a terminal (a service manager collects it), else nowhere.
        stream = (
            sys.stderr if not sys.stderr.isatty() else open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        )
    configure(stream=stream)
    logging.basicConfig(stream=stream, level=logging.INFO, force=True)


def get_logger(component: str) -> Any:
    """A logger for one part of the kiosk; configures JSON logging if nobody has yet."""
    if not structlog.is_configured():
        configure()
    return structlog.get_logger(component=component)
