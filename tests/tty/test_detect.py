"""TTY tone detection: TTY audio is spotted; speech, noise, silence and pure tones are not."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kiosk.tty import modulator, wavio
from kiosk.tty.detect import TtyToneDetector, looks_like_tty


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_tty_audio_is_detected(rate: int) -> None:
    assert looks_like_tty(modulator.modulate("HELLO GA", rate), rate)
    assert looks_like_tty(modulator.modulate("Y", rate, baud=50.0), rate)


def test_tty_under_noise_is_detected(add_noise: Callable[..., np.ndarray]) -> None:
    assert looks_like_tty(add_noise(modulator.modulate("1 GA", 8000), 3.0), 8000)


def test_speech_is_not_tty(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    path = tmp_path / "speech.wav"
    for voice, words in [
        ("en-us", "Hello, I would like to pay my bill. My account number is four oh one five."),
        ("en-us+f3", "Yes please. Eighteen hundred. One thousand four hundred hertz."),
    ]:
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), words], check=True)
        samples, rate = wavio.read_wav(path)
        assert not looks_like_tty(samples, rate), voice


def test_noise_silence_and_plain_tones_are_not_tty() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(3 * 8000) / 8000
    assert not looks_like_tty(rng.normal(0, 0.2, t.size), 8000)
    assert not looks_like_tty(np.zeros(t.size), 8000)
    assert not looks_like_tty(0.5 * np.sin(2 * np.pi * 1400 * t), 8000)  # a dial-tone-like hum
    dtmf = 0.3 * np.sin(2 * np.pi * 1477 * t) + 0.3 * np.sin(2 * np.pi * 770 * t)
    assert not looks_like_tty(dtmf, 8000)


def test_streaming_detector_fires_within_a_second_of_typing() -> None:
    detector = TtyToneDetector(8000)
    silence = np.zeros(8000, dtype=np.float32)
    audio = np.concatenate((silence, modulator.modulate("HELLO GA", 8000)))
    fired_at = None
    for i in range(0, audio.size, 400):
        if detector.feed(audio[i : i + 400]):
            fired_at = (i + 400) / 8000
            break
    assert fired_at is not None and fired_at < 1.0 + 1.2
    detector.reset()
    assert not detector.detected
