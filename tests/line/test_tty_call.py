"""A TTY caller on the phone line: Baudot through a real SIP call (PJSIP line, SIPp
caller), typed by the project's modem and by minimodem (`--tx tdd`), read back by the
project's demodulator at the caller's end."""

from __future__ import annotations

import shutil
import subprocess
import time

import numpy as np
import pytest

from kiosk.store.models import AttemptState
from kiosk.tty.modulator import modulate
from kiosk.tty.wavio import read_wav

from .test_keypad_calls import _attempts  # noqa: TID252 - the same store query

BEN = "40152271"
# (answer, typed by) in order; minimodem sends no GA: its unshift-on-space would turn the
# letters after a number into figures, so those turns end with the caller's pause.
ANSWERS = [
    (BEN, "minimodem"),
    ("35203 GA", "modem"),
    ("1357", "minimodem"),  # the PIN
    ("2 GA", "modem"),  # pay my bill
    ("1 GA", "modem"),  # the past-due amount
    ("1 GA", "modem"),  # card
    ("Y GA", "modem"),  # pay
    ("4 GA", "modem"),  # no more receipts
    ("N GA", "modem"),  # nothing else
]


def _typed(text: str, by: str, tmp_path) -> np.ndarray:
    if by == "modem":
        return modulate(text + "\n", rate=8000)
    path = tmp_path / "minimodem.wav"
    subprocess.run(
        ["minimodem", "--tx", "-R", "8000", "-f", str(path), "tdd"],
        input=(text + "\n").encode(),
        check=True,
    )
    samples, rate = read_wav(path)
    assert rate == 8000
    return samples


@pytest.mark.timeout(600)
@pytest.mark.skipif(shutil.which("minimodem") is None, reason="minimodem is not installed")
def test_a_tty_caller_pays_bens_past_due_amount(line, tmp_path):
    before = len(_attempts(line.store, BEN))
    caller = line.call(tmp_path)
    try:
        assert "GA" in caller.wait_for_text("GA", 1, timeout=10)  # the line's TTY greeting
        caller.rtp.play(modulate("HELLO GA\n", rate=8000))  # a TTY answers it
        for turn, (text, by) in enumerate(ANSWERS, start=2):
            heard = caller.wait_for_text("GA", turn, timeout=90)
            assert heard.count("GA") >= turn, heard
            time.sleep(0.5)  # reading, then typing
            caller.rtp.play(_typed(text, by, tmp_path))
        heard = caller.wait_for_text("SK", 1, timeout=90)
        assert caller.wait(30) == 0  # the line hangs up after SKSK
    finally:
        caller.close()
    attempts = _attempts(line.store, BEN)[before:]
    assert [(a.state, a.cents) for a in attempts] == [(AttemptState.SUCCEEDED, 9500)]
    number = attempts[0].confirmation_number
    grouped = " ".join(number[i : i + 3] for i in range(0, len(number), 3))
    assert f"CONFIRMATION {grouped}" in heard
    assert "$95.00" in heard and "1357" not in heard  # the PIN is never sent back
    outcome = line.outcome(caller.call_id)
    assert outcome is not None and outcome.channel == "tty"
