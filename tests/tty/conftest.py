"""Shared helpers for the TTY modem tests: noise at a given SNR and minimodem calls."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kiosk.tty import wavio


def _add_noise(audio: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """White noise at an SNR measured over 0-4 kHz (8 kHz audio) against the tone."""
    rng = np.random.default_rng(seed)
    active = audio[np.abs(audio) > 1e-4]
    power = float(np.mean(active.astype(np.float64) ** 2))
    noisy = audio + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), audio.size)
    return (noisy / max(1.0, float(np.max(np.abs(noisy))))).astype(np.float32)


@pytest.fixture
def add_noise() -> Callable[..., np.ndarray]:
    return _add_noise


@pytest.fixture
def minimodem() -> str:
    path = shutil.which("minimodem")
    if path is None:
        pytest.skip("minimodem is not installed")
    return path


@pytest.fixture
def minimodem_rx(minimodem: str, tmp_path: Path) -> Callable[[np.ndarray, int], str]:
    def run(samples: np.ndarray, rate: int) -> str:
        path = tmp_path / "to_minimodem.wav"
        wavio.write_wav(path, samples, rate)
        done = subprocess.run(
            [minimodem, "--rx", "-q", "-f", str(path), "tdd"],
            capture_output=True,
            check=True,
            timeout=60,
        )
        return done.stdout.decode("utf-8", "replace")

    return run


@pytest.fixture
def minimodem_tx(minimodem: str, tmp_path: Path) -> Callable[[str], tuple[np.ndarray, int]]:
    def run(text: str) -> tuple[np.ndarray, int]:
        path = tmp_path / "from_minimodem.wav"
        subprocess.run(
            [minimodem, "--tx", "-R", "8000", "-f", str(path), "tdd"],
            input=text.encode(),
            capture_output=True,
            check=True,
            timeout=60,
        )
        return wavio.read_wav(path)

    return run
