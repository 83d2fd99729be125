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
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

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
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        kind, payload = request
        try:
            if kind == "decode":
                audio, grammar = payload
                connection.send(("ok", recognizer.decode(audio, grammar)))
            elif kind == "known":
                connection.send(("ok", bool(known(payload)) if callable(known) else True))
        except Exception as error:
            connection.send(("error", f"{type(error).__name__}: {error}"))


class ProcessRecognizer(Recognizer):
    """A :class:`Recognizer` whose decoding runs in a child process (one call at a time)."""

    def __init__(self, engine: str | None, model_dir: str | None) -> None:
        # A new interpreter, never a fork of the line (it would copy PJSIP's threads'
        # locks); -P keeps the working directory off its import path (the repo's tty/
        # folder would hide the standard library's tty module).
        ours, theirs = socket.socketpair()
        with theirs:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-P",
                    "-m",
                    __name__,
                    str(theirs.fileno()),
                    engine or "",
                    model_dir or "",
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        self._connection = Connection(ours.detach())
        self._lock = threading.Lock()
        self._known: dict[str, bool] = {}
        reply = self._receive()
        if reply[0] == "missing":
            self.close()
            raise ModelNotFoundError(reply[1])
        if reply[0] != "ready":
            self.close()
            raise RecognizerError(str(reply[1]))
        self.rate, self.constrained = int(reply[1]), bool(reply[2])

    def _receive(self) -> tuple[Any, ...]:
        try:
            reply: tuple[Any, ...] = self._connection.recv()
        except (EOFError, OSError) as error:
            raise RecognizerError(f"the recognizer process ended ({error})") from None
        return reply

    def _ask(self, kind: str, payload: object) -> Any:
        with self._lock:
            try:
                self._connection.send((kind, payload))
            except (OSError, ValueError) as error:
                raise RecognizerError(f"the recognizer process is gone ({error})") from None
            status, value = self._receive()
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
        self._connection.close()
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=2)


def main(argv: list[str]) -> None:
    """The child's entry: ``python -P -m kiosk.line.recognizer FD ENGINE MODEL_DIR``."""
    descriptor, engine, model_dir = int(argv[0]), argv[1], argv[2]
    os.nice(NICE)  # behind the line's own process, whose media clock must never wait
    _serve(Connection(descriptor), engine or None, model_dir or None)


if __name__ == "__main__":
    main(sys.argv[1:])

__all__ = ["ProcessRecognizer"]
