"""Is someone on the handset typing on a TTY? Tone test first, Baudot framing second.

The voice and screen sessions listen to the handset; when a TTY (acoustic coupler)
is held to it they should switch to the TTY channel. A TTY sounds like nothing
else a kiosk hears: one pure tone at a time, 1400 Hz or 1800 Hz, switching on a
22 ms grid. Speech spreads its energy over harmonics and formants, noise over the
band, so the share of energy in two narrow bands is a strong first test; the
demodulator reading whole characters (start bit, data, stop bit) is the second.
"""

from __future__ import annotations

import numpy as np

from kiosk.tty.demodulator import StreamingDecoder
from kiosk.tty.modulator import MARK_HZ, SPACE_HZ

FRAME_S = 0.020  # about one bit at 45.45 baud
BAND_HZ = 70.0  # tone tolerance: +-50 Hz offset plus the bit's own spread
PURE_SHARE = 0.7  # share of a frame's 200-3800 Hz energy in the two tone bands
MIN_LEVEL = 1e-6  # mean square below this is silence, not a frame to judge
WINDOW_S = 2.0  # how far back the streaming detector looks
MIN_TONE_S = 0.35  # pure-tone time needed in the window
MIN_SPACE_FRAMES = 3  # the 1800 Hz tone must sound too (start bits, data)
MIN_CODES = 2  # characters the demodulator must read (e.g. a shift and a letter)


class TtyToneDetector:
    """Streaming detector: ``feed(block)`` returns True once TTY tones are heard.

    Stays True once triggered (the session switches channel); ``reset()`` starts over.
    """

    def __init__(self, rate: int) -> None:
        self.rate = int(rate)
        self._frame = max(16, round(FRAME_S * self.rate))
        freqs = np.fft.rfftfreq(self._frame, 1.0 / self.rate)
        self._window = np.hanning(self._frame)
        self._band = (freqs >= 200.0) & (freqs <= 3800.0)
        self._mark = np.abs(freqs - MARK_HZ) <= BAND_HZ
        self._space = np.abs(freqs - SPACE_HZ) <= BAND_HZ
        self._keep = max(1, round(WINDOW_S / FRAME_S))
        self.reset()

    def reset(self) -> None:
        self._buffer = np.zeros(0, dtype=np.float64)
        self._classes: list[int] = []  # per frame: 0 other/silence, 1 mark, 2 space
        self._decoder = StreamingDecoder(self.rate, baud="auto")
        self.detected = False

    def feed(self, block: np.ndarray) -> bool:
        """Take audio (float, mono); True once the handset carries TTY tones."""
        if self.detected:
            return True
        data = np.nan_to_num(np.asarray(block, dtype=np.float64).reshape(-1))
        self._buffer = np.concatenate((self._buffer, data))
        usable = self._buffer.size - self._buffer.size % self._frame
        if usable:
            frames = self._buffer[:usable].reshape(-1, self._frame)
            self._buffer = self._buffer[usable:]
            self._classes = (self._classes + self._classify(frames))[-self._keep :]
        tonal = sum(1 for c in self._classes if c)
        spaces = sum(1 for c in self._classes if c == 2)
        if data.size:
            self._decoder.feed(data)
        if (
            tonal * FRAME_S >= MIN_TONE_S
            and spaces >= MIN_SPACE_FRAMES
            and self._decoder.frames_heard() >= MIN_CODES
        ):
            self.detected = True
        return self.detected

    def tones_within(self, seconds: float) -> bool:
        """True when a TTY tone sounded in the last ``seconds`` heard: a TTY may be in
        the middle of its first characters, not yet enough to tell."""
        recent = self._classes[-max(1, round(seconds / FRAME_S)) :]
        return any(recent)

    def _classify(self, frames: np.ndarray) -> list[int]:
        power = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2
        total = power[:, self._band].sum(axis=1)
        mark = power[:, self._mark].sum(axis=1)
        space = power[:, self._space].sum(axis=1)
        level = np.mean(frames**2, axis=1)
        pure = (level > MIN_LEVEL) & ((mark + space) >= PURE_SHARE * np.maximum(total, 1e-30))
        return [
            0 if not p else (1 if m >= s else 2) for p, m, s in zip(pure, mark, space, strict=True)
        ]


def looks_like_tty(samples: np.ndarray, rate: int) -> bool:
    """True when a recording (float, mono) holds TTY tones with Baudot characters."""
    detector = TtyToneDetector(rate)
    data = np.asarray(samples, dtype=np.float64).reshape(-1)
    step = max(1, int(0.25 * rate))
    for i in range(0, data.size, step):
        if detector.feed(data[i : i + step]):
            return True
    # A short burst: let the demodulator finish the last characters.
    detector._decoder.flush()
    tonal = sum(1 for c in detector._classes if c)
    return bool(tonal * FRAME_S >= MIN_TONE_S and len(detector._decoder.codes) >= MIN_CODES)
