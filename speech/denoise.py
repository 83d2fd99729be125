"""A noise-reduction front end for the recognizer (Wiener-style spectral gain).

Measured as the largest single gain for pocketsphinx at 10 dB SNR: the acoustic model
was trained on quiet speech, so steady noise (fans, street, a store) is estimated from
the quietest frames of the utterance and removed before decoding.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import istft, stft

__all__ = ["reduce_noise"]


def reduce_noise(
    audio: np.ndarray,
    rate: int,
    *,
    noise_percentile: float = 15.0,
    over_subtraction: float = 1.5,
    floor: float = 0.08,
) -> np.ndarray:
    """Return ``audio`` with its stationary noise reduced.

    The noise spectrum is the ``noise_percentile`` of each frequency bin's power over
    time (speech rarely fills every frame), so no separate noise-only recording is
    needed. The gain is a Wiener-like ``1 - a*N/P`` clipped at ``floor`` and smoothed
    over time, which keeps musical noise low.
    """
    samples = np.asarray(audio, dtype=np.float32)
    if samples.size < rate // 10:
        return samples
    segment = 512 if rate >= 16_000 else 256
    _, _, spectrum = stft(samples, fs=rate, nperseg=segment, noverlap=segment * 3 // 4)
    power = np.abs(spectrum) ** 2
    noise = np.percentile(power, noise_percentile, axis=1, keepdims=True)
    gain = np.clip(1.0 - over_subtraction * noise / np.maximum(power, 1e-12), floor, 1.0)
    kernel = np.array([0.25, 0.5, 0.25])
    gain = np.apply_along_axis(lambda row: np.convolve(row, kernel, mode="same"), 1, gain)
    _, cleaned = istft(spectrum * gain, fs=rate, nperseg=segment, noverlap=segment * 3 // 4)
    return cleaned[: samples.size].astype(np.float32)
