"""Short pauses inside a spoken answer, so a complete answer need not wait for patience.

The end-pointer ends an answer after the customer's patience (a second of silence by
default, so slow speakers are not cut off). Some answers can be known complete sooner:
a digit string once it has one of the step's lengths
(:meth:`kiosk.speech.asr.Recognizer.finish_early`; at once when nothing can extend it, a
PIN of 4; after ``PHRASE_PAUSE`` when more digits could follow, an 8-digit account number
where 10 make a phone number), and a yes/no or menu answer that is
exactly one of the step's phrases with no longer phrase beginning with it ("card" is
complete; "pay" is not while "pay my bill" may follow). :class:`PauseWatch` finds the
pauses with a second end-pointer on the same blocks, using only its public states, and
hands over the speech so far.
"""

from __future__ import annotations

import numpy as np

from kiosk.speech.grammar import StepGrammar
from kiosk.speech.vad import EndPointer, SpeechDetector, VadState, find_speech, make_detector

__all__ = [
    "PHRASE_PAUSE",
    "ROOM_TAIL",
    "PauseWatch",
    "cut_after_speech",
    "is_complete_phrase",
    "with_room_tail",
]

#: The pause (s) after which a complete yes/no or menu phrase is taken: longer than the
#: gaps between the words of one phrase, far shorter than a slow speaker's patience.
PHRASE_PAUSE = 0.25

TAIL = 0.1  # seconds kept after the last word, as the channel keeps after the end-pointer

#: Seconds of the room's own sound added after the cut before it is decoded (see
#: :func:`with_room_tail`).
ROOM_TAIL = 0.2


class PauseWatch:
    """Feed it every microphone block of one answer; it returns the speech so far each
    time a pause of ``pause`` seconds has just begun, else None.

    The speech so far starts where an end-pointer with the channel's settings starts the
    answer (its pre-roll included) and ends a short tail after the last word: the same
    cut the answer gets when it ends by patience, so the recognizer hears the same audio
    (measured: a cut that starts elsewhere can turn "start" into "softer").
    """

    def __init__(self, rate: int, pause: float, detector: SpeechDetector | None = None) -> None:
        self.rate = rate
        self.pause = pause
        self._blocks: list[np.ndarray] = []
        self._fed = 0  # samples fed so far
        self._start: int | None = None  # where the answer began, in samples
        self._handed_at: int | None = None  # samples fed at the last hand-over
        # One model for every pause (loaded once; the channel passes its own, made once
        # a session).
        self._detector = detector or make_detector(rate)
        self._pointer = self._fresh()

    @property
    def silence(self) -> float:
        """Seconds of silence since the speech last handed over ended; 0 while speaking
        (or before any hand-over)."""
        if self._handed_at is None or self._pointer.state is not VadState.WAITING:
            return 0.0
        return self.pause + (self._fed - self._handed_at) / self.rate

    def _fresh(self) -> EndPointer:
        return EndPointer(
            rate=self.rate,
            trailing_silence=self.pause,
            max_utterance=3600.0,
            no_speech_timeout=3600.0,
            detector=self._detector,
        )

    def feed(self, block: np.ndarray) -> np.ndarray | None:
        samples = np.asarray(block, dtype=np.float32).ravel()
        self._blocks.append(samples)
        self._fed += len(samples)
        if self._pointer.feed(samples) is not VadState.DONE:
            return None
        if self._start is None:
            utterance = self._pointer.utterance()
            self._start = max(0, self._fed - (len(utterance) if utterance is not None else 0))
        self._pointer = self._fresh()  # the next pause gets its own try
        self._handed_at = self._fed
        return self.speech_so_far()

    def speech_so_far(self) -> np.ndarray | None:
        """The answer from its start to a short tail after its last word."""
        if self._start is None:
            return None
        return cut_after_speech(np.concatenate(self._blocks)[self._start :], self.rate)


def cut_after_speech(audio: np.ndarray, rate: int) -> np.ndarray | None:
    """The answer up to ``TAIL`` after its last word, then the room's sound
    (:func:`with_room_tail`); None when there is no speech in it. Both the early cuts
    and the channel's cut after the end-pointer are made here, so they match."""
    span = find_speech(audio, rate)
    if span is None:
        return None
    return with_room_tail(audio[: int((span[1] + TAIL) * rate)], rate)


def with_room_tail(audio: np.ndarray, rate: int, seconds: float = ROOM_TAIL) -> np.ndarray:
    """The cut answer with ``seconds`` more of the room's sound after its last word.

    A cut keeps 0.1 s after the last word (all there is at an early pause; a long real
    silence made pocketsphinx mishear ZIP codes), and a word that ends that abruptly is
    misheard: "card" became "louder" for two espeak-ng voices, so their payments failed.
    The room's sound from before the answer began, looped, is what the microphone would
    have gone on hearing. Measured on channel-style cuts (6 voices x 2 rates, 23 answers
    and 8 commands): clean 583 -> 590 of 660 right, at 10 dB 380 -> 433; zeros instead
    of the room's sound: clean 590, 10 dB 329. Nothing is added without a quiet start.
    """
    span = find_speech(audio, rate)
    if span is None:
        return audio
    quiet = audio[: max(0, int((span[0] - 0.05) * rate))]
    wanted = int(seconds * rate)
    if len(quiet) < int(0.05 * rate) or wanted <= 0:
        return audio
    loops = -(-wanted // len(quiet))
    return np.concatenate([audio, np.tile(quiet, loops)[:wanted]]).astype(np.float32)


def is_complete_phrase(grammar: StepGrammar, heard: str) -> bool:
    """Is ``heard`` one of the step's phrases (carriers aside), and not the start of a
    longer one that means something else?"""
    text = grammar.core(heard)
    if not text or text not in grammar.phrases:
        return False
    value = grammar.phrases[text]
    # "yes" may go on as "yes please": the same answer, so it is complete already.
    return not any(
        phrase.startswith(text + " ") and meant != value
        for phrase, meant in grammar.phrases.items()
    )
