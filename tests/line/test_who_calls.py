"""Who is calling, decided at answer: a TTY's hello is judged whole, whenever in the
listening moment it starts, and a voice caller is not held past the moment. The call's
audio arrives in real time, 20 ms at a time, as PJSIP's media clock hands it over."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from kiosk.line.audio import FRAME, RATE, CallAudio
from kiosk.line.who_calls import GREETING_TTY, HELLO_MAX_S, tty_answers
from kiosk.tty.detect import TtyToneDetector
from kiosk.tty.modulator import modulate

LISTEN_S = 1.0
GREETING_S = modulate(GREETING_TTY + "\n", rate=RATE).size / RATE


class Caller(threading.Thread):
    """Sends ``audio`` into the call in 20 ms blocks at the media clock's pace, then
    silence until stopped."""

    def __init__(self, call: CallAudio, audio: np.ndarray) -> None:
        super().__init__(daemon=True)
        self.call, self.audio = call, audio.astype(np.float32)
        self.done = threading.Event()

    def run(self) -> None:
        start, sent = time.monotonic(), 0
        while not self.done.is_set():
            block = self.audio[sent * FRAME : (sent + 1) * FRAME]
            self.call.receive(np.pad(block, (0, FRAME - block.size)))
            sent += 1
            time.sleep(max(0.0, start + sent * FRAME / RATE - time.monotonic()))


def _answer(caller_audio: np.ndarray) -> tuple[bool, float, CallAudio]:
    call = CallAudio()
    caller = Caller(call, caller_audio)
    caller.start()
    try:
        return tty_answers(call, LISTEN_S), call.heard_seconds, call
    finally:
        caller.done.set()
        caller.join()


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


@pytest.mark.parametrize("starts_before_the_end", [0.15, 0.3, 0.6])
def test_a_hello_that_starts_late_in_the_moment_is_heard_out(starts_before_the_end):
    """The hello's first tones come a fraction of a second before the moment ends
    (a TTY caller read the GA a little late): too little to tell by then, so the line
    listens on while the tones last, and answers with the TTY channel."""
    lead = GREETING_S + LISTEN_S - starts_before_the_end
    hello = modulate("HELLO GA\n", rate=RATE)
    is_tty, heard, _ = _answer(np.concatenate((_silence(lead), hello)))
    assert is_tty
    assert heard < lead + hello.size / RATE + 0.5  # decided within the hello


def test_a_voice_caller_is_not_held_past_the_moment():
    """Noise on the line (a voice caller's room) is not TTY tones: the spoken greeting
    starts when the moment ends, not after the longest hello."""
    noise = np.random.default_rng(7).normal(0, 0.05, int(6 * RATE)).astype(np.float32)
    is_tty, heard, _ = _answer(noise)
    assert not is_tty
    assert GREETING_S + LISTEN_S <= heard < GREETING_S + LISTEN_S + 0.3


def test_a_hello_after_the_moment_is_left_whole_for_the_voice_channel():
    """A TTY that starts typing after the moment reaches the voice channel's detector
    whole: the test at answer reads none of it."""
    lead = GREETING_S + LISTEN_S + 0.3
    hello = modulate("HELLO GA\n", rate=RATE)
    call = CallAudio()
    caller = Caller(call, np.concatenate((_silence(lead), hello)))
    caller.start()
    try:
        assert not tty_answers(call, LISTEN_S)
        assert call.heard_seconds < GREETING_S + LISTEN_S + HELLO_MAX_S
        voice_detector = TtyToneDetector(RATE)
        end = time.monotonic() + lead + hello.size / RATE + 2.0
        while time.monotonic() < end and not voice_detector.detected:
            block = call.read_block(0.1)
            if block is not None:
                voice_detector.feed(block)
        assert voice_detector.detected
    finally:
        caller.done.set()
        caller.join()
