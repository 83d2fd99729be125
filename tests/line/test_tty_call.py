"""A TTY caller on the phone line: Baudot through a real SIP call (PJSIP line, SIPp
caller), typed by the project's modem and by minimodem (`--tx tdd`), read back by the
project's demodulator at the caller's end."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import numpy as np
import pytest

from kiosk.devtools.caller_process import CallerProcess
from kiosk.store.models import AttemptState
from kiosk.tty.modulator import modulate
from kiosk.tty.wavio import read_wav

from .test_keypad_calls import _attempts  # noqa: TID252 - the same store query

BEN = "40152271"
CARD, EXPIRY, CODE = "4242424242424242", "1230", "737"
# (answer, typed by) in order, each ended by GA (minimodem's after a new line: it unshifts
# on a space, so "GA" after a space and a number would reach the line as figures).
ANSWERS = [
    (BEN, "minimodem"),  # the line asks for it at once, after the caller's hello
    ("35203", "modem"),
    ("1357", "minimodem"),  # the PIN
    ("2", "modem"),  # pay my bill
    ("1", "modem"),  # the past-due amount
    ("1", "modem"),  # card: keyed, as on every call
    (CARD, "minimodem"),
    (EXPIRY, "modem"),
    (CODE, "modem"),
]


def _typed(text: str, by: str, tmp_path) -> np.ndarray:
    if by == "modem":
        return modulate(text + " GA\n", rate=8000)
    path = tmp_path / "minimodem.wav"
    subprocess.run(
        ["minimodem", "--tx", "-R", "8000", "-f", str(path), "tdd"],
        input=(text + "\nGA\n").encode(),
        check=True,
    )
    samples, rate = read_wav(path)
    assert rate == 8000
    return samples


def _last_message(heard: str, count: int) -> str:
    """The line's message that ended with its ``count``-th GA."""
    return heard.split("GA")[count - 1]


@pytest.mark.timeout(400)
@pytest.mark.skipif(shutil.which("minimodem") is None, reason="minimodem is not installed")
def test_a_tty_caller_pays_bens_past_due_amount_by_keyed_card(line, tmp_path):
    """Signs in and pays by TTY through a real call, the card keyed as `kiosk line` takes
    it (card-not-present; no bill slot, no printer): the amount and "VISA ENDING 4242" are
    said before the yes, the confirmation number after it, no paper is offered, and the
    card is never sent back; then the caller hangs up (the receipt and "anything else"
    steps are the TTY channel's own tests)."""
    services = line.server.parts.services
    services.takes_cash, services.keyed_card, services.has_printer = False, True, False
    before = len(_attempts(line.store, BEN))
    # The caller's RTP in a process of its own: in this one, under load, its packets left
    # late and in bunches, PJSIP's jitter buffer filled the holes and a TTY character broke
    # (the call went back to "ACCT OR PHONE NBR Q"): the test's phone, not the line.
    caller = CallerProcess(line.address, tmp_path / "caller")
    caller.start()
    assert caller.wait_answered(10.0), "the line did not answer"
    call_id = caller.call_id
    try:
        assert "GA" in caller.wait_for_text("GA", 1, timeout=10)  # the line's TTY greeting
        caller.play(modulate("HELLO GA\n", rate=8000))  # a TTY answers it
        turn = 2
        for turn, (text, by) in enumerate(ANSWERS, start=2):
            heard = caller.wait_for_text("GA", turn, timeout=90)
            assert heard.count("GA") >= turn, heard
            time.sleep(0.5)  # reading, then typing
            caller.play(_typed(text, by, tmp_path))
        heard = caller.wait_for_text("GA", turn + 1, timeout=90)
        confirm = _last_message(heard, turn + 1)
        assert "$95.00" in confirm and " Y" in confirm, confirm  # the amount, before the yes
        assert "VISA ENDING 4242" in confirm, confirm
        time.sleep(0.5)
        caller.play(_typed("Y", "modem", tmp_path))
        # the result's "1 NBR AGAIN Q GA" holds "GA" twice
        heard = caller.wait_for_text("GA", turn + 3, timeout=90)
        caller.hang_up()
        caller.wait(30)
    finally:
        services.takes_cash, services.keyed_card, services.has_printer = True, False, True
        caller.close()
    attempts = _attempts(line.store, BEN)[before:]
    assert [(a.state, a.cents) for a in attempts] == [(AttemptState.SUCCEEDED, 9500)]
    number = attempts[0].confirmation_number
    grouped = " ".join(number[i : i + 3] for i in range(0, len(number), 3))
    result = heard[heard.index(confirm) + len(confirm) :]  # all after the review
    assert f"CONFIRMATION {grouped}" in result and "$95.00" in result, result
    assert "PAID $95.00 BY VISA 4242" in result, result
    assert "RECEIPT BY 2 EMAIL 3 TEXT 4 NONE, 1 NBR AGAIN" in result and "PRINT" not in heard
    assert (attempts[0].brand, attempts[0].last4) == ("VISA", "4242")
    assert "4242 4242" not in heard and CARD not in heard.replace(" ", "")
    for secret in ("1357", EXPIRY, CODE):  # the PIN and the card are never sent back
        assert not re.search(rf"\b{secret}\b", heard), secret
    outcome = line.outcome(call_id)
    assert outcome is not None and outcome.channel == "tty"
