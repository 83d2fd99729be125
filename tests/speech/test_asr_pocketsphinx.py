"""pocketsphinx with per-step grammars on real espeak-ng speech (several voices, rates).

Thresholds are the measured accuracy of these synthetic voices with some margin (see
bench/bench_speech.py for the full corpus): the assertion is on a count over voices,
never on one clip.
"""

import shutil

import pytest

from kiosk.channels.voice_grammar import STEP_LEADS
from kiosk.speech.asr import PocketsphinxRecognizer, RecognitionResult
from kiosk.speech.corpus import add_noise, spoken_variants
from kiosk.speech.grammar import build_grammar
from kiosk.speech.numbers import digits_to_words
from kiosk.speech.tts import read_wav, write_wav

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")
RATE = 16_000
MENU = {"pay": ["pay my bill"], "balance": ["hear my balance"], "dispute": ["dispute a charge"]}


@pytest.fixture(scope="module")
def recognizer() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer()


def _score(recognizer, grammar, text, want, snr=None) -> tuple[int, int]:
    clips = list(spoken_variants(text, rates=(140, 180), snrs=(snr,)))
    hits = 0
    for clip in clips:
        result = recognizer.recognize(clip.audio, RATE, grammar)
        hits += result.answer is not None and result.answer.value == want
    return hits, len(clips)


def test_effective_config_has_the_levers(recognizer) -> None:
    config = recognizer.effective_config
    assert config["bestpath"] is False and config["wip"] == pytest.approx(0.01)


def test_yes_no_and_menu(recognizer) -> None:
    yesno, menu = build_grammar("yesno"), build_grammar("choice", MENU)
    hits = total = 0
    for grammar, text, want in [
        (yesno, "yes", True),
        (yesno, "no", False),
        (menu, "pay my bill", "pay"),
        (menu, "hear my balance", "balance"),
    ]:
        h, n = _score(recognizer, grammar, text, want)
        hits, total = hits + h, total + n
    assert hits >= total - 2, f"{hits}/{total}"


def test_menu_in_noise(recognizer) -> None:
    hits, total = _score(
        recognizer, build_grammar("choice", MENU), "dispute a charge", "dispute", 10.0
    )
    assert hits >= total - 2, f"{hits}/{total}"


def test_pin_and_zip(recognizer) -> None:
    hits = total = 0
    for length, text, want in [
        (4, "nine seven five three", "9753"),
        (5, "five oh three oh nine", "50309"),
    ]:
        h, n = _score(recognizer, build_grammar("digits", length=length), text, want)
        hits, total = hits + h, total + n
    assert hits >= total // 2, f"{hits}/{total}"  # measured 9/16: the weak kind (see bench)


def test_a_british_oh_is_a_zero(recognizer) -> None:
    """en-gb-x-rp says "oh" from a schwa; the en-us model heard "two", "eight", "one"."""
    hits = total = 0
    for words, number in (("seven two two oh one", "72201"), ("two seven six oh one", "27601")):
        grammar = build_grammar("digits", length=len(number))
        for clip in spoken_variants(words, voices=("en-gb-x-rp",), rates=(140, 180)):
            answer = recognizer.recognize(clip.audio, RATE, grammar).answer
            hits += answer is not None and answer.value == number
            total += 1
    assert hits >= total - 1, f"{hits}/{total}"


def test_digits_said_with_carriers_are_judged_by_their_own_words(recognizer) -> None:
    """The phone-loop bound (noise forced onto digits) compares the answer's own words:
    judged with "my zip code is" around them, which the free phone loop explains far
    more cheaply, a right ZIP code fell under the bound and was asked again."""
    grammar = build_grammar("digits", length=5, leads=STEP_LEADS["verify_zip"])
    said = "my zip code is seven two two oh one"
    for clip in spoken_variants(said, voices=("en-gb-x-rp",), rates=(180,)):
        answer = recognizer.recognize(clip.audio, RATE, grammar).answer
        assert answer is not None and answer.value == "72201", answer


def test_amount(recognizer) -> None:
    hits, total = _score(recognizer, build_grammar("amount"), "forty two fifty", 4250)
    assert hits >= total - 2, f"{hits}/{total}"


def test_digits_said_in_groups_with_pauses(recognizer) -> None:
    """People say an account number in groups ("four zero one five, two two seven zero")."""
    hits = total = 0
    for length, number, group in [(8, "40152273", 4), (5, "72201", 3), (4, "2468", 2)]:
        grammar = build_grammar("digits", length=length)
        text = digits_to_words(number, group=group)  # commas: espeak-ng pauses there
        for clip in spoken_variants(text, rates=(160,)):
            result = recognizer.recognize(clip.audio, RATE, grammar)
            hits += result.answer is not None and result.answer.value == number
            total += 1
    assert hits >= total - 3, f"{hits}/{total}"  # 65/72 over the bench's numbers and rates


def test_amount_phrasings(recognizer) -> None:
    """Cents said digit by digit after "point", and "a hundred": how people say amounts."""
    grammar = build_grammar("amount")
    hits = total = 0
    for text, want in [("forty two point five oh", 4250), ("a hundred dollars", 10000)]:
        for clip in spoken_variants(text, rates=(160,)):
            result = recognizer.recognize(clip.audio, RATE, grammar)
            hits += result.answer is not None and result.answer.value == want
            total += 1
    assert hits >= total - 1, f"{hits}/{total}"  # measured 16/16 at 140 and 180 wpm


def test_a_digit_string_is_no_amount(recognizer) -> None:
    """ "one five zero" is not an amount: it was forced onto "one point zero two" ($1.02)
    or "one point zero oh" ($1.00) in 8 of 8 clips, "two one five point four oh" onto
    $205.40; now the grammar hears the digit string and nothing reads it as an amount,
    so the customer is asked again instead of paying a guess."""
    grammar = build_grammar("amount")
    amounts = []
    for text in ("one five zero", "two one five point four oh"):
        for clip in spoken_variants(text, rates=(160,)):
            result = recognizer.recognize(clip.audio, RATE, grammar)
            if result.answer is not None and result.answer.kind == "amount":
                amounts.append((clip.voice, text, result.text))
    assert amounts == []  # measured 0/8 (was 8/8 taken as $1.00, $1.02 or $205.40)


def test_noise_alone_is_no_amount(recognizer) -> None:
    """White noise alone on an amount step was "a hundred", "two hundred", "a thousand"
    or "two" (6 of 8 seeds taken as an amount, none read as the customer's); the amount
    it is forced onto fits the sound far worse than a free phone loop does
    (AMOUNT_LOOP_MARGIN), so it is not caught and the customer is asked again."""
    import numpy as np

    grammar = build_grammar("amount")
    heard = []
    for seed in range(8):
        noise = add_noise(np.zeros(RATE, np.float32) + 1e-4, -20.0, seed)
        result = recognizer.recognize(noise, RATE, grammar)
        if result.answer is not None and result.answer.kind == "amount":
            heard.append((seed, result.text))
    assert heard == []  # measured 0/8 (6/8 before the phone-loop bound)


def test_commands_are_heard_on_any_step(recognizer) -> None:
    hits, total = _score(recognizer, build_grammar("digits", length=4), "start over", "start_over")
    assert hits >= total // 2, f"{hits}/{total}"  # measured 5/8 inside a digit grammar


def test_a_menu_answer_is_not_taken_for_a_command_that_sounds_like_it(recognizer) -> None:
    """The command prior: "card" was heard as "louder" in every en-us+f3 clip."""
    methods = build_grammar(
        "choice", {"card": ["card"], "bank": ["bank account"], "cash": ["cash"]}
    )
    hits, total = _score(recognizer, methods, "card", "card")
    assert hits == total, f"{hits}/{total}"  # measured 8/8 (6/8 with commands at 1.0)
    hits, total = _score(recognizer, methods, "help", "help")
    assert hits >= total - 1, f"{hits}/{total}"  # commands still heard on the same menu


#: A menu as the voice channel builds it (kiosk.channels.voice_grammar): each choice can
#: also be said by its key, "two" or "number two".
KEYED_MENU = {
    str(key): [label, word, f"number {word}"]
    for key, label, word in [
        (1, "hear or read my bill", "one"),
        (2, "pay my bill", "two"),
        (3, "set up a payment plan", "three"),
        (4, "question a charge", "four"),
        (5, "help paying my bill", "five"),
        (6, "talk to a person", "six"),
        (7, "i am done", "seven"),
    ]
}


def test_help_is_not_taken_for_a_key_word(recognizer) -> None:
    """Issue 7: on a menu whose keys can be said, "help" was heard as "two" in every clip
    (fresh recognizer: 0/8 clean, 0/8 at 10 dB), taking a customer who asked for help to
    "Pay my bill". A bare key word is now weighed once more against "help" and "help"
    with its L vocalised (HELP_VARIANT)."""
    menu = build_grammar("choice", KEYED_MENU)
    hits, total = _score(recognizer, menu, "help", "help")
    assert hits >= total // 2 + 1, f"{hits}/{total}"  # measured 6/8 (en-us+m7 -> "two")
    hits, total = _score(recognizer, menu, "help", "help", 10.0)
    assert hits >= 2, f"{hits}/{total} at 10 dB"  # measured 3/8
    for text, want in [("two", "2"), ("help paying my bill", "5")]:
        hits, total = _score(recognizer, menu, text, want)
        assert hits == total, f"{text}: {hits}/{total}"  # the key word and label still heard


def test_long_out_of_grammar_speech_is_rejected(recognizer) -> None:
    grammar = build_grammar("yesno")
    rejected = total = 0
    for text in [
        "I would like a pizza with extra cheese",
        "can you tell me what the weather is like",
    ]:
        for clip in spoken_variants(text, rates=(160,)):
            rejected += recognizer.recognize(clip.audio, RATE, grammar).rejected
            total += 1
    assert rejected >= total * 0.6, f"{rejected}/{total}"


def test_any_wav_rate_and_stereo(recognizer, tmp_path) -> None:
    clip = next(spoken_variants("hear my balance", voices=("en-gb",), rates=(160,)))
    import numpy as np

    from kiosk.speech.asr import resample

    stereo = np.stack([resample(clip.audio, RATE, 44_100)] * 2, axis=1)
    path = tmp_path / "stereo.wav"
    write_wav(path, stereo.mean(axis=1), 44_100)
    audio, rate = read_wav(path)
    result = recognizer.recognize(stereo, 44_100, build_grammar("choice", MENU))
    assert isinstance(result, RecognitionResult) and result.answer.value == "balance"
    assert (
        recognizer.recognize(audio, rate, ["pay my bill", "hear my balance"]).text
        == "hear my balance"
    )


def test_silence_gives_no_answer_and_noise_never_pays(recognizer) -> None:
    """Silence is no answer. Loud white noise alone is no safe answer either: the grammar
    decoder forces it onto a phrase ("yep", "nope" on a yes/no step; measured on 10 seeds:
    yes/no 10/10 taken as some answer, margins -2.6 to 3.8), so what keeps it from paying
    is the N-best margin: every "yes" heard from noise at the payment review is sent to
    the keypad by the confirm-by-risk rule, never acted on."""
    import numpy as np

    from kiosk.conversation.prompt import AnswerKind, Prompt
    from kiosk.conversation.risk import Check, spoken_check
    from kiosk.conversation.step_ids import StepId
    from kiosk.conversation.wording import w

    digits = build_grammar("digits", length=4)
    assert recognizer.recognize(np.zeros(RATE, np.float32), RATE, digits).answer is None
    review = Prompt(
        StepId.PAY_REVIEW, w("Pay $84.99?"), AnswerKind.YES_NO, w("Help"), confirms_money=True
    )
    yesno = build_grammar("yesno")
    checks = []
    for seed in range(6):
        noise = add_noise(np.zeros(RATE, np.float32) + 1e-4, -20.0, seed)
        result = recognizer.recognize(noise, RATE, yesno)
        if result.answer is None or result.answer.kind != "yesno":
            continue
        margin = recognizer.margin(noise, RATE, yesno, result)
        check = spoken_check(review, result.answer.value, lambda m=margin: m)
        checks.append((result.answer.value, check))
    yeses = [check for value, check in checks if value is True]  # a "no" is taken: harmless
    assert len(checks) >= 4 and yeses, f"noise heard as {checks}: the test proves nothing"
    assert all(check is Check.KEYPAD for check in yeses), checks


def _stream(audio, consumed: list[int], block: int = 320):
    for start in range(0, len(audio), block):
        consumed[0] = start + block
        yield audio[start : start + block]


#: Digit steps: a PIN (exactly 4), and the sign-in's account number (8) or phone number
#: (10), which 8 digits alone do not end at once.
PIN = build_grammar("digits", length=4)
ACCOUNT_OR_PHONE = build_grammar("digits", lengths=(8, 10))
COMPLETE = [
    (PIN, "two four six eight", "2468", 0.4),
    (ACCOUNT_OR_PHONE, "four zero one five two two seven zero", "40152270", 0.5),
    (ACCOUNT_OR_PHONE, "five zero one five five five zero one zero one", "5015550101", 0.5),
]


@pytest.mark.parametrize(("grammar", "text", "want", "within"), COMPLETE)
def test_listen_ends_a_complete_answer_early(recognizer, grammar, text, want, within) -> None:
    """A PIN is complete after 4 digits, an account number after 8 (a longer pause, as
    a phone number may go on), a phone number after 10: not the full patience."""
    import numpy as np

    from kiosk.speech.vad import EndPointer, find_speech

    for clip in spoken_variants(text, voices=("en-us", "en-gb"), rates=(160,)):
        span = find_speech(clip.audio, RATE)
        audio = np.concatenate([clip.audio, np.zeros(RATE * 2, np.float32)])
        consumed = [0]
        pointer = EndPointer(rate=RATE, trailing_silence=1.0)
        result = recognizer.listen(_stream(audio, consumed), RATE, grammar, pointer)
        assert result.answer is not None and result.answer.value == want
        assert consumed[0] / RATE - span[1] < within  # well before the 1 s trailing silence


INCOMPLETE = [
    (PIN, ["two four", "six eight"], 0.4, "2468"),
    (ACCOUNT_OR_PHONE, ["four zero one five", "two two seven zero"], 0.4, "40152270"),
    (ACCOUNT_OR_PHONE, ["five zero one", "five five five", "zero one zero one"], 0.4, "5015550101"),
    # 8 digits could be an account number: a short gap after them is not the end.
    (ACCOUNT_OR_PHONE, ["five zero one five five five zero one", "zero one"], 0.18, "5015550101"),
]


@pytest.mark.parametrize(("grammar", "groups", "pause", "want"), INCOMPLETE)
def test_listen_waits_through_a_pause_inside_an_answer(
    recognizer, grammar, groups, pause, want
) -> None:
    """Digits, a pause, more digits: a pause before the answer is complete does not end
    it (a slow speaker between the groups of an account or phone number), nor a short
    one after digits that more digits may follow."""
    import numpy as np

    from kiosk.speech.corpus import speak
    from kiosk.speech.vad import EndPointer, find_speech

    def words(text: str) -> np.ndarray:
        audio = speak(text, "en-us")
        start, end = find_speech(audio, RATE)
        return audio[int(start * RATE) : int(end * RATE)]

    gap = np.zeros(int(pause * RATE), np.float32)
    parts = [np.zeros(int(0.4 * RATE), np.float32)]
    for group in groups:
        parts += [words(group), gap]
    audio = np.concatenate([*parts, np.zeros(RATE * 2, np.float32)])
    pointer = EndPointer(rate=RATE, trailing_silence=0.8)
    result = recognizer.listen(_stream(audio, [0]), RATE, grammar, pointer)
    assert result.answer is not None and result.answer.value == want
    assert recognizer.listen(_stream(audio, [0]), RATE, grammar, pointer, None).text


def test_the_n_best_margin_is_wide_for_a_clear_answer_and_nil_for_a_homophone(
    recognizer,
) -> None:
    """What confirm-by-risk rests on: the margin between the answer heard and the best
    other answer on the same speech (the second decode leaves the first answer out)."""
    from kiosk.conversation.risk import CHOICE_MARGIN

    menu = build_grammar("choice", MENU)
    clip = next(spoken_variants("dispute a charge", voices=("en-us",), rates=(160,)))
    result = recognizer.recognize(clip.audio, RATE, menu)
    margin = recognizer.margin(clip.audio, RATE, menu, result)
    assert result.answer is not None and result.answer.value == "dispute"
    assert margin is not None and margin > CHOICE_MARGIN
    same = build_grammar("choice", {"a": ["two"], "b": ["too"]}, commands=False, carriers=False)
    two = next(spoken_variants("two", voices=("en-us",), rates=(160,)))
    heard = recognizer.recognize(two.audio, RATE, same)
    margin = recognizer.margin(two.audio, RATE, same, heard)
    assert heard.answer is not None and margin is not None
    assert abs(margin) < 1.0  # one sound, two answers: never sure
