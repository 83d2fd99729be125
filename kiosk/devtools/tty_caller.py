"""The far end of a TTY call in tests and benches: a TTY user who reads the kiosk's
tones and types the next scripted line after each GA (real FSK audio both ways)."""

from __future__ import annotations

import numpy as np

from kiosk.tty import modulator
from kiosk.tty.demodulator import decode_audio

RATE = 8000


class ScriptedCaller:
    """A transport whose far end is a TTY user typing a script, turn by turn."""

    def __init__(self, lines: list[str], think: float = 1.5, limit_s: float = 900.0) -> None:
        self.rate = RATE
        self.out_rate = RATE
        self.lines = list(lines)
        self.think = think
        self.limit = int(limit_s * RATE)
        self.heard: list[str] = []  # what the caller's TTY printed, message by message
        self.kiosk_seconds = 0.0
        self.caller_seconds = 0.0
        self._input = np.zeros(0, dtype=np.float32)
        self._pos = 0
        self._out_end = 0

    def read(self, frames: int) -> np.ndarray | None:
        if self._pos >= self.limit:
            return None
        block = np.zeros(frames, dtype=np.float32)
        have = self._input[self._pos : self._pos + frames]
        block[: have.size] = have
        self._pos += frames
        return block

    def write(self, samples: np.ndarray) -> float:
        start = max(self._pos, self._out_end)
        self._out_end = start + samples.size
        self.kiosk_seconds += samples.size / RATE
        text = decode_audio(samples, RATE)
        self.heard.append(text)
        if text.rstrip().endswith("GA") and self.lines:
            self.type_line(self.lines.pop(0), at=self._out_end + int(self.think * RATE))
        return self._out_end / RATE

    def type_line(self, line: str, at: int) -> None:
        audio = self.audio_for(line)
        self.caller_seconds += audio.size / RATE
        end = at + audio.size
        if self._input.size < end:
            self._input = np.concatenate(
                (self._input, np.zeros(end - self._input.size, np.float32))
            )
        self._input[at:end] += audio

    def audio_for(self, line: str) -> np.ndarray:
        return modulator.modulate(line, RATE)

    def close(self) -> None:
        pass
