"""The cash acceptor's escrow (issue 16): bills that pay nothing come back out, a jam is
said and recorded truthfully, and a crash with bills in escrow leaves a true record."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from payment_kit import AVA
from sqlalchemy import select

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.devtools import faults
from kiosk.payments.cash import CashAcceptorSimulator, CashNotReturned, hand_back_stranded
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.payment_journal import PaymentJournal
from kiosk.payments.service import PaymentService
from kiosk.store.models import PaymentAttempt
from kiosk.store.store import Store


@pytest.fixture(autouse=True)
def _no_left_over_faults() -> Iterator[None]:
    yield
    faults.clear_injections()


def jam() -> None:
    raise CashNotReturned(0, "a bill jammed in the slot")


def test_eject_hands_back_the_escrow_and_says_how_much(journal: ProcessorJournal) -> None:
    cash = CashAcceptorSimulator(journal)
    assert cash.eject() == 0  # nothing in: nothing to hand back
    cash.insert(2000)
    assert cash.insert(2000) == 4000
    assert cash.eject() == 4000
    assert cash.escrow_cents == 0
    assert journal.escrow_history(cash.acceptor) == [(2000, "returned"), (2000, "returned")]
    assert journal.approved_charges() == {}


def test_a_jam_is_raised_recorded_and_logged_for_staff(
    journal: ProcessorJournal, caplog: pytest.LogCaptureFixture
) -> None:
    cash = CashAcceptorSimulator(journal)
    cash.insert(5000)
    faults.inject("cash.eject", jam)
    with caplog.at_level(logging.ERROR), pytest.raises(CashNotReturned) as caught:
        cash.eject()
    assert caught.value.cents == 5000 and "jammed" in caught.value.reason
    assert journal.escrow_history(cash.acceptor) == [(5000, "stuck")]
    assert journal.escrow_stuck() == {cash.acceptor: 5000}
    assert cash.escrow_cents == 0  # never counted toward the next customer's payment
    assert any("$50.00 could not be returned" in r.getMessage() for r in caplog.records)


def test_a_payment_stacks_its_bills_in_the_same_record_as_the_charge(
    sqlite_store: Store, journal: ProcessorJournal
) -> None:
    cash = CashAcceptorSimulator(journal)
    for bill in (5000, 2000, 1000, 500):
        cash.insert(bill)
    PaymentService(sqlite_store).pay(AVA, 8500, cash, "k-escrow-paid")
    assert [state for _, state in journal.escrow_history(cash.acceptor)] == ["stacked"] * 4
    assert cash.eject() == 0  # a paid bill never comes back out
    assert journal.approved_charges() == {"k-escrow-paid": 8500}


_CHILD = """
import os, signal, sys
from kiosk.conversation.engine import Conversation
from kiosk.conversation.services import Services
from kiosk.settings import Settings
from kiosk.store.store import open_store

store = open_store(Settings(database_url=sys.argv[1], kiosk_id="TEST-KIOSK"))
conversation = Conversation(Services(store))
for answer in ("1", "40152270", "72201", "2468", "2", "1", "2", "20", "20"):
    conversation.answer(answer)  # sign in, pay $84.99 in cash, put in two $20 bills
assert conversation.prompt.id == "cash_insert", conversation.prompt.id
os.kill(os.getpid(), signal.SIGKILL)  # a power cut: no finally, no cleanup
"""


def _attempts(store: Store) -> int:
    with store.sessions() as session:
        return len(list(session.scalars(select(PaymentAttempt))))


@pytest.mark.parametrize("jammed", [False, True])
def test_a_crash_with_bills_in_escrow_keeps_the_money_truthful(
    sqlite_store: Store, caplog: pytest.LogCaptureFixture, jammed: bool
) -> None:
    """A kiosk killed with $40 in escrow: the acceptor's record says $40 held and no
    charge, the kiosk's database has no payment; at start-up the bills go back out (or,
    jammed, are recorded stuck), and staff are told either way."""
    from kiosk.payments.registry import cash_acceptor, processor_journal

    before = _attempts(sqlite_store)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, sqlite_store.settings.database_url],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    settings = sqlite_store.settings
    journal = processor_journal(settings)
    acceptor = cash_acceptor(settings)
    assert journal.escrow_history(acceptor.acceptor) == [(2000, "held"), (2000, "held")]
    assert journal.approved_charges() == {}
    assert _attempts(sqlite_store) == before  # nothing was paid, nothing is claimed
    assert PaymentJournal.for_settings(settings).records() == {}  # the kiosk sent no payment
    if jammed:
        faults.inject("cash.eject", jam)
    with caplog.at_level(logging.WARNING):
        returned = hand_back_stranded(acceptor).returned_cents
    states = [state for _, state in journal.escrow_history(acceptor.acceptor)]
    logged = " ".join(r.getMessage() for r in caplog.records)
    if jammed:
        assert returned == 0 and states == ["stuck", "stuck"]
        assert journal.escrow_stuck() == {acceptor.acceptor: 4000}
        assert "$40.00 could not be returned" in logged and "staff" in logged
    else:
        assert returned == 4000 and states == ["returned", "returned"]
        assert "$40.00 in bills was left in escrow" in logged
    assert acceptor.escrow_cents == 0  # the next customer starts from nothing


_LIVE = """
import sys
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.settings import Settings
from kiosk.store.store import open_store

store = open_store(Settings(database_url=sys.argv[1], kiosk_id="TEST-KIOSK"))
conversation = Conversation(Services(store))
for answer in ("1", "40152270", "72201", "2468", "2", "2", "20.00", "2", "20"):
    conversation.answer(answer)  # sign in, pay $20.00 in cash, put in a $20 bill
print(conversation.prompt.id, flush=True)  # the $20 is held in escrow, the session live
sys.stdin.readline()  # another kiosk process starts meanwhile
conversation.answer("yes")
said = conversation.prompt.render(Register.STANDARD).replace(chr(10), " ")
print(conversation.prompt.id, said, flush=True)
"""


def _kiosk_env(store: Store) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(
        KIOSK_DATA_DIR=os.environ["KIOSK_DATA_DIR"],
        KIOSK_DATABASE_URL=store.settings.database_url,
        KIOSK_CONFIG=os.path.join(os.environ["KIOSK_DATA_DIR"], "absent.toml"),
        KIOSK_KIOSK_ID=store.settings.kiosk_id,
    )
    return env


def test_a_second_kiosk_process_leaves_a_live_sessions_bills_alone(sqlite_store: Store) -> None:
    """A live session holds $20 in escrow while a second ``kiosk text`` starts on the same
    data directory: its start-up upkeep must not hand the $20 back (the owner lives), and
    the live session's yes pays $20.00 with those bills. Found by a tester: the second
    process marked the bills 'returned' and the customer's yes said "Only $0.00 was put in"."""
    from kiosk.payments.registry import cash_acceptor, processor_journal

    env = _kiosk_env(sqlite_store)
    live = subprocess.Popen(
        [sys.executable, "-c", _LIVE, sqlite_store.settings.database_url],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert live.stdout is not None and live.stdin is not None
        assert live.stdout.readline().strip() == "pay_review"
        journal = processor_journal(sqlite_store.settings)
        acceptor = cash_acceptor(sqlite_store.settings).acceptor
        assert journal.escrow_history(acceptor) == [(2000, "held")]
        second = subprocess.run(
            [str(Path(sys.executable).parent / "kiosk"), "text"],
            input="7\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Welcome" in second.stdout, second.stdout + second.stderr
        assert journal.escrow_history(acceptor) == [(2000, "held")]  # still the customer's
        live.stdin.write("\n")
        live.stdin.flush()
        said = live.stdout.readline()
        assert said.startswith("pay_result"), said + live.stderr.read()
        assert "$20.00" in said and "did not go through" not in said
        assert journal.escrow_history(acceptor) == [(2000, "stacked")]
    finally:
        live.kill()
        live.wait()


def test_bills_taken_from_a_live_session_are_said_truthfully(journal: ProcessorJournal) -> None:
    """Should bills vanish from a live session's escrow anyway (settled by another process),
    the yes says what became of them instead of "Only $0.00 was put in"."""
    cash = CashAcceptorSimulator(journal)
    cash.insert(2000)
    journal.escrow_settle(cash.acceptor, "returned")  # another process handed them back
    result = cash.charge(2000, "k-gone")
    assert not result.approved and result.decline_code == "cash_gone"
    reason = result.decline_reason or ""
    assert "$20.00" in reason and "handed back out of the bill slot" in reason, reason
    assert "No money" in reason or "took no money" in reason
    assert journal.approved_charges() == {}


def _service_requests(store: Store) -> list[str]:
    from kiosk.store.models import ServiceRequest

    with store.sessions() as session:
        return [
            r.reason for r in session.scalars(select(ServiceRequest).order_by(ServiceRequest.id))
        ]


def test_bills_handed_back_at_start_up_are_told_and_a_worker_called(sqlite_store: Store) -> None:
    """A kiosk killed with $40 in escrow restarts as a real ``kiosk text``: the bills come
    out at start-up, its first prompt (the welcome) says so and whose they may be, and a
    store worker is asked to see to it with the amount. Found by a tester: the bills came
    out with nothing on the screen, only a line in kiosk.log."""
    env = _kiosk_env(sqlite_store)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, sqlite_store.settings.database_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    before = _service_requests(sqlite_store)
    restarted = subprocess.run(
        [str(Path(sys.executable).parent / "kiosk"), "text"],
        input="",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    welcome = restarted.stdout.split("> ")[0]
    assert "Welcome" in welcome, restarted.stdout + restarted.stderr
    assert (
        "$40.00 in bills from an earlier session came out of the bill slot. "
        "If it is not yours, please give it to a store worker." in welcome
    ), welcome
    asked = _service_requests(sqlite_store)[len(before) :]
    assert len(asked) == 1 and "$40.00" in asked[0] and "came out of the bill slot" in asked[0]


@pytest.mark.parametrize("register", list(Register))
def test_the_first_prompt_says_bills_from_an_earlier_session_once(
    sqlite_store: Store, register: Register
) -> None:
    """In every register with a bill acceptor (a TTY's first prompt is the account question)."""
    services = Services(sqlite_store)
    services.cash_from_earlier = 1000
    first = Conversation(services, register).prompt.render(register)
    words = {
        Register.STANDARD: "$10.00 in bills from an earlier session came out of the bill slot",
        Register.SPOKEN: "Ten dollars in bills from an earlier session came out of the bill slot",
        Register.SIMPLE: "$10.00 from before came out of the bill slot",
        Register.TTY: "$10.00 IN BILLS FROM AN EARLIER SESSION CAME OUT OF THE SLOT",
    }[register]
    assert words in first and "store worker" in first.lower(), first
    again = Conversation(services, register).prompt.render(register)
    assert "earlier session" not in again and "from before" not in again  # told once


def _admin(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "kiosk"), "admin", *args],
        env=_kiosk_env(store),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_staff_tools_show_bills_left_handed_back_and_stuck(sqlite_store: Store) -> None:
    """``kiosk admin reconcile`` lists bills held by a dead kiosk process and stuck bills
    (exit 1 while any are stuck); ``kiosk admin report`` says what start-up handed back
    and what jammed that day. Found by a tester: reconcile said "Nothing to reconcile."
    and the report had no line for either."""
    from kiosk.payments.registry import cash_acceptor, processor_journal

    journal = processor_journal(sqlite_store.settings)
    acceptor = cash_acceptor(sqlite_store.settings)
    gone = "0:0"  # no process has pid 0: the session that put these in is gone
    journal.escrow_add(acceptor.acceptor, 2000, gone)
    left = _admin(sqlite_store, "reconcile")
    assert left.returncode == 0, left.stdout + left.stderr
    assert "$20.00" in left.stdout and "interrupted session" in left.stdout, left.stdout

    assert hand_back_stranded(acceptor).returned_cents == 2000  # the next start-up
    journal.escrow_add(acceptor.acceptor, 5000, gone)
    faults.inject("cash.eject", jam)
    assert hand_back_stranded(acceptor).stuck_cents == 5000
    stuck = _admin(sqlite_store, "reconcile", "--json")
    assert stuck.returncode == 1, stuck.stdout + stuck.stderr
    done = json.loads(stuck.stdout)
    assert done["escrow"]["stuck_cents"] == 5000 and done["escrow"]["stranded_cents"] == 0
    assert any("$50.00 in bills stuck" in p for p in done["problems"]), done

    report = _admin(sqlite_store, "report")
    assert report.returncode == 0, report.stdout + report.stderr
    lines = report.stdout.splitlines()
    handed = [line for line in lines if line.startswith("Bills handed back at start-up")]
    jammed = [line for line in lines if line.startswith("Bills stuck in the acceptor")]
    assert handed and handed[0].endswith("$20.00"), report.stdout
    assert jammed and jammed[0].endswith("$50.00"), report.stdout


def _two_jams(store: Store) -> tuple[ProcessorJournal, CashAcceptorSimulator, tuple[int, int]]:
    """Two hand-backs that jam: $30.00 (a $20 and a $10), then $5.00; with their numbers."""
    from kiosk.payments.registry import cash_acceptor, processor_journal

    journal = processor_journal(store.settings)
    acceptor = cash_acceptor(store.settings)
    for bills in ([2000, 1000], [500]):
        for bill in bills:
            acceptor.insert(bill)
        faults.inject("cash.eject", jam)
        with pytest.raises(CashNotReturned):
            acceptor.eject()
    first, second = (each.jam for each in journal.escrow_jams())
    return journal, acceptor, (first, second)


def test_staff_record_a_jam_cleared_and_reconcile_passes(sqlite_store: Store) -> None:
    """``kiosk admin cash-cleared JAM --by NAME --found AMOUNT`` records who opened the
    acceptor, when and what was found (audited); reconcile, which exits 1 while bills are
    stuck, then exits 0. An unknown jam, one cleared before, or a bad amount or name is
    refused with a specific message and changes nothing. Found after issue 16: there was
    no way to clear a jam except editing the table."""
    from kiosk.store.models import AuditEntry

    journal, acceptor, (first, second) = _two_jams(sqlite_store)
    stuck = _admin(sqlite_store, "reconcile")
    assert stuck.returncode == 1, stuck.stdout + stuck.stderr
    assert f"(jam {first})" in stuck.stdout and "$30.00 in bills stuck" in stuck.stdout
    assert f"kiosk admin cash-cleared {second} --by NAME --found AMOUNT" in stuck.stdout

    for args, code, said in [
        (["999", "--by", "Pat", "--found", "30"], 2, "no cash jam 999"),
        ([str(first), "--by", "Pat", "--found", "thirty"], 2, "argument --found"),
        ([str(first), "--by", "  ", "--found", "30"], 2, "name or staff id"),
        ([str(first), "--found", "30"], 2, "--by"),
        (["seven", "--by", "Pat", "--found", "30"], 2, "not a jam number"),
    ]:
        refused = _admin(sqlite_store, "cash-cleared", *args)
        assert refused.returncode == code, refused.stdout + refused.stderr
        assert said in refused.stderr, refused.stderr
        assert "kiosk admin cash-cleared: error:" in refused.stderr, refused.stderr
    assert journal.escrow_stuck() == {acceptor.acceptor: 3500}  # nothing changed

    done = _admin(sqlite_store, "cash-cleared", str(first), "--by", "Pat Lee", "--found", "30.00")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Cash jam {first} cleared by Pat Lee" in done.stdout
    assert "$30.00 was stuck, $30.00 found." in done.stdout
    still = _admin(sqlite_store, "reconcile")
    assert still.returncode == 1 and f"(jam {second})" in still.stdout
    assert f"(jam {first})" not in still.stdout

    short = _admin(
        sqlite_store, "cash-cleared", str(second), "--by", "Pat", "--found", "0", "--json"
    )
    assert short.returncode == 0, short.stdout + short.stderr
    record = json.loads(short.stdout)
    assert record["stuck_cents"] == 500 and record["found_cents"] == 0
    assert record["cleared_by"] == "Pat" and record["cleared_at"]

    again = _admin(sqlite_store, "cash-cleared", str(first), "--by", "Sam", "--found", "30")
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"cash jam {first} was already cleared by Pat Lee" in again.stderr
    assert "nothing changed" in again.stderr
    passed = _admin(sqlite_store, "reconcile", "--json")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "stuck" not in " ".join(json.loads(passed.stdout)["problems"])

    with sqlite_store.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "admin.cash_cleared")
        ).all()
    outcomes = [(entry.outcome, entry.detail.get("jam")) for entry in entries]
    assert outcomes.count(("success", first)) == 1 and ("failure", 999) in outcomes
    cleared = next(e for e in entries if e.outcome == "success" and e.detail["jam"] == first)
    assert cleared.detail["by"] == "Pat Lee" and cleared.detail["found_cents"] == 3000


def test_the_days_report_shows_each_jam_cleared_stuck_against_found(sqlite_store: Store) -> None:
    """The end-of-day report said what jammed but not what staff found when they cleared
    it: a jam with money missing looked the same as one found whole."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    journal, acceptor, (first, second) = _two_jams(sqlite_store)
    for number, found in ((first, "20.00"), (second, "5.00")):
        done = _admin(
            sqlite_store, "cash-cleared", str(number), "--by", "Pat Lee", "--found", found
        )
        assert done.returncode == 0, done.stdout + done.stderr
    # the day they were cleared (staff clear jams by the wall clock)
    today = dt.datetime.now(ZoneInfo(sqlite_store.settings.timezone)).date().isoformat()
    report = _admin(sqlite_store, "report", "--date", today)
    assert report.returncode == 0, report.stdout + report.stderr
    lines = report.stdout.splitlines()
    at = lines.index(f"  Jam {first} cleared by Pat Lee")
    assert lines[at + 1].split() == ["stuck", "$30.00"], lines[at : at + 4]
    assert lines[at + 2].split() == ["found", "$20.00"]
    assert lines[at + 3].split() == ["MISSING", "$10.00"]
    later = lines.index(f"  Jam {second} cleared by Pat Lee")
    assert lines[later + 2].split() == ["found", "$5.00"]
    assert "MISSING" not in lines[later + 3] and "over" not in lines[later + 3]
    assert all(len(line) <= 42 for line in lines)  # an 80 mm receipt's width
    data = json.loads(_admin(sqlite_store, "report", "--date", today, "--json").stdout)
    by_jam = {each["jam"]: each for each in data["jams_cleared"]}
    assert by_jam[first]["stuck_cents"] == 3000 and by_jam[first]["found_cents"] == 2000
    assert by_jam[first]["difference_cents"] == -1000 and by_jam[second]["difference_cents"] == 0
    csv_rows = _admin(sqlite_store, "report", "--date", today, "--csv").stdout.splitlines()
    assert f"{today},cash_jam_{first},difference,,-1000" in csv_rows
