"""TTY turn-taking: when a caller's line is complete, and what it means.

A TTY user ends a turn with GA ("go ahead"); some never do, so a pause after some
text also ends it. Inside a line, Q or QQ is a question mark and XXX erases the
word before it. SK / SKSK ends the call, RPT asks for the last message again,
and CAN YOU READ ME (or a line the modem could not read) asks for a repeat.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from kiosk.tty.baudot import REPLACEMENT, looks_garbled

GARBLED_SHARE = 0.3  # unreadable characters above this share: ask for a repeat
_END_WORDS = {"SK", "SKSK", "SKSKSK"}
_GA = re.compile(r"^G+A+[.!?]*$")
_ERASE = re.compile(r"^X{3,}$")


class TurnKind(enum.Enum):
    ANSWER = "answer"  # text for the conversation
    REPEAT = "repeat"  # RPT: send the last message again
    READ_ME = "read_me"  # CAN YOU READ ME: the caller saw garbage from us
    GARBLED = "garbled"  # we could not read the caller
    END = "end"  # SK / SKSK (after answering any text before it)
    EMPTY = "empty"


@dataclass(frozen=True)
class Turn:
    kind: TurnKind
    text: str = ""  # the answer text (for ANSWER, and for END with text before SK)


class TurnAssembler:
    """Collects decoded text; hands out complete lines on GA or after a pause."""

    def __init__(self, pause_seconds: float = 4.0) -> None:
        self.pause_seconds = pause_seconds
        self._text = ""
        self._last_at: float | None = None

    @property
    def typing(self) -> bool:
        """The caller has started a line that is not finished yet."""
        return bool(self._text.strip())

    def add(self, text: str, now: float) -> list[str]:
        """Take newly decoded text at time ``now`` (seconds); return lines ended by GA."""
        if not text:
            return []
        self._text += text.replace("\r", " ").replace("\n", " ")
        if self._text.strip():
            self._last_at = now
        lines: list[str] = []
        # The demodulator hands out whole words only (it holds each word until it
        # ends, to settle its shift), so even the last word here is complete.
        current: list[str] = []
        for word in self._text.split(" "):
            if _GA.match(word.upper()):
                lines.append(" ".join(w for w in current if w))
                current = []
            else:
                current.append(word)
        if lines:
            self._text = " ".join(current).lstrip()
            if not self._text.strip():
                self._last_at = None
        return lines

    def heard(self, now: float) -> None:
        """The decoder read a character at ``now`` that it has not handed out yet (it
        holds a word until the word ends): the caller is still typing, so a pause that
        ends the line starts later. Characters typed one by one, 0.2-2 s apart, came
        out of the decoder in bunches up to 4 s apart, and a line ended mid-number."""
        if self._last_at is not None:
            self._last_at = max(self._last_at, now)

    def poll(self, now: float) -> str | None:
        """The line so far if the caller paused long enough (no GA); else None."""
        if self._last_at is None or not self._text.strip():
            return None
        if now - self._last_at < self.pause_seconds:
            return None
        words = [w for w in self._text.split(" ") if w and not _GA.match(w.upper())]
        self.clear()
        return " ".join(words)

    def clear(self) -> None:
        self._text = ""
        self._last_at = None


def read_turn(line: str) -> Turn:
    """What a complete line means (TTY conventions applied)."""
    unreadable = line.count(REPLACEMENT)
    visible = sum(1 for ch in line if not ch.isspace())
    if visible and unreadable / visible > GARBLED_SHARE:
        return Turn(TurnKind.GARBLED)
    words: list[str] = []
    for raw in line.replace(REPLACEMENT, "").upper().split():
        if _ERASE.match(raw):
            if words:
                words.pop()
        elif raw in ("Q", "QQ"):
            if words:
                words[-1] += "?"
            else:
                words.append("?")
        else:
            words.append(raw)
    if not words:
        return Turn(TurnKind.GARBLED if unreadable else TurnKind.EMPTY)
    plain = " ".join(w.strip("?.!,") for w in words)
    if looks_garbled(plain):
        return Turn(TurnKind.GARBLED)
    if plain in ("CAN YOU READ ME", "CAN U READ ME", "READ ME", "CAN YOU READ"):
        return Turn(TurnKind.READ_ME)
    if plain in ("RPT", "PLS RPT", "PLEASE RPT", "RPT PLS"):
        return Turn(TurnKind.REPEAT)
    if words[-1].strip("?.!,") in _END_WORDS:
        rest = words[:-1]
        while rest and rest[-1] in ("OR", "TO", "GA"):
            rest.pop()
        return Turn(TurnKind.END, " ".join(rest))
    return Turn(TurnKind.ANSWER, " ".join(words))
