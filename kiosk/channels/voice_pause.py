"""Short pauses inside a spoken answer, so a complete answer need not wait for patience.

The end-pointer ends an answer after the customer's patience (a second of silence by
default, so slow speakers are not cut off). A fixed-length digit answer can be known
complete sooner: at each short pause the recognizer is asked whether the speech so far
already holds every digit (:meth:`kiosk.speech.asr.Recognizer.finish_early`). This watch
finds those pauses with a second end-pointer on the same blocks, using only its public
states, and hands over the speech so far.
"""

from __future__ import annotations

import numpy as np

from kiosk.speech.vad import EndPointer, VadState, find_speech

__all__ = ["PauseWatch"]

PRE_ROLL = 0.3  # seconds kept before the speech (soft onsets), as the end-pointer does
TAIL = 0.1  # seconds kept after the last word


class PauseWatch:
    """Feed it every microphone block of one answer; it returns the speech so far each
    time a pause of ``pause`` seconds has just begun, else None."""

    def __init__(self, rate: int, pause: float) -> None:
        self.rate = rate
        self.pause = pause
        self._blocks: list[np.ndarray] = []
        self._pointer = self._fresh()

    def _fresh(self) -> EndPointer:
        return EndPointer(
            rate=self.rate,
            trailing_silence=self.pause,
            max_utterance=3600.0,
            no_speech_timeout=3600.0,
        )

    def feed(self, block: np.ndarray) -> np.ndarray | None:
        self._blocks.append(np.asarray(block, dtype=np.float32).ravel())
        if self._pointer.feed(block) is not VadState.DONE:
            return None
        self._pointer = self._fresh()  # the next pause gets its own try
        return self.speech_so_far()

    def speech_so_far(self) -> np.ndarray | None:
        """Everything heard since the watch began, cut to the speech in it."""
        if not self._blocks:
            return None
        audio = np.concatenate(self._blocks)
        span = find_speech(audio, self.rate)
        if span is None:
            return None
        start = max(0, int((span[0] - PRE_ROLL) * self.rate))
        return audio[start : int((span[1] + TAIL) * self.rate)]
