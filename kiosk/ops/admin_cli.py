"""``kiosk admin daily|report|receipt``: the store's day, and a customer's receipt again.

Output as text (fits the receipt printer), ``--json`` or ``--csv``; ``--print`` sends the
text to the kiosk's receipt printer (setting ``printer_url``). Each is audited.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from kiosk.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail

if TYPE_CHECKING:
    from kiosk.store.store import Store


def iso_date(text: str) -> dt.date:
    """An argparse type: a day written ``YYYY-MM-DD`` (the store's local day)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-25"
        ) from None


def add_operations_subcommands(commands: Any) -> None:
    daily = commands.add_parser(
        "daily", help="the daily job: check payment plans, expire plan offers, report yesterday"
    )
    daily.add_argument(
        "--date", type=iso_date, help="run as on this day, YYYY-MM-DD (default: today)"
    )
    daily.add_argument("--json", action="store_true", help="one JSON object for machines")
    daily.add_argument(
        "--print", action="store_true", help="also print yesterday's report on the printer"
    )
    daily.set_defaults(handler=_daily)

    report = commands.add_parser("report", help="end-of-day report for one day")
    report.add_argument(
        "--date", type=iso_date, help="the store's local day, YYYY-MM-DD (default: today)"
    )
    form = report.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one JSON object for machines")
    form.add_argument("--csv", action="store_true", help="CSV rows: day,section,key,count,cents")
    report.add_argument("--print", action="store_true", help="print it on the receipt printer")
    report.set_defaults(handler=_report)

    receipt = commands.add_parser("receipt", help="show a payment's receipt, or print it again")
    receipt.add_argument("confirmation", metavar="CONFIRMATION", help="its confirmation number")
    receipt.add_argument("--json", action="store_true", help="one JSON object for machines")
    receipt.add_argument("--print", action="store_true", help="print it again on the printer")
    receipt.set_defaults(handler=_receipt)


def _open() -> Store:
    from kiosk.admin import _open as open_admin_store

    return open_admin_store()


def _audit(store: Store, action: str, outcome: str, **detail: Any) -> None:
    from kiosk.admin import _record_admin

    _record_admin(store, action, outcome, **detail)


def _print(store: Store, command: str, title: str, lines: list[str]) -> int:
    """Print on the configured receipt printer; an error (paper out, offline) is exit 1."""
    from kiosk.receipts.errors import ReceiptError
    from kiosk.receipts.printer import EscposPrinter

    try:
        EscposPrinter.from_url(store.settings.printer_url).print_lines(title, lines)
    except ReceiptError as error:
        return fail(command, str(error))
    return EXIT_OK


def _daily(args: argparse.Namespace) -> int:
    from kiosk.ops.daily import run_daily
    from kiosk.ops.report import report_lines

    store = _open()
    run = run_daily(store, args.date)
    if args.json:
        print(json.dumps(run.summary(), indent=2, default=str))
    else:
        plans = run.plans
        print(f"Daily job for {run.day.isoformat()}:")
        print(f"  plans broken {len(plans.broken)}, kept {len(plans.kept)}")
        print(f"  disconnection notices sent {len(plans.notices_sent)}, ", end="")
        print(f"stopped {len(plans.disconnection_stopped)}")
        print(f"  plan offers expired {len(run.offers_expired)}")
        print()
        print("\n".join(report_lines(run.report)))
    if args.print:
        return _print(store, "admin daily", "END OF DAY", report_lines(run.report))
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from kiosk.ops.daily import local_today
    from kiosk.ops.report import build_report, report_csv, report_lines

    store = _open()
    report = build_report(store, args.date or local_today(store))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, default=str))
    elif args.csv:
        print(report_csv(report), end="")
    else:
        print("\n".join(report_lines(report)))
    _audit(store, "admin.report", "success", day=report.day.isoformat())
    if args.print:
        return _print(store, "admin report", "END OF DAY", report_lines(report))
    return EXIT_OK


def _receipt(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from kiosk.receipts.errors import ReceiptError
    from kiosk.receipts.printer import EscposPrinter
    from kiosk.receipts.render import render_screen
    from kiosk.services.outbox import ReceiptOutbox
    from kiosk.store.models import AttemptState, PaymentAttempt

    store = _open()
    number = args.confirmation.strip()
    with store.sessions() as session:
        attempt_id = session.scalar(
            select(PaymentAttempt.id).where(
                PaymentAttempt.confirmation_number == number,
                PaymentAttempt.state == AttemptState.SUCCEEDED,
            )
        )
        receipt = (
            None if attempt_id is None else ReceiptOutbox(store).build_receipt(session, attempt_id)
        )
    if receipt is None:
        _audit(store, "admin.receipt", "failure", confirmation=number)
        return fail(
            "admin receipt",
            f"no successful payment has confirmation number {number!r}; "
            "check the number (kiosk admin payments lists them)",
            EXIT_USAGE,
        )
    if args.json:
        data = {**asdict(receipt), "account_last4": receipt.account_last4}
        print(json.dumps(data, indent=2, default=str))
    else:
        print(render_screen(receipt))
    if not args.print:
        _audit(store, "admin.receipt", "success", confirmation=number)
        return EXIT_OK
    try:
        EscposPrinter.from_url(store.settings.printer_url).print_receipt(receipt)
    except ReceiptError as error:
        _audit(store, "admin.receipt_reprint", "failure", confirmation=number)
        return fail("admin receipt", str(error), EXIT_FAILED)
    _audit(store, "admin.receipt_reprint", "success", confirmation=number)
    print("Printed again.")
    return EXIT_OK
