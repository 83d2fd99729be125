"""The benches' caller in a process of its own keeps its 20 ms time while the process
that runs the line holds the interpreter (bench_line_tty: a caller sharing the line's
interpreter sent its packets up to 200 ms late under load, and the hole its lateness
left in the line's audio broke Baudot characters)."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from kiosk.devtools.caller_process import CallerProcess


def _hold_the_interpreter(seconds: float) -> None:
    """Work that keeps the interpreter the whole time (a C sort never lets it go)."""
    numbers = [random.random() for _ in range(400_000)]
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sorted(numbers)


@pytest.mark.timeout(120)
def test_the_caller_process_keeps_time_while_the_line_process_is_busy(line, tmp_path):
    caller = CallerProcess(line.address, tmp_path / "caller")
    caller.start()
    try:
        assert caller.wait_answered(15), "the line did not answer"
        tone = 0.3 * np.sin(2 * np.pi * 1400 * np.arange(4 * 8000) / 8000)
        caller.play(tone.astype(np.float32))
        _hold_the_interpreter(3.0)
        gap = caller.max_send_gap()
        caller.hang_up()
        caller.wait(15)
    finally:
        caller.close()
    assert gap <= 0.040, f"the caller sent nothing for {gap * 1000:.0f} ms"
