"""A keyed charge whose outcome is not known yet, as a caller hears it.

The store fails just after the processor charged the keyed card (another process holds
the SQLite write lock, as kiosk.devtools.store_faults does): the payment core cannot
record the answer, keeps the attempt open for the reconciler, and the conversation
tells the customer it is being checked. On the line's services (keyed card, no printer)
the words must be true on a phone: no card terminal, no store associate.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from sqlalchemy import select

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.devtools.faults import clear_injections, inject
from kiosk.payments.registry import reconciliation_methods
from kiosk.payments.service import PaymentService
from kiosk.services.confirmation import payment_reference
from kiosk.speech.numbers import digits_to_words
from kiosk.store.models import AttemptState, PaymentAttempt
from kiosk.store.store import open_store

from ..conftest import make_settings  # noqa: TID252 - the suite's settings

LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_keyed_charge_being_checked_is_told_as_true_on_a_phone(tmp_path, seeded_now_template):
    path = tmp_path / "kiosk.sqlite3"
    shutil.copyfile(seeded_now_template, path)
    store = open_store(make_settings(f"sqlite:///{path}", database_busy_timeout_seconds=1.0))
    services = Services(store, takes_cash=False, keyed_card=True, has_printer=False)
    conversation = Conversation(services, Register.SPOKEN)
    for answer in ("1", "40152270", "72201", "2468"):
        conversation.answer(answer)
    conversation.answer({c.value: c.key for c in conversation.prompt.choices}["pay"])
    conversation.answer("1")  # the full balance
    conversation.answer({c.value: c.key for c in conversation.prompt.choices}["card"])
    for answer in ("4242424242424242", "1230", "737"):
        conversation.answer(answer)
    assert conversation.prompt.id == "pay_review"

    locker: list[subprocess.Popen[str]] = []

    def lock() -> None:  # the processor has charged the card; nothing is recorded yet
        held = subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        locker.append(held)
        assert held.stdout is not None and held.stdout.readline().strip() == "locked"

    inject("charge.after_approve", lock)
    try:
        told = conversation.answer("1")
    finally:
        clear_injections()
        for held in locker:
            assert held.stdin is not None
            held.stdin.close()
            held.wait(15)
    assert locker, "the fault never struck"
    assert told.id == "pay_unknown", told.id
    with store.sessions() as session:
        (attempt,) = session.execute(select(PaymentAttempt)).scalars().all()[-1:]
        key, state = attempt.idempotency_key, attempt.state
    assert state in (AttemptState.SENT, AttemptState.UNKNOWN)
    reference = payment_reference(key)

    said = {register: told.render(register) for register in Register}
    helped = " ".join(told.help.in_register(register) for register in Register)
    for register, text in said.items():
        for kiosk_only in ("associate", "store worker", "card terminal", "card reader"):
            assert kiosk_only not in text.lower() and kiosk_only not in helped.lower()
        assert "reference" in text.lower() or reference in text, (register, text)
    spoken = said[Register.SPOKEN]
    assert "is being checked" in spoken and "not be charged twice" in spoken
    assert "do not pay again now" in spoken
    assert "call again later, or check your balance" in spoken
    groups = reference.split()
    assert ", ".join(digits_to_words(g, group=len(g)) for g in groups) in spoken
    assert reference in said[Register.STANDARD] and reference in said[Register.TTY]
    assert "CALL AGAIN LATER" in said[Register.TTY]
    assert "Call again later" in said[Register.SIMPLE] and reference in said[Register.SIMPLE]

    # What it was told is true: the charge went through once, found by the reconciler.
    report = PaymentService(store).reconcile(reconciliation_methods(store.settings))
    assert report.settled
    with store.sessions() as session:
        attempt = session.get(PaymentAttempt, attempt.id)
        assert attempt is not None and attempt.state == AttemptState.SUCCEEDED
    store.dispose()
