"""Continuous-phase FSK modulator for US (45.45 baud) and UK (50 baud) TTYs.

Phase is carried across every bit so the signal has no clicks; bit edges fall on
fractional sample positions, so any sample rate keeps the exact baud rate.
"""

from __future__ import annotations

import numpy as np

from kiosk.tty import baudot

MARK_HZ = 1400.0
SPACE_HZ = 1800.0
BAUD_US = 45.45
BAUD_UK = 50.0
LEAD_IN_S = 0.150
HANG_OVER_S = 0.300
AMPLITUDE = 0.5


def frame_bits(codes: list[int], stop_bits: float = 2.0) -> list[tuple[int, float]]:
    """(bit value, length in bits) for each start, data (LSB first) and stop bit."""
    if stop_bits < 1.0:
        raise ValueError("a TTY needs at least one stop bit")
    bits: list[tuple[int, float]] = []
    for code in codes:
        bits.append((0, 1.0))
        bits.extend(((code >> i) & 1, 1.0) for i in range(5))
        bits.append((1, stop_bits))
    return bits


def modulate_codes(
    codes: list[int],
    rate: int = 8000,
    baud: float = BAUD_US,
    stop_bits: float = 2.0,
    lead_in: float = LEAD_IN_S,
    hang_over: float = HANG_OVER_S,
    mark_hz: float = MARK_HZ,
    space_hz: float = SPACE_HZ,
) -> np.ndarray:
    """FSK audio for Baudot codes: lead-in mark, the frames, hang-over mark."""
    if rate < 2 * max(mark_hz, space_hz) + 200:
        raise ValueError(f"sample rate {rate} Hz is too low for {space_hz:.0f} Hz tones")
    if baud <= 0:
        raise ValueError("baud must be positive")
    segments: list[tuple[int, float]] = []
    if lead_in > 0:
        segments.append((1, lead_in * baud))
    segments += frame_bits(codes, stop_bits)
    if hang_over > 0:
        segments.append((1, hang_over * baud))
    if not segments:
        return np.zeros(0, dtype=np.float32)
    lengths = np.array([length for _, length in segments])
    values = np.array([value for value, _ in segments])
    edges = np.concatenate(([0.0], np.cumsum(lengths))) * rate / baud  # in samples
    total = int(np.ceil(edges[-1]))
    t = np.arange(total) + 0.5
    which = np.minimum(np.searchsorted(edges, t, side="right") - 1, len(values) - 1)
    freq = np.where(values[which] == 1, mark_hz, space_hz)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    return (AMPLITUDE * np.sin(phase)).astype(np.float32)


def modulate(
    text: str, rate: int = 8000, baud: float = BAUD_US, stop_bits: float = 2.0
) -> np.ndarray:
    """FSK audio (float32, -1..1) of a text as a TTY would send it."""
    return modulate_codes(baudot.encode(text), rate=rate, baud=baud, stop_bits=stop_bits)
