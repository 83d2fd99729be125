"""A call's speech recognizer in a process of its own.

pocketsphinx holds the interpreter for the whole of a decode (measured: a thread
meant to wake every 5 ms waited 10 s while 8 s of audio was decoded), and every call
of a line shares one interpreter with PJSIP's media clock: one caller's answer being
decoded stopped the RTP of every call (gaps of 300 ms in bench_line). So the line's
recognizers each run in a child process; the call's thread sends it the utterance and
the step's grammar and waits (without the interpreter) for the text.
"""

from __future__ import annotations

import logging
import os
import sys
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from kiosk.line.child import Child, ChildGone, ordinary_priority, serve_requests
from kiosk.speech.asr import ModelNotFoundError, Recognizer, RecognizerError
from kiosk.speech.grammar import StepGrammar

log = logging.getLogger(__name__)
NICE = 5


def _serve(connection: Connection, engine: str | None, model_dir: str | None) -> None:
    """The child: make the recognizer, then answer decode and word requests until EOF."""
    from kiosk.channels.voice_devices import build_recognizer

    try:
        recognizer = build_recognizer(engine, model_dir)
    except ModelNotFoundError as error:
        connection.send(("missing", str(error)))
        return
    except Exception as error:  # reported to the line, which goes on by keys
        connection.send(("error", f"{type(error).__name__}: {error}"))
        return
    connection.send(("ready", recognizer.rate, recognizer.constrained))
    known = getattr(recognizer, "known_word", None)

    def answer(request: tuple[str, Any]) -> tuple[str, object]:
        kind, payload = request
        if kind == "decode":
            audio, grammar = payload
            return ("ok", recognizer.decode(audio, grammar))
        return ("ok", bool(known(payload)) if callable(known) else True)

    serve_requests(connection, answer)


class ProcessRecognizer(Recognizer):
    """A :class:`Recognizer` whose decoding runs in a child process (one call at a time)."""

    def __init__(self, engine: str | None, model_dir: str | None) -> None:
        self._child = Child(__name__, engine or "", model_dir or "")
        self._known: dict[str, bool] = {}
        try:
            reply = self._child.receive()
        except ChildGone as error:
            raise RecognizerError(str(error)) from None
        if reply[0] == "missing":
            self.close()
            raise ModelNotFoundError(reply[1])
        if reply[0] != "ready":
            self.close()
            raise RecognizerError(str(reply[1]))
        self.rate, self.constrained = int(reply[1]), bool(reply[2])

    def _ask(self, kind: str, payload: object) -> Any:
        try:
            status, value = self._child.ask((kind, payload))
        except ChildGone as error:
            raise RecognizerError(str(error)) from None
        if status != "ok":
            raise RecognizerError(str(value))
        return value

    def decode(self, audio: np.ndarray, grammar: StepGrammar) -> tuple[str, float]:
        text, confidence = self._ask("decode", (np.asarray(audio, dtype=np.float32), grammar))
        return str(text), float(confidence)

    def known_word(self, word: str) -> bool:
        if word not in self._known:
            self._known[word] = bool(self._ask("known", word))
        return self._known[word]

    def close(self) -> None:
        """End the child process (it ends by itself when the line does)."""
        self._child.close()


def main(argv: list[str]) -> None:
    """The child's entry: ``python -P -m kiosk.line.recognizer FD ENGINE MODEL_DIR``."""
    descriptor, engine, model_dir = int(argv[0]), argv[1], argv[2]
    ordinary_priority()
    os.nice(NICE)  # behind the line's own process, whose media clock must never wait
    _serve(Connection(descriptor), engine or None, model_dir or None)


if __name__ == "__main__":
    main(sys.argv[1:])

__all__ = ["ProcessRecognizer"]
