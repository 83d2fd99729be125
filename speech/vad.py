"""Voice activity detection and end-pointing, so a user need not press anything.

Energy-based with an adaptive noise floor: cheap, predictable, and good enough to cut an
utterance out of a live stream for a grammar-constrained recognizer. Slow speakers get a
configurable trailing silence; nobody gets a hang: with no speech at all the pointer
gives up after ``no_speech_timeout`` and says so.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["EndPointer", "VadState", "find_speech", "frame_energies_db"]


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

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.state = VadState.WAITING
        self._frame = max(1, self.rate * self.frame_ms // 1000)
        self._pending = np.zeros(0, dtype=np.float32)
        self._noise_db: float | None = None
        self._pre: deque[np.ndarray] = deque(
            maxlen=max(1, int(self.pre_roll * 1000 / self.frame_ms))
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

    def _is_voiced(self, level: float) -> bool:
        floor = self._noise_db if self._noise_db is not None else self.absolute_floor_db
        return level > max(floor + self.margin_db, self.absolute_floor_db)

    def _track_noise(self, level: float) -> None:
        if self._noise_db is None:
            self._noise_db = level
        elif level < self._noise_db:
            self._noise_db = 0.7 * self._noise_db + 0.3 * level  # fall fast
        else:
            self._noise_db = 0.995 * self._noise_db + 0.005 * level  # rise slowly

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
        level = float(20.0 * np.log10(max(float(np.sqrt(np.mean(frame**2))), 1e-6)))
        voiced = self._is_voiced(level)
        frame_s = self.frame_ms / 1000.0
        if self.state is VadState.WAITING:
            self._pre.append(frame)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if not voiced:
                self._track_noise(level)
            if self._voiced_run * frame_s >= self.min_speech:
                self.state = VadState.SPEAKING
                self._speech = list(self._pre)
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
