"""Synthetic speech for tests, benchmarks and tuning: espeak-ng voices, noise, padding.

A recognizer tuned to one voice fails on people, so every check speaks its phrases with
several voices and rates, clean and with white noise at a chosen signal-to-noise ratio.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from kiosk.speech.asr import ASR_RATE, resample
from kiosk.speech.tts import EspeakSynthesizer

__all__ = [
    "VOICES",
    "Clip",
    "add_babble",
    "add_noise",
    "music",
    "pad",
    "pulsed_tones",
    "speak",
    "spoken_variants",
]

#: espeak-ng voices that differ in accent, pitch and timbre.
VOICES = ("en-us", "en-us+f3", "en-us+m7", "en-gb", "en-us+f4", "en-gb-x-rp")


@dataclass(frozen=True)
class Clip:
    text: str
    voice: str
    rate_wpm: int
    snr_db: float | None
    audio: np.ndarray  # float32 mono at ASR_RATE


def speak(
    text: str, voice: str = "en-us", rate_wpm: int = 160, target: int = ASR_RATE
) -> np.ndarray:
    """espeak-ng speech for ``text`` as float32 mono at ``target`` Hz."""
    audio, rate = EspeakSynthesizer(rate_wpm=rate_wpm, voice=voice).synthesize(text)
    return resample(audio, rate, target)


def pad(audio: np.ndarray, rate: int, before: float = 0.3, after: float = 0.3) -> np.ndarray:
    """Silence around an utterance, as a microphone would hear it."""
    return np.concatenate(
        [np.zeros(int(before * rate), np.float32), audio, np.zeros(int(after * rate), np.float32)]
    ).astype(np.float32)


def add_noise(audio: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """White noise at ``snr_db`` relative to the speech power (voiced part only)."""
    rng = np.random.default_rng(seed)
    level = np.abs(audio)
    voiced = audio[level > 0.02 * level.max()] if level.max() > 0 else audio
    power = float(np.mean(voiced**2)) if voiced.size else 1e-6
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10.0)), audio.shape)
    return np.clip(audio + noise, -1.0, 1.0).astype(np.float32)


#: Other shoppers talking near the kiosk (spoken by voices not in :data:`VOICES`).
CROWD = (
    ("en-us+m2", "is this the line for the pharmacy or do I go round the back"),
    ("en-gb+f2", "she said the bus would be late again so we might as well wait"),
    ("en-us+m5", "grab a basket and meet me by the bakery in five minutes"),
)


def _power(audio: np.ndarray) -> float:
    level = np.abs(audio)
    voiced = audio[level > 0.02 * level.max()] if level.size and level.max() > 0 else audio
    return float(np.mean(voiced**2)) if voiced.size else 1e-6


def add_babble(audio: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """Three other talkers (:data:`CROWD`) at ``snr_db`` below the speech: the noise
    of a store, which is speech itself and harder than white noise."""
    rng = np.random.default_rng(seed)
    crowd = np.zeros(audio.shape, np.float32)
    for voice, text in CROWD:
        talk = _crowd_talk(voice, text)
        start = int(rng.integers(0, talk.size))
        crowd += np.resize(np.roll(talk, -start), audio.shape) / np.sqrt(_power(talk))
    scale = np.sqrt(_power(audio) / 10 ** (snr_db / 10.0) / max(_power(crowd), 1e-12))
    return np.clip(audio + scale * crowd, -1.0, 1.0).astype(np.float32)


def music(seconds: float, seed: int = 1, level: float = 0.05) -> np.ndarray:
    """Synthesized chords (four sines, a new root every half second, decaying): music
    playing in the store, at RMS ``level``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * ASR_RATE)) / ASR_RATE
    out = np.zeros_like(t)
    for start in np.arange(0.0, seconds, 0.5):
        root = 110.0 * 2 ** (rng.integers(0, 12) / 12)
        span = (t >= start) & (t < start + 0.5)
        envelope = np.exp(-3.0 * (t[span] - start))
        for ratio in (1.0, 1.26, 1.5, 2.0):
            out[span] += envelope * np.sin(2 * np.pi * root * ratio * t[span])
    return (level * out / max(float(np.sqrt(np.mean(out**2))), 1e-12)).astype(np.float32)


def pulsed_tones(seconds: float, seed: int = 0, amplitude: float = 0.05) -> np.ndarray:
    """A beeping tone (220-880 Hz, on and off three times a second): a scanner, a
    machine's alarm, a phone's keys."""
    t = np.arange(int(seconds * ASR_RATE)) / ASR_RATE
    tone = np.sin(2 * np.pi * 220 * (1 + seed % 4) * t) * (np.sin(6 * np.pi * t) > 0)
    return (amplitude * tone).astype(np.float32)


_CROWD_CACHE: dict[str, np.ndarray] = {}


def _crowd_talk(voice: str, text: str) -> np.ndarray:
    if voice not in _CROWD_CACHE:
        _CROWD_CACHE[voice] = speak(text, voice, 170)
    return _CROWD_CACHE[voice]


def spoken_variants(
    text: str,
    voices: tuple[str, ...] = VOICES[:4],
    rates: tuple[int, ...] = (140, 180),
    snrs: tuple[float | None, ...] = (None,),
    seed: int = 0,
) -> Iterator[Clip]:
    """``text`` in every voice, rate and noise level asked for, padded with silence."""
    for voice in voices:
        for rate_wpm in rates:
            clean = pad(speak(text, voice, rate_wpm), ASR_RATE)
            for index, snr in enumerate(snrs):
                audio = clean if snr is None else add_noise(clean, snr, seed + index)
                yield Clip(text, voice, rate_wpm, snr, audio)
