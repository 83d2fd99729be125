"""One call's audio between the SIP stack's media clock and the conversation.

The media clock (PJSIP's conference bridge) hands over the caller's audio and asks
for the kiosk's every 20 ms, from its own thread; the call's channel (voice or TTY)
reads and writes at its own pace in another. :class:`CallAudio` sits between them:
8 kHz float32 blocks in, a queue of kiosk audio out (silence when there is none), so
the clock never waits for the conversation. It is also the TTY channel's transport
(:class:`kiosk.channels.tty_transport.Transport`), and :class:`LineSpeaker` and
:class:`LineMicrophone` make it the voice channel's speaker and microphone.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol

import numpy as np
from scipy.signal import firwin, lfilter, resample_poly

from kiosk.speech.audio import OutputDevice, StreamingSpeaker

RATE = 8000
FRAME = 160  # 20 ms
MIC_RATE = 16_000  # what the recognizer's acoustic model wants


class CallAudio:
    """The caller's audio in, the kiosk's audio out, at 8 kHz, safe across threads."""

    rate = RATE
    out_rate = RATE

    def __init__(self) -> None:
        self._incoming: queue.Queue[np.ndarray | None] = queue.Queue()
        self._outgoing = np.zeros(0, dtype=np.float32)
        self._lock = threading.Lock()
        self._received = 0  # samples the channel has read
        self._paused = False
        self.closed = False
        self.frames_sent = 0
        self.first_audio_at: float | None = None  # perf_counter of the first kiosk sound sent

    # ---------------------------------------------------------- media clock side
    def receive(self, samples: np.ndarray) -> None:
        """The caller's next 20 ms (float32, 8 kHz)."""
        if not self.closed:
            self._incoming.put(samples)

    def transmit(self, frames: int = FRAME) -> np.ndarray:
        """The kiosk's next ``frames`` samples (silence when idle or paused)."""
        out = np.zeros(frames, dtype=np.float32)
        with self._lock:
            if not self._paused and self._outgoing.size:
                chunk = self._outgoing[:frames]
                self._outgoing = self._outgoing[frames:]
                out[: chunk.size] = chunk
                if self.first_audio_at is None:
                    self.first_audio_at = time.perf_counter()
        self.frames_sent += 1
        return out

    def hang_up(self) -> None:
        """The call ended: readers get None, nothing more is sent."""
        self.closed = True
        with self._lock:
            self._outgoing = np.zeros(0, dtype=np.float32)
        self._incoming.put(None)

    # ---------------------------------------------------------- channel side
    def read(self, frames: int = FRAME) -> np.ndarray | None:
        """The caller's next block; waits for it; None once the call is over."""
        return self.read_block(None)

    def read_block(self, timeout: float | None) -> np.ndarray | None:
        """The caller's next block, or None after ``timeout`` or once the call is over."""
        if self.closed and self._incoming.empty():
            return None
        try:
            block = self._incoming.get(timeout=timeout)
        except queue.Empty:
            return None
        if block is None:
            self._incoming.put(None)  # stay closed for every later reader
            return None
        self._received += block.size
        return block

    def drop_input(self) -> None:
        """Forget the caller's audio not read yet (what came while the kiosk spoke)."""
        try:
            while True:
                block = self._incoming.get_nowait()
                if block is None:
                    self._incoming.put(None)
                    return
                self._received += block.size
        except queue.Empty:
            return

    @property
    def heard_seconds(self) -> float:
        """Caller audio read so far (since :meth:`restart_clock`): the call's own clock,
        which a busy machine cannot stretch the way it stretches wall time."""
        return self._received / self.rate

    def restart_clock(self) -> None:
        """A new reader starts counting the caller's audio from zero (the TTY channel's
        clock, against which :meth:`write` says when the kiosk's sound ends)."""
        self._received = 0

    def write(self, samples: np.ndarray) -> float:
        """Queue kiosk audio; returns when it ends, in seconds of caller audio read."""
        audio = np.asarray(samples, dtype=np.float32).reshape(-1)
        with self._lock:
            if not self.closed:
                self._outgoing = np.concatenate((self._outgoing, audio))
            pending = self._outgoing.size
        return (self._received + pending) / self.rate

    def stop_output(self) -> None:
        with self._lock:
            self._outgoing = np.zeros(0, dtype=np.float32)
            self._paused = False

    def pause_output(self, paused: bool) -> None:
        with self._lock:
            self._paused = paused

    @property
    def pending_seconds(self) -> float:
        with self._lock:
            return self._outgoing.size / self.rate

    def close(self) -> None:
        """The channel is done with the call (the SIP side hangs up)."""


def to_line_rate(audio: np.ndarray, rate: int) -> np.ndarray:
    """Audio at any rate -> 8 kHz float32 (polyphase, band-limited to the phone's 4 kHz)."""
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    if rate == RATE or samples.size == 0:
        return samples
    from math import gcd

    common = gcd(int(rate), RATE)
    return resample_poly(samples, RATE // common, int(rate) // common).astype(np.float32)


class LineSpeaker(StreamingSpeaker):
    """The voice channel's output on the call: speech goes into :class:`CallAudio`.

    ``while_playing`` runs each time the channel asks whether speech still plays (every
    20 ms while it waits): the call's microphone hears the caller's audio that came
    meanwhile (:meth:`LineMicrophone.begin_listening`), a block or two at a time, not a
    whole prompt's worth when the channel listens again (a 30 s prompt: about a second
    of CPU at once, in a real-time thread, which the system then stops for its share of
    the CPU while it holds the interpreter: 50 ms with every call's audio in bench_line).
    """

    def __init__(self, audio: CallAudio, while_playing: Callable[[], None] | None = None) -> None:
        super().__init__(OutputDevice("line"))
        self.audio = audio
        self.while_playing = while_playing

    @property
    def is_playing(self) -> bool:
        if self.while_playing is not None:
            self.while_playing()
        return self.audio.pending_seconds > 0.0

    def play(self, audio: np.ndarray, rate: int, blocking: bool = False) -> None:
        self.audio.stop_output()
        self.extend(audio, rate)
        if blocking:
            self.wait()

    def extend(self, audio: np.ndarray, rate: int) -> None:
        self.audio.write(to_line_rate(audio, rate) * self.volume)

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while self.is_playing and not self.audio.closed:
            if end is not None and time.monotonic() >= end:
                return False
            time.sleep(0.01)
        return True

    def stop(self) -> None:
        self.audio.stop_output()

    def pause(self) -> None:
        self.audio.pause_output(True)

    def resume(self) -> None:
        self.audio.pause_output(False)


class _Detector(Protocol):
    def feed(self, block: np.ndarray) -> bool: ...


class LineMicrophone:
    """The voice channel's microphone on the call: the caller's audio at 16 kHz."""

    rate = MIC_RATE

    def __init__(self, audio: CallAudio) -> None:
        self.audio = audio
        self._upsampler = Upsampler()
        self.tty_detector: _Detector | None = None  # also hears what came while speaking

    @property
    def finished(self) -> bool:
        return self.audio.closed

    def start(self) -> None:
        """The call is already up."""

    def stop(self) -> None:
        """The SIP side ends the call."""

    def begin_listening(self) -> None:
        """Drop what came while the kiosk spoke, but let the TTY detector hear it: a TTY
        caller may type over a spoken prompt. Once the call is over there is no one to
        hear: it is dropped unheard (seconds of it, after a long prompt, took the line's
        real-time thread a second of CPU and stopped every call's audio)."""
        if self.audio.closed:
            self.audio.drop_input()
            return
        while (block := self.audio.read_block(0)) is not None:
            upsampled = self._upsampler.feed(block)
            if self.tty_detector is not None:
                self.tty_detector.feed(upsampled)

    def read(self, timeout: float) -> np.ndarray | None:
        block = self.audio.read_block(timeout)
        if block is None:
            return None
        return self._upsampler.feed(block)


class Upsampler:
    """8 kHz -> 16 kHz for a stream of blocks, with the filter's state carried over, so
    block edges leave no clicks (a 20 ms block resampled alone would have two)."""

    TAPS = 47

    def __init__(self) -> None:
        self._taps = (2.0 * firwin(self.TAPS, 0.5)).astype(np.float64)
        self._state = np.zeros(self.TAPS - 1)

    def feed(self, block: np.ndarray) -> np.ndarray:
        stuffed = np.zeros(2 * block.size)
        stuffed[::2] = block
        out, self._state = lfilter(self._taps, 1.0, stuffed, zi=self._state)
        return out.astype(np.float32)


__all__ = ["FRAME", "RATE", "CallAudio", "LineMicrophone", "LineSpeaker", "to_line_rate"]
