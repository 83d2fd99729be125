"""Two calls pay the same account by keyed card at the same moment, on one line.

The processor takes 4 s (the simulator's delay), so the second caller's yes comes while
the first caller's charge is open: it is never sent (one open payment per account), and
that caller is told so truthfully.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from kiosk.store.models import Account, AttemptState, PaymentAttempt

AVA = "40152270"


def _attempts(store) -> list[PaymentAttempt]:
    with store.sessions() as session:
        return list(
            session.execute(
                select(PaymentAttempt)
                .join(Account, Account.id == PaymentAttempt.account_id)
                .where(Account.number == AVA)
                .order_by(PaymentAttempt.id)
            ).scalars()
        )


def _said(line, call_id: str) -> str:
    call = line.server.calls.get(call_id)
    session = getattr(call, "session", None)
    return " ".join(c.text for c in session.captions.entries) if session else ""


def _pay(line, caller, card: str) -> None:
    """Ava signs in, pays her whole bill by the keyed ``card`` and says yes: numbers
    typed ahead, each menu's key once it is being said (as a caller who listens)."""
    line.press_when_said(caller, "Welcome", "1")
    for key in AVA + "#72201#2468#":
        caller.rtp.key(key)
    line.press_when_said(caller, "What would you like to do?", "2")
    line.press_when_said(caller, "How much do you want to pay?", "1")
    line.press_when_said(caller, "How do you want to pay?", "1")
    for key in card + "#1230737":
        caller.rtp.key(key)
    line.press_when_said(caller, "Is this right?", "1")


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_card_whose_bank_does_not_answer_is_told_truly_and_reconciled(line, tmp_path):
    """Test card 4000 0000 0000 0119: the bank does not answer the charge. The processor,
    asked about the key at once, has it declined (nothing taken): the caller hears that,
    never a confirmation, and reconcile finds nothing open. (Before the test below, which
    pays Ava's whole bill on this module's store.)"""
    from kiosk.payments.registry import reconciliation_methods
    from kiosk.payments.service import PaymentService

    services = line.server.parts.services
    services.takes_cash, services.keyed_card, services.has_printer = False, True, False
    before = len(_attempts(line.store))
    caller = line.call(tmp_path / "no-answer")
    try:
        _pay(line, caller, "4000000000000119")
        assert _wait_for(lambda: len(_attempts(line.store)) > before, 90)
        assert _wait_for(lambda: _attempts(line.store)[-1].state == AttemptState.DECLINED, 30)
        assert _wait_for(lambda: "no money was taken" in _said(line, caller.call_id), 30)
        said = _said(line, caller.call_id)
    finally:
        services.takes_cash, services.keyed_card, services.has_printer = True, False, True
        caller.hang_up()
        caller.wait(20)
        caller.close()
    told = said[said.index("Is this right?") :]
    assert "did not go through, and no money was taken" in told
    assert "confirmation number" not in told and "bank" in told.lower()
    report = PaymentService(line.store).reconcile(reconciliation_methods(line.store.settings))
    assert not report.settled
    (attempt,) = _attempts(line.store)[before:]
    assert attempt.state == AttemptState.DECLINED and attempt.last4 == "0119"


def test_two_calls_paying_one_account_at_once_are_each_told_the_truth(line, tmp_path):
    services = line.server.parts.services
    settings = line.store.settings
    services.takes_cash, services.keyed_card, services.has_printer = False, True, False
    delay, settings.terminal_delay_seconds = settings.terminal_delay_seconds, 4.0
    before = len(_attempts(line.store))
    callers = []
    try:
        callers = [line.call(tmp_path / f"payer-{n}") for n in range(2)]

        threads = [
            threading.Thread(target=_pay, args=(line, c, "4242424242424242")) for c in callers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert _wait_for(lambda: len(_attempts(line.store)) > before, 90)
        assert _wait_for(
            lambda: all(a.state == AttemptState.SUCCEEDED for a in _attempts(line.store)[before:]),
            60,
        )
        for caller in callers:
            caller.rtp.wait_quiet(2.0, timeout=60)
        said = [_said(line, c.call_id) for c in callers]
    finally:
        settings.terminal_delay_seconds = delay
        services.takes_cash, services.keyed_card, services.has_printer = True, False, True
        for caller in callers:
            caller.hang_up()
        for caller in callers:
            caller.wait(20)
            caller.close()
    # One charge: the caller whose yes came first paid; the other's was never sent.
    attempts = _attempts(line.store)[before:]
    assert [(a.state, a.cents) for a in attempts] == [(AttemptState.SUCCEEDED, 8499)]
    number = attempts[0].confirmation_number
    paid = [text for text in said if "Your confirmation number is" in text]
    refused = [text for text in said if "Another payment for this account" in text]
    assert len(paid) == 1 and len(refused) == 1, said
    assert "Visa ending 4242" in paid[0] and number
    # The other is told first that theirs was not made, nothing charged, and no store
    # associate (a caller has none).
    told = refused[0][refused[0].index("Is this right?") :]
    assert "Your payment was not made, and nothing was charged for it." in told
    assert "associate" not in told and "went through" not in told.split("ended")[-1]
