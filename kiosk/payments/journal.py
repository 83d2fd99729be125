"""The processor side of the simulators: a small SQLite file of charges by key.

It lives outside the kiosk's database on purpose: like a real processor it
remembers what it charged when the kiosk crashes, so crash tests can check
that every charge was recorded exactly once by the kiosk.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from kiosk.payments.methods import ChargeResult, ProcessorCharge

_SCHEMA = """
CREATE TABLE IF NOT EXISTS charges (
    key TEXT PRIMARY KEY,
    cents INTEGER NOT NULL,
    approved INTEGER NOT NULL,
    processor_ref TEXT, brand TEXT, last4 TEXT,
    decline_code TEXT, decline_reason TEXT, how_to_fix TEXT,
    at TEXT
)
"""
_ESCROW_SCHEMA = """
CREATE TABLE IF NOT EXISTS cash_escrow (
    id INTEGER PRIMARY KEY,
    acceptor TEXT NOT NULL,
    cents INTEGER NOT NULL,
    state TEXT NOT NULL,
    key TEXT,
    at TEXT NOT NULL,
    settled_at TEXT,
    owner TEXT
)
"""
_JAMS_CLEARED_SCHEMA = """
CREATE TABLE IF NOT EXISTS cash_jams_cleared (
    jam INTEGER PRIMARY KEY,
    acceptor TEXT NOT NULL,
    stuck_cents INTEGER NOT NULL,
    found_cents INTEGER NOT NULL,
    cleared_by TEXT NOT NULL,
    cleared_at TEXT NOT NULL
)
"""
STRANDED = "stranded"  # the key of bills a start-up hand-back settled
_COLUMNS = "approved, processor_ref, brand, last4, decline_code, decline_reason, how_to_fix"
ESCROW_HELD, ESCROW_STACKED, ESCROW_RETURNED, ESCROW_STUCK = "held", "stacked", "returned", "stuck"
"""A bill in the acceptor's escrow: held (waiting), stacked (paid into the cash box),
returned (handed back out of the slot), stuck (jammed: staff must open the acceptor).
A bill settled by the start-up hand-back has ``key`` = ``STRANDED``.
``owner`` names the kiosk process whose session put the bill in (see
:func:`kiosk.payments.cash.process_owner`): only bills of a dead owner are stranded."""


@dataclass(frozen=True)
class Jam:
    """Bills that jammed together (one hand-back that failed): ``jam`` is the number
    staff quote (its first bill's row), ``since`` when it jammed; ``cleared_by``,
    ``cleared_at`` and ``found_cents`` once staff opened the acceptor."""

    jam: int
    acceptor: str
    cents: int
    since: str
    cleared_by: str = ""
    cleared_at: str = ""
    found_cents: int | None = None

    @property
    def cleared(self) -> bool:
        return bool(self.cleared_at)


class JamNotFound(LookupError):
    """No jam has that number."""


class JamAlreadyCleared(ValueError):
    """The jam was cleared before; ``jam`` says by whom and when."""

    def __init__(self, jam: Jam) -> None:
        super().__init__(f"cash jam {jam.jam} was already cleared")
        self.jam = jam


class ProcessorJournal:
    """Charges by idempotency key; ``":memory:"`` for a journal that dies with the process."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(path), timeout=30, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._db.execute(_ESCROW_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(charges)")}
        if "at" not in columns:  # a journal from before list_since
            self._db.execute("ALTER TABLE charges ADD COLUMN at TEXT")
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(cash_escrow)")}
        if "owner" not in columns:  # a journal from before escrow owners
            self._db.execute("ALTER TABLE cash_escrow ADD COLUMN owner TEXT")
        if "jam" not in columns:  # a journal from before jams were cleared by staff
            self._db.execute("ALTER TABLE cash_escrow ADD COLUMN jam INTEGER")
        self._db.execute(_JAMS_CLEARED_SCHEMA)

    def record_once(
        self,
        key: str,
        cents: int,
        result: ChargeResult,
        *,
        stack_escrow_of: str = "",
        escrow_owner: str | None = None,
    ) -> ChargeResult:
        """Store ``result`` for ``key`` unless one is there; return the stored one.

        ``stack_escrow_of``: an acceptor whose held bills an approved charge stacks into
        the cash box, in the same transaction, so a crash never leaves bills both paid
        and "held" (to be handed back); only ``escrow_owner``'s bills when given."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                existing = self._get(key)
                if existing is not None:
                    self._db.execute("COMMIT")
                    return existing
                fields = asdict(result)
                self._db.execute(
                    "INSERT INTO charges VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        key,
                        cents,
                        int(result.approved),
                        fields["processor_ref"],
                        fields["brand"],
                        fields["last4"],
                        fields["decline_code"],
                        fields["decline_reason"],
                        fields["how_to_fix"],
                        dt.datetime.now(dt.UTC).isoformat(),
                    ),
                )
                if stack_escrow_of and result.approved:
                    self._settle_escrow(stack_escrow_of, ESCROW_STACKED, key, escrow_owner)
                self._db.execute("COMMIT")
                return result
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # ------------------------------------------------------------ cash escrow
    def escrow_add(self, acceptor: str, cents: int, owner: str | None = None) -> int:
        """A bill went into ``acceptor``'s escrow for ``owner``; returns the cents held
        there now for that owner (every owner's when None)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO cash_escrow (acceptor, cents, state, at, owner) VALUES (?,?,?,?,?)",
                (acceptor, cents, ESCROW_HELD, dt.datetime.now(dt.UTC).isoformat(), owner),
            )
            return self._held(acceptor, owner)

    def escrow_held(self, acceptor: str, owner: str | None = None) -> int:
        """Cents in ``acceptor``'s escrow: bills in, neither paid nor handed back
        (``owner``'s only when given)."""
        with self._lock:
            return self._held(acceptor, owner)

    def escrow_held_by_owner(self, acceptor: str) -> dict[str, int]:
        """Held cents of ``acceptor`` by owner ("" for bills from before owners were kept)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT COALESCE(owner, ''), SUM(cents) FROM cash_escrow "
                "WHERE acceptor = ? AND state = ? GROUP BY COALESCE(owner, '')",
                (acceptor, ESCROW_HELD),
            ).fetchall()
        return {str(owner): int(cents) for owner, cents in rows}

    def escrow_settle(
        self, acceptor: str, state: str, owner: str | None = None, why: str | None = None
    ) -> int:
        """Every held bill of ``acceptor`` (``owner``'s only when given; "" = bills with
        no owner on record) is now ``state``; returns their cents. ``why`` is kept in
        the bill's key column (``STRANDED``: settled by the start-up hand-back)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cents = self._held(acceptor, owner)
                self._settle_escrow(acceptor, state, why, owner)
                self._db.execute("COMMIT")
                return cents
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def escrow_stuck(self) -> dict[str, int]:
        """Cents jammed in each acceptor and not yet cleared by staff, by acceptor."""
        stuck: dict[str, int] = {}
        for jam in self.escrow_jams():
            stuck[jam.acceptor] = stuck.get(jam.acceptor, 0) + jam.cents
        return stuck

    def escrow_jams(self, *, cleared: bool = False) -> list[Jam]:
        """The jams not yet cleared, oldest first (every jam, cleared ones too, when
        ``cleared``). The bills of one jam are those one failed hand-back left stuck."""
        with self._lock:
            return [jam for jam in self._jams() if cleared or not jam.cleared]

    def escrow_clear_jam(self, jam: int, cleared_by: str, found_cents: int) -> Jam:
        """Record jam ``jam`` cleared: staff opened the acceptor and found ``found_cents``.

        Raises:
            JamNotFound: no jam has that number.
            JamAlreadyCleared: it was cleared before (nothing changes).
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                found = next((each for each in self._jams() if each.jam == jam), None)
                if found is None:
                    raise JamNotFound(f"no cash jam {jam}")
                if found.cleared:
                    raise JamAlreadyCleared(found)
                at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
                self._db.execute(
                    "UPDATE cash_escrow SET jam = ? WHERE state = ? AND acceptor = ? "
                    "AND settled_at = ? AND jam IS NULL",
                    (jam, ESCROW_STUCK, found.acceptor, found.since),
                )
                self._db.execute(
                    "INSERT INTO cash_jams_cleared VALUES (?,?,?,?,?,?)",
                    (jam, found.acceptor, found.cents, found_cents, cleared_by, at),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return Jam(jam, found.acceptor, found.cents, found.since, cleared_by, at, found_cents)

    def _jams(self) -> list[Jam]:
        rows = self._db.execute(
            "SELECT MIN(e.id), e.acceptor, SUM(e.cents), e.settled_at, "
            "c.cleared_by, c.cleared_at, c.found_cents FROM cash_escrow e "
            "LEFT JOIN cash_jams_cleared c ON c.jam = e.jam WHERE e.state = ? "
            "GROUP BY e.acceptor, e.settled_at, e.jam ORDER BY MIN(e.id)",
            (ESCROW_STUCK,),
        ).fetchall()
        return [
            Jam(int(first), acceptor, int(cents), since, by or "", at or "", found)
            for first, acceptor, cents, since, by, at, found in rows
        ]

    def escrow_day(self, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
        """(cents handed back by a start-up, cents that jammed) with bills settled in
        [start, end): for the end-of-day report."""
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(CASE WHEN state = ? AND key = ? THEN cents END), 0), "
                "COALESCE(SUM(CASE WHEN state = ? THEN cents END), 0) "
                "FROM cash_escrow WHERE settled_at >= ? AND settled_at < ?",
                (
                    ESCROW_RETURNED,
                    STRANDED,
                    ESCROW_STUCK,
                    start.astimezone(dt.UTC).isoformat(),
                    end.astimezone(dt.UTC).isoformat(),
                ),
            ).fetchone()
        return int(row[0]), int(row[1])

    def escrow_history(self, acceptor: str, owner: str | None = None) -> list[tuple[int, str]]:
        """(cents, state) of every bill that went into ``acceptor`` (``owner``'s only
        when given), oldest first."""
        whose, values = self._whose(owner)
        with self._lock:
            rows = self._db.execute(
                "SELECT cents, state FROM cash_escrow WHERE acceptor = ?" + whose + " ORDER BY id",
                (acceptor, *values),
            ).fetchall()
        return [(int(cents), str(state)) for cents, state in rows]

    @staticmethod
    def _whose(owner: str | None) -> tuple[str, tuple[str, ...]]:
        """The SQL condition (and its values) for ``owner``'s bills; "" matches none on record."""
        if owner is None:
            return "", ()
        return " AND COALESCE(owner, '') = ?", (owner,)

    def _held(self, acceptor: str, owner: str | None = None) -> int:
        whose, values = self._whose(owner)
        row = self._db.execute(
            "SELECT COALESCE(SUM(cents), 0) FROM cash_escrow WHERE acceptor = ? AND state = ?"
            + whose,
            (acceptor, ESCROW_HELD, *values),
        ).fetchone()
        return int(row[0])

    def _settle_escrow(
        self, acceptor: str, state: str, key: str | None, owner: str | None = None
    ) -> None:
        whose, values = self._whose(owner)
        self._db.execute(
            "UPDATE cash_escrow SET state = ?, key = ?, settled_at = ? "
            "WHERE acceptor = ? AND state = ?" + whose,
            (state, key, dt.datetime.now(dt.UTC).isoformat(), acceptor, ESCROW_HELD, *values),
        )

    def get(self, key: str) -> ChargeResult | None:
        with self._lock:
            return self._get(key)

    def _get(self, key: str) -> ChargeResult | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM charges WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return ChargeResult(bool(row[0]), *row[1:])

    def list_since(self, since: dt.datetime) -> list[ProcessorCharge]:
        """Every key recorded at or after ``since``, oldest first (the processor's report)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT key, cents, at, {_COLUMNS} FROM charges WHERE at >= ? ORDER BY at",
                (since.astimezone(dt.UTC).isoformat(),),
            ).fetchall()
        return [
            ProcessorCharge(
                key, cents, dt.datetime.fromisoformat(at), ChargeResult(bool(row[0]), *row[1:])
            )
            for key, cents, at, *row in rows
        ]

    def approved_charges(self) -> dict[str, int]:
        """Every approved key and its cents: what customers were really charged."""
        with self._lock:
            rows = self._db.execute("SELECT key, cents FROM charges WHERE approved = 1").fetchall()
        return {key: cents for key, cents in rows}

    def close(self) -> None:
        self._db.close()
