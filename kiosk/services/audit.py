"""The audit trail: append-only and hash-chained per kiosk.

Every entry's hash covers its content and the previous entry's hash, so a
changed or deleted row breaks the chain and ``verify_chain`` finds it. Secrets
(PINs, card data) never go in ``detail``; account numbers are masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Select, bindparam, insert, select, text
from sqlalchemy.orm import Session

from kiosk.store.db import connection_of
from kiosk.store.models import AuditEntry, utcnow
from kiosk.store.prepared import run

GENESIS = "0" * 64


def mask_account(number: str) -> str:
    """Only the last 4 digits of an account number ever leave the database."""
    return f"****{number[-4:]}" if len(number) > 4 else "****"


def _digest(entry: AuditEntry) -> str:
    return _digest_fields(
        {column: getattr(entry, column) for column in _HASHED_COLUMNS}  # type: ignore[misc]
    )


_HASHED_COLUMNS = (
    "at",
    "kiosk_id",
    "actor",
    "action",
    "resource",
    "outcome",
    "detail",
    "prev_hash",
)


def _digest_fields(fields: dict[str, Any]) -> str:
    body = json.dumps(
        {**fields, "at": fields["at"].astimezone(dt.UTC).isoformat()},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session | Connection,
    *,
    kiosk_id: str,
    actor: str,
    action: str,
    outcome: str,
    resource: str = "",
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append an entry to this kiosk's chain inside the caller's transaction."""
    connection = connection_of(session)
    if connection.dialect.name == "postgresql":
        # Serialise appends to one kiosk's chain across connections.
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": kiosk_id})
    previous = run(connection, _chain_head(), {"kiosk_id": kiosk_id}).scalar()
    fields: dict[str, Any] = {
        "at": at or utcnow(),
        "kiosk_id": kiosk_id,
        "actor": actor,
        "action": action,
        "resource": resource,
        "outcome": outcome,
        "detail": detail or {},
        "prev_hash": previous or GENESIS,
    }
    run(connection, _insert_entry(), {**fields, "hash": _digest_fields(fields)})


# Built once: every payment appends to the chain (building costs more than executing).
@cache
def _chain_head() -> Select[str]:
    return (
        select(AuditEntry.hash)
        .where(AuditEntry.kiosk_id == bindparam("kiosk_id"))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


@cache
def _insert_entry() -> Insert:
    return insert(AuditEntry)


@dataclass(frozen=True)
class ChainProblem:
    kiosk_id: str
    entry_id: int | None
    problem: str


def verify_chain(session: Session) -> list[ChainProblem]:
    """Check every kiosk's chain; an empty list means the log is intact."""
    problems: list[ChainProblem] = []
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.kiosk_id, AuditEntry.id))
    expected: dict[str, str] = {}
    for entry in entries:
        previous = expected.get(entry.kiosk_id, GENESIS)
        if entry.prev_hash != previous:
            problems.append(
                ChainProblem(entry.kiosk_id, entry.id, "an earlier entry was changed or deleted")
            )
        if _digest(entry) != entry.hash:
            problems.append(ChainProblem(entry.kiosk_id, entry.id, "this entry was changed"))
        expected[entry.kiosk_id] = entry.hash
    return problems
