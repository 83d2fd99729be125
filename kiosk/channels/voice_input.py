"""Where the voice channel's input comes from: keypad lines and microphone blocks.

Both are polled with timeouts from one loop, so a key always works alongside speech and
nothing waits forever on a dead device. Live sources read stdin (a keypad that types
lines) and a sounddevice microphone; scripted sources replay keys and audio buffers for
tests and benchmarks, through exactly the same channel code.
"""

from __future__ import annotations

import contextlib
import queue
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from kiosk.channels.text import LineReader
from kiosk.speech.vad import find_speech

__all__ = [
    "AudioInput",
    "KeySource",
    "LineKeys",
    "LiveMicrophone",
    "QueueKeys",
    "ScriptedUser",
    "Turn",
]


class KeySource(Protocol):
    """Keypad input: one line per entry ("1", "40152270", "*", "help", "headset on")."""

    def poll(self, timeout: float) -> str | None:
        """The next line, or None if none came within ``timeout`` seconds.

        Raises:
            EOFError: when the keypad is gone for good.
        """


class AudioInput(Protocol):
    """Microphone audio as float mono blocks."""

    rate: int

    def start(self) -> None:
        """Open the device. Raises AudioDeviceError when there is none."""

    def begin_listening(self) -> None:
        """The kiosk starts listening: drop what was captured while it spoke."""

    def read(self, timeout: float) -> np.ndarray | None:
        """The next block, or None if none came within ``timeout`` seconds."""

    def stop(self) -> None: ...


class LineKeys:
    """Keypad lines from a file descriptor (stdin), with timeouts."""

    def __init__(self, fd: int) -> None:
        self._reader = LineReader(fd)

    def poll(self, timeout: float) -> str | None:
        return self._reader.readline(timeout)


class QueueKeys:
    """Keypad events pushed by another thread (a hardware keypad driver, a test)."""

    def __init__(self, lines: Iterable[str] = ()) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        for line in lines:
            self.push(line)

    def push(self, line: str) -> None:
        self._queue.put(line)

    def close(self) -> None:
        self._queue.put(None)

    def poll(self, timeout: float) -> str | None:
        try:
            line = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return None
        if line is None:
            self._queue.put(None)  # stay closed
            raise EOFError
        return line


class LiveMicrophone:
    """A sounddevice microphone (through :class:`kiosk.speech.audio.Microphone`)."""

    def __init__(self, device: str | int | None = None, pulse_source: str | None = None) -> None:
        from kiosk.speech.audio import Microphone

        self._mic = Microphone(device, pulse_source=pulse_source)
        self.rate = self._mic.rate

    def start(self) -> None:
        self._mic.start()

    def begin_listening(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self._mic._queue.get_nowait()  # noqa: SLF001 - our own echo, dropped

    def read(self, timeout: float) -> np.ndarray | None:
        return next(self._mic.blocks(timeout), None)

    def stop(self) -> None:
        self._mic.stop()


@dataclass(frozen=True)
class Turn:
    """One thing a scripted user does when the kiosk listens: a key line or speech."""

    key: str | None = None
    audio: np.ndarray | None = None


class ScriptedUser:
    """A user replayed from a script, as keypad and microphone at once.

    Each time the kiosk starts listening the next turn begins: a key line is available at
    once, or the audio is served as microphone blocks (with silence before and after, so
    the end-pointer works as it does live). Blocks come as fast as they are read: no real
    time passes, which keeps tests and benchmarks fast.

    :meth:`clock` is a simulated real-time clock to give the channel: a block cannot be
    read before the time it would have been spoken, and the time the kiosk spends (in
    decoding, say) passes as it does live. With it, end of speech -> answer is measured
    as a live microphone would see it, without waiting through the audio;
    ``speech_ends`` holds when each spoken turn's speech ended on that clock, and
    ``heard_past_end`` how many seconds of silence after it the kiosk had read when it
    moved on (the pause it waited for, whatever the decoding took). ``idle_step``: the
    simulated seconds each read takes once a turn's audio is over, so a kiosk that rightly
    ignores a turn (noise is no answer) reaches the step's timeout without a real wait.
    """

    def __init__(
        self,
        turns: Iterable[Turn],
        rate: int = 16_000,
        lead_silence: float = 0.3,
        trail_silence: float = 2.0,
        block_seconds: float = 0.02,
        idle_step: float = 0.0,
    ) -> None:
        self.rate = rate
        self.idle_step = idle_step
        self.speech_ends: list[float] = []
        self.heard_past_end: list[float] = []
        self._virtual = 0.0
        self._mark = time.perf_counter()
        self._listen_start = 0.0
        self._turns = deque(turns)
        self._lead = np.zeros(int(lead_silence * rate), dtype=np.float32)
        self._trail = np.zeros(int(trail_silence * rate), dtype=np.float32)
        self._block = max(1, int(block_seconds * rate))
        self._audio = np.zeros(0, dtype=np.float32)
        self._at = 0
        self._key: str | None = None
        self.listens = 0
        self.finished = False

    @property
    def remaining(self) -> int:
        return len(self._turns)

    def start(self) -> None:
        """Nothing to open."""

    def stop(self) -> None:
        """Nothing to close."""

    def clock(self) -> float:
        """Simulated real time: the audio served so far, plus the time spent since."""
        return self._virtual + (time.perf_counter() - self._mark)

    def begin_listening(self) -> None:
        if len(self._audio):  # the spoken turn the kiosk has done with
            heard_until = self._listen_start + self._at / self.rate
            self.heard_past_end.append(heard_until - self.speech_ends[-1])
        self.listens += 1
        self._audio, self._at, self._key = np.zeros(0, dtype=np.float32), 0, None
        self._listen_start = self.clock()
        if not self._turns:
            self.finished = True  # the script is over: the channel ends the session
            return
        turn = self._turns.popleft()
        if turn.key is not None:
            self._key = turn.key
        elif turn.audio is not None:
            speech = turn.audio.astype(np.float32)
            self._audio = np.concatenate([self._lead, speech, self._trail])
            # The end of audible speech, found in the turn as the microphone hears it
            # (amid silence: a clip alone would set its noise floor inside the speech).
            spoken = find_speech(self._audio, self.rate)
            end = spoken[1] if spoken else len(self._lead) / self.rate
            self.speech_ends.append(self._listen_start + end)

    def poll(self, timeout: float) -> str | None:
        key, self._key = self._key, None
        if key is None and self.finished:
            raise EOFError
        if key is None and timeout > 0:
            time.sleep(min(timeout, 0.001))
        return key

    def read(self, timeout: float) -> np.ndarray | None:
        if self._at >= len(self._audio):
            time.sleep(min(timeout, 0.001))
            self._virtual += self.idle_step
            return None
        block = self._audio[self._at : self._at + self._block]
        self._at += len(block)
        due = self._listen_start + self._at / self.rate  # when its last sample is spoken
        self._virtual, self._mark = max(self.clock(), due), time.perf_counter()
        return block
