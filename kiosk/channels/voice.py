"""``kiosk voice``: the whole conversation by speech and keypad, with no screen.

Each prompt is read in the Spoken register with how to answer it; then the channel
listens with the step's own grammar while the keypad stays live (a key stops speech at
once). Personal details go to the headset only; masked digits are a tone each on the
speaker. Digits heard by speech are read back and confirmed before the engine sees them
(a misheard account is never acted on); amounts are read back by the engine's review
step. Every utterance and tone is captioned. Nothing here waits without a timeout, and
a missing microphone, model or sound device leaves the keypad path working.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from kiosk.accessibility.timing import CallableClock
from kiosk.channels.voice_devices import (
    MODEL_MISSING,
    RECOGNIZER_FAILED,
    CaptionPrinter,
    VoiceSettings,
    build_recognizer,
)
from kiosk.channels.voice_grammar import engine_text, grammar_for, other_choices
from kiosk.channels.voice_input import AudioInput, KeySource, LineKeys, LiveMicrophone
from kiosk.channels.voice_pause import (
    PHRASE_PAUSE,
    PauseWatch,
    cut_after_speech,
    is_complete_phrase,
)
from kiosk.channels.voice_wording import (
    DEFAULT_VERBOSITY,
    HEADSET_NEEDED,
    YES_NO_KEYS,
    not_caught,
    prompt_speech,
    readback_question,
)
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import AnswerKind, Choice, Prompt, Register
from kiosk.conversation.risk import (
    CHOICE_MARGIN,
    MONEY_YES_MARGIN,
    Check,
    confirm_question,
    spoken_check,
)
from kiosk.conversation.session import Session, SessionEvent
from kiosk.conversation.signals import AudioStep
from kiosk.conversation.wording import w
from kiosk.speech.asr import (
    EARLY_SILENCE,
    ModelNotFoundError,
    RecognitionResult,
    Recognizer,
    RecognizerError,
)
from kiosk.speech.audio import AudioDeviceError
from kiosk.speech.grammar import StepGrammar, build_grammar
from kiosk.speech.tts import SynthesisError
from kiosk.speech.vad import EndPointer, SpeechDetector, VadState, make_detector
from kiosk.speech.voice_output import RATES_WPM, SpeechSink

__all__ = [
    "EXIT_INPUT_CLOSED",
    "EXIT_OK",
    "VoiceChannel",
    "VoiceStats",
    "recognizer_or_problem",
    "run_voice_channel",
]

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_INPUT_CLOSED = 3
EXIT_TTY_DETECTED = 4  # a TTY is on the handset: the caller hands over to the TTY channel
PIN_BY_KEYPAD = (
    "For your privacy I do not take a PIN by voice here, as others could hear it. "
    "Please type it on the keypad and press Enter."
)
NUMBER_BY_KEYPAD = (
    "For your privacy I do not take this number by voice here, as others could hear it. "
    "Please type it on the keypad and press Enter."
)
"""Said for a private number other than the PIN (a card's, a bank account's)."""
PIN_BY_HEADSET = "Your headset has a microphone, so you can also say it quietly."
YES_BY_KEY = "I think you said yes. To be sure, please press 1 for yes, or 2 for no."
MONEY_YES_BY_KEY = (
    "I think you said yes. Before any money moves, please press 1 on the keypad to "
    "confirm, or press 2 to change it."
)
MIC_MISSING = "The microphone is not working, so I cannot hear you. Please use the keypad."
SPEAKING_LIMIT = 180.0  # seconds: no utterance plays longer; never wait past it
POLL = 0.02
YES_KEYS = {"1": "yes", "2": "no"}
TONE_WAIT = 0.25  # seconds a masked-digit tone may take before the next one


@dataclass
class VoiceStats:
    """What the channel measured: end of speech -> answer, and answers by source.

    A latency runs from the end of the customer's speech (when the silence that ended
    it began) to the answer being ready, on the channel's clock; ``answered_at`` holds
    that clock's time for each, and ``latency_kinds`` the grammar kind ("digits",
    "yesno", "choice", ...).
    """

    latencies: list[float] = field(default_factory=list)  # end of speech -> answer (s)
    answered_at: list[float] = field(default_factory=list)
    latency_kinds: list[str] = field(default_factory=list)
    early_answers: int = 0  # answers taken at a short pause (complete digit strings)
    spoken_answers: int = 0
    key_answers: int = 0
    rejections: int = 0
    confirmations: int = 0


@dataclass
class _Heard:
    kind: str  # "key", "speech", "timeout" or "closed"
    line: str = ""
    result: RecognitionResult | None = None
    ended_at: float = 0.0
    audio: np.ndarray | None = None  # the speech decoded (for a next-best hypothesis)


#: What :meth:`VoiceChannel._answer` gives for speech it did not understand: the engine
#: counts the miss (:meth:`Conversation.missed`) and says what to do.
MISSED = "\x00missed"


class TtyHeard(Exception):
    """The microphone hears a TTY's Baudot tones, not a voice."""


class TonesDetector(Protocol):
    def feed(self, block: np.ndarray) -> bool: ...


class VoiceChannel:
    """One customer's session by voice and keypad.

    Args:
        conversation: the engine (it already holds the first prompt).
        output: where speech goes (privacy routing, volume and rate steps).
        keys: keypad lines; always polled, even while speaking.
        recognizer: the speech recognizer, or None for keypad only.
        microphone: audio blocks, or None for keypad only.
        captions: receives every utterance (wire it as the output's ``on_caption``).
        verbosity: "brief" (the default: each way of answering taught once) or "full".
        patience: trailing silence (s) that ends a spoken answer.
        early_silence: the pause (s) that ends a digit answer of known length once it
            is complete (0 or None: always wait for ``patience``).
        phrase_pause: the pause (s) that ends a yes/no or menu answer that is exactly
            one of the step's phrases, or a complete digit answer that a longer one
            could extend (an 8-digit account number where a 10-digit phone number is
            allowed too) (0 or None: always wait for ``patience``); it is decoded after
            ``early_silence`` already, while the quiet goes on. Never on a sensitive
            yes/no step (a payment review): money waits for the patience.
        barge_in: let speech interrupt prompts (only with the headset on: no echo).
        problems: startup messages to speak first (missing model, microphone).
        headset_microphone: the microphone is the headset's (a handset at the mouth):
            only then, with the headset on, may a PIN be said; otherwise a PIN is taken
            from the keypad only and speech on that step is answered with why.
        choice_margin: the recognizer's N-best margin above which a choice that
            commits the customer (a plan, a dispute, which charge) is taken without a
            read-back (:func:`kiosk.conversation.risk.spoken_check`); None: the
            recognizer's own (:attr:`Recognizer.margins`, each engine's margin has its
            units), else :data:`CHOICE_MARGIN`.
        money_margin: the margin a spoken "yes" that moves money needs; below it the
            keypad's 1 is asked for; None as for ``choice_margin``.
    """

    def __init__(
        self,
        conversation: Conversation,
        output: SpeechSink,
        keys: KeySource,
        *,
        recognizer: Recognizer | None = None,
        microphone: AudioInput | None = None,
        captions: CaptionPrinter | None = None,
        verbosity: str = DEFAULT_VERBOSITY,
        patience: float = 1.0,
        early_silence: float | None = EARLY_SILENCE,
        phrase_pause: float | None = PHRASE_PAUSE,
        barge_in: bool = True,
        problems: list[str] | None = None,
        rate_level: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        tty_detector: TonesDetector | None = None,
        headset_microphone: bool = False,
        choice_margin: float | None = None,
        money_margin: float | None = None,
    ) -> None:
        self.conversation = conversation
        conversation.ctx.services.back_how = "say go back"
        # The session's timer runs on the channel's clock (a test's runs fast).
        self.session = Session(
            conversation.ctx.services, conversation=conversation, clock=CallableClock(clock)
        )
        self.output = output
        self.keys = keys
        self.recognizer = recognizer
        self.microphone = microphone
        self.captions = captions or CaptionPrinter()
        self.verbosity = verbosity
        self.patience = patience
        self.early_silence = early_silence or 0.0
        self.phrase_pause = phrase_pause or 0.0
        self.barge_in = barge_in
        self.problems = list(problems or [])
        self.rate_level = rate_level
        self.clock = clock
        self.tty_detector = tty_detector  # hears TTY tones among the microphone's blocks
        self.headset_microphone = headset_microphone
        own = recognizer.margins if recognizer is not None else None
        choice_default, money_default = own or (CHOICE_MARGIN, MONEY_YES_MARGIN)
        self.choice_margin = choice_default if choice_margin is None else choice_margin
        self.money_margin = money_default if money_margin is None else money_margin
        self.stats = VoiceStats()
        self._pending: deque[str] = deque()
        self._carried: EndPointer | None = None  # an answer that began during a prompt
        # The speech model of the end-pointer and of the pause watch, made once a session:
        # making one holds the interpreter ~10 ms (on a phone line, every call's audio).
        self._detectors: dict[str, SpeechDetector] = {}
        self._keys_closed = False
        self._respeak = False
        self._private_step = False  # the step waiting for an answer is private (the PIN)
        self._last_text = ""
        self._taught: set[str] = set()  # ways of answering already explained this session

    # ------------------------------------------------------------------ session
    def run(self) -> int:
        """Run the session to its end. Returns an exit code (0, or 3 if input closed)."""
        self.output.reset_session()
        self.output.set_verbosity(self.verbosity)
        self._taught = set()
        if self.rate_level is not None:  # the kiosk's own default speed, if set
            self.output.rate_index = max(0, min(self.rate_level - 1, len(RATES_WPM) - 1))
        self._open_microphone()
        for problem in self.problems:
            self._say(problem)
        prompt = self.conversation.prompt
        speak = True
        try:
            while True:
                if speak:
                    self._speak_prompt(prompt)
                if prompt.end_of_session:
                    self._wait_speech(interruptible=False, text=self._last_text)
                    return EXIT_OK
                try:
                    line = self._answer(prompt)
                except EOFError:
                    self.session.expire()
                    self.captions.status("input closed; session cleared")
                    return EXIT_INPUT_CLOSED
                except TtyHeard:
                    # The conversation goes on where it was, in the TTY register.
                    self.output.stop()
                    self.captions.status("TTY tones heard: switching to the TTY channel")
                    self.session.set_register(Register.TTY)
                    return EXIT_TTY_DETECTED
                before = prompt
                if line is None:
                    prompt = self.session.prompt
                elif line is MISSED:
                    prompt = self.session.missed()  # says so; a person after three
                else:
                    prompt = self.session.answer(line)
                audio_only = self._apply_signals()
                speak = (
                    not (
                        audio_only
                        and prompt.id == before.id
                        and prompt.error is None
                        and prompt.notice == before.notice
                    )
                    or self._respeak
                )
                self._respeak = False
        finally:
            self.output.stop()
            self.output.reset_session()
            if self.microphone is not None:
                with contextlib.suppress(Exception):
                    self.microphone.stop()

    def headset_connected(self) -> None:
        """A headset was plugged in: the speaker goes quiet and speech goes private."""
        self.output.headset_connected()
        self._say("Headset connected. The speaker is off.")
        self._respeak = True

    def headset_disconnected(self) -> None:
        self.output.headset_disconnected()
        self._say("Headset removed. Private details will not be spoken on the speaker.")
        self._respeak = True

    # ------------------------------------------------------------------ speaking
    def _known(self) -> Callable[[str], bool] | None:
        known = getattr(self.recognizer, "known_word", None)
        return known if callable(known) else None

    def _speak_prompt(self, prompt: Prompt) -> None:
        speech = prompt_speech(prompt, self.verbosity, self._known(), self._taught)
        self._taught |= speech.taught
        if speech.private:
            if self.output.headset_present:
                if not self._say(speech.private, private=True):
                    return
            elif not self._say(" ".join(p for p in (HEADSET_NEEDED, speech.question) if p)):
                return
        if speech.public:
            self._say(speech.public)
        if prompt.private and prompt.kind is AnswerKind.DIGITS and not self._keypad_only(prompt):
            self._say(PIN_BY_HEADSET, private=True)

    def _say(self, text: str, private: bool = False) -> bool:
        """Speak and wait until done; False when a key (or the user's speech) cut it."""
        self._last_text = text
        try:
            try:
                self.output.say(text, private=private)
            except SynthesisError:  # pyttsx3 now and then writes no file: try once more
                self.output.say(text, private=private)
        except (AudioDeviceError, OSError, RuntimeError) as error:
            log.warning("speech output failed: %s", error)
            self.captions.add(f"{text} [no sound: the speaker is not working]")
            return True
        return self._wait_speech(text=text)

    def _longest(self, text: str) -> float:
        """An upper bound on how long ``text`` plays: an output that never reports the
        end of playback (a lost stream callback) must not stall the session."""
        words = max(1, len(text.split()))
        return min(SPEAKING_LIMIT, 2.0 + 1.5 * 60.0 * words / max(self.output.rate_wpm, 60))

    def _wait_speech(
        self, interruptible: bool = True, text: str = "", limit: float | None = None
    ) -> bool:
        finish = getattr(self.output, "finish", None)
        if callable(finish):  # a recording sink: nothing really plays
            finish()
        limit = self.clock() + (limit or (self._longest(text) if text else 3.0))
        barge = self._barge_pointer() if interruptible else None
        while self.output.is_speaking and self.clock() < limit:
            if interruptible and self._poll_key(POLL):
                self.output.stop()  # barge-in by key: silence at once
                return False
            if barge is not None and self._barge_heard(barge):
                self.output.stop()
                self._carried = barge
                return False
            if not interruptible:
                time.sleep(POLL)
        if self.output.is_speaking:
            self.output.stop()
        return True

    def _barge_pointer(self) -> EndPointer | None:
        usable = self.barge_in and self.output.headset_present and self.output.is_speaking
        if not usable or self.microphone is None or self.recognizer is None:
            return None
        self.microphone.begin_listening()
        return self._pointer()

    def _barge_heard(self, pointer: EndPointer) -> bool:
        assert self.microphone is not None
        block = self.microphone.read(0.0)
        return block is not None and pointer.feed(block) is VadState.SPEAKING

    # ------------------------------------------------------------------ listening
    def _detector(self, use: str, rate: int) -> SpeechDetector:
        """The session's speech detector for ``use`` ("answer" or "pause"): both are fed
        the same blocks at once, so each keeps its own model state."""
        if use not in self._detectors:
            self._detectors[use] = make_detector(rate)
        return self._detectors[use]

    def _pointer(self) -> EndPointer:
        rate = self.microphone.rate if self.microphone is not None else 16_000
        return EndPointer(
            rate=rate,
            trailing_silence=self.patience,
            no_speech_timeout=3600.0,
            detector=self._detector("answer", rate),
        )

    def _poll_key(self, timeout: float) -> bool:
        if self._pending:
            return True
        if self._keys_closed:
            if timeout > 0:
                time.sleep(timeout)
            return False
        try:
            line = self.keys.poll(timeout)
        except EOFError:
            self._keys_closed = True
            return False
        if line is None:
            return False
        self._pending.append(line)
        return True

    def _input_gone(self) -> bool:
        if not self._keys_closed:
            return False
        mic = self.microphone
        return mic is None or self.recognizer is None or bool(getattr(mic, "finished", False))

    def _early_pause(self, grammar: StepGrammar) -> float:
        """The pause after which the speech so far is decoded to see if it is a complete
        answer; 0 for none on this grammar."""
        if grammar.kind == "digits" and grammar.digit_lengths:
            return self.early_silence
        if grammar.kind in ("yesno", "choice") and grammar.phrases and self.phrase_pause:
            return min(self.early_silence or self.phrase_pause, self.phrase_pause)
        return 0.0

    def _listen(
        self, grammar: StepGrammar, deadline: float, early: bool = True, secret: bool = False
    ) -> _Heard:
        """Wait for a key line or a spoken answer until ``deadline``; ``early``: a
        complete answer may end at a short pause; ``secret``: speech is never decoded
        (a PIN said in the open), only reported as kind "secret".

        Raises:
            EOFError: the input is gone (the keys closed, the call ended).
            TtyHeard: TTY tones came instead of speech.
        """
        heard = self._hear(grammar, deadline, early, secret)
        if heard.kind == "closed":
            raise EOFError
        if heard.kind == "tty":
            raise TtyHeard
        return heard

    def _hear(self, grammar: StepGrammar, deadline: float, early: bool, secret: bool) -> _Heard:
        hearing = self.microphone is not None and self.recognizer is not None
        pointer = self._carried
        self._carried = None
        watch: PauseWatch | None = None
        waiting: _Heard | None = None  # a complete phrase, taken if the quiet lasts
        if hearing and pointer is None:
            assert self.microphone is not None
            self.microphone.begin_listening()
            pointer = self._pointer()
            # A complete answer can end at a short pause (an answer carried over from a
            # barge-in began before any watch, and waits for the patience).
            pause = self._early_pause(grammar) if early else 0.0
            rate = self.microphone.rate
            watch = PauseWatch(rate, pause, self._detector("pause", rate)) if pause else None
        self.captions.status("listening" if hearing else "waiting for the keypad")
        while True:
            if self._poll_key(0.0 if hearing else POLL):
                return _Heard("key", self._pending.popleft())
            if self._input_gone():
                return _Heard("closed")
            if self.clock() >= deadline:
                return _Heard("timeout")
            if not hearing or pointer is None:
                continue
            assert self.microphone is not None
            block = self.microphone.read(POLL)
            if block is None:
                continue
            if self.tty_detector is not None and self.tty_detector.feed(block):
                return _Heard("tty")
            state = pointer.feed(block)
            if state is VadState.DONE and secret:
                return _Heard("secret")
            if state is VadState.DONE:
                return self._recognize(pointer, grammar, self.clock() - self.patience)
            if watch is None or secret:
                continue
            so_far = watch.feed(block)
            if so_far is not None and state is VadState.SPEAKING:
                # Decoded at once; a phrase is taken only if the quiet lasts (the decode
                # runs while it does), and so are digits that more digits could follow
                # (8 of an account number, where 10 make a phone number); a digit
                # string that nothing can extend at once (finish_early's rule).
                found = self._finish_early(so_far, grammar, watch.pause)
                if (
                    found is not None
                    and grammar.kind == "digits"
                    and not _could_grow(grammar, found)
                ):
                    self.stats.early_answers += 1
                    return found
                waiting = found if self.phrase_pause else None
            if waiting is not None and watch.silence == 0.0:
                waiting = None  # speaking again: the answer was not over
            elif waiting is not None and watch.silence >= self.phrase_pause:
                self.stats.early_answers += 1
                return waiting

    def _finish_early(self, audio: np.ndarray, grammar: StepGrammar, pause: float) -> _Heard | None:
        """The answer at a short pause, if the speech so far already completes it."""
        assert self.recognizer is not None and self.microphone is not None
        ended = self.clock() - pause
        rate = self.microphone.rate
        try:
            if grammar.kind == "digits":
                result = self.recognizer.finish_early(audio, rate, grammar)
            else:
                result = self.recognizer.recognize(audio, rate, grammar)
                if result.answer is None or not is_complete_phrase(grammar, result.text):
                    result = None
        except RecognizerError as error:
            log.warning("recognizer failed: %s", error)
            return None  # the end-pointer's path decides, and reports a broken engine
        if result is None:
            return None
        self.captions.status(f"heard: {self._heard_caption(result.text)}")
        return _Heard("speech", result=result, ended_at=ended, audio=audio)

    def _recognize(self, pointer: EndPointer, grammar: StepGrammar, ended: float) -> _Heard:
        assert self.recognizer is not None and self.microphone is not None
        audio = _trim_trailing_silence(pointer.utterance(), self.microphone.rate)
        if audio is None:
            return _Heard("speech", result=RecognitionResult("", 0.0), ended_at=ended)
        try:
            result = self.recognizer.recognize(audio, self.microphone.rate, grammar)
        except RecognizerError as error:
            log.warning("recognizer failed: %s", error)
            self.recognizer = None
            self._say(RECOGNIZER_FAILED)
            return _Heard("speech", result=RecognitionResult("", 0.0), ended_at=ended)
        self.captions.status(f"heard: {self._heard_caption(result.text)}")
        return _Heard("speech", result=result, ended_at=ended, audio=audio)

    def _heard_caption(self, text: str) -> str:
        """What was heard, for the status line; never a private answer (a PIN said aloud)."""
        if self._private_step:
            return "(a private answer, not shown)" if text else "(nothing)"
        return text or "(nothing)"

    # ------------------------------------------------------------------ answering
    def _answer(self, prompt: Prompt) -> str | None:
        """The next answer for the engine; None when the step's time ran out;
        :data:`MISSED` when speech was heard but not understood.

        Raises:
            EOFError: when every input is gone (keypad closed, no microphone).
        """
        grammar = grammar_for(prompt)
        self.session.delivered(self.clock())  # timed from the end of the prompt's speech
        secret = self._keypad_only(prompt)
        while True:
            heard = self._listen(grammar, self._deadline(), not prompt.confirms_money, secret)
            if heard.kind == "secret":
                # Never decoded, never read back; a card's numbers are no PIN.
                self._say(PIN_BY_KEYPAD if prompt.id == "verify_pin" else NUMBER_BY_KEYPAD)
                continue
            if heard.kind == "timeout":
                tick = self.session.tick()
                if tick.event is SessionEvent.EXPIRED:
                    return None
                if tick.event is SessionEvent.WARNING:
                    self._say(self.session.warning().spoken)
                    self.session.warning_delivered(self.clock())
                continue
            if heard.kind == "key":
                line = self._key_line(prompt, heard.line)
                if line is not None:
                    self.stats.key_answers += 1
                    return line
                continue
            result = heard.result
            if result is None or result.answer is None:
                self.stats.rejections += 1
                return MISSED
            text = engine_text(prompt, result.answer)
            self._count_latency(heard, grammar.kind)
            if result.answer.kind == "digits":
                confirmed = self._confirm_digits(prompt, text, grammar, heard)
                if confirmed is None:
                    continue
                return confirmed
            if result.answer.kind == "amount" and self._other_reading(prompt, grammar, heard):
                # The engines disagree: read it back here, where a "no" can offer the
                # other reading (an amount both heard alike goes on to the review).
                confirmed = self._confirm_digits(prompt, text, grammar, heard)
                if confirmed is None:
                    continue
                return confirmed
            choice = _choice_for(prompt, text) if result.answer.kind == "choice" else None
            check = self._check(prompt, grammar, heard, choice)
            if check is Check.KEYPAD:
                self.stats.confirmations += 1
                self._say(MONEY_YES_BY_KEY)
                continue
            if check is Check.CONFIRM and choice is not None:
                confirmed = self._confirm_choice(prompt, grammar, heard, choice)
                if confirmed is None:
                    continue
                return confirmed
            self.stats.spoken_answers += 1
            return text

    def _check(
        self, prompt: Prompt, grammar: StepGrammar, heard: _Heard, choice: Choice | None
    ) -> Check:
        """Take, read back, or ask for the keypad: by the answer's risk and how sure the
        recognizer was of it (its N-best margin, decoded only for a risky answer)."""
        answer = heard.result.answer if heard.result is not None else None
        if choice is not None:
            value: str | bool = choice.value
        elif answer is not None and answer.kind == "yesno":
            value = bool(answer.value)
        else:
            return Check.TAKE
        return spoken_check(
            prompt,
            value,
            lambda: self._margin(grammar, heard),
            self.choice_margin,
            self.money_margin,
        )

    def _margin(self, grammar: StepGrammar, heard: _Heard) -> float | None:
        """The N-best margin of what was heard (None: unknown, so never sure)."""
        if heard.audio is None or heard.result is None or self.recognizer is None:
            return None
        assert self.microphone is not None
        try:
            return self.recognizer.margin(heard.audio, self.microphone.rate, grammar, heard.result)
        except RecognizerError as error:
            log.warning("recognizer failed: %s", error)
            return None

    def _deadline(self) -> float:
        """When to stop listening and look at the session's clock (warning, expiry)."""
        wait = self.session.seconds_to_next_event()
        return self.clock() + (SPEAKING_LIMIT if wait is None else max(wait, POLL))

    def _keypad_only(self, prompt: Prompt) -> bool:
        """A PIN is taken by voice only from a headset that is both the microphone and
        the output; anywhere else it would be said in the open."""
        if not (prompt.private and prompt.kind is AnswerKind.DIGITS):
            return False
        return not (self.headset_microphone and self.output.headset_present)

    def _count_latency(self, heard: _Heard, kind: str) -> None:
        now = self.clock()
        self.stats.latencies.append(now - heard.ended_at)
        self.stats.answered_at.append(now)
        self.stats.latency_kinds.append(kind)

    def _key_line(self, prompt: Prompt, line: str) -> str | None:
        """A keypad line as the engine's input; None for keys the channel handles."""
        word = line.strip().lower()
        if word == "headset on":
            self.headset_connected()
            self._speak_prompt(prompt)
            return None
        if word == "headset off":
            self.headset_disconnected()
            self._speak_prompt(prompt)
            return None
        if word in ("+", "plus"):
            return "louder"
        if word in ("-", "minus"):
            return "softer"
        if prompt.private and prompt.kind is AnswerKind.DIGITS:
            for char in line.strip():
                if char.isdigit():
                    self.output.echo_digit(char, private=True)
                    self._wait_speech(interruptible=False, limit=TONE_WAIT)
        return line

    def _confirm_digits(
        self, prompt: Prompt, digits: str, grammar: StepGrammar, heard: _Heard
    ) -> str | None:
        """Read back digits (or an amount) heard by speech; the engine gets them only
        after a yes. After a "no", the recognizer's other reading of the same speech
        (:meth:`Recognizer.other_reading`), if it has one, is read back once.

        Returns the digits, a keypad entry typed instead, or None to listen again.
        """
        self.stats.confirmations += 1
        secret = prompt.private and not self.output.headset_present
        yes_no = build_grammar("yesno")
        other = None if prompt.private else heard
        for _ in range(3):
            question, taught = readback_question(digits, secret, self.verbosity, self._taught)
            self._taught |= taught
            self._say(question, private=False)
            heard = self._listen(yes_no, self.clock() + (prompt.timeout_seconds or 60.0))
            if heard.kind == "timeout":
                return None
            if heard.kind == "key":
                key = heard.line.strip()
                if key in YES_KEYS:
                    if YES_KEYS[key] == "yes":
                        return digits
                    self._say_again(prompt)
                    return None
                return self._key_line(prompt, heard.line)
            answer = heard.result.answer if heard.result else None
            if answer is None:
                self._say(not_caught(_YES_NO_PROMPT))
                continue
            if answer.kind == "yesno":
                self._count_latency(heard, "yesno")
                self.stats.spoken_answers += 1
                if answer.value:
                    return digits
                following = self._other_reading(prompt, grammar, other) if other else None
                if following is None:
                    self._say_again(prompt)
                    return None
                digits, other = following, None
                self.stats.confirmations += 1
                continue
            if answer.value != "repeat":
                return engine_text(prompt, answer)
        self._say_again(prompt)
        return None

    def _confirm_choice(
        self, prompt: Prompt, grammar: StepGrammar, heard: _Heard, choice: Choice
    ) -> str | None:
        """Read back a choice that commits the customer; on "no", offer the next-best
        hypothesis (the same speech decoded without the choice refused) before asking
        again. Returns the choice's key, a keypad line, or None to listen again."""
        offered = [choice]
        for _ in range(2):
            self.stats.confirmations += 1
            question = confirm_question(prompt, offered[-1]).spoken
            self._say(f"{question} {YES_NO_KEYS}")
            verdict = self._yes_or_no(prompt)
            if isinstance(verdict, str):
                return verdict  # a key that answers the step itself
            if verdict:
                self.stats.spoken_answers += 1
                return offered[-1].key
            following = self._next_best(prompt, grammar, heard, offered)
            if following is None:
                break
            offered.append(following)
        self._say_again(prompt)
        return None

    def _yes_or_no(self, prompt: Prompt) -> bool | str | None:
        """A yes (True) or no (False) by speech or key 1/2; another key line as itself;
        None when nothing usable came. The yes commits (a plan, a dispute, a charge), so
        a spoken one counts only when the recognizer is sure of it (its margin above
        ``money_margin``); else the keypad's 1 is asked for, once, before it is a no."""
        grammar = build_grammar("yesno")
        for _ in range(2):
            heard = self._listen(grammar, self._deadline())
            if heard.kind == "key":
                key = heard.line.strip()
                if key in YES_KEYS:
                    return YES_KEYS[key] == "yes"
                return self._key_line(prompt, heard.line)
            answer = heard.result.answer if heard.result else None
            if answer is None or answer.kind != "yesno" or not answer.value:
                return False
            margin = self._margin(grammar, heard)
            if margin is not None and margin > self.money_margin:
                return True
            self.stats.confirmations += 1
            self._say(YES_BY_KEY)
        return False

    def _next_best(
        self, prompt: Prompt, grammar: StepGrammar, heard: _Heard, refused: list[Choice]
    ) -> Choice | None:
        """The best of the other choices for the same speech, if one still fits."""
        if heard.audio is None or self.recognizer is None or self.microphone is None:
            return None
        others = other_choices(grammar, (c.key for c in refused))
        if others is None:
            return None
        try:
            result = self.recognizer.recognize(heard.audio, self.microphone.rate, others)
        except RecognizerError:
            return None
        if result.answer is None:
            return None
        return _choice_for(prompt, str(result.answer.value))

    def _other_reading(self, prompt: Prompt, grammar: StepGrammar, heard: _Heard) -> str | None:
        """The recognizer's other reading of the digits or amount heard, as the engine's
        input (None: it has none that differs)."""
        if heard.audio is None or heard.result is None or self.recognizer is None:
            return None
        assert self.microphone is not None
        try:
            other = self.recognizer.other_reading(
                heard.audio, self.microphone.rate, grammar, heard.result
            )
        except RecognizerError as error:
            log.warning("recognizer failed: %s", error)
            return None
        if other is None or other.answer is None:
            return None
        return engine_text(prompt, other.answer)

    def _say_again(self, prompt: Prompt) -> None:
        if prompt.kind is AnswerKind.DIGITS:
            self._say("Please say the numbers again, or type them on the keypad and press Enter.")
        else:
            self._say("Please say the answer again, or press its number on the keypad.")

    # ------------------------------------------------------------------ devices
    def _open_microphone(self) -> None:
        if self.microphone is None or self.recognizer is None:
            return
        try:
            self.microphone.start()
        except (AudioDeviceError, OSError) as error:
            log.warning("no microphone: %s", error)
            self.microphone = None
            self.problems.append(MIC_MISSING)

    def _apply_signals(self) -> bool:
        """Volume and rate steps (announced); True when the answer was only that."""
        steps = {
            AudioStep.VOLUME_UP: self.output.louder,
            AudioStep.VOLUME_DOWN: self.output.softer,
            AudioStep.RATE_UP: self.output.faster,
            AudioStep.RATE_DOWN: self.output.slower,
        }
        acted = False
        for signal in self.session.take_signals():
            if not isinstance(signal, AudioStep):
                continue  # display modes mean nothing without a screen
            step = steps[signal]
            try:
                step()
            except (AudioDeviceError, OSError, RuntimeError) as error:
                self.captions.add(f"[no sound: {error}]")
            self._wait_speech(text="Louder. Volume 10 of 10.")
            acted = True
        return acted


def _choice_for(prompt: Prompt, key: str) -> Choice | None:
    return next((c for c in prompt.choices if c.key == key), None)


def _trim_trailing_silence(audio: np.ndarray | None, rate: int) -> np.ndarray | None:
    """Cut the end-pointer's trailing silence (measured: it makes pocketsphinx mishear
    the first digit of a ZIP code) as an early cut is made (:func:`cut_after_speech`);
    audio without speech is passed on whole."""
    if audio is None:
        return None
    cut = cut_after_speech(audio, rate)
    return audio if cut is None else cut


_YES_NO_PROMPT = Prompt(
    id="confirm",
    text=w("Is that right?"),
    kind=AnswerKind.YES_NO,
    help=w("Say yes or press 1. Say no or press 2."),
)


def recognizer_or_problem(
    engine: str | None, model_dir: str | None
) -> tuple[Recognizer | None, list[str]]:
    """The configured recognizer, or None and what to tell the customer instead."""
    try:
        return build_recognizer(engine, model_dir), []
    except ModelNotFoundError as error:
        log.warning("%s", error)
        return None, [MODEL_MISSING]
    except RecognizerError as error:
        log.warning("%s", error)
        return None, [RECOGNIZER_FAILED]


def run_voice_channel(engine: str | None = None) -> int:
    """``kiosk voice``: one session on this machine's audio devices and stdin keypad."""
    from kiosk.logging import log_to_data_dir
    from kiosk.runtime import KioskRuntime
    from kiosk.speech.audio import OutputDevice
    from kiosk.speech.tts import Pyttsx3Synthesizer, SpeechSynthesizer, SynthesisError
    from kiosk.speech.voice_output import StreamingSpeaker, VoiceOutput

    log_to_data_dir()  # captions, not log lines, on the terminal
    voice = VoiceSettings()
    runtime = KioskRuntime.start()
    settings = runtime.store.settings
    captions = CaptionPrinter.to_stdout()
    recognizer, problems = recognizer_or_problem(
        engine or settings.speech_engine, settings.vosk_model_dir
    )
    synthesizer: SpeechSynthesizer
    try:
        synthesizer = Pyttsx3Synthesizer()
    except SynthesisError:
        from kiosk.speech.tts import EspeakSynthesizer

        synthesizer = EspeakSynthesizer()
    speaker = StreamingSpeaker(OutputDevice("speaker", pulse_sink=voice.speaker_sink or None))
    headset = (
        StreamingSpeaker(OutputDevice("headset", pulse_sink=voice.headset_sink))
        if voice.headset_sink or voice.headset
        else None
    )
    output = VoiceOutput(synthesizer, speaker, headset, on_caption=captions)
    if voice.headset and headset is not None:
        output.headset_present = True
    microphone = (
        LiveMicrophone(pulse_source=voice.microphone_source or None)
        if voice.microphone and recognizer is not None
        else None
    )
    try:
        channel = VoiceChannel(
            Conversation(runtime.services, Register.SPOKEN),
            output,
            LineKeys(sys.stdin.fileno()),
            recognizer=recognizer,
            microphone=microphone,
            captions=captions,
            verbosity=voice.verbosity,
            patience=voice.patience_seconds,
            barge_in=voice.barge_in,
            problems=problems,
            rate_level=voice.rate_level,
            tty_detector=_tty_detector(microphone),
            headset_microphone=voice.headset_microphone,
        )
        code = channel.run()
        if code == EXIT_TTY_DETECTED:
            code = _hand_over_to_tty(channel.conversation)
        runtime.deliver_pending()
        return code
    finally:
        runtime.stop()


def _tty_detector(microphone: AudioInput | None) -> TonesDetector | None:
    """Listen for TTY tones on the handset, so a TTY user is answered in Baudot."""
    if microphone is None:
        return None
    from kiosk.tty.detect import TtyToneDetector

    return TtyToneDetector(microphone.rate)


def _hand_over_to_tty(conversation: Conversation) -> int:
    """Carry on the same conversation on the handset in Baudot (issue 8: automatic detection)."""
    from kiosk.channels.tty import TtyChannel
    from kiosk.channels.tty_transport import HandsetTransport, TransportError

    try:
        transport = HandsetTransport()
    except (TransportError, ValueError) as error:
        print(f"kiosk voice: TTY heard but the handset cannot be used: {error}", file=sys.stderr)
        return EXIT_INPUT_CLOSED
    return TtyChannel(conversation, transport).run()


def _could_grow(grammar: StepGrammar, heard: _Heard) -> bool:
    """Whether a complete digit answer may still be the start of a longer one."""
    return heard.result is not None and grammar.could_grow(heard.result.answer)
