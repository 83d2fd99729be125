"""End-pointing on real synthesized speech padded with silence and noise."""

import numpy as np

from kiosk.speech.corpus import add_noise, pad, speak
from kiosk.speech.vad import EndPointer, VadState, find_speech

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
