"""A helper process of the line: a new interpreter, talked to over a socket pair.

The line's own interpreter is shared by every call and by PJSIP's media clock, which
needs it every 20 ms. Work that holds it too long goes to a child: speech recognition
(a decode holds it throughout) and speech synthesis (starting espeak-ng holds it until
the new program runs: on a busy machine, tens of milliseconds of every call's audio).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any


class ChildGone(OSError):
    """The child process ended or its socket closed."""


class Child:
    """``python -P -m MODULE FD ARGS...``: one request at a time, answered in order."""

    def __init__(self, module: str, *args: str) -> None:
        # A new interpreter, never a fork of the line (it would copy PJSIP's threads'
        # locks); -P keeps the working directory off its import path (the repo's tty/
        # folder would hide the standard library's tty module).
        ours, theirs = socket.socketpair()
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-m", module, str(theirs.fileno()), *args],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        self._connection = Connection(ours.detach())
        self._lock = threading.Lock()

    def receive(self) -> tuple[Any, ...]:
        """The child's next message (waiting without the interpreter)."""
        try:
            reply: tuple[Any, ...] = self._connection.recv()
        except (EOFError, OSError) as error:
            raise ChildGone(f"the helper process ended ({error})") from None
        return reply

    def ask(self, request: object) -> tuple[Any, ...]:
        """Send ``request`` and wait for its answer."""
        with self._lock:
            try:
                self._connection.send(request)
            except (OSError, ValueError) as error:
                raise ChildGone(f"the helper process is gone ({error})") from None
            return self.receive()

    def close(self) -> None:
        """End the child process (it ends by itself when the line does)."""
        self._connection.close()
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=2)


def ordinary_priority() -> None:
    """A helper process runs at ordinary priority, even when the line that started it
    runs real-time (a decode or a synthesis must never keep the CPU from the line)."""
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))


def serve_requests(connection: Connection, answer: Any) -> None:
    """The child's loop: ``answer(request)`` for each request until the line closes it;
    an error is sent back as ("error", text) and the loop goes on."""
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(answer(request))
        except Exception as error:
            connection.send(("error", f"{type(error).__name__}: {error}"))


__all__ = ["Child", "ChildGone", "ordinary_priority", "serve_requests"]
