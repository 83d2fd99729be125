"""Task-level speech figures: simulated callers through the voice channel's rules.

A caller (an espeak-ng voice, clean / 10 dB white noise / babble at 10 dB) answers one
real prompt of Ava's session. Each turn the caller says the answer; the recognizer hears
it with the step's real grammar; the kiosk then acts as the voice channel does
(:func:`kiosk.conversation.risk.spoken_check` with the recognizer's N-best margin): it
takes the answer, reads it back ("Dispute the Internet charge? Say yes or press 1"), or
for a "yes" that moves money asks for the keypad's 1. Digits and amounts are always read
back. The caller answers a read-back truthfully, by voice (that yes/no is recognized
too); after a "no" the kiosk offers the next-best hypothesis once (for digits and
amounts: the recognizer's other reading, :meth:`Recognizer.other_reading`). A miss or a refused
read-back ends the turn; the second turn is the answer said again, a little slower
(20 wpm), with fresh noise. A caller told to use the keypad uses it.

Counted per step kind: callers whose intended answer was taken within two turns; wrong
answers acted on without a confirmation (money or a plan / dispute, and navigation
apart); wrong answers acted on after a read-back was misheard as "yes".

The recognitions do not depend on the thresholds, so one run also shows what every
threshold would give (:func:`sweep`): where it must sit for no wrong commitment.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.channels.voice_grammar import engine_text, grammar_for, other_choices
from kiosk.conversation.prompt import AnswerKind, Prompt
from kiosk.conversation.risk import (
    CHOICE_MARGIN,
    MONEY_YES_MARGIN,
    Check,
    needs_confirmation,
    spoken_check,
)
from kiosk.speech.asr import ASR_RATE, RecognitionResult, Recognizer
from kiosk.speech.corpus import add_babble, add_noise, pad, speak
from kiosk.speech.grammar import StepGrammar, build_grammar

#: (step, kind, said, wanted): wanted as in :func:`kiosk.devtools.voice_corpus.expected_line`;
#: "" for a caller who says something that is not an answer (nothing must be taken).
ITEMS: tuple[tuple[str, str, str, str], ...] = (
    ("menu", "menu", "pay my bill", "pay"),
    ("menu", "menu", "hear my bill", "bill"),
    ("menu", "menu", "set up a payment plan", "plan"),
    ("menu", "menu", "dispute a charge", "dispute"),
    ("menu", "menu", "talk to a person", "person"),
    ("menu", "menu", "I want to pay my bill", "pay"),
    ("menu", "menu", "I'd like to set up a payment plan", "plan"),
    ("menu", "menu", "I want to dispute a charge", "dispute"),
    ("menu", "menu", "number two", "pay"),
    ("dispute_pick", "menu", "the internet charge", "Internet"),
    ("dispute_pick", "menu", "taxes and fees", "Taxes"),
    ("dispute_pick", "menu", "home phone line", "Home phone"),
    ("pay_method", "menu", "card", "card"),
    ("pay_method", "menu", "cash", "cash"),
    ("pay_method", "menu", "bank account", "bank"),
    ("pay_review", "yes/no", "yes", "yes"),
    ("pay_review", "yes/no", "no", "no"),
    ("pay_review", "yes/no", "yes please", "yes"),
    ("pay_review", "yes/no", "no thank you", "no"),
    ("pay_review", "yes/no", "yeah", "yes"),
    ("pay_review", "yes/no", "nope", "no"),
    ("verify_id", "digits", "four oh one five two two seven oh", "40152270"),
    ("verify_id", "digits", "it's four zero one five two two seven zero", "40152270"),
    ("verify_zip", "digits", "seven two two oh one", "72201"),
    ("verify_zip", "digits", "my zip code is seven two two zero one", "72201"),
    ("pay_other", "amount", "forty dollars", "4000"),
    ("pay_other", "amount", "twenty five dollars and fifty cents", "2550"),
    ("pay_other", "amount", "I want to pay sixty dollars", "6000"),
    ("pay_other", "amount", "eighty four ninety nine", "8499"),
    # Said where nothing fits: whatever is heard is wrong, and on the menu and the charge
    # list what is heard may commit (a plan, a dispute): the margin must catch those.
    ("menu", "not an answer", "I want to cancel my service", ""),
    ("menu", "not an answer", "payment history please", ""),
    ("dispute_pick", "not an answer", "the late fee", ""),
    ("dispute_pick", "not an answer", "the water charge", ""),
    ("pay_review", "not an answer", "hold on a second", ""),
    ("pay_review", "not an answer", "what does that mean", ""),
    ("pay_review", "not an answer", "let me find my wallet", ""),
)
KINDS = ("menu", "yes/no", "digits", "amount", "not an answer")
NOISES = ("clean", "10dB white", "babble 10dB")
TARGETS = {"menu": 0.98, "yes/no": 0.98, "digits": 0.90, "amount": 0.90}
_YES_NO = build_grammar("yesno")


@dataclass
class Heard:
    """One recognition of one turn: the engine line (None: missed), whether it is the
    wanted one, and what the kiosk's rules need (risk, margin, next best)."""

    line: str | None
    right: bool
    value: str | bool | None = None  # a choice's value, or True/False for yes/no
    margin: float | None = None
    next_best: str | None = None  # the engine line offered after a "no"


@dataclass
class Caller:
    step: str
    kind: str
    text: str
    want: str
    voice: str
    noise: str
    turns: list[Heard] = field(default_factory=list)
    #: How this caller's spoken "yes" and "no" (to a read-back) are heard: as a yes, with
    #: the margin of that yes (None: heard as no, or missed).
    yes_heard: Heard | None = None
    no_heard: Heard | None = None


@dataclass
class Outcome:
    taken: bool = False  # the intended answer taken within two turns
    wrong_commit: bool = False  # a wrong money / plan / dispute answer acted on unconfirmed
    wrong_move: bool = False  # a wrong navigation or harmless choice acted on unconfirmed
    wrong_confirmed: bool = False  # a wrong answer acted on after a misheard "yes"
    confirmations: int = 0
    keypad: bool = False  # the keypad's 1 was asked for


def _audio(text: str, voice: str, rate: int, noise: str, seed: int) -> np.ndarray:
    clean = pad(speak(text, voice, rate), ASR_RATE)
    if noise == "10dB white":
        return add_noise(clean, 10.0, seed)
    if noise == "babble 10dB":
        return add_babble(clean, 10.0, seed)
    return clean


def _value(prompt: Prompt, line: str) -> str | bool:
    if prompt.kind is AnswerKind.YES_NO:
        return line == "yes"
    choice = next((c for c in prompt.choices if c.key == line), None)
    return choice.value if choice is not None else line


def hear(
    recognizer: Recognizer, prompt: Prompt, grammar: StepGrammar, audio: np.ndarray, want: str
) -> Heard:
    """One turn as the voice channel hears it, with the margin where the rules need it."""
    result = recognizer.recognize(audio, ASR_RATE, grammar)
    if result.answer is None:
        return Heard(None, False)
    line = engine_text(prompt, result.answer)
    value = _value(prompt, line) if result.answer.kind in ("choice", "yesno") else None
    heard = Heard(line, line == want, value)
    risky = (prompt.kind is AnswerKind.YES_NO and value is True and prompt.confirms_money) or (
        isinstance(value, str) and needs_confirmation(prompt, value)
    )
    if risky:
        heard.margin = recognizer.margin(audio, ASR_RATE, grammar, result)
        if not heard.right and prompt.kind is AnswerKind.CHOICE:
            heard.next_best = _next_best(recognizer, prompt, grammar, audio, result)
    if result.answer.kind in ("digits", "amount") and not heard.right:
        other = recognizer.other_reading(audio, ASR_RATE, grammar, result)
        if other is not None and other.answer is not None:
            heard.next_best = engine_text(prompt, other.answer)
    return heard


def _next_best(
    recognizer: Recognizer,
    prompt: Prompt,
    grammar: StepGrammar,
    audio: np.ndarray,
    result: RecognitionResult,
) -> str | None:
    """What the voice channel offers after a "no" (its ``_next_best``): the other choices."""
    assert result.answer is not None
    others = other_choices(grammar, [str(result.answer.value)])
    if others is None:
        return None
    other = recognizer.recognize(audio, ASR_RATE, others)
    return None if other.answer is None else engine_text(prompt, other.answer)


def play(caller: Caller, prompt: Prompt, choice_margin: float, money_margin: float) -> Outcome:
    """The caller's dialogue under given thresholds (pure: no recognition here)."""
    out = Outcome()

    def confirmed(truthful_yes: bool, commits: bool = True) -> bool:
        """The caller's truthful answer to a read-back, as the kiosk takes it: a spoken
        yes that commits (a plan, a dispute, a charge) must be sure, or the caller is
        asked for the keypad and presses the truth."""
        out.confirmations += 1
        heard = caller.yes_heard if truthful_yes else caller.no_heard
        if heard is None or heard.value is not True:
            return False  # heard as no, or missed: the kiosk takes it as no
        if commits and not (heard.margin is not None and heard.margin > money_margin):
            out.keypad = True
            return truthful_yes
        return True

    for turn in caller.turns[:2]:
        if turn.line is None:
            continue
        if caller.kind in ("digits", "amount"):  # read back; the review or sign-in follows
            for reading in (turn.line, turn.next_best):  # after a "no": the other reading
                if reading is None:
                    continue
                if confirmed(reading == caller.want, commits=False):
                    out.taken = reading == caller.want
                    out.wrong_confirmed = not out.taken
                    return out
            continue
        margins = {"choice": choice_margin, "money": money_margin}
        check = _check(prompt, turn, margins)
        if check is Check.TAKE:
            if turn.right:
                out.taken = True
            elif _commits(prompt, turn):
                out.wrong_commit = True
            else:
                out.wrong_move = True
            return out
        if check is Check.KEYPAD:  # the caller presses 1 for yes, or 2 for no
            out.keypad = True
            out.taken = caller.want in ("yes", "no")
            return out
        if confirmed(turn.right):
            out.taken, out.wrong_confirmed = turn.right, not turn.right
            return out
        if turn.next_best is not None and confirmed(turn.next_best == caller.want):
            out.taken = turn.next_best == caller.want
            out.wrong_confirmed = not out.taken
            return out
    return out


def _check(prompt: Prompt, turn: Heard, margins: dict[str, float]) -> Check:
    """:func:`spoken_check` at the given thresholds."""
    value = turn.value if turn.value is not None else str(turn.line)
    return spoken_check(prompt, value, lambda: turn.margin, margins["choice"], margins["money"])


def _commits(prompt: Prompt, turn: Heard) -> bool:
    """Whether acting on this heard answer commits money, a plan or a dispute."""
    if prompt.kind is AnswerKind.YES_NO:
        return turn.value is True and prompt.confirms_money
    return isinstance(turn.value, str) and needs_confirmation(prompt, turn.value)


def simulate(
    recognizer: Recognizer,
    prompts: dict[str, Prompt],
    voices: Iterable[str],
    rate: int,
    noises: Iterable[str] = NOISES,
    progress: Callable[[str], None] | None = None,
) -> list[Caller]:
    """Every item x voice x noise: two turns recognized, and the caller's yes and no."""
    from kiosk.devtools.voice_corpus import expected_line

    callers: list[Caller] = []
    for voice in voices:
        for index, noise in enumerate(noises):
            seed = 11 * index + 1
            yes_heard, no_heard = (
                _read_back_answer(recognizer, _audio(word, voice, rate, noise, seed))
                for word in ("yes", "no")
            )
            for step, kind, text, want in ITEMS:
                prompt = prompts[step]
                grammar = grammar_for(prompt)
                line = expected_line(prompt, want) if want else ""
                caller = Caller(step, kind, text, line, voice, noise)
                caller.yes_heard, caller.no_heard = yes_heard, no_heard
                for turn, slower in enumerate((0, 20)):
                    audio = _audio(text, voice, rate - slower, noise, seed + 100 * turn)
                    heard = hear(recognizer, prompt, grammar, audio, line)
                    caller.turns.append(heard)
                    if heard.right and heard.margin is None:
                        break  # taken at the first turn whatever the thresholds
                callers.append(caller)
            if progress is not None:
                progress(f"{voice} {noise}")
    return callers


def _read_back_answer(recognizer: Recognizer, audio: np.ndarray) -> Heard:
    """A yes or no said to a read-back, as the voice channel hears it (with the margin
    of a yes, which must be sure when it commits)."""
    result = recognizer.recognize(audio, ASR_RATE, _YES_NO)
    if result.answer is None or result.answer.kind != "yesno":
        return Heard(None, False)
    heard = Heard("yes" if result.answer.value else "no", False, bool(result.answer.value))
    if result.answer.value:
        heard.margin = recognizer.margin(audio, ASR_RATE, _YES_NO, result)
    return heard


def session_prompts() -> dict[str, Prompt]:
    """Ava's real prompts (a seeded store in a temporary directory)."""
    from kiosk.conversation.services import Services
    from kiosk.devtools.voice_corpus import session_prompts as walk
    from kiosk.settings import Settings
    from kiosk.store.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="bench-speech-"))
    store = open_store(Settings(database_url=f"sqlite:///{folder / 'k.sqlite3'}"), seed=True)
    try:
        return walk(Services(store))
    finally:
        store.dispose()


def table(
    callers: list[Caller],
    prompts: dict[str, Prompt],
    choice_margin: float = CHOICE_MARGIN,
    money_margin: float = MONEY_YES_MARGIN,
) -> list[str]:
    """Rows per kind and noise: taken within two turns, wrong acted on, confirmations."""
    head = (
        f"{'kind':13} {'noise':11} {'n':>4} {'taken<=2':>9} {'target':>7} {'wrong money/plan':>17}"
        f" {'wrong nav':>10} {'wrong after yes':>16} {'confirms':>9} {'keypad':>7}"
    )
    rows = [head]
    for kind in KINDS:
        for noise in NOISES:
            chosen = [c for c in callers if c.kind == kind and c.noise == noise]
            if not chosen:
                continue
            outs = [play(c, prompts[c.step], choice_margin, money_margin) for c in chosen]
            n = len(outs)
            target = TARGETS.get(kind)
            taken = f"{sum(o.taken for o in outs) / n:.1%}" if kind in TARGETS else "-"
            rows.append(
                f"{kind:13} {noise:11} {n:4d} {taken:>9} "
                f"{(f'{target:.0%}' if target else '-'):>7} "
                f"{sum(o.wrong_commit for o in outs):17d} {sum(o.wrong_move for o in outs):10d}"
                f" {sum(o.wrong_confirmed for o in outs):16d}"
                f" {sum(o.confirmations for o in outs) / n:9.2f}"
                f" {sum(o.keypad for o in outs) / n:7.0%}"
            )
    return rows


#: Thresholds the sweep tries, by engine (margins are in each engine's own units:
#: pocketsphinx's log score per frame, Whisper's log probability of the transcript).
SWEEP_THRESHOLDS = {
    "pocketsphinx": (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 20.0, 25.0, math.inf),
    "whisper": (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, math.inf),
}
SWEEP_THRESHOLDS["hybrid"] = SWEEP_THRESHOLDS["whisper"]  # its margins are Whisper's


def sweep(
    callers: list[Caller],
    prompts: dict[str, Prompt],
    thresholds: Iterable[float] = SWEEP_THRESHOLDS["pocketsphinx"],
) -> list[str]:
    """Per threshold, for risky choices (plan, dispute, which charge) and for a "yes"
    that moves money apart: wrong answers that would be acted on unconfirmed (margin
    above the threshold), and right ones still read back or sent to the keypad (the
    cost of a higher threshold). Every turn heard counts, first and second."""
    turns = [(prompts[c.step], t) for c in callers for t in c.turns if t.line is not None]
    classes = {
        "choices": [t for p, t in turns if p.kind is AnswerKind.CHOICE and _commits(p, t)],
        "money yes": [t for p, t in turns if p.kind is AnswerKind.YES_NO and _commits(p, t)],
    }
    head = f"{'margin':>7}"
    for name in classes:
        head += f" | {name + ': wrong taken':>22} {'right asked':>12}"
    rows = [head]
    for threshold in thresholds:
        row = f"{threshold:7.1f}"
        for heard in classes.values():
            sure = [t.margin is not None and t.margin > threshold for t in heard]
            wrong = sum(ok and not t.right for ok, t in zip(sure, heard, strict=True))
            right = [not ok for ok, t in zip(sure, heard, strict=True) if t.right]
            row += f" | {wrong:22d} {f'{sum(right)}/{len(right)}':>12}"
        rows.append(row)
    return rows
