"""The audit trail: append-only, keyed hash chain per kiosk, anchored outside the database.

Every entry's hash is an HMAC, under the kiosk's secret key (kept outside the
database, :mod:`kiosk.services.keys`), of its content and the previous entry's
hash: a changed or deleted row breaks the chain, and without the key no one can
recompute it after an edit. After each commit that appended entries, the chain's
new head is appended to a head file outside the database (one per kiosk, in the
data directory, each line with its own HMAC), so deleting the newest entries, or
all of them, leaves a head the database no longer holds: ``verify_chain`` reports
it. Each payment's journal line (:mod:`kiosk.payments.payment_journal`) carries the
last head too. Secrets (PINs, card data) never go in ``detail``; account numbers are masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Pool,
    Select,
    bindparam,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

from kiosk.services.keys import audit_head_path as head_file
from kiosk.services.keys import kiosk_key
from kiosk.settings import Settings
from kiosk.store.db import connection_of
from kiosk.store.models import AuditEntry, utcnow
from kiosk.store.prepared import run

GENESIS = "0" * 64
_HEADS = "audit_heads"  # connection.info: chain heads appended in the open transaction
_COMMITTING = "audit_heads_committing"  # ...whose commit has been asked, outcome unknown
_HeadsByKiosk = dict[str, tuple[str, bytes, Path]]  # kiosk id -> (head, key, head file)
log = logging.getLogger(__name__)


def mask_account(number: str) -> str:
    """Only the last 4 digits of an account number ever leave the database."""
    return f"****{number[-4:]}" if len(number) > 4 else "****"


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


def _body(fields: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            **{c: fields[c] for c in _HASHED_COLUMNS},
            "at": fields["at"].astimezone(dt.UTC).isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def _digest_fields(fields: dict[str, Any], key: bytes | None) -> str:
    """The entry's hash: an HMAC under ``key``, or the plain SHA-256 of older entries."""
    if key is None:
        return hashlib.sha256(_body(fields)).hexdigest()
    return hmac.new(key, _body(fields), hashlib.sha256).hexdigest()


def _head_mac(key: bytes, kiosk_id: str, head: str) -> str:
    return hmac.new(key, f"head\0{kiosk_id}\0{head}".encode(), hashlib.sha256).hexdigest()


def record(
    session: Session | Connection,
    *,
    settings: Settings,
    actor: str,
    action: str,
    outcome: str,
    resource: str = "",
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append an entry to this kiosk's chain inside the caller's transaction; its head
    is anchored outside the database when that transaction commits."""
    kiosk_id = settings.kiosk_id
    key = kiosk_key(settings)
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
    digest = _digest_fields(fields, key)
    run(connection, _insert_entry(), {**fields, "keyed": True, "hash": digest})
    heads: _HeadsByKiosk = connection.info.setdefault(_HEADS, {})
    heads[kiosk_id] = (digest, key, head_file(settings))


# SQLAlchemy's "commit" event runs *before* the database commits, and a commit can still
# fail there (locked, disk full, server gone). So the heads move from "appended" to
# "committing" at that event, are dropped if the commit raises (handle_error), and are
# anchored only once the commit is known to have succeeded: when the connection goes back
# to the pool, or when it begins its next transaction.
@event.listens_for(Engine, "commit")
def _heads_committing(connection: Connection) -> None:
    heads: _HeadsByKiosk | None = connection.info.pop(_HEADS, None)
    if heads:
        connection.info.setdefault(_COMMITTING, {}).update(heads)


@event.listens_for(Engine, "handle_error")
def _commit_failed(context: ExceptionContext) -> None:
    """Any error while heads await their commit's outcome: that commit did not happen."""
    if context.connection is None:
        return
    try:
        context.connection.info.pop(_COMMITTING, None)
    except Exception:  # an invalidated connection has no info left: nothing to drop
        log.debug("audit heads: connection gone", exc_info=True)


@event.listens_for(Engine, "begin")
def _anchor_before_next_transaction(connection: Connection) -> None:
    _anchor_heads(connection.info.pop(_COMMITTING, None))


@event.listens_for(Pool, "checkin")
def _anchor_on_checkin(_dbapi_connection: object, record: ConnectionPoolEntry | None) -> None:
    if record is not None:
        _anchor_heads(record.info.pop(_COMMITTING, None))


def _anchor_heads(heads: _HeadsByKiosk | None) -> None:
    """Append each committed chain's new head to its head file. A head that cannot be
    written (disk full) only leaves the anchor behind the database; the committed
    entries stand and are still checked by their keyed chain."""
    if not heads:
        return
    for kiosk_id, (digest, key, path) in heads.items():
        line = {
            "kiosk": kiosk_id,
            "head": digest,
            "at": dt.datetime.now(dt.UTC).isoformat(),
            "mac": _head_mac(key, kiosk_id, digest),
        }
        _anchored[kiosk_id] = line
        try:
            _append(path, json.dumps(line, sort_keys=True) + "\n")
        except OSError as error:
            log.warning("audit head not written to %s: %s", path, error)


_anchored: dict[str, dict[str, str]] = {}  # the last head this process anchored, per kiosk


def last_anchor(kiosk_id: str) -> dict[str, str] | None:
    """The newest chain head this process anchored for ``kiosk_id`` (with its HMAC), for
    other files kept outside the database to carry too (each payment's journal line)."""
    return _anchored.get(kiosk_id)


@event.listens_for(Engine, "rollback")
def _forget_heads(connection: Connection) -> None:
    connection.info.pop(_HEADS, None)


def _append(path: Path, line: str) -> None:
    data = line.encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)  # one write: O_APPEND keeps lines whole between writers
    finally:
        os.close(fd)


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


@dataclass(frozen=True)
class Head:
    """The newest chain head the head file holds for one kiosk."""

    kiosk_id: str
    head: str
    at: str


def read_heads(settings: Settings) -> tuple[dict[str, list[Head]], list[ChainProblem]]:
    """Every genuine head anchored outside the database, per kiosk: the head file's lines
    and the heads carried by the payment journal's lines; and problems with them (a line
    whose HMAC does not match was written or changed by someone else)."""
    from kiosk.payments.payment_journal import PaymentJournal

    key = kiosk_key(settings)
    heads: dict[str, list[Head]] = {}
    problems: list[ChainProblem] = []
    path = head_file(settings)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        lines = []
    anchors: list[tuple[str, object]] = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            anchors.append((f"{path.name} line {number}", json.loads(raw)))
        except ValueError:
            if number < len(lines):  # only the last line may be torn by a crash
                problems.append(ChainProblem("", None, f"{path.name} line {number} is damaged"))
    journal = PaymentJournal.for_settings(settings)
    for line in journal.lines():
        if isinstance(line.get("audit_head"), dict):
            anchors.append((f"{journal.path.name} ({line.get('key', '')})", line["audit_head"]))
    for where, anchor in anchors:
        try:
            if not isinstance(anchor, dict):
                raise KeyError("kiosk")
            kiosk_id, head, mac = str(anchor["kiosk"]), str(anchor["head"]), str(anchor["mac"])
        except KeyError:
            problems.append(ChainProblem("", None, f"{where} is damaged"))
            continue
        if not hmac.compare_digest(mac, _head_mac(key, kiosk_id, head)):
            problems.append(ChainProblem(kiosk_id, None, f"{where} was not written here"))
            continue
        heads.setdefault(kiosk_id, []).append(Head(kiosk_id, head, str(anchor.get("at", ""))))
    return heads, problems


def verify_chain(
    session: Session, settings: Settings, kiosks: list[str] | None = None
) -> list[ChainProblem]:
    """Check the chains (of ``kiosks``, default every kiosk's) against the key and the
    head file; an empty list means the log is intact.

    Finds: a changed entry (its HMAC), a deleted or inserted one (the links), a plain
    entry after a keyed one (a chain recomputed without the key), and entries deleted
    from the end, or all of them (the head file holds a head the database does not).
    """
    key = kiosk_key(settings)
    problems: list[ChainProblem] = []
    query = select(AuditEntry).order_by(AuditEntry.kiosk_id, AuditEntry.id)
    if kiosks is not None:
        query = query.where(AuditEntry.kiosk_id.in_(kiosks))
    expected: dict[str, str] = {}
    keyed_seen: set[str] = set()
    held: dict[str, set[str]] = {}
    for entry in session.scalars(query):
        kiosk_id = entry.kiosk_id
        if entry.prev_hash != expected.get(kiosk_id, GENESIS):
            problems.append(
                ChainProblem(kiosk_id, entry.id, "an earlier entry was changed or deleted")
            )
        fields = {column: getattr(entry, column) for column in _HASHED_COLUMNS}
        if entry.keyed:
            keyed_seen.add(kiosk_id)
            right = hmac.compare_digest(_digest_fields(fields, key), entry.hash)
        else:
            right = _digest_fields(fields, None) == entry.hash
            if kiosk_id in keyed_seen:
                problems.append(
                    ChainProblem(
                        kiosk_id, entry.id, "an unkeyed entry after keyed ones (a recomputed chain)"
                    )
                )
        if not right:
            problems.append(ChainProblem(kiosk_id, entry.id, "this entry was changed"))
        expected[kiosk_id] = entry.hash
        held.setdefault(kiosk_id, set()).add(entry.hash)
    heads, head_problems = read_heads(settings)
    problems += [
        p for p in head_problems if kiosks is None or p.kiosk_id in kiosks or not p.kiosk_id
    ]
    for kiosk_id, anchored in heads.items():
        if kiosks is not None and kiosk_id not in kiosks:
            continue
        missing = [head for head in anchored if head.head not in held.get(kiosk_id, set())]
        if missing:
            what = "every entry" if kiosk_id not in held else "the newest entries"
            problems.append(
                ChainProblem(
                    kiosk_id,
                    None,
                    f"{what} of the chain were deleted: {len(missing)} of its heads written "
                    f"outside the database (the last at {missing[-1].at}) are not in it",
                )
            )
    return problems
