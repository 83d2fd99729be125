"""The kiosk's own payment journal: an append-only, fsynced file beside the database.

Like a card terminal's batch, it keeps what the kiosk sent and what the
terminal answered even when the main database is locked, full, lost or
corrupted. The payment core writes a line *before* it acts:

- ``sent``: the attempt (key, account, cents, method) just before the terminal is asked;
  if this line cannot be written, the terminal is not asked;
- ``outcome``: the terminal's answer, before the database records it;
- ``unknown``: the terminal gave no answer.

``kiosk admin reconcile`` reads it back to settle attempts whose database rows
are stuck or lost (see :mod:`kiosk.payments.recovery`). The file holds account
numbers and amounts, so it is as private as the database (mode 0600).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.payments.methods import ChargeResult


@dataclass
class JournalRecord:
    """Everything the journal knows about one idempotency key, its lines merged."""

    key: str
    kiosk_id: str = ""
    attempt_id: int | None = None
    account_number: str = ""
    cents: int = 0
    fee_cents: int = 0
    method: str = ""
    reconnect: bool = False
    sent_at: str = ""
    outcome: ChargeResult | None = None
    unknown: bool = False
    events: list[str] = field(default_factory=list)


class PaymentJournal:
    """Append-only JSON lines, each one written and fsynced before the caller goes on."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @classmethod
    def for_settings(cls, settings: Any) -> PaymentJournal:
        """The journal a kiosk keeps: ``payment_journal_path`` or one per kiosk in the data dir."""
        from kiosk.settings import data_dir

        configured = getattr(settings, "payment_journal_path", "")
        if configured:
            return cls(configured)
        return cls(data_dir() / f"payments-{settings.kiosk_id}.jsonl")

    # ---------------------------------------------------------------- write
    def append(self, event: str, **fields: object) -> None:
        """Write one line and fsync it.

        Raises:
            OSError: the line is not durable (disk full, read-only, gone); the
                caller must not act as if it were.
        """
        line = {"event": event, "at": dt.datetime.now(dt.UTC).isoformat(), **fields}
        anchor = _audit_anchor(str(fields.get("kiosk_id", "")))
        if anchor is not None:  # the audit chain's head, kept outside the database here too
            line["audit_head"] = anchor
        data = (json.dumps(line, sort_keys=True, default=str) + "\n").encode()
        created = not self.path.exists()
        if created:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            written = os.write(fd, data)  # one write: O_APPEND keeps lines whole between writers
            if written != len(data):
                raise OSError(f"short write to the payment journal ({written} of {len(data)})")
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_directory(self.path.parent)

    def sent(
        self,
        *,
        key: str,
        kiosk_id: str,
        attempt_id: int,
        account_number: str,
        cents: int,
        fee_cents: int,
        method: str,
        reconnect: bool,
        audit_head: dict[str, str] | None = None,
    ) -> None:
        """``audit_head``: the audit chain's last anchored head, kept here as well so
        the audit log cannot be cut short without this file (``kiosk.services.audit``)."""
        extra = {"audit_head": audit_head} if audit_head else {}
        self.append(
            "sent",
            **extra,
            key=key,
            kiosk_id=kiosk_id,
            attempt_id=attempt_id,
            account_number=account_number,
            cents=cents,
            fee_cents=fee_cents,
            method=method,
            reconnect=reconnect,
        )

    def outcome(self, key: str, result: ChargeResult) -> None:
        self.append(
            "outcome",
            key=key,
            approved=result.approved,
            processor_ref=result.processor_ref,
            brand=result.brand,
            last4=result.last4,
            decline_code=result.decline_code,
            decline_reason=result.decline_reason,
            how_to_fix=result.how_to_fix,
        )

    def unknown(self, key: str) -> None:
        self.append("unknown", key=key)

    # ----------------------------------------------------------------- read
    def lines(self) -> Iterator[dict[str, Any]]:
        """Every whole line; a line torn by a crash (no newline, bad JSON) is skipped."""
        try:
            text = self.path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return
        for raw in text.split("\n"):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if isinstance(line, dict) and isinstance(line.get("key"), str):
                yield line

    def records(self) -> dict[str, JournalRecord]:
        """Lines merged per key, in the order keys were first written."""
        records: dict[str, JournalRecord] = {}
        for line in self.lines():
            record = records.setdefault(line["key"], JournalRecord(line["key"]))
            event = str(line.get("event"))
            record.events.append(event)
            if event == "sent":
                record.kiosk_id = str(line.get("kiosk_id", ""))
                record.attempt_id = line.get("attempt_id")
                record.account_number = str(line.get("account_number", ""))
                record.cents = int(line.get("cents", 0))
                record.fee_cents = int(line.get("fee_cents", 0))
                record.method = str(line.get("method", ""))
                record.reconnect = bool(line.get("reconnect", False))
                record.sent_at = str(line.get("at", ""))
            elif event == "outcome":
                record.outcome = ChargeResult(
                    approved=bool(line.get("approved")),
                    processor_ref=str(line.get("processor_ref", "")),
                    brand=str(line.get("brand", "")),
                    last4=str(line.get("last4", "")),
                    decline_code=str(line.get("decline_code", "")),
                    decline_reason=str(line.get("decline_reason", "")),
                    how_to_fix=str(line.get("how_to_fix", "")),
                )
            elif event == "unknown":
                record.unknown = True
        return records


def _audit_anchor(kiosk_id: str) -> dict[str, str] | None:
    """The newest audit chain head this process anchored for the kiosk (with its HMAC)."""
    if not kiosk_id:
        return None
    from kiosk.services.audit import last_anchor

    return last_anchor(kiosk_id)


def _fsync_directory(directory: Path) -> None:
    """Make a new file's name durable too (a crash could otherwise lose the whole file)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
