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
  the next step;
* a menu or yes/no step (the payment review among them) takes no key of a burst that
  began before it appeared, and a number step that refused the last answer neither:
  a key the caller pressed before hearing a step never answers it
  (see :meth:`DtmfKeys._typed_ahead`).

Digits are held only until the line is handed over; nothing here logs or echoes them.
"""

from __future__ import annotations

import logging
import queue
import re
import time
from collections.abc import Callable

from kiosk.conversation.prompt import AnswerKind, Prompt

KEYS = "0123456789*#"
ENTER = "#"
STAR = "*"
COLLECTING = (AnswerKind.DIGITS, AnswerKind.AMOUNT, AnswerKind.TEXT)
BURST_GAP = 1.0
"""Seconds: keys pressed closer together than this are one burst (a number keyed, or
keys typed ahead); an answer to a step the caller has begun to hear comes after a
longer gap, as it takes them at least that long to hear what is asked."""

log = logging.getLogger(__name__)
_SEND_WITH_ENTER = re.compile(r"\b(press 0,? (?:and )?then|and press|then press) Enter\b")


def phone_words(text: str) -> str:
    """The kiosk's spoken words for a caller, whose phone has no Enter key: what is typed
    into a number is sent with # ("type it and press the pound key"; "press 0, then the
    pound key" for a person). Only sending a number is renamed: on a menu or a "next"
    step # is more time, as on the kiosk's keypad, so "press Enter" there stays."""
    return _SEND_WITH_ENTER.sub(r"\1 the pound key", text)


class DtmfKeys:
    """Key presses from the SIP stack (RFC 4733 or SIP INFO) -> keypad lines.

    ``prompt`` returns the step now on the line, which decides how keys group; the
    moment a step appeared is when its prompt is first seen here (the channel asks for
    keys as soon as it starts saying it).
    """

    def __init__(
        self,
        prompt: Callable[[], Prompt],
        inter_digit: float = 4.0,
        burst_gap: float = BURST_GAP,
    ) -> None:
        self._prompt = prompt
        self.inter_digit = inter_digit
        self.burst_gap = burst_gap
        self._presses: queue.Queue[tuple[str, float] | None] = queue.Queue()  # key, when
        self._typed = ""
        self._last_press = 0.0
        self._closed = False
        self._filled_at: float | None = None  # when the key that filled a number was pressed
        self._typed_for = ""  # the step the digits held are typed for
        self._shown: Prompt | None = None  # the prompt last seen, and when it was first
        self._shown_at = 0.0
        self._last_at: float | None = None  # when the last key was pressed
        self._burst_from = 0.0  # when the burst of keys it belongs to began
        self._dropping = False  # a typed-ahead burst is being dropped (logged once)

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
            self._see(self._prompt())
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

    def _see(self, prompt: Prompt) -> None:
        """Note when a prompt appeared: each answer (or refusal) makes a new one."""
        if prompt is not self._shown:
            self._shown, self._shown_at = prompt, time.monotonic()

    def _burst(self, at: float) -> None:
        """Keep track of the burst the key pressed at ``at`` belongs to."""
        joined = self._last_at is not None and at - self._last_at < self.burst_gap
        self._burst_from = self._burst_from if joined else at
        self._last_at = at

    def _typed_ahead(self, prompt: Prompt) -> bool:
        """Whether the key just pressed is dropped as typed ahead: it belongs to a burst
        that began before this step appeared, and the step takes no key it was not heard
        for: a menu or a yes/no (one key is a whole answer: a card number keyed at a
        menu went on choosing at each step it reached, the main menu's 6 a person, 7
        the end of the call; a "1" keyed with the security code paid at the review,
        unheard), or a number step that refused the last answer (the burst was not meant
        for it). A number typed ahead into a number step is still taken, and so is
        anything once a key was taken for this step.

        The whole burst, not only the keys pressed before the step appeared: a caller
        keying a number goes on for seconds after the step it lands on shows. Once they
        stop for ``burst_gap`` (to listen), their next key is taken.
        """
        one_key = prompt.kind not in COLLECTING or prompt.confirms_money
        guarded = one_key or prompt.error is not None
        if self._typed or not guarded or self._burst_from >= self._shown_at:
            self._dropping = False
            return False
        if not self._dropping:  # never which keys: they may be a card number
            log.info("keys typed ahead dropped on step %s", prompt.id)
        self._dropping = True
        return True

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
        self._see(prompt)
        filled_at, self._filled_at = self._filled_at, None
        self._burst(at)
        if key == ENTER and filled_at is not None and at - filled_at < self.inter_digit:
            return None  # the # that ends a number which had already ended at its length
        if self._typed_ahead(prompt):
            return None
        if not self._typed:
            self._typed_for = prompt.id
        self._last_press = time.monotonic()
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
