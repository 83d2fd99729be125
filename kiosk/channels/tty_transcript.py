"""A TTY call's transcript, kept only when the caller says yes to keeping it.

Deaf callers are used to printing their TTY's paper tape or saving a call; a kiosk
must not do it for them unasked. ``kiosk tty --transcript FILE`` makes the channel
ask first; nothing is written unless the caller types Y. What is written carries
the caller's lines with every digit masked (PINs and card numbers never reach a
file, even if typed by mistake) and the kiosk's messages as sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

# The service's name first: a caller must know who asks before being asked anything.
CONSENT_QUESTION = (
    "BILL PAY. FIRST: KEEP A COPY OF THIS CALL IN A FILE Q TYPE Y FOR YES OR N FOR NO GA"
)
ASK_AGAIN = "PLS TYPE Y OR N. KEEP A COPY OF THIS CALL IN A FILE Q GA"
KEPT = "OK. A COPY WILL BE KEPT."
NOT_KEPT = "OK. NO COPY WILL BE KEPT."
_YES = frozenset({"Y", "YES", "YES PLS", "YES PLEASE", "OK", "Y PLS"})
_NO = frozenset({"N", "NO", "NO PLS", "NO THANKS", "NO THX", "N PLS", "NOPE"})


def _words(text: str) -> str:
    return " ".join(text.upper().replace("?", " ").replace(".", " ").split())


def consents(text: str) -> bool:
    """True only for a clear yes: a copy is never kept on anything less."""
    return _words(text) in _YES


def declines(text: str) -> bool:
    """A clear no (N, NO, NO THANKS)."""
    return _words(text) in _NO


def answers_ahead(text: str) -> bool:
    """The caller typed numbers (an account or phone number): they skipped the question
    and answered the next one, so the line is kept for it rather than lost."""
    return any(ch.isdigit() for ch in text)


def mask_digits(text: str) -> str:
    """Every digit becomes ``*``: the caller's PIN or card number is never stored."""
    return "".join("*" if ch.isdigit() else ch for ch in text)


class Transcript:
    """Appends the call line by line (so a dropped line still leaves a record)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: TextIO | None = self.path.open("a", encoding="utf-8")

    def add(self, side: str, text: str) -> None:
        """One message: ``side`` is "kiosk" or "caller" (whose digits are masked)."""
        if self._file is None:
            return
        prefix = "KIOSK: " if side == "kiosk" else "CALLER: "
        shown = text if side == "kiosk" else mask_digits(text)
        lines = shown.replace("\r", "").strip("\n").split("\n")
        self._file.write(prefix + ("\n" + " " * len(prefix)).join(lines) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
