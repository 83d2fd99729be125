"""``kiosk admin``: staff commands over the store, with ``--json`` for machines.

Every admin action is audited with actor "admin".
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.store.store import Store


def add_admin_subcommands(commands: Any) -> None:
    from kiosk.ops.admin_cli import iso_date

    payments = commands.add_parser("payments", help="list payment attempts, newest first")
    payments.add_argument("--json", action="store_true", help="one JSON list for machines")
    payments.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    payments.add_argument(
        "--date", type=iso_date, help="only those made on this day, YYYY-MM-DD (store's time)"
    )
    payments.set_defaults(handler=_payments)

    reconcile = commands.add_parser("reconcile", help="settle payments whose outcome is unknown")
    reconcile.add_argument("--json", action="store_true", help="one JSON object for machines")
    reconcile.add_argument(
        "--grace-seconds",
        type=float,
        default=120.0,
        help="leave other kiosks' attempts younger than this alone (they may be in flight)",
    )
    reconcile.set_defaults(handler=_reconcile)

    cleared = commands.add_parser(
        "cash-cleared",
        help="record a cash jam cleared: the acceptor was opened and the stuck bills found",
    )
    cleared.add_argument(
        "jam", type=_jam_number, metavar="JAM", help="the jam's number (reconcile lists them)"
    )
    cleared.add_argument(
        "--by", required=True, type=_staff_name, help="who opened the acceptor (name or staff id)"
    )
    cleared.add_argument(
        "--found",
        required=True,
        type=_found_amount,
        metavar="AMOUNT",
        help="the cash found in the acceptor for this jam, e.g. 50.00 (0 if none)",
    )
    cleared.add_argument("--json", action="store_true", help="one JSON object for machines")
    cleared.set_defaults(handler=_cash_cleared)

    check = commands.add_parser(
        "ledger-check", help="every entry balances; balances match postings"
    )
    check.add_argument("--json", action="store_true", help="one JSON object for machines")
    check.set_defaults(handler=_ledger_check)

    audit = commands.add_parser("audit", help="show the audit log, or verify its hash chain")
    audit.add_argument(
        "action",
        nargs="?",
        choices=("show", "verify"),
        default="show",
        help="show the newest entries (default) or verify this kiosk's hash chain against its key and head file",
    )
    audit.add_argument("--json", action="store_true", help="JSON for machines")
    audit.add_argument("--limit", type=int, default=50, help="entries to show (default 50)")
    audit.add_argument(
        "--all-kiosks",
        action="store_true",
        help="verify every kiosk's chain (a fleet sharing one secret_key), not only this one's",
    )
    audit.set_defaults(handler=_audit)

    outbox = commands.add_parser("outbox", help="receipts and notifications waiting or failed")
    outbox.add_argument("--json", action="store_true", help="one JSON list for machines")
    outbox.set_defaults(handler=_outbox)


def _jam_number(text: str) -> int:
    """An argparse type: a jam's number as ``kiosk admin reconcile`` prints it."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a jam number; kiosk admin reconcile lists them (jam 7)"
        )
    return int(text)


def _staff_name(text: str) -> str:
    """An argparse type: who cleared a jam (kept in the audit log), never empty."""
    name = " ".join(text.split())
    if not name or len(name) > 80 or not name.isprintable():
        raise argparse.ArgumentTypeError(
            "give the name or staff id of who opened the acceptor, e.g. --by 'Pat Lee'"
        )
    return name


def _found_amount(text: str) -> int:
    """An argparse type: the cash found, as typed money ("50.00", "0")."""
    from kiosk.errors import InvalidAmount
    from kiosk.money import parse_amount

    try:
        return parse_amount(text)
    except InvalidAmount as error:
        raise argparse.ArgumentTypeError(error.message) from None


def _open() -> Store:
    """The store, closed when the command ends (its WAL folded back into the database)."""
    import atexit

    from kiosk.errors import StoreUnavailable
    from kiosk.exits import EXIT_USAGE, fail
    from kiosk.store.store import open_store

    try:
        # Never a new database, never demo data; a database with no kiosk tables (a new
        # or wrong PostgreSQL database, an SQLite file with no tables) is not given them.
        store = open_store(seed=False, create=False)
    except StoreUnavailable as error:
        raise SystemExit(fail("admin", error.message, EXIT_USAGE)) from None
    atexit.register(store.dispose)
    return store


def _emit(args: argparse.Namespace, rows: Any, text: str) -> None:
    print(json.dumps(rows, indent=2, default=str) if args.json else text)


def _record_admin(store: Store, action: str, outcome: str, **detail: Any) -> None:
    from kiosk.services import audit

    with store.sessions() as session, session.begin():
        audit.record(
            session,
            settings=store.settings,
            actor="admin",
            action=action,
            outcome=outcome,
            detail=detail,
        )


def _payments(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from kiosk.money import format_cents
    from kiosk.services.audit import mask_account
    from kiosk.services.confirmation import payment_reference
    from kiosk.store.models import Account, PaymentAttempt

    store = _open()
    query = select(PaymentAttempt, Account.number).join(
        Account, Account.id == PaymentAttempt.account_id
    )
    if args.date is not None:
        from kiosk.ops.report import day_bounds

        start, end = day_bounds(args.date, store.settings.timezone)
        query = query.where(PaymentAttempt.created_at >= start, PaymentAttempt.created_at < end)
    with store.sessions() as session:
        rows = session.execute(query.order_by(PaymentAttempt.id.desc()).limit(args.limit)).all()
    records: list[dict[str, Any]] = [
        {
            "id": attempt.id,
            "account": mask_account(number),
            "cents": attempt.cents,
            "method": attempt.method.value,
            "state": attempt.state.value,
            "last4": attempt.last4,
            "confirmation_number": attempt.confirmation_number,
            # What a customer told "being checked" quotes to staff.
            "reference": payment_reference(attempt.idempotency_key),
            "kiosk_id": attempt.kiosk_id,
            "updated_at": attempt.updated_at.isoformat(),
        }
        for attempt, number in rows
    ]
    lines = [
        f"{'id':>6}  {'account':<9} {'amount':>10}  {'method':<5} {'state':<10} "
        f"{'reference':<10} confirmation"
    ]
    lines += [
        f"{r['id']:>6}  {r['account']:<9} {format_cents(r['cents']):>10}  {r['method']:<5} "
        f"{r['state']:<10} {r['reference']:<10} {r['confirmation_number'] or ''}"
        for r in records
    ]
    _emit(args, records, "\n".join(lines))
    _record_admin(store, "admin.payments", "success", count=len(records))
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    """Settle open attempts, recover lost ones from the payment journal; fail while any is unknown."""
    import datetime as dt

    from sqlalchemy import func, select

    from kiosk.payments.recovery import recover
    from kiosk.payments.registry import cash_acceptor, reconciliation_methods
    from kiosk.payments.service import PaymentService
    from kiosk.store.models import AttemptState, PaymentAttempt

    store = _open()
    # A payment settled here is settled after its customer left (a crash, a phone call
    # whose line died): a receipt printed now would print for whoever stands at a kiosk.
    service = PaymentService(store, prints_receipts=False)
    methods = reconciliation_methods(store.settings)
    grace = dt.timedelta(seconds=args.grace_seconds)
    report = service.reconcile(methods, older_than=grace)
    recovery = recover(service, service.journal, methods, older_than=grace)
    settled = dict(report.settled)
    for outcome, count in recovery.outcomes.items():
        if outcome not in ("already_recorded", "in_flight"):
            settled[outcome] = settled.get(outcome, 0) + count
    with store.sessions() as session:
        unknown = session.scalar(
            select(func.count(PaymentAttempt.id)).where(
                PaymentAttempt.state == AttemptState.UNKNOWN
            )
        )
    problems = list(recovery.problems)
    if unknown:
        problems.append(f"{unknown} payment(s) still UNKNOWN: ask the processor, then run again")
    lines = [f"{outcome}: {count}" for outcome, count in sorted(settled.items())]
    escrow = cash_acceptor(store.settings).escrow_report()
    lines += escrow.lines()
    problems += escrow.problems()
    text = "\n".join(lines + [f"PROBLEM: {p}" for p in problems]) or "Nothing to reconcile."
    done: dict[str, object] = {"settled": settled, "unknown": unknown, "problems": problems}
    if escrow:
        done["escrow"] = escrow.as_dict()
    _emit(args, done, text)
    _record_admin(
        store, "admin.reconcile", "failure" if problems else "success", unknown=unknown, **settled
    )
    return 1 if problems else 0


def _cash_cleared(args: argparse.Namespace) -> int:
    """Record a jam cleared (who, when, how much found), audited; reconcile then passes
    it. An unknown jam (exit 2) or one cleared before (exit 1) changes nothing."""
    from kiosk.exits import EXIT_FAILED, EXIT_USAGE, fail
    from kiosk.money import format_cents
    from kiosk.payments.journal import JamAlreadyCleared, JamNotFound
    from kiosk.payments.registry import cash_acceptor

    store = _open()
    acceptor = cash_acceptor(store.settings)
    try:
        jam = acceptor.clear_jam(args.jam, args.by, args.found)
    except JamNotFound:
        _record_admin(store, "admin.cash_cleared", "failure", jam=args.jam, by=args.by)
        return fail(
            "admin cash-cleared",
            f"no cash jam {args.jam} in {acceptor.acceptor}; kiosk admin reconcile lists "
            "the stuck ones with their numbers",
            EXIT_USAGE,
        )
    except JamAlreadyCleared as error:
        done = error.jam
        _record_admin(store, "admin.cash_cleared", "failure", jam=args.jam, by=args.by)
        return fail(
            "admin cash-cleared",
            f"cash jam {done.jam} was already cleared by {done.cleared_by} at "
            f"{done.cleared_at} UTC ({format_cents(done.found_cents or 0)} found); "
            "nothing changed",
            EXIT_FAILED,
        )
    found = jam.found_cents or 0
    gap = found - jam.cents
    record = {
        "jam": jam.jam,
        "acceptor": jam.acceptor,
        "stuck_cents": jam.cents,
        "found_cents": found,
        "cleared_by": jam.cleared_by,
        "cleared_at": jam.cleared_at,
    }
    text = (
        f"Cash jam {jam.jam} cleared by {jam.cleared_by} at {jam.cleared_at} UTC: "
        f"{format_cents(jam.cents)} was stuck, {format_cents(found)} found."
    )
    if gap:
        text += (
            f" {format_cents(abs(gap))} {'less' if gap < 0 else 'more'} than was stuck: "
            "tell the store manager (it is in the audit log)."
        )
    _emit(args, record, text)
    _record_admin(
        store,
        "admin.cash_cleared",
        "success",
        jam=jam.jam,
        acceptor=jam.acceptor,
        by=jam.cleared_by,
        stuck_cents=jam.cents,
        found_cents=found,
    )
    return 0


def _ledger_check(args: argparse.Namespace) -> int:
    from kiosk.services import ledger

    store = _open()
    with store.sessions() as session:
        found = ledger.check(session) + ledger.check_accounts(session)
    problems = [{"entry_id": p.entry_id, "problem": p.problem} for p in found]
    text = (
        "Ledger OK: every entry balances."
        if not problems
        else "\n".join(f"entry {p['entry_id']}: {p['problem']}" for p in problems)
    )
    _emit(args, {"ok": not problems, "problems": problems}, text)
    _record_admin(store, "admin.ledger_check", "success" if not problems else "failure")
    return 0 if not problems else 1


def _audit(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from kiosk.services.audit import verify_chain
    from kiosk.store.models import AuditEntry

    store = _open()
    with store.sessions() as session:
        if args.action == "verify":
            kiosks = None if args.all_kiosks else [store.settings.kiosk_id]
            problems = verify_chain(session, store.settings, kiosks)
            records: Any = {
                "ok": not problems,
                "problems": [p.__dict__ for p in problems],
            }
            text = (
                "Audit log intact."
                if not problems
                else "\n".join(
                    f"kiosk {p.kiosk_id} entry {p.entry_id}: {p.problem}" for p in problems
                )
            )
            _emit(args, records, text)
            return 0 if not problems else 1
        entries = session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(args.limit)
        ).all()
    records = [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "kiosk_id": e.kiosk_id,
            "actor": e.actor,
            "action": e.action,
            "resource": e.resource,
            "outcome": e.outcome,
            "detail": e.detail,
        }
        for e in entries
    ]
    text = "\n".join(
        f"{r['at'][:19]} {r['kiosk_id']:<10} {r['actor']:<8} {r['action']:<20} "
        f"{r['outcome']:<8} {r['resource']}"
        for r in records
    )
    _emit(args, records, text)
    return 0


def _outbox(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from kiosk.store.models import OutboxMessage

    store = _open()
    with store.sessions() as session:
        messages = session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)
        ).all()
    records = [
        {
            "id": m.id,
            "kind": m.kind,
            "state": m.state.value,
            "attempts": m.attempts,
            "last_error": m.last_error,
        }
        for m in messages
    ]
    text = "\n".join(
        f"{r['id']:>6} {r['kind']:<18} {r['state']:<8} tries={r['attempts']} {r['last_error']}"
        for r in records
    )
    _emit(args, records, text or "Outbox empty.")
    return 0
