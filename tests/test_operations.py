"""End-of-day report, daily job and health metrics on both databases (real SQLite file,
real PostgreSQL on loopback), with payments made through the real payment core."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select, update

from kiosk.clock import FixedClock
from kiosk.errors import PaymentDeclined
from kiosk.ops.daily import expire_offers, run_daily
from kiosk.ops.health import HealthServer, JobTimes, metrics_text
from kiosk.ops.report import build_report, report_csv, report_lines
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.service import PaymentService
from kiosk.store.models import (
    Arrangement,
    ArrangementKind,
    ArrangementState,
    AttemptState,
    AuditEntry,
    Dispute,
)
from kiosk.store.store import Store

DAY = dt.date(2026, 11, 25)  # the fixtures' clock: 2026-11-25 15:00 UTC, 09:00 in Chicago


def make_day(store: Store, clock: FixedClock, tmp_path) -> None:
    """Two card payments, one declined, one cash, one left open by a crash; the seeded
    dispute and plan opened on the same day."""
    from kiosk.payments.cash import CashAcceptorSimulator

    journal = ProcessorJournal(tmp_path / "processor.sqlite3")
    service = PaymentService(store)
    terminal = CardTerminalSimulator(journal)
    try:
        service.pay("40152270", 2000, terminal, "r-paid-1")
        service.pay("40152271", 9500, terminal, "r-paid-2")
        with contextlib.suppress(PaymentDeclined):
            service.pay("40152270", 1051, terminal, "r-declined")  # not enough money
        cash = CashAcceptorSimulator(journal)
        for bill in (2000, 1000):
            cash.insert(bill)
        service.pay("40152272", 3000, cash, "r-cash")
        crashed = service._create_attempt("40152274", 1234, terminal, "r-crashed", False)
        service._transition(crashed, AttemptState.CREATED, AttemptState.SENT)
    finally:
        journal.close()
    with store.sessions() as session, session.begin():
        session.execute(update(Dispute).values(created_at=clock.now()))
        session.execute(update(Arrangement).values(created_at=clock.now()))


def test_report_figures(store: Store, clock: FixedClock, tmp_path) -> None:
    make_day(store, clock, tmp_path)
    report = build_report(store, DAY)
    assert {k: (t.count, t.cents) for k, t in report.by_method.items()} == {
        "card": (2, 11500),
        "bank": (0, 0),
        "cash": (1, 3000),
    }
    assert (report.total.count, report.total.cents) == (3, 14500)
    assert report.cash_in_acceptor_cents == 3000
    assert report.declines == {"insufficient_funds": 1}
    assert (report.open_attempts, report.open_attempts_all_days) == (1, 1)
    assert report.disputes_opened == 1
    assert report.plans_opened == {"installment": 1}
    with store.sessions() as session:
        newest = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert newest is not None
    assert [(h.kiosk_id, h.entry_id, h.hash) for h in report.audit_heads] == [
        ("TEST-KIOSK", newest.id, newest.hash)
    ]

    lines = report_lines(report)
    assert all(len(line) <= 42 for line in lines)  # fits the receipt printer
    text = "\n".join(lines)
    for expected in ("card (2)", "$115.00", "total (3)", "$145.00", "insufficient_funds"):
        assert expected in text
    assert "Cash in the acceptor                $30.00" in text
    rows = report_csv(report).splitlines()
    assert rows[0] == "day,section,key,count,cents"
    assert "2026-11-25,payments,total,3,14500" in rows
    assert "2026-11-25,declines,insufficient_funds,1," in rows

    # The next local day starts at midnight in Chicago (06:00 UTC): nothing of this one.
    following = build_report(store, DAY + dt.timedelta(days=1))
    assert following.total.count == 0 and following.open_attempts == 0
    assert following.open_attempts_all_days == 1  # still open, whatever its day
    assert json.loads(json.dumps(report.as_dict()))["total"] == {"count": 3, "cents": 14500}


def test_daily_job_breaks_a_missed_plan_and_expires_offers(store: Store, clock: FixedClock) -> None:
    """Dev Patel's seeded plan has a part due 2026-11-30; unpaid on 2026-12-01 it breaks.
    A plan offer left unanswered for more than a day is closed as declined. Run twice,
    the job changes nothing the second time."""
    with store.sessions() as session, session.begin():
        (plan_account,) = session.scalars(
            select(Arrangement.account_id).where(Arrangement.state == ArrangementState.ACTIVE)
        ).all()
        offer = Arrangement(
            account_id=plan_account,
            kind=ArrangementKind.EXTENSION,
            state=ArrangementState.OFFERED,
            created_at=clock.now() - dt.timedelta(hours=30),
        )
        fresh = Arrangement(
            account_id=plan_account,
            kind=ArrangementKind.EXTENSION,
            state=ArrangementState.OFFERED,
            created_at=clock.now() - dt.timedelta(hours=2),
        )
        session.add_all([offer, fresh])
    clock.advance(dt.timedelta(days=6))  # 2026-12-01
    run = run_daily(store)
    assert run.day == dt.date(2026, 12, 1)
    assert len(run.plans.broken) == 1 and run.plans.notices_sent
    assert run.offers_expired == (offer.id, fresh.id)  # 30 h and 6 days + 2 h old by now
    assert run.report.day == dt.date(2026, 11, 30)
    again = run_daily(store)
    assert again.plans.broken == () and again.offers_expired == ()
    assert expire_offers(store) == ()
    with store.sessions() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("ops.daily") == 2
    assert actions.count("arrangement.offer_expired") == 2
    assert "arrangement.broken" in actions


def scrape(port: int, path: str = "/metrics") -> tuple[int, str, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def samples(text: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


def test_health_endpoint_over_http(store: Store, clock: FixedClock, tmp_path) -> None:
    make_day(store, clock, tmp_path)
    jobs = JobTimes(last_reconcile=1_796_000_000.25)
    server = HealthServer(store, jobs, "127.0.0.1", 0).start()
    try:
        status, content_type, body = scrape(server.port)
        assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
        found = samples(body)
        assert found['kiosk_payments{outcome="succeeded"}'] == 4  # and the seeded one
        assert found['kiosk_payments{outcome="declined"}'] == 1
        assert found['kiosk_payments{outcome="sent"}'] == 1
        assert found["kiosk_open_attempts"] == 1
        assert found["kiosk_outbox_backlog"] >= 3  # the three printed receipts, not yet sent
        assert found["kiosk_printer_up"] == 1  # dummy: printer
        assert found["kiosk_last_reconcile_timestamp_seconds"] == 1_796_000_000.25
        assert "# TYPE kiosk_open_attempts gauge" in body
        assert scrape(server.port, "/healthz")[2] == "ok\n"
        with pytest.raises(urllib.error.HTTPError) as missing:
            scrape(server.port, "/nothing")
        assert missing.value.code == 404
    finally:
        server.stop()
    assert metrics_text(store, jobs) == body  # nothing changed between the two reads


def test_printer_status(tmp_path) -> None:
    from kiosk.ops.health import printer_up

    assert printer_up(f"file:{tmp_path / 'absent' / 'lp0'}") == 0
    (tmp_path / "lp0").write_bytes(b"")
    assert printer_up(f"file:{tmp_path / 'lp0'}") == 1
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert printer_up(f"network:127.0.0.1:{port}") == 1
    assert printer_up(f"network:127.0.0.1:{port}") == 0  # closed now
    assert printer_up("usb:04b8:0202") is None
