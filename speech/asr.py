"""Speech recognition behind one contract, with per-step grammars.

Engines: pocketsphinx (English model inside its wheel) and Vosk (once a model directory
is installed) here; Whisper in speech/whisper.py (with pocketsphinx, "hybrid", the
kiosk's default by bench_speech --tasks). Each takes the step's grammar, so a step
listening for "yes" or "no" cannot hear "pay my bill"; what they hear is then turned into
the step's answer by :meth:`StepGrammar.interpret`.
"""

from __future__ import annotations

import abc
import dataclasses
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np

from kiosk.speech.denoise import reduce_noise
from kiosk.speech.grammar import (
    DIGIT_VOCABULARY,
    SpokenAnswer,
    StepGrammar,
    build_grammar,
    normalise,
)
from kiosk.speech.vad import EndPointer, VadState, find_speech

__all__ = [
    "ModelNotFoundError",
    "PocketsphinxRecognizer",
    "RecognitionResult",
    "Recognizer",
    "RecognizerError",
    "VoskRecognizer",
    "resample",
    "to_mono_float",
]

ASR_RATE = 16_000

GrammarLike: TypeAlias = StepGrammar | Sequence[str]

#: Pause (seconds) after which a live answer that already fills its grammar is taken.
EARLY_SILENCE = 0.12

#: Pause (seconds) after which a complete answer that a longer one could extend is taken
#: (8 digits of an account number, where 10 make a phone number): longer than the gaps
#: inside a group of digits (espeak-ng voices at 110-180 wpm: under 0.12 s), as long as
#: a short gap between groups, far shorter than the end-pointer's patience.
GROWING_SILENCE = 0.25

#: Mean phone length of careful speech (about 150 words a minute).
SECONDS_PER_PHONE = 0.085

#: A second listen when a menu hears a bare key word ("two"): "help" with its L
#: vocalised ("hewp", as many speakers and espeak-ng's voices say it), a dictionary entry
#: of its own that no step grammar contains. With the dictionary's "HH EH L P" alone the
#: acoustic model scores a spoken "help" nearer "T UW" (no JSGF weight from 1e-3 to 1e-20
#: on the digit words and no single tuned lever changed it), so a menu whose keys can be
#: said took a blind customer who asked for help to "Pay my bill". Added to the
#: dictionary as a second pronunciation of "help" it fixed that too, but every grammar
#: then had it and stray noise on the welcome menu was taken for "help"; here only the
#: bare key word is weighed against it, with that word, "help" and "hewp" as the only
#: phrases.
HELP_VARIANT = ("hewp", "HH EH OW P")

#: A second pronunciation of "oh" (the digit): British speech glides into it from a
#: schwa ([əʊ], espeak-ng's en-gb voices), which the en-us model's "OW" alone scores
#: nearer "two", "eight" or "one" ("my zip code is seven two two oh one" -> 72221).
#: Measured (digit strings with and without "oh", 140/180 wpm, clean / 10 dB white):
#: en-gb-x-rp 6/14 -> 13/14 clean, 6/14 -> 8/14 at 10 dB; en-gb 8/14 -> 11/14 at 10 dB;
#: en-us, en-us+f3, en-us+f4 unchanged or better (+1); "AH UW" took 118 of 168 against
#: this one's 125 (none: 112).
OH_VARIANT = ("oh(2)", "AH OW")

#: Weight of the garbage loop in the decode with carriers (see
#: :meth:`PocketsphinxRecognizer._with_carriers`): 1e-40 let sentences through (menus
#: 7-9 of 10), 1e-20 to 1e-30 kept them out as well as answers alone (2 of 10) and took
#: 121 of 132 natural phrasings; 1e-3 took 114.
CARRIER_GARBAGE_WEIGHT = 1e-25

#: pocketsphinx's log base (its scores come back as powers of it).
_LOG_BASE = float(np.log(1.0001))

#: Share of the speech that a decode with carriers may give to silence or noise instead
#: of words: a sentence forced onto carriers and an answer leaves much of it unexplained
#: ("my daughter usually does this for me" -> "my bill please", half of it silence).
#: Measured on en-us+f3 at 160 wpm: natural phrasings 0 to 0.04; 8 of 10 sentences on
#: the welcome and the menu 0.13 to 0.5 (the other two the garbage loop catches).
CARRIER_GAP_SHARE = 0.1

#: How much better (log score per frame) the answer with carriers must explain the speech
#: than the garbage loop's decode does. Natural phrasings beat it by 9 to 13, sentences
#: forced onto carriers by 3 to 7 ("i would like to exit please" for "I would like a
#: pizza with extra cheese"). Measured (natural corpus 2 voices x 140/180 wpm, clean;
#: SENTENCES at 160 wpm): 0 -> tuned 127/132, held-out 119/132, sentences taken 7/40;
#: 5 -> 126/132, 118/132, 4/40 (the answers alone, before carriers: 121, 107, 5/40).
CARRIER_GARBAGE_MARGIN = 5.0

#: How far below a free phone loop's decode of the same speech (log score per frame) an
#: amount heard on an amount step may score and still be taken. The grammar decoder
#: forces any sound onto some amount: white noise alone was "a hundred", "two hundred",
#: "a thousand" (8 seeds, see tests/speech). Speech that is an amount scores near the
#: phone loop (espeak-ng, 4 voices x 140/180 wpm, 5 amounts: -5.9 to +2.9; at 10 dB
#: white noise down to -13.8), noise forced onto an amount far below it (-10.3 to
#: -19.1). Below the bound the amount is "not caught" and asked again, never guessed.
AMOUNT_LOOP_MARGIN = -7.0

#: The same bound for a digit string heard on a digit step (ZIP, account, PIN, phone).
#: Store babble alone (other shoppers talking, nobody at the kiosk) passes the
#: speech-trained voice detector and the digit grammar forced it onto a ZIP code or an
#: account number ("zero one one one eight"), which the kiosk read back as the
#: customer's. Measured (bench/bench_noise_alone.py, tuned voices VOICES[:4] only):
#: digit strings said (bare and with carriers, 140/180 wpm) and heard right score -6.4
#: to +6.9 against the phone loop clean, down to -8.5 at 10 dB white noise; babble alone
#: forced onto digits -17.6 to -9.8, and wrong readings of digits said in babble at 10 dB
#: -20.8 to -8.7 (refused here, they go to the hybrid's second reading first).
DIGIT_LOOP_MARGIN = -9.0

#: Unit-variance noise, scaled into the dither the recognizer adds (reproducible).
_NOISE = np.random.default_rng(7).normal(0.0, 1.0, ASR_RATE * 60).astype(np.float32)


def normalise_level(audio: np.ndarray, target_rms: float) -> np.ndarray:
    """Scale so the voiced part has ``target_rms``: the model's features expect a level.

    Voiced = samples above 2 % of the peak, so leading silence does not dilute it.
    """
    level = np.abs(audio)
    peak = float(level.max()) if level.size else 0.0
    if peak <= 0.0:
        return audio
    voiced = audio[level > 0.02 * peak]
    rms = float(np.sqrt(np.mean(voiced**2)))
    return (audio * (target_rms / max(rms, 1e-4))).astype(np.float32)


def add_dither(audio: np.ndarray, level: float) -> np.ndarray:
    """Add a steady noise floor of RMS ``level``.

    Digital silence (exact zeros) and the deep pauses a denoiser leaves upset the
    log-energy features; the model was trained on microphones with a noise floor.
    Measured with the level normalised to 0.1 RMS: 3e-4 gave 76 % right digit strings
    clean, 3e-3 (about 30 dB below speech) 94 %.
    """
    if level <= 0.0 or audio.size > _NOISE.size:
        return audio
    return (audio + level * _NOISE[: audio.size]).astype(np.float32)


class RecognizerError(RuntimeError):
    """The recognizer cannot run (bad grammar, engine failure)."""


class ModelNotFoundError(RecognizerError):
    """No usable speech model where one was configured."""


@dataclass(frozen=True)
class RecognitionResult:
    """What an engine heard.

    ``text`` is empty when nothing in the grammar was heard. ``confidence`` is 0..1 (an
    engine estimate, comparable only within one engine). ``answer`` is the step's answer
    read from ``text`` (None when rejected); ``seconds`` is the decoding time.
    """

    text: str
    confidence: float
    answer: Any = None
    seconds: float = 0.0
    alternatives: tuple[str, ...] = field(default_factory=tuple)
    #: The engine's log score of ``text`` per frame (comparable only between decodes of
    #: the same audio); None when the engine gives none.
    score: float | None = None

    @property
    def rejected(self) -> bool:
        return self.answer is None


def to_mono_float(audio: np.ndarray) -> np.ndarray:
    """Float32 mono in -1..1 from int16/float, mono or (frames, channels)."""
    data = np.asarray(audio)
    if data.ndim == 2:
        data = data.astype(np.float32).mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if data.dtype == np.int16:
        return (data.astype(np.float32) / 32768.0).astype(np.float32)
    return data.astype(np.float32)


def resample(audio: np.ndarray, rate: int, target: int = ASR_RATE) -> np.ndarray:
    """Polyphase resampling (scipy) to the engine's rate."""
    if rate == target:
        return audio
    from math import gcd

    from scipy.signal import resample_poly

    divisor = gcd(rate, target)
    return resample_poly(audio, target // divisor, rate // divisor).astype(np.float32)


def _pcm16(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def _as_grammar(phrases: GrammarLike) -> StepGrammar:
    if isinstance(phrases, StepGrammar):
        return phrases
    return build_grammar("choice", {normalise(p): [p] for p in phrases}, commands=False)


class Recognizer(abc.ABC):
    """One contract for every speech recognizer.

    A channel calls :meth:`recognize` with a finished utterance (or :meth:`listen` with a
    stream of blocks, which end-points by itself), always passing the current step's
    grammar: a :class:`StepGrammar` or a plain list of allowed phrases.
    """

    rate: int = ASR_RATE
    #: Output limited to the grammar's words (plus a garbage loop / "[unk]").
    constrained: bool = True
    #: The N-best margins (risky choice, paying "yes") above which the engine is sure
    #: enough to act without a read-back, in this engine's own margin units; None: the
    #: conversation's defaults (kiosk.conversation.risk, placed for pocketsphinx).
    margins: tuple[float, float] | None = None

    @abc.abstractmethod
    def decode(self, audio: np.ndarray, grammar: StepGrammar) -> tuple[str, float]:
        """Decode 16 kHz float mono audio against ``grammar``.

        Returns:
            (text heard, confidence 0..1); text is "" when nothing was heard.
        Raises:
            RecognizerError: when the engine fails.
        """

    def decode_scored(
        self, audio: np.ndarray, grammar: StepGrammar
    ) -> tuple[str, float, float | None]:
        """:meth:`decode` plus the hypothesis' log score per frame (None: unknown)."""
        text, confidence = self.decode(audio, grammar)
        return text, confidence, None

    def recognize(self, audio: np.ndarray, rate: int, phrases: GrammarLike) -> RecognitionResult:
        """Recognise one utterance and read it as the step's answer.

        Args:
            audio: samples, int16 or float, mono or (frames, channels), any rate.
            rate: sample rate of ``audio``.
            phrases: the step's grammar, or a list of allowed phrases.

        Returns:
            A :class:`RecognitionResult`; ``answer`` is None for out-of-grammar speech.
        Raises:
            RecognizerError: when the engine fails.
        """
        grammar = _as_grammar(phrases)
        started = time.perf_counter()
        samples = resample(to_mono_float(audio), rate, self.rate)
        text, confidence, score = (
            self.decode_scored(samples, grammar) if samples.size else ("", 0.0, None)
        )
        # A grammar-constrained engine that heard garbage words or "[unk]" heard
        # something outside the step: reject rather than guess.
        rejected = self.constrained and grammar.outside_vocabulary(text)
        answer = grammar.interpret(text) if text and not rejected else None
        return RecognitionResult(
            text=text,
            confidence=confidence,
            answer=answer,
            seconds=time.perf_counter() - started,
            score=score if text else None,
        )

    def margin(
        self, audio: np.ndarray, rate: int, phrases: GrammarLike, result: RecognitionResult
    ) -> float | None:
        """The N-best margin of ``result``: how sure the engine is of what it heard.

        The speech is decoded again against the step's grammar without every phrase of
        the heard answer's value; the margin is the heard answer's log score per frame
        minus the best other path's (:meth:`best_score`: scored whatever it reads as,
        since a runner-up that would be rejected still competed). Open answers (digits,
        amounts) have no margin here; they are always read back.

        Returns:
            The margin; None when unknown (no scores, an open answer); ``inf`` when
            nothing else in the grammar fits the speech at all.
        """
        grammar = _as_grammar(phrases)
        answer = result.answer
        if answer is None or answer.kind in ("digits", "amount") or result.score is None:
            return None
        heard = _phrase_value(grammar, answer)
        rest = {p: v for p, v in grammar.phrases.items() if v != heard}
        if not rest and grammar.kind in ("choice", "yesno", "commands"):
            return float("inf")
        other = self.best_score(audio, rate, dataclasses.replace(grammar, phrases=rest))
        return None if other is None else result.score - other

    def other_reading(
        self, audio: np.ndarray, rate: int, phrases: GrammarLike, result: RecognitionResult
    ) -> RecognitionResult | None:
        """Another reading of the same speech, offered after a "no" to the read-back of
        ``result`` (digits, amounts); None when the engine has none that differs."""
        return None

    def best_score(self, audio: np.ndarray, rate: int, grammar: StepGrammar) -> float | None:
        """The log score per frame of the best path through ``grammar``, whether or not
        it reads as an answer (-inf: no path; None: no scores from this engine)."""
        return self.recognize(audio, rate, grammar).score

    def listen(
        self,
        blocks: Iterable[np.ndarray],
        rate: int,
        phrases: GrammarLike,
        endpointer: EndPointer | None = None,
        early_silence: float | None = EARLY_SILENCE,
        growing_silence: float = GROWING_SILENCE,
    ) -> RecognitionResult:
        """Recognise from a live stream: wait for speech, end-point it, decode it.

        Never waits forever: the end-pointer gives up after its no-speech timeout and a
        result with empty text comes back. With ``early_silence`` (seconds), a pause
        that long ends the answer early when it already fills a fixed-length grammar
        (see :meth:`finish_early`), instead of waiting for the full trailing silence;
        an answer that a longer one could extend (8 digits where 10 are allowed) ends
        once the pause lasts ``growing_silence``.
        """
        pointer = endpointer or EndPointer(rate=rate)
        pointer.reset()
        grammar = _as_grammar(phrases)
        tried = False
        held: RecognitionResult | None = None  # complete, unless more digits follow
        for block in blocks:
            state = pointer.feed(to_mono_float(block))
            if state in (VadState.DONE, VadState.NO_SPEECH):
                break
            if early_silence is None or state is not VadState.SPEAKING:
                continue
            heard = _speech_so_far(pointer, early_silence)
            if heard is None:
                tried, held = False, None  # speaking again: the next pause gets its own try
                continue
            if not tried:
                tried = True
                held = self.finish_early(heard, rate, grammar)
                if held is not None and not grammar.could_grow(held.answer):
                    return held
            if held is not None and pointer.silence_seconds >= growing_silence:
                return held
        utterance = pointer.finish()
        if utterance is None:
            return RecognitionResult(text="", confidence=0.0)
        return self.recognize(utterance, rate, grammar)

    def finish_early(
        self, audio: np.ndarray, rate: int, phrases: GrammarLike
    ) -> RecognitionResult | None:
        """The answer, if the speech so far already completes the step; else None.

        Only a digit step of known lengths can be known complete (a PIN after 4 digits,
        an account number after 8): the speech so far is decoded against an open-length
        digit grammar, and when it holds as many digits as one of the lengths (or more
        than the longest) it is decoded against the step's own grammar. An answer that a
        longer one could still extend (:meth:`StepGrammar.could_grow`) comes back too;
        the caller lets a longer pause prove it over. Anything else waits for the
        end-pointer's trailing silence.
        """
        grammar = _as_grammar(phrases)
        lengths = grammar.digit_lengths
        if grammar.kind != "digits" or not lengths:
            return None
        # Without carriers (one decode each, not two: this runs while the customer
        # pauses): digits said plainly end early as before; a lead such as "it's" is
        # heard as a digit, which makes the count wrong, and the patience decides.
        grammar = grammar.bare()
        open_length = dataclasses.replace(grammar, length=None, lengths=(), phrases={})
        partial = self.recognize(audio, rate, open_length)
        value = partial.answer.value if partial.answer is not None else ""
        if not isinstance(value, str) or (len(value) not in lengths and len(value) < lengths[-1]):
            return None
        result = self.recognize(audio, rate, grammar)
        if result.answer is None:
            return None
        return dataclasses.replace(result, seconds=result.seconds + partial.seconds)


def _phrase_value(grammar: StepGrammar, answer: SpokenAnswer) -> str:
    """The grammar's value string of ``answer`` ("yes", a choice key, "command:help")."""
    if answer.kind == "command":
        return f"command:{answer.value}"
    if answer.kind == "yesno":
        return "yes" if answer.value else "no"
    return str(answer.value)


def _speech_so_far(pointer: EndPointer, pause: float) -> np.ndarray | None:
    """The utterance so far, once the speaker has paused ``pause`` seconds; else None."""
    if pointer.silence_seconds < pause:
        return None
    return pointer.speech_so_far()


class PocketsphinxRecognizer(Recognizer):
    """pocketsphinx 5 with one JSGF search per step grammar.

    Levers (measured, see the speech reference notes): lattice best-path off (it returns
    empty hypotheses in grammar mode), wide beams, a low word-insertion penalty, a
    spectral noise-reduction front end, and optionally several vocal-tract warps with the
    best-scoring result kept. Before decoding the level is normalised (``level``: voiced
    RMS, None to leave it) and a steady noise floor added (``dither``: its RMS).
    """

    def __init__(
        self,
        *,
        denoise: bool = True,
        warps: Sequence[float] = (1.0,),
        beam: float = 1e-60,
        wbeam: float = 1e-40,
        pbeam: float = 1e-60,
        wip: float = 0.01,
        max_stretch: float = 2.2,
        extra: dict[str, Any] | None = None,
        level: float | None = 0.1,
        dither: float = 3e-3,
        carrier_garbage: float = CARRIER_GARBAGE_WEIGHT,
        amount_loop_margin: float | None = AMOUNT_LOOP_MARGIN,
        digit_loop_margin: float | None = DIGIT_LOOP_MARGIN,
    ) -> None:
        from pocketsphinx import Decoder, get_model_path

        options: dict[str, Any] = {
            "bestpath": False,
            "beam": beam,
            "wbeam": wbeam,
            "pbeam": pbeam,
            "wip": wip,
            "logfn": "/dev/null",
        }
        options.update(extra or {})
        self.denoise = denoise
        self.level = level
        self.dither = dither
        self.max_stretch = max_stretch
        self.carrier_garbage = carrier_garbage
        self.warps = tuple(warps) or (1.0,)
        self._decoder = Decoder(**options)
        self._decoder.add_word(*HELP_VARIANT, True)
        self._decoder.add_word(*OH_VARIANT, True)
        self.loop_margins = {"amount": amount_loop_margin, "digits": digit_loop_margin}
        phones = Path(get_model_path()) / "en-us" / "en-us-phone.lm.bin"
        self._decoder.add_allphone_file(_PHONE_LOOP, str(phones))
        self._searches: dict[str, str] = {}
        self._grammars: dict[str, StepGrammar] = {}

    @property
    def effective_config(self) -> dict[str, Any]:
        """Option values the decoder really uses (the model's feat.params may override)."""
        config = self._decoder.config
        keys = ("bestpath", "beam", "wbeam", "pbeam", "wip", "cmn", "remove_noise")
        return {key: config[key] for key in keys}

    def known_word(self, word: str) -> bool:
        return self._decoder.lookup_word(word) is not None

    def _search_for(self, grammar: StepGrammar) -> str:
        jsgf = self._checked(grammar).to_jsgf()
        name = self._searches.get(jsgf)
        if name is None:
            name = f"step{len(self._searches)}"
            try:
                self._decoder.add_jsgf_string(name, jsgf)
            except RuntimeError as error:
                raise RecognizerError(f"grammar rejected by pocketsphinx: {error}") from error
            self._searches[jsgf] = name
        return name

    def _checked(self, grammar: StepGrammar) -> StepGrammar:
        """Drop phrases with words outside the pronouncing dictionary (they break JSGF)."""
        key = repr(grammar)
        cached = self._grammars.get(key)
        if cached is not None:
            return cached

        def known(phrase: str) -> bool:
            return all(self.known_word(word) for word in phrase.split())

        kept = {phrase: value for phrase, value in grammar.phrases.items() if known(phrase)}
        checked = dataclasses.replace(
            grammar,
            phrases=kept,
            fillers=tuple(filter(known, grammar.fillers)),
            leads=tuple(filter(known, grammar.leads)),
            tails=tuple(filter(known, grammar.tails)),
        )
        if not kept and grammar.kind in ("choice", "yesno", "commands"):
            raise RecognizerError("no phrase of this grammar is in the dictionary")
        self._grammars[key] = checked
        return checked

    def _too_long_for(self, text: str, audio: np.ndarray) -> bool:
        """Speech much longer than the words heard could take: out-of-grammar speech.

        A grammar decoder forces any sentence onto its nearest phrase ("I would like a
        pizza" -> "repeat"); the length of the speech gives it away.
        """
        if self.max_stretch <= 0:
            return False
        span = find_speech(audio, self.rate)
        if span is None:
            return False
        phones = 0
        for word in text.split():
            pronunciation = self._decoder.lookup_word(word)
            phones += len(pronunciation.split()) if pronunciation else 4
        expected = phones * SECONDS_PER_PHONE
        return span[1] - span[0] > self.max_stretch * expected + 0.4

    def prepare(self, audio: np.ndarray) -> np.ndarray:
        """The front end: level, noise reduction, noise floor."""
        samples = audio if self.level is None else normalise_level(audio, self.level)
        samples = reduce_noise(samples, self.rate) if self.denoise else samples
        return add_dither(samples, self.dither)

    def decode(self, audio: np.ndarray, grammar: StepGrammar) -> tuple[str, float]:
        text, confidence, _ = self.decode_scored(audio, grammar)
        return text, confidence

    def decode_scored(
        self, audio: np.ndarray, grammar: StepGrammar
    ) -> tuple[str, float, float | None]:
        samples = self.prepare(audio)
        pcm = _pcm16(samples)
        text, best = self._best(self._search_for(grammar.bare()), pcm)
        if grammar.has_carriers:
            text, best = self._with_carriers(grammar, samples, text, best)
        per_frame: float | None = best
        if not text:
            return "", 0.0, None
        if self._too_long_for(text, samples):
            return "", 0.0, None  # a sentence forced onto a short phrase: out of grammar
        if self._help_not_key(text, grammar, pcm):
            text, per_frame = "help", None  # its score is the key word's
        if self._open_not_speech(text, best, grammar, pcm):
            return "", 0.0, None  # noise forced onto digits or an amount: asked again
        # Not calibrated: the score per frame ranks hypotheses of one utterance only
        # (see :meth:`Recognizer.margin` for the margin that is used).
        return text, 1.0, per_frame

    def _with_carriers(
        self, grammar: StepGrammar, samples: np.ndarray, alone: str, score: float
    ) -> tuple[str, float]:
        """The answer with its carriers ("i want to pay my bill") when people said them;
        else the answer alone, decoded first; "" for a sentence that is no answer.

        Carriers in every decode cost plain answers (commands on a menu 95.8 -> 87.5 %
        clean), so the decode with carriers is kept only when it holds carriers around
        a whole answer. Carriers also let sentences in ("can you tell me what the
        weather is like" -> "can i english thanks"), so that answer must explain the
        speech with words (silence and noise cover under :data:`CARRIER_GAP_SHARE` of
        it), and a decode with a garbage loop (:data:`CARRIER_GARBAGE_WEIGHT`) must
        not come within :data:`CARRIER_GARBAGE_MARGIN` of it with garbage. The loop
        cannot simply sit in the carriers' decode: its many words crowd the beam and
        the right path is pruned (measured:
        "it's four zero one five two two seven zero" decoded as garbage at -51.7 per
        frame where the answer scores -40.2), which lost 1 natural phrasing in 12.
        """
        pcm = _pcm16(samples)
        wrapped, wrapped_score = self._best(self._search_for(grammar), pcm)
        if not wrapped or grammar.core(wrapped) == normalise(wrapped):
            return alone, score
        if not grammar.whole(wrapped) or self._gap_share(samples) >= CARRIER_GAP_SHARE:
            return alone, score
        garbage = self.carrier_garbage if grammar.garbage_weight <= 0 else grammar.garbage_weight
        margin = CARRIER_GARBAGE_MARGIN
        loose, loose_score = self._best(
            self._search_for(dataclasses.replace(grammar, garbage_weight=garbage)), pcm
        )
        if loose and grammar.outside_vocabulary(loose) and loose_score > wrapped_score - margin:
            return "", loose_score  # a sentence: garbage explains it better
        return wrapped, wrapped_score

    def _gap_share(self, samples: np.ndarray) -> float:
        """Share of the speech that the last decode gave to silence or noise."""
        span = find_speech(samples, self.rate)
        if span is None:
            return 0.0
        rate = float(self._decoder.config["frate"])
        first, last = int(span[0] * rate), int(span[1] * rate)
        gaps = 0
        for segment in self._decoder.seg():
            if segment.word.startswith(("<", "[", "+")):  # <sil>, [NOISE], +breath+
                gaps += max(0, min(segment.end_frame, last) - max(segment.start_frame, first) + 1)
        return gaps / max(last - first, 1)

    def _best(self, search: str, pcm: bytes) -> tuple[str, float]:
        """The best hypothesis over the warps and its per-frame score ("" when none)."""
        decoder = self._decoder
        if decoder.current_search() != search:
            decoder.activate_search(search)
        best: tuple[str, float] = ("", float("-inf"))
        for warp in self.warps:
            if len(self.warps) > 1 or warp != 1.0:
                decoder.config["warp_params"] = f"{warp:.2f}"
                decoder.reinit_feat()
            decoder.start_utt()
            decoder.process_raw(pcm, False, True)
            decoder.end_utt()
            hyp = decoder.hyp()
            if hyp is None or not hyp.hypstr or hyp.score <= 0.0:
                continue
            # The binding gives the path score as 1.0001 ** score: back to log units.
            per_frame = np.log(hyp.score) / _LOG_BASE / max(decoder.n_frames(), 1)
            if per_frame > best[1]:
                best = (hyp.hypstr, per_frame)
        return best

    def best_score(self, audio: np.ndarray, rate: int, grammar: StepGrammar) -> float | None:
        samples = self.prepare(resample(to_mono_float(audio), rate, self.rate))
        pcm = _pcm16(samples)
        searches = [grammar.bare(), grammar] if grammar.has_carriers else [grammar]
        # No path at all (-inf): every other answer fell outside the search's wide beams.
        return float(max(self._best(self._search_for(each), pcm)[1] for each in searches))

    def loop_margin(self, audio: np.ndarray, rate: int, grammar: StepGrammar) -> float | None:
        """The digits or amount heard in ``audio`` scored against a free phone loop (log
        score per frame; None: no answer of the step's open kind heard). For measuring
        :data:`AMOUNT_LOOP_MARGIN` and :data:`DIGIT_LOOP_MARGIN`."""
        samples = self.prepare(resample(to_mono_float(audio), rate, self.rate))
        pcm = _pcm16(samples)
        text, best = self._best(self._search_for(grammar.bare()), pcm)
        if grammar.has_carriers:
            text, best = self._with_carriers(grammar, samples, text, best)
        answer = grammar.interpret(text) if text else None
        if answer is None or answer.kind != grammar.kind or grammar.kind not in _OPEN_KINDS:
            return None
        core = self._core_pcm(text, grammar, pcm)
        if core is not None:  # as :meth:`_open_not_speech` judges it
            pcm = core
            best = self._best(self._search_for(grammar.bare()), pcm)[1]
        return best - self._best(_PHONE_LOOP, pcm)[1]

    def _open_not_speech(self, text: str, score: float, grammar: StepGrammar, pcm: bytes) -> bool:
        """Whether digits or an amount heard on their own step fit the sound far worse
        than free phones do (:data:`DIGIT_LOOP_MARGIN`, :data:`AMOUNT_LOOP_MARGIN`):
        noise, or other people's speech, forced onto the grammar."""
        bound = self.loop_margins.get(grammar.kind)
        if bound is None:
            return False
        answer = grammar.interpret(text)
        if answer is None or answer.kind != grammar.kind:
            return False  # a command ("help"), judged as such
        core = self._core_pcm(text, grammar, pcm)
        if core is not None:  # said with carriers: the answer's own words are judged
            pcm = core
            score = self._best(self._search_for(grammar.bare()), pcm)[1]
        loop = self._best(_PHONE_LOOP, pcm)[1]
        return score - loop < bound

    def _core_pcm(self, text: str, grammar: StepGrammar, pcm: bytes) -> bytes | None:
        """The speech of the answer's own words when ``text`` holds carriers around it
        ("my zip code is seven two two oh one" -> "seven two two oh one"); None without
        carriers or when the decode's words cannot be placed.

        The phone loop explains carrier words far more cheaply than the grammar's fixed
        carriers do, so judged whole a right answer with carriers fell under
        :data:`DIGIT_LOOP_MARGIN` (en-gb-x-rp, 180 wpm: -11.2). The bound was placed on
        answers alone and on noise forced onto them.
        """
        words, core = normalise(text).split(), grammar.core(text).split()
        if not core or core == words:
            return None
        start = next((i for i in range(len(words)) if words[i : i + len(core)] == core), None)
        if start is None:
            return None
        self._best(self._search_for(grammar), pcm)  # its segments
        spoken = [
            seg for seg in self._decoder.seg() if not seg.word.startswith(("<", "[", "+", "("))
        ]
        if len(spoken) != len(words):
            return None
        rate = float(self._decoder.config["frate"])
        frame_bytes = self.rate / rate * 2  # 16-bit samples
        first = int(spoken[start].start_frame * frame_bytes)
        last = int((spoken[start + len(core) - 1].end_frame + 1) * frame_bytes)
        return pcm[first:last] if last - first > frame_bytes * 10 else None

    def _help_not_key(self, text: str, grammar: StepGrammar, pcm: bytes) -> bool:
        """Whether a bare key word heard on a menu that takes "help" was "help" after all.

        Decoded once more against that word, "help" and :data:`HELP_VARIANT` only (issue
        7). Measured on the main menu (7 choices, keys 1-7 also said as "two" and
        "number two"; espeak-ng VOICES[:4] at 140 and 180 wpm; clean / 10 dB, 8 clips
        each): "help" 0/8 / 0/8 -> 6/8 / 3/8 on a fresh recognizer (the dictionary
        variant alone measured the same); held-out voices (en-us+f4, en-gb-x-rp at
        120/160/200 wpm, clean and 10 dB) 0/12 -> 11/12; "one" to "seven", "number
        two", the labels and the other commands unchanged. bench_speech cmd/keys (tuned)
        62.5 -> 87.5 % clean, 45.8 -> 58.3 % at 10 dB; its other rows unchanged. Left:
        en-us+m7 at 180 wpm still scores "two" above both forms of "help".
        """
        if grammar.kind != "choice" or text not in _KEY_WORDS:
            return False
        if grammar.phrases.get("help") != "command:help":
            return False
        variant = HELP_VARIANT[0]
        phrases = {text: "key", "help": "command:help", variant: "command:help"}
        second = StepGrammar(kind="choice", phrases=phrases, commands=False)
        heard, _ = self._best(self._search_for(second), pcm)
        return heard in ("help", variant)


#: The search name of the free phone loop (:data:`AMOUNT_LOOP_MARGIN`).
_PHONE_LOOP = "phone_loop"

#: The answer kinds bounded by the phone loop (:meth:`PocketsphinxRecognizer.loop_margin`).
_OPEN_KINDS = ("digits", "amount")

#: Key words a menu may hear bare ("two" for key 2).
_KEY_WORDS = frozenset(DIGIT_VOCABULARY)


class VoskRecognizer(Recognizer):
    """Vosk (Kaldi) with a grammar-constrained recognizer per step.

    Args:
        model_dir: an installed Vosk model directory (``am/``, ``conf/``, ``graph/``).
    Raises:
        ModelNotFoundError: when the directory is missing or is not a Vosk model.
    """

    def __init__(self, model_dir: Path | str, *, rate: int = ASR_RATE) -> None:
        path = Path(model_dir)
        if not (path / "am").is_dir() and not (path / "final.mdl").exists():
            raise ModelNotFoundError(
                f"no Vosk model in {path}: install one with 'kiosk speech install-model'"
            )
        import vosk

        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(str(path))
        except Exception as error:  # vosk raises a bare Exception on a bad model
            raise ModelNotFoundError(f"cannot load the Vosk model in {path}: {error}") from error
        self.rate = rate
        self.model_dir = path

    def recognizer_for(self, grammar: StepGrammar | None) -> Any:
        """A fresh ``KaldiRecognizer``: free-form when grammar is None."""
        import vosk

        if grammar is None:
            return vosk.KaldiRecognizer(self._model, self.rate)
        words = json.dumps(grammar.vocabulary + ["[unk]"], ensure_ascii=False)
        return vosk.KaldiRecognizer(self._model, self.rate, words)

    def decode(self, audio: np.ndarray, grammar: StepGrammar | None) -> tuple[str, float]:
        recognizer = self.recognizer_for(grammar)
        recognizer.SetWords(True)
        recognizer.AcceptWaveform(_pcm16(audio))
        return _vosk_text(json.loads(recognizer.FinalResult()))

    def transcribe(self, audio: np.ndarray, rate: int) -> str:
        """Free-form recognition (no grammar): for tools and diagnostics."""
        samples = resample(to_mono_float(audio), rate, self.rate)
        return self.decode(samples, None)[0].replace("[unk]", "").strip()

    def stream(
        self, blocks: Iterable[np.ndarray], rate: int, phrases: GrammarLike | None
    ) -> Iterator[tuple[bool, str]]:
        """Streaming results: yields (final, text) as Vosk produces partial and final text."""
        recognizer = self.recognizer_for(None if phrases is None else _as_grammar(phrases))
        for block in blocks:
            samples = resample(to_mono_float(block), rate, self.rate)
            if recognizer.AcceptWaveform(_pcm16(samples)):
                yield True, _vosk_text(json.loads(recognizer.Result()))[0]
            else:
                yield False, str(json.loads(recognizer.PartialResult()).get("partial", ""))
        yield True, _vosk_text(json.loads(recognizer.FinalResult()))[0]


def _vosk_text(result: dict[str, Any]) -> tuple[str, float]:
    words = list(result.get("result", []))
    text = " ".join(w["word"] for w in words) if words else str(result.get("text", ""))
    confidence = float(np.mean([w.get("conf", 1.0) for w in words])) if words else 0.0
    return text, confidence if text else 0.0
