"""Telephone keys as the kiosk's keypad lines.

A phone has twelve keys and no Enter, so the call's keys are put together the way
telephone menus do it, per step (the same keys mean the same on the kiosk's keypad):

* a menu or yes/no step takes one key at once ("1" pays, "0" asks for a person);
* a number step (account, ZIP, PIN, phone) collects digits until ``#``, until the
  step's fixed length is reached, or until the caller stops for ``inter_digit``
  seconds; ``*`` while digits are typed erases them and starts the number again;
* but a number shorter than its step's shortest (``Prompt.min_digits``: a card number,
  13) is not over at a pause: keying 16 digits from a card takes longer than a pause,
  so it waits for more keys or ``#``, and is dropped if the step changes meanwhile
  (time ran out, a spoken command): part of a card number is never sent on its own;
* an amount step reads ``*`` between digits as the decimal point ("84*99#" = 84.99);
* ``*`` alone says the question again and ``#`` alone gives more time, as on the kiosk;
  but a ``#`` pressed just after a number that ended at its fixed length is that number's
  own # (callers end every number with it) and is dropped, not taken as more time on
  the next step.

Digits are held only until the line is handed over; nothing here logs or echoes them.
"""

from __future__ import annotations

import queue
import re
import time
from collections.abc import Callable

from kiosk.conversation.prompt import AnswerKind, Prompt

KEYS = "0123456789*#"
ENTER = "#"
STAR = "*"
COLLECTING = (AnswerKind.DIGITS, AnswerKind.AMOUNT, AnswerKind.TEXT)
_SEND_WITH_ENTER = re.compile(r"\b(press 0,? (?:and )?then|and press|then press) Enter\b")


def phone_words(text: str) -> str:
    """The kiosk's spoken words for a caller, whose phone has no Enter key: what is typed
    into a number is sent with # ("type it and press the pound key"; "press 0, then the
    pound key" for a person). Only sending a number is renamed: on a menu or a "next"
    step # is more time, as on the kiosk's keypad, so "press Enter" there stays."""
    return _SEND_WITH_ENTER.sub(r"\1 the pound key", text)


class DtmfKeys:
    """Key presses from the SIP stack (RFC 4733 or SIP INFO) -> keypad lines.

    ``prompt`` returns the step now on the line, which decides how keys group.
    """

    def __init__(self, prompt: Callable[[], Prompt], inter_digit: float = 4.0) -> None:
        self._prompt = prompt
        self.inter_digit = inter_digit
        self._presses: queue.Queue[tuple[str, float] | None] = queue.Queue()  # key, when
        self._typed = ""
        self._last_press = 0.0
        self._closed = False
        self._filled_at: float | None = None  # when the key that filled a number was pressed
        self._typed_for = ""  # the step the digits held are typed for

    # SIP side
    def press(self, key: str) -> None:
        """One key from the SIP stack; anything else a phone (or a SIP INFO) sends as
        its key, empty or several characters, is no key and is dropped."""
        if len(key) == 1 and key in KEYS:
            self._presses.put((key, time.monotonic()))

    def close(self) -> None:
        self._presses.put(None)

    # channel side
    def poll(self, timeout: float) -> str | None:
        """The next complete keypad line, or None if none within ``timeout`` seconds.

        Raises:
            EOFError: the call is over.
        """
        end = time.monotonic() + max(timeout, 0.0)
        while True:
            self._forget_another_steps()
            paused = self._typed and time.monotonic() - self._last_press >= self.inter_digit
            if paused and self._may_end_at_a_pause():
                return self._take()
            wait = end - time.monotonic()
            if self._typed and self._may_end_at_a_pause():
                wait = min(wait, self._last_press + self.inter_digit - time.monotonic())
            try:
                pressed = (
                    self._presses.get(timeout=wait) if wait > 0 else self._presses.get_nowait()
                )
            except queue.Empty:
                if time.monotonic() >= end:
                    return None
                continue
            if pressed is None:
                self._presses.put(None)
                self._typed = ""
                raise EOFError
            line = self._add(*pressed)
            if line is not None:
                return line

    def _may_end_at_a_pause(self) -> bool:
        """Whether the number typed so far is long enough to be sent by a pause."""
        shortest = self._prompt().min_digits
        return shortest is None or len(self._typed) >= shortest

    def _forget_another_steps(self) -> None:
        """Digits held for a step the line has left (time ran out, a spoken command) are
        dropped, never sent to the next one. The same step said again (a help, a miss)
        keeps them: the caller is still keying its number."""
        if self._typed and self._prompt().id != self._typed_for:
            self._typed = ""

    def _add(self, key: str, at: float) -> str | None:
        """One key pressed at ``at`` (monotonic): a keypad line when it completes one."""
        self._forget_another_steps()
        prompt = self._prompt()
        if not self._typed:
            self._typed_for = prompt.id
        self._last_press = time.monotonic()
        filled_at, self._filled_at = self._filled_at, None
        if key == ENTER and filled_at is not None and at - filled_at < self.inter_digit:
            return None  # the # that ends a number which had already ended at its length
        if prompt.kind not in COLLECTING:
            self._typed = ""
            return key
        if key == ENTER:
            return self._take() if self._typed else ENTER
        if key == STAR:
            if not self._typed:
                return STAR
            if prompt.kind is AnswerKind.AMOUNT and "." not in self._typed:
                self._typed += "."
            else:
                self._typed = ""  # start the number again
            return None
        self._typed += key
        if prompt.digits_length and len(self._typed) >= prompt.digits_length:
            self._filled_at = at
            return self._take()
        return None

    def _take(self) -> str:
        typed, self._typed = self._typed, ""
        return typed


__all__ = ["DtmfKeys", "phone_words"]
