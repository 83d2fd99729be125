"""A bill acceptor: bills go in, the payment is what went in.

Bills wait in the acceptor's escrow until the payment is charged (they are stacked
into the cash box) or the customer does not pay (they are handed back, :meth:`eject`).
No change is dispensed unless configured: money over the amount is a credit
on the account, which the kiosk says before the customer commits.
"""

from __future__ import annotations

import abc
import datetime as dt
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from kiosk.devtools.faults import crash_point
from kiosk.errors import InvalidInput
from kiosk.money import format_cents
from kiosk.payments.journal import (
    ESCROW_RETURNED,
    ESCROW_STUCK,
    STRANDED,
    Jam,
    JamNotFound,
    ProcessorJournal,
)
from kiosk.payments.methods import ChargeResult, PaymentMethod, ProcessorCharge
from kiosk.store.models import PaymentMethodKind

ACCEPTED_BILLS_CENTS = (100, 500, 1000, 2000, 5000, 10000)
# What to do about each cash decline; the payment core looks these up by code
# when it tells the customer (the attempt row keeps only the code and reason).
HOW_TO_FIX_BY_CODE = {
    "not_enough_cash": "Put in more bills, or pay a smaller amount.",
    "cash_over_amount": (
        "Take your bills back, then pay all you put in (the extra becomes credit on "
        "your account) or put in the exact amount."
    ),
}


log = logging.getLogger(__name__)


def _start_ticks(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, /proc/PID/stat field 22), or
    None when no such process runs. With the pid it names one process: a pid reused
    by a later process has another start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name in () may hold spaces
    return fields[19]


def process_owner(pid: int | None = None) -> str:
    """The owner recorded with a bill put into escrow: "pid:start" of this process."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{_start_ticks(pid) or '?'}"


def owner_alive(owner: str) -> bool:
    """Whether the process that put bills into escrow still runs (its session may be
    live: its bills are not stranded). "" (bills from before owners were kept) is dead."""
    pid, _, start = owner.partition(":")
    if not pid.isdigit():
        return False
    now = _start_ticks(int(pid))
    return now is not None and (start == "?" or now == start)


class CashNotReturned(Exception):
    """The acceptor could not hand the escrowed bills back (a jam): they are still inside.

    ``cents`` is what is stuck; the kiosk tells the customer to get a store worker
    and logs it for staff, who open the acceptor and give the money back.
    """

    def __init__(self, cents: int, reason: str = "the bills jammed") -> None:
        super().__init__(f"{format_cents(cents)} could not be returned: {reason}")
        self.cents = cents
        self.reason = reason


@dataclass(frozen=True)
class HandedBack:
    """What the start-up hand-back did with bills a crashed session left in escrow:
    cents that came out of the slot (nobody may be there to take them) and cents stuck."""

    returned_cents: int = 0
    stuck_cents: int = 0

    def __bool__(self) -> bool:
        return bool(self.returned_cents or self.stuck_cents)

    @property
    def staff_reason(self) -> str:
        """What a store worker is asked to see to (the staff request's reason)."""
        said = []
        if self.returned_cents:
            said.append(
                f"{format_cents(self.returned_cents)} in bills from an interrupted session "
                "came out of the bill slot at start-up: keep it for its owner"
            )
        if self.stuck_cents:
            said.append(
                f"cash jam: {format_cents(self.stuck_cents)} from an interrupted session "
                "stuck in the bill slot"
            )
        return "; ".join(said)


@dataclass(frozen=True)
class EscrowReport:
    """Bills in an acceptor that staff must know of (``kiosk admin reconcile``): held by
    a kiosk process that is gone (the next start-up hands them back) and stuck (a jam:
    staff open the acceptor, give them back, and record it with ``kiosk admin
    cash-cleared``)."""

    acceptor: str
    stranded_cents: int = 0
    stuck_cents: int = 0
    jams: tuple[Jam, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.stranded_cents or self.stuck_cents)

    def lines(self) -> list[str]:
        if not self.stranded_cents:
            return []
        return [
            f"cash held by an interrupted session in {self.acceptor}: "
            f"{format_cents(self.stranded_cents)} (the kiosk's next start hands it back)"
        ]

    def problems(self) -> list[str]:
        return [
            f"{format_cents(jam.cents)} in bills stuck in {self.acceptor} since "
            f"{jam.since[:16].replace('T', ' ')} UTC (jam {jam.jam}): open the acceptor, give "
            f"it back to its owner, then run: kiosk admin cash-cleared {jam.jam} --by NAME "
            "--found AMOUNT"
            for jam in self.jams
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "acceptor": self.acceptor,
            "stranded_cents": self.stranded_cents,
            "stuck_cents": self.stuck_cents,
            "jams": [{"jam": jam.jam, "cents": jam.cents, "since": jam.since} for jam in self.jams],
        }


class CashAcceptor(PaymentMethod):
    """The contract of a bill acceptor with an escrow, on top of :class:`PaymentMethod`:
    bills go in (:meth:`insert`) and wait in escrow; :meth:`charge` stacks them into the
    cash box; :meth:`eject` hands them back when the customer does not pay."""

    kind = PaymentMethodKind.CASH

    @property
    @abc.abstractmethod
    def escrow_cents(self) -> int:
        """Cents in escrow now: put in, neither paid nor handed back."""

    @abc.abstractmethod
    def insert(self, bill_cents: int) -> int:
        """A bill goes into escrow.

        Returns:
            The cents in escrow now.

        Raises:
            InvalidInput: the acceptor does not take that note (it is pushed back out).
        """

    @abc.abstractmethod
    def eject(self) -> int:
        """Hand every escrowed bill back out of the slot (the customer is not paying).

        Returns:
            The cents handed back; 0 when the escrow was empty.

        Raises:
            CashNotReturned: the bills could not come out (a jam). They stay inside,
                recorded as stuck for staff; the customer must be told to get a worker.
        """


class CashAcceptorSimulator(CashAcceptor):
    """A bill acceptor whose escrow is kept in the processor journal file: like the
    escrow of a real acceptor, it outlives a crash of the kiosk, so what happened to
    every bill (held, stacked, returned, stuck) is on record. ``acceptor`` names this
    acceptor in that file (the kiosk's id; a fresh one by default)."""

    def __init__(
        self,
        journal: ProcessorJournal | None = None,
        *,
        gives_change: bool = False,
        acceptor: str = "",
    ) -> None:
        self.journal = journal or ProcessorJournal()
        self.gives_change = gives_change
        self.acceptor = acceptor or f"cash-{uuid.uuid4().hex[:12]}"
        self.owner = process_owner()  # bills put in here are this process's session's
        self.change_due_cents = 0
        self._expected = 0  # cents this acceptor put into escrow and did not settle

    @property
    def description(self) -> str:
        return "cash"

    @property
    def escrow_cents(self) -> int:
        return self.journal.escrow_held(self.acceptor, self.owner)

    @property
    def inserted_cents(self) -> int:
        """The cents in escrow (the name the payment code and tests use)."""
        return self.escrow_cents

    def insert(self, bill_cents: int) -> int:
        """A bill goes into escrow. Returns the cents in escrow now.

        Raises:
            InvalidInput: the acceptor does not take that note.
        """
        if bill_cents not in ACCEPTED_BILLS_CENTS:
            raise InvalidInput(
                "The machine does not take that note.",
                "",
                "Use $1, $5, $10, $20, $50 or $100 bills.",
            )
        self._expected = self.journal.escrow_add(self.acceptor, bill_cents, self.owner)
        return self._expected

    def eject(self) -> int:
        """Hand the escrowed bills back. Returns their cents (0 if none).

        Raises:
            CashNotReturned: a jam (the ``cash.eject`` fault point); the bills are
                recorded as stuck, and logged for staff.
        """
        self._expected = 0
        return self._eject_of(self.owner)

    def _eject_of(self, owner: str, why: str | None = None) -> int:
        """Hand back ``owner``'s held bills (a jam: recorded stuck, logged, raised)."""
        held = self.journal.escrow_held(self.acceptor, owner)
        if not held:
            return 0
        try:
            crash_point("cash.eject")  # a test injects a jam here
        except CashNotReturned as jam:
            self.journal.escrow_settle(self.acceptor, ESCROW_STUCK, owner, why)
            log.error(
                "cash acceptor %s: %s could not be returned (%s); staff must open the "
                "acceptor and give it back",
                self.acceptor,
                format_cents(held),
                jam.reason,
            )
            raise CashNotReturned(held, jam.reason) from None
        return self.journal.escrow_settle(self.acceptor, ESCROW_RETURNED, owner, why)

    def stranded(self) -> dict[str, int]:
        """Held cents by owner whose process is gone (a crash): nobody's session will
        pay with them or hand them back. A live owner's bills are never in here."""
        return {
            owner: cents
            for owner, cents in self.journal.escrow_held_by_owner(self.acceptor).items()
            if owner != self.owner and not owner_alive(owner)
        }

    def escrow_report(self) -> EscrowReport:
        """What staff must know of in this acceptor: a dead process's held bills, and stuck ones."""
        jams = tuple(jam for jam in self.journal.escrow_jams() if jam.acceptor == self.acceptor)
        return EscrowReport(
            self.acceptor,
            sum(self.stranded().values()),
            sum(jam.cents for jam in jams),
            jams,
        )

    def clear_jam(self, jam: int, cleared_by: str, found_cents: int) -> Jam:
        """Record that staff opened the acceptor on jam ``jam`` (a number ``kiosk admin
        reconcile`` lists) and found ``found_cents``; its bills are then no longer stuck.

        Raises:
            JamNotFound: no jam of this acceptor has that number.
            JamAlreadyCleared: it was cleared before (nothing changes).
        """
        known = {each.jam: each for each in self.journal.escrow_jams(cleared=True)}
        if jam not in known or known[jam].acceptor != self.acceptor:
            raise JamNotFound(f"no cash jam {jam} in {self.acceptor}")
        return self.journal.escrow_clear_jam(jam, cleared_by, found_cents)

    def hand_back_stranded(self) -> HandedBack:
        """Hand back every dead owner's bills (recorded as settled by the start-up)."""
        returned = stuck = 0
        for owner in self.stranded():
            try:
                returned += self._eject_of(owner, STRANDED)
            except CashNotReturned as jam:
                stuck += jam.cents
        return HandedBack(returned, stuck)

    def vanished(self) -> tuple[int, str]:
        """Cents this acceptor put into escrow that are no longer held for it, though it
        neither stacked nor handed them back (another process did), and what they
        became ("returned" or "stuck"); (0, "") when none vanished."""
        gone = self._expected - self.escrow_cents
        if gone <= 0:
            return 0, ""
        states = [state for _, state in self.journal.escrow_history(self.acceptor, self.owner)]
        fate = next((s for s in reversed(states) if s in (ESCROW_RETURNED, ESCROW_STUCK)), "")
        return gone, fate

    def charge(self, cents: int, idempotency_key: str) -> ChargeResult:
        """Stack the escrowed bills as a payment of ``cents``.

        With no change to give, the payment must be what went in: an amount
        below the inserted cash would keep the extra without crediting it
        anywhere, so it is declined and the bills are handed back (escrow).
        """
        recorded = self.journal.get(idempotency_key)
        if recorded is not None:  # a retry: the bills were stacked the first time
            return recorded
        inserted = self.escrow_cents
        gone, fate = self.vanished()
        if gone:  # not this customer's doing: say what really became of the bills
            self._expected = inserted
            where = (
                "is stuck in the machine"
                if fate == ESCROW_STUCK
                else "was handed back out of the bill slot"
            )
            return ChargeResult(
                False,
                decline_code="cash_gone",
                decline_reason=(
                    f"The {format_cents(gone)} in bills you put in is no longer held for "
                    f"this payment: the machine's start-up check took it for an old "
                    f"session's, and it {where}. We took no money."
                ),
                how_to_fix="If you do not have your bills back, please ask a store worker.",
            )
        if inserted < cents:
            return ChargeResult(
                False,
                decline_code="not_enough_cash",
                decline_reason=f"Only {format_cents(inserted)} was put in.",
                how_to_fix=HOW_TO_FIX_BY_CODE["not_enough_cash"],
            )
        if inserted > cents and not self.gives_change:
            how_to_fix = HOW_TO_FIX_BY_CODE["cash_over_amount"]
            try:
                self.eject()
            except CashNotReturned:  # logged for staff by eject
                how_to_fix = (
                    "Your bills are stuck in the machine: a store worker will give them back."
                )
            return ChargeResult(
                False,
                decline_code="cash_over_amount",
                decline_reason=(
                    f"You put in {format_cents(inserted)}, more than the "
                    f"{format_cents(cents)} payment, and this machine gives no change."
                ),
                how_to_fix=how_to_fix,
            )
        result = ChargeResult(True, processor_ref=f"cash_{uuid.uuid4().hex[:20]}", brand="CASH")
        # Approved: the escrow is stacked into the cash box in the same transaction.
        recorded = self.journal.record_once(
            idempotency_key, cents, result, stack_escrow_of=self.acceptor, escrow_owner=self.owner
        )
        if recorded.approved:
            self._expected = 0
            self.change_due_cents = inserted - cents
        return recorded

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        return self.journal.get(idempotency_key)

    def list_since(self, since: dt.datetime) -> list[ProcessorCharge]:
        return self.journal.list_since(since)

    def void(self, idempotency_key: str) -> None:
        self.journal.record_once(idempotency_key, 0, ChargeResult(False, decline_code="voided"))


def hand_back_stranded(acceptor: CashAcceptor) -> HandedBack:
    """At start-up: hand back the bills a crashed kiosk process left in escrow, and log
    it for staff.

    A payment stacks its bills in the same transaction as its charge, so bills still
    held by a process that is gone paid nothing: they are the customer's. Bills of a
    process still running (another kiosk on the same data directory, mid-session) are
    left alone. A jam is recorded as stuck and logged by the acceptor.
    """
    if not isinstance(acceptor, CashAcceptorSimulator):
        return HandedBack()
    handed = acceptor.hand_back_stranded()
    if handed.returned_cents:
        log.warning(
            "cash acceptor: %s in bills was left in escrow by an interrupted session (no "
            "payment was made with it) and was handed back out of the slot at start-up; "
            "if nobody took it, staff should keep it for the customer",
            format_cents(handed.returned_cents),
        )
    return handed
