"""DeepFilterNet3 (speech/enhance.py) on real espeak-ng speech in store babble."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from kiosk.speech.corpus import add_babble, add_noise, pad, speak

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")
enhance = pytest.importorskip("kiosk.speech.enhance")

RATE = 16_000


@pytest.fixture(scope="module")
def deepfilter():
    try:
        model = enhance.DeepFilter()
    except enhance.EnhancerError as error:
        pytest.skip(str(error))
    yield model
    model.close()


def _snr(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Signal to everything-else ratio of ``noisy`` against ``clean``, in dB, after the
    best gain (the model changes the level a little)."""
    gain = float(np.dot(noisy, clean) / np.dot(clean, clean))
    rest = noisy - gain * clean
    return 10 * np.log10(np.sum((gain * clean) ** 2) / np.sum(rest**2))


def test_noise_is_taken_off_and_the_speech_stays_in_place(deepfilter) -> None:
    """White noise at 10 dB: the output is the same length, lines up with the input (no
    delay left), and is nearer the clean speech. (Store babble is speech: its level
    against the caller is not lowered, measured 7.4 -> 6.1 dB; what the model does for
    Whisper there is shown by the recognition, in test_asr_whisper.py.)"""
    clean = pad(speak("seven two two oh one", "en-us", 160), RATE)
    mixed = add_noise(clean, 10.0, 23)
    cleaned = deepfilter.enhance(mixed, RATE)
    assert cleaned.shape == mixed.shape and cleaned.dtype == np.float32
    lags = np.arange(-200, 201)
    fits = [np.dot(np.roll(cleaned, lag), clean) for lag in lags]
    assert abs(int(lags[int(np.argmax(fits))])) <= 16  # within 1 ms
    before, after = _snr(clean, mixed), _snr(clean, cleaned)
    assert after > before + 3.0, (before, after)


def test_the_same_speech_comes_out_the_same_after_other_speech(deepfilter) -> None:
    """A fresh model state per utterance: what came before does not change the result
    (a second reading of the same caller is the same audio)."""
    first = add_babble(pad(speak("forty dollars", "en-us+f3", 160), RATE), 10.0, 5)
    other = add_babble(pad(speak("four oh one five", "en-us", 160), RATE), 10.0, 1)
    once = deepfilter.enhance(first, RATE).copy()
    deepfilter.enhance(other, RATE)
    deepfilter._last.clear()  # decode it anew, not from the cache
    assert np.array_equal(deepfilter.enhance(first, RATE), once)


def test_silence_stays_silent_and_odd_rates_are_refused(deepfilter) -> None:
    silence = np.zeros(RATE, np.float32)
    assert np.abs(deepfilter.enhance(silence, RATE)).max() < 1e-3
    assert deepfilter.enhance(np.zeros(0, np.float32), RATE).size == 0
    with pytest.raises(ValueError, match="48000"):
        deepfilter.enhance(np.zeros(100, np.float32), 44_100)
