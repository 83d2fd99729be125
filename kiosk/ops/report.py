"""The end-of-day report: what a store's kiosks took and what needs a person, for one day.

The day is the store's local day (setting ``timezone``). Money is in cents; the text
form fits a 42-column receipt, so the same lines print on the kiosk's printer.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kiosk.money import format_cents
from kiosk.store.models import (
    OPEN_STATES,
    Arrangement,
    ArrangementState,
    AttemptState,
    AuditEntry,
    Dispute,
    OutboxMessage,
    OutboxState,
    PaymentAttempt,
    PaymentMethodKind,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kiosk.store.store import Store

WIDTH = 42  # characters on an 80 mm receipt in the printer's normal font


@dataclass(frozen=True)
class Totals:
    count: int = 0
    cents: int = 0


@dataclass(frozen=True)
class ChainHead:
    kiosk_id: str
    entry_id: int
    hash: str


@dataclass(frozen=True)
class JamCleared:
    """A cash jam cleared by staff: what was stuck, what they found, and the difference
    (found less stuck: below 0 is money missing)."""

    jam: int
    cleared_by: str
    stuck_cents: int
    found_cents: int

    @property
    def difference_cents(self) -> int:
        return self.found_cents - self.stuck_cents


@dataclass(frozen=True)
class DailyReport:
    day: dt.date
    timezone: str
    by_method: dict[str, Totals]  # succeeded payments by card, bank, cash
    cash_in_acceptor_cents: int  # cash taken that day: what the acceptor's box should hold
    declines: dict[str, int]  # decline code -> count
    open_attempts: int  # of that day still CREATED, SENT or UNKNOWN (need reconciling)
    open_attempts_all_days: int
    disputes_opened: int
    plans_opened: dict[str, int]  # arrangement kind -> count accepted that day
    outbox_failed: int  # messages given up on (all days): receipts nobody got
    outbox_pending: int
    audit_heads: list[ChainHead] = field(default_factory=list)
    # This kiosk's bill acceptor that day: bills a crashed session left, handed back out
    # of the slot at start-up (staff keep them for their owner), and bills that jammed.
    cash_returned_at_start_up_cents: int = 0
    cash_stuck_cents: int = 0
    # Jams staff cleared that day (kiosk admin cash-cleared): stuck against found.
    jams_cleared: list[JamCleared] = field(default_factory=list)

    @property
    def total(self) -> Totals:
        return Totals(
            sum(t.count for t in self.by_method.values()),
            sum(t.cents for t in self.by_method.values()),
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["total"] = asdict(self.total)
        for jam, said in zip(self.jams_cleared, data["jams_cleared"], strict=True):
            said["difference_cents"] = jam.difference_cents
        return data


def day_bounds(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The store's local day as a UTC interval [start, end)."""
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def build_report(store: Store, day: dt.date) -> DailyReport:
    from kiosk.payments.registry import processor_journal

    start, end = day_bounds(day, store.settings.timezone)
    with store.sessions() as session:
        report = _build(session, store.settings.timezone, day, start, end)
    journal = processor_journal(store.settings)
    returned, stuck = journal.escrow_day(start, end)
    cleared = [
        JamCleared(jam.jam, jam.cleared_by, jam.cents, jam.found_cents or 0)
        for jam in journal.escrow_jams(cleared=True)
        if jam.cleared and start <= dt.datetime.fromisoformat(jam.cleared_at) < end
    ]
    return dataclasses.replace(
        report,
        cash_returned_at_start_up_cents=returned,
        cash_stuck_cents=stuck,
        jams_cleared=cleared,
    )


def _build(
    session: Session, timezone: str, day: dt.date, start: dt.datetime, end: dt.datetime
) -> DailyReport:
    in_day = (PaymentAttempt.created_at >= start) & (PaymentAttempt.created_at < end)
    by_method = {kind.value: Totals() for kind in PaymentMethodKind}
    for method, count, cents in session.execute(
        select(
            PaymentAttempt.method, func.count(), func.coalesce(func.sum(PaymentAttempt.cents), 0)
        )
        .where(in_day, PaymentAttempt.state == AttemptState.SUCCEEDED)
        .group_by(PaymentAttempt.method)
    ):
        by_method[method.value] = Totals(int(count), int(cents))
    declines = {
        code or "declined": int(count)
        for code, count in session.execute(
            select(PaymentAttempt.decline_code, func.count())
            .where(in_day, PaymentAttempt.state == AttemptState.DECLINED)
            .group_by(PaymentAttempt.decline_code)
            .order_by(PaymentAttempt.decline_code)
        )
    }
    is_open = PaymentAttempt.state.in_(list(OPEN_STATES))
    disputes = session.scalar(
        select(func.count()).where(Dispute.created_at >= start, Dispute.created_at < end)
    )
    plans = {
        kind.value: int(count)
        for kind, count in session.execute(
            select(Arrangement.kind, func.count())
            .where(
                Arrangement.created_at >= start,
                Arrangement.created_at < end,
                Arrangement.state.not_in([ArrangementState.OFFERED, ArrangementState.DECLINED]),
            )
            .group_by(Arrangement.kind)
            .order_by(Arrangement.kind)
        )
    }
    outbox = dict(
        session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        ).all()
    )
    return DailyReport(
        day=day,
        timezone=timezone,
        by_method=by_method,
        cash_in_acceptor_cents=by_method[PaymentMethodKind.CASH.value].cents,
        declines=declines,
        open_attempts=int(session.scalar(select(func.count()).where(in_day, is_open)) or 0),
        open_attempts_all_days=int(session.scalar(select(func.count()).where(is_open)) or 0),
        disputes_opened=int(disputes or 0),
        plans_opened=plans,
        outbox_failed=int(outbox.get(OutboxState.FAILED, 0)),
        outbox_pending=int(outbox.get(OutboxState.PENDING, 0)),
        audit_heads=audit_heads(session),
    )


def audit_heads(session: Session) -> list[ChainHead]:
    """The newest entry of each kiosk's audit chain: write it down (or print it) daily,
    and a later deletion of entries before it shows up as a chain that ends too soon."""
    newest = (
        select(AuditEntry.kiosk_id, func.max(AuditEntry.id).label("id"))
        .group_by(AuditEntry.kiosk_id)
        .subquery()
    )
    rows = session.execute(
        select(AuditEntry.kiosk_id, AuditEntry.id, AuditEntry.hash)
        .join(newest, AuditEntry.id == newest.c.id)
        .order_by(AuditEntry.kiosk_id)
    )
    return [ChainHead(kiosk, entry_id, digest) for kiosk, entry_id, digest in rows]


def report_lines(report: DailyReport) -> list[str]:
    """The report as lines of at most :data:`WIDTH` characters (screen and receipt)."""

    def row(label: str, value: str) -> str:
        return f"{label:<{WIDTH - len(value) - 1}} {value}"

    lines = [f"End of day {report.day.isoformat()}", f"({report.timezone})", ""]
    lines.append("Payments taken")
    for method, totals in report.by_method.items():
        lines.append(row(f"  {method} ({totals.count})", format_cents(totals.cents)))
    lines.append(row(f"  total ({report.total.count})", format_cents(report.total.cents)))
    lines.append(row("Cash in the acceptor", format_cents(report.cash_in_acceptor_cents)))
    lines.append(
        row("Bills handed back at start-up", format_cents(report.cash_returned_at_start_up_cents))
    )
    lines.append(row("Bills stuck in the acceptor", format_cents(report.cash_stuck_cents)))
    for jam in report.jams_cleared:  # kiosk admin cash-cleared: stuck against found
        gap = jam.difference_cents
        lines.append(f"  Jam {jam.jam} cleared by {jam.cleared_by}"[:WIDTH])
        lines.append(row("    stuck", format_cents(jam.stuck_cents)))
        lines.append(row("    found", format_cents(jam.found_cents)))
        if gap:
            lines.append(row("    MISSING" if gap < 0 else "    over", format_cents(abs(gap))))
    lines.append(row("Declined", str(sum(report.declines.values()))))
    lines += [row(f"  {code}", str(count)) for code, count in report.declines.items()]
    lines.append(row("Open or unknown (this day)", str(report.open_attempts)))
    lines.append(row("Open or unknown (all days)", str(report.open_attempts_all_days)))
    lines.append(row("Disputes opened", str(report.disputes_opened)))
    lines.append(row("Plans opened", str(sum(report.plans_opened.values()))))
    lines += [row(f"  {kind}", str(count)) for kind, count in report.plans_opened.items()]
    lines.append(row("Outbox failed (all days)", str(report.outbox_failed)))
    lines.append(row("Outbox waiting", str(report.outbox_pending)))
    lines.append("Audit chain heads")
    for head in report.audit_heads:
        lines.append(row(f"  {head.kiosk_id} #{head.entry_id}", head.hash[:16]))
    return lines


def report_csv(report: DailyReport) -> str:
    """``section,key,count,cents`` rows, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "section", "key", "count", "cents"])
    day = report.day.isoformat()
    for method, totals in report.by_method.items():
        writer.writerow([day, "payments", method, totals.count, totals.cents])
    writer.writerow([day, "payments", "total", report.total.count, report.total.cents])
    writer.writerow([day, "cash_in_acceptor", "cash", "", report.cash_in_acceptor_cents])
    writer.writerow(
        [day, "cash_escrow", "returned_at_start_up", "", report.cash_returned_at_start_up_cents]
    )
    writer.writerow([day, "cash_escrow", "stuck", "", report.cash_stuck_cents])
    for jam in report.jams_cleared:
        for key, cents in (
            ("stuck", jam.stuck_cents),
            ("found", jam.found_cents),
            ("difference", jam.difference_cents),
        ):
            writer.writerow([day, f"cash_jam_{jam.jam}", key, "", cents])
    for code, count in report.declines.items():
        writer.writerow([day, "declines", code, count, ""])
    writer.writerow([day, "open_attempts", "this_day", report.open_attempts, ""])
    writer.writerow([day, "open_attempts", "all_days", report.open_attempts_all_days, ""])
    writer.writerow([day, "disputes_opened", "", report.disputes_opened, ""])
    for kind, count in report.plans_opened.items():
        writer.writerow([day, "plans_opened", kind, count, ""])
    writer.writerow([day, "outbox", "failed", report.outbox_failed, ""])
    writer.writerow([day, "outbox", "pending", report.outbox_pending, ""])
    for head in report.audit_heads:
        writer.writerow([day, "audit_head", f"{head.kiosk_id}#{head.entry_id}", "", head.hash])
    return out.getvalue()
