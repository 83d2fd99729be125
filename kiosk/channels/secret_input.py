"""Private answers (the PIN) typed on a real terminal: echo off, one ``*`` per key.

A terminal echoes every key itself, so ``kiosk text`` showed the PIN right under
"It will not be shown". While a private prompt waits, the terminal's echo and line
editing are turned off (termios, as ``getpass`` does) and this module does both:
a ``*`` per character, Backspace, Ctrl-U, Enter. The terminal's settings come back
when the answer is in, on an error, and on SIGTERM or SIGHUP.
"""

from __future__ import annotations

import signal
import termios
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from types import FrameType
from typing import TextIO

_ENTER = (0x0A, 0x0D)
_ERASE = (0x08, 0x7F)  # Backspace, Delete
_KILL = 0x15  # Ctrl-U: erase the whole answer
_EOF = 0x04  # Ctrl-D


class MaskedKeys:
    """Turns raw key bytes into line bytes, echoing ``*`` for each character."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.pending = bytearray()  # the answer so far (not yet ended by Enter)

    def feed(self, chunk: bytes) -> bytes:
        """The complete lines in ``chunk`` (with "\\n"); keeps a partial one. Raises
        EOFError on Ctrl-D at the start of an answer."""
        lines = bytearray()
        echo: list[str] = []
        for byte in chunk:
            if byte in _ENTER:
                lines += self.pending + b"\n"
                self.pending.clear()
                echo.append("\n")
            elif byte in _ERASE:
                erased = self._erase_char()
                echo.append("\b \b" * erased)
            elif byte == _KILL:
                count = self._chars(self.pending)
                self.pending.clear()
                echo.append("\b \b" * count)
            elif byte == _EOF and not self.pending:
                raise EOFError
            else:
                self.pending.append(byte)
                if byte & 0xC0 != 0x80:  # not a UTF-8 continuation byte: a new character
                    echo.append("*")
        if echo:
            self.out.write("".join(echo))
            self.out.flush()
        return bytes(lines)

    def _erase_char(self) -> int:
        if not self.pending:
            return 0
        while self.pending and self.pending[-1] & 0xC0 == 0x80:
            self.pending.pop()
        if self.pending:
            self.pending.pop()
        return 1

    @staticmethod
    def _chars(data: bytes | bytearray) -> int:
        return sum(1 for byte in data if byte & 0xC0 != 0x80)


@contextmanager
def echo_off(fd: int) -> Iterator[None]:
    """The terminal on ``fd`` without echo or line editing (signals still work),
    restored on leaving, on an error, and on SIGTERM or SIGHUP (which then end the
    process as they would have)."""
    saved = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~(termios.ECHO | termios.ECHONL | termios.ICANON)
    quiet[6][termios.VMIN] = 1
    quiet[6][termios.VTIME] = 0
    restore = _restore_on_signals(fd, saved)
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        restore()


@contextmanager
def quiet_between_prompts(fd: int) -> Iterator[Callable[[], AbstractContextManager[None]]]:
    """Echo off on ``fd`` for a whole session, except while an answer is awaited.

    The terminal echoes a key when it arrives: a PIN typed ahead, while the kiosk is
    still working on the answer before it, was shown before the PIN prompt turned echo
    off. Yields ``echoing()``, a context manager for the waits of answers that may be
    shown. The terminal's own settings come back on leaving, on SIGTERM and SIGHUP."""
    saved = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~(termios.ECHO | termios.ECHONL)
    restore = _restore_on_signals(fd, saved)

    @contextmanager
    def echoing() -> Iterator[None]:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        try:
            yield
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, quiet)

    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield echoing
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        restore()


def _restore_on_signals(fd: int, saved: list) -> Callable[[], None]:  # type: ignore[type-arg]
    """Handlers that put the terminal back before SIGTERM or SIGHUP end the process."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}

    def handler(signum: int, frame: FrameType | None) -> None:
        with suppress(termios.error):  # the terminal is gone (a hang-up): nothing to restore
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        before = previous[signal.Signals(signum)]
        if before == signal.SIG_IGN:
            return
        if callable(before):
            before(signum, frame)
        else:
            raise SystemExit(128 + signum)

    for sig in previous:
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, before in previous.items():
            signal.signal(sig, before)

    return restore
