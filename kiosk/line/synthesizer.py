"""The line's speech synthesis, run by helper processes.

espeak-ng is a program: each prompt starts one. Starting a program from the line's
interpreter holds it until the new program runs (Python 3.11's ``vfork``), and on a
busy machine the new program may wait its turn for tens of milliseconds: measured in
bench_line, 45-125 ms with every call's RTP stopped behind it. So the line starts its
renderers before it listens, and they start espeak-ng; a call's
:class:`ProcessSynthesizer` sends them the text and gets the samples back.
"""

from __future__ import annotations

import queue
import sys
from multiprocessing.connection import Connection

import numpy as np
from scipy.signal import resample_poly

from kiosk.line.audio import RATE
from kiosk.line.child import Child, ChildGone, ordinary_priority, serve_requests
from kiosk.speech.tts import EspeakSynthesizer, SpeechSynthesizer, SynthesisError


class Renderers:
    """Helper processes that run espeak-ng, one prompt each at a time."""

    def __init__(self, size: int) -> None:
        self._idle: queue.Queue[Child] = queue.Queue()
        self._all = [Child(__name__) for _ in range(size)]
        for child in self._all:  # started side by side; each says when it is ready
            try:
                child.receive()
            except ChildGone as error:
                raise SynthesisError(f"the speech renderer did not start: {error}") from None
            self._idle.put(child)

    def render(
        self, text: str, rate_wpm: int, voice: str | None, rate: int = RATE
    ) -> tuple[np.ndarray, int]:
        """espeak-ng's samples for ``text`` (full scale), resampled to ``rate`` there too:
        a resampling here runs without the interpreter, but as a real-time thread of the
        line it would keep the CPU from the thread that holds the interpreter."""
        child = self._idle.get()  # all busy: the call waits for the next one free
        try:
            reply = child.ask((text, int(rate_wpm), voice, rate))
        except ChildGone as error:
            raise SynthesisError(f"the speech renderer ended: {error}") from None
        finally:
            self._idle.put(child)
        if reply[0] != "ok":
            raise SynthesisError(str(reply[1]))
        return np.asarray(reply[1], dtype=np.float32), int(reply[2])

    def close(self) -> None:
        for child in self._all:
            child.close()


class ProcessSynthesizer(SpeechSynthesizer):
    """espeak-ng through the line's renderers (a call's synthesizer)."""

    def __init__(self, renderers: Renderers, voice: str | None = "en-us", rate: int = RATE) -> None:
        super().__init__(voice=voice)
        self.renderers = renderers
        self.rate = rate  # the samples' rate: the line's own

    def _render(self, text: str) -> tuple[np.ndarray, int]:
        return self.renderers.render(text, self.rate_wpm, self.voice, self.rate)


def _answer(request: tuple[str, int, str | None, int]) -> tuple[str, np.ndarray, int]:
    text, rate_wpm, voice, rate = request
    audio, made_at = EspeakSynthesizer(rate_wpm=rate_wpm, voice=voice).render_text(text)
    if made_at != rate:
        audio = resample_poly(audio, rate, made_at).astype(np.float32)
    return ("ok", audio, rate)


def main(argv: list[str]) -> None:
    """The child's entry: ``python -P -m kiosk.line.synthesizer FD``."""
    ordinary_priority()
    connection = Connection(int(argv[0]))
    connection.send(("ready",))
    serve_requests(connection, _answer)


if __name__ == "__main__":
    main(sys.argv[1:])

__all__ = ["ProcessSynthesizer", "Renderers"]
