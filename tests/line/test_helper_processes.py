"""The line's helper processes: speech rendered by espeak-ng started from a child (the
same samples as the kiosk's own synthesizer), and a renderer gone said as such."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from kiosk.line.synthesizer import ProcessSynthesizer, Renderers
from kiosk.speech.tts import EspeakSynthesizer, SynthesisError

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@pytest.fixture(scope="module")
def renderers():
    made = Renderers(2)
    yield made
    made.close()


def test_a_call_hears_what_espeak_ng_says_at_the_calls_rate(renderers):
    here, there = EspeakSynthesizer(rate_wpm=140), ProcessSynthesizer(renderers)
    there.rate_wpm = 140  # as the voice output sets it per utterance
    text = "Your balance is 95 dollars."
    (expected, rate), (got, got_rate) = here.synthesize(text), there.synthesize(text)
    assert got_rate == rate and got.dtype == np.float32
    assert got.size == expected.size and np.allclose(got, expected)
    there.rate_wpm = 220
    assert 0 < there.synthesize(text)[0].size < got.size  # faster speech is shorter


def test_a_renderer_that_died_is_a_synthesis_error_saying_so():
    lone = Renderers(1)
    try:
        lone._all[0]._process.kill()  # the helper process dies (out of memory, killed)
        with pytest.raises(SynthesisError, match="speech renderer ended"):
            ProcessSynthesizer(lone).synthesize("hello")
    finally:
        lone.close()
