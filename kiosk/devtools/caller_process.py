"""A :class:`SippCaller` in a process of its own, for benches that run the line in theirs.

A bench that runs the line in its own process (to count what the line's channel read)
shares one interpreter with a caller made there: the caller's RTP thread then waits for
the interpreter behind the line's work, and on a busy machine behind everything else
too. Its 20 ms packets then left 50-200 ms late and in bunches (measured at load 8 on 2
cores), the line's jitter buffer ran dry and PJSIP filled the hole, and where the hole
fell inside a Baudot character the character was read wrong: the bench's caller, not
the line, put the gap in the audio. A telephone on the far end of a real line has no
such stall. Here the caller's RTP runs in a child process with its own interpreter, at
real-time priority where the system allows it (as the line's media clock does).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from pathlib import Path
from typing import Any

import numpy as np

CALLER_PRIORITY = 30  # SCHED_FIFO: above the line's own threads (20 and 10)


def _serve(connection: Any, line: tuple[str, int], workdir: str) -> None:
    """The child: one call, steered by the parent's requests over ``connection``."""
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(CALLER_PRIORITY))
    from kiosk.devtools.sip_caller import RATE, SippCaller
    from kiosk.tty.demodulator import StreamingDecoder
    from kiosk.tty.modulator import modulate

    # The TTY decoder's modules and word list loaded before the call, not by its first
    # word during it (220 ms of loading: the caller's one late packet of each call).
    StreamingDecoder(RATE).feed(modulate("HELLO THIS IS THE KIOSK GA\n", rate=RATE))
    caller = SippCaller(line, workdir=workdir)
    caller.start()
    try:
        while True:
            request, args = connection.recv()
            if request == "close":
                break
            if request == "echo":
                caller.rtp.echo_gain, caller.rtp.echo_frames = args
                reply: Any = None
            elif request == "jitter":
                caller.rtp.jitter = args[0]
                reply = None
            elif request == "play":
                reply = caller.rtp.play(args[0])
            elif request == "send_gap":
                reply = caller.rtp.max_send_gap()
            elif request == "sent_at":
                reply = list(caller.rtp.sent_at)
            elif request == "call_id":
                reply = caller.call_id
            else:
                reply = getattr(caller, request)(*args)
            connection.send(reply)
    finally:
        caller.close()
        connection.send(None)


class CallerProcess:
    """One SIPp call whose RTP is sent and read in a child process (see module doc)."""

    def __init__(self, line: tuple[str, int], workdir: str | Path) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process running PJSIP
        self._connection, child = context.Pipe()
        Path(workdir).mkdir(parents=True, exist_ok=True)
        self._process = context.Process(
            target=_serve, args=(child, line, str(workdir)), name="caller", daemon=True
        )

    def start(self) -> None:
        self._process.start()

    def _ask(self, request: str, *args: Any) -> Any:
        self._connection.send((request, args))
        return self._connection.recv()

    def wait_answered(self, timeout: float = 10.0) -> bool:
        return bool(self._ask("wait_answered", timeout))

    def echo(self, gain: float, frames: int) -> None:
        """Line echo: the line's own audio back to it, ``gain`` times, ``frames`` later."""
        self._ask("echo", gain, frames)

    def jitter(self, seconds: float) -> None:
        """Network jitter on the caller's audio: each packet up to ``seconds`` late."""
        self._ask("jitter", seconds)

    def play(self, samples: np.ndarray) -> float:
        return float(self._ask("play", np.asarray(samples, dtype=np.float32)))

    def wait_for_text(self, needle: str, count: int = 1, timeout: float = 120.0) -> str:
        return str(self._ask("wait_for_text", needle, count, timeout))

    def max_send_gap(self) -> float:
        """The longest time between two of the caller's audio packets (seconds)."""
        return float(self._ask("send_gap"))

    def sent_at(self) -> list[float]:
        """When each of the caller's audio packets left (``time.perf_counter``)."""
        return list(self._ask("sent_at"))

    @property
    def call_id(self) -> str:
        """The SIP Call-ID of this call (the line logs and records it)."""
        return str(self._ask("call_id"))

    def hang_up(self) -> None:
        self._ask("hang_up")

    def wait(self, timeout: float = 60.0) -> int | None:
        result = self._ask("wait", timeout)
        return None if result is None else int(result)

    def close(self) -> None:
        if self._process.is_alive():
            with contextlib.suppress(OSError, EOFError):
                self._connection.send(("close", ()))
                self._connection.recv()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)


__all__ = ["CallerProcess"]
