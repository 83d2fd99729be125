"""The EZ Access style keypad: keys, what each does, and held-key filtering.

Every function of the kiosk is reachable from a 12-key numeric pad (0-9, *, #)
plus Up, Down, Enter/OK, Back, Help, Clear/Cancel and a volume rocker (ADA
707.6, 508 407.3). No binding needs a modifier (508 407.6: no chords, one hand).
A key can be identified without acting (ADA 707.3, EN 5.5.2): hold Help and
press it, or latch describe mode from the help panel. Held keys do not repeat
faster than once in 2 seconds (508 407.4).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from kiosk.accessibility.timing import Clock
from kiosk.conversation.prompt import Command


class KeypadAction(enum.StrEnum):
    DIGIT_0 = "0"
    DIGIT_1 = "1"
    DIGIT_2 = "2"
    DIGIT_3 = "3"
    DIGIT_4 = "4"
    DIGIT_5 = "5"
    DIGIT_6 = "6"
    DIGIT_7 = "7"
    DIGIT_8 = "8"
    DIGIT_9 = "9"
    STAR = "*"
    HASH = "#"
    UP = "up"
    DOWN = "down"
    ENTER = "enter"
    BACK = "back"
    HELP = "help"
    CLEAR = "clear"
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"

    @property
    def digit(self) -> str | None:
        """The character typed by a numeric-pad key ("0"-"9", "*", "#"), else None."""
        return self.value if len(self.value) == 1 else None


DIGITS = tuple(KeypadAction(str(n)) for n in range(10))

# Textual key names -> action. Digits and arrows come the same from the top
# row, a numeric pad with Num Lock, and (kitty protocol) named pad keys.
KEY_BINDINGS: dict[str, KeypadAction] = {
    **{str(n): KeypadAction(str(n)) for n in range(10)},
    "asterisk": KeypadAction.STAR,
    "multiply": KeypadAction.STAR,  # numeric pad "*" under the kitty protocol
    "number_sign": KeypadAction.HASH,
    "up": KeypadAction.UP,
    "down": KeypadAction.DOWN,
    "enter": KeypadAction.ENTER,
    "escape": KeypadAction.BACK,
    "f1": KeypadAction.HELP,
    "question_mark": KeypadAction.HELP,
    "slash": KeypadAction.HELP,  # numeric pad "/"
    "divide": KeypadAction.HELP,
    "backspace": KeypadAction.CLEAR,
    "delete": KeypadAction.CLEAR,
    "plus": KeypadAction.VOLUME_UP,  # numeric pad "+"
    "add": KeypadAction.VOLUME_UP,
    "raise_volume": KeypadAction.VOLUME_UP,
    "minus": KeypadAction.VOLUME_DOWN,  # numeric pad "-"
    "subtract": KeypadAction.VOLUME_DOWN,
    "lower_volume": KeypadAction.VOLUME_DOWN,
}

# The global command a key gives when the step has no other use for it.
# Clear is left to the screen: it erases the entry, and cancels when empty.
COMMANDS: dict[KeypadAction, Command] = {
    KeypadAction.HELP: Command.HELP,
    KeypadAction.BACK: Command.BACK,
    KeypadAction.STAR: Command.REPEAT,
    KeypadAction.HASH: Command.MORE_TIME,
    KeypadAction.VOLUME_UP: Command.VOLUME_UP,
    KeypadAction.VOLUME_DOWN: Command.VOLUME_DOWN,
}

_DESCRIPTIONS: dict[KeypadAction, str] = {
    KeypadAction.STAR: "Star key. Says the question again.",
    KeypadAction.HASH: "Hash key, also called pound. Gives you more time.",
    KeypadAction.UP: "Up. Moves to the choice above and reads it.",
    KeypadAction.DOWN: "Down. Moves to the choice below and reads it.",
    KeypadAction.ENTER: "Enter, also called OK. Picks the choice you are on, or sends what you typed.",
    KeypadAction.BACK: "Back. Goes to the step before. What you typed is kept.",
    KeypadAction.HELP: (
        "Help. Tells you about this step. Hold Help and press another key to hear what it does."
    ),
    KeypadAction.CLEAR: "Clear. Erases what you typed. If nothing is typed, asks if you want to stop.",
    KeypadAction.VOLUME_UP: "Volume up. Makes the voice louder.",
    KeypadAction.VOLUME_DOWN: "Volume down. Makes the voice quieter.",
}


def action_for_key(key: str) -> KeypadAction | None:
    """The keypad action of a Textual key name, or None for other keys."""
    return KEY_BINDINGS.get(key)


def command_for(action: KeypadAction) -> Command | None:
    """The global command of a key, if it has one."""
    return COMMANDS.get(action)


def describe(action: KeypadAction, meaning: str | None = None) -> str:
    """What a key does, in plain words, for describe-key mode.

    ``meaning`` is what the key does on this step, when the screen knows
    better (a number key in a menu: "Pay my bill").
    """
    digit = action.digit
    if digit is not None and digit.isdigit():
        if meaning:
            return f"Number {digit}. {meaning}."
        return f"Number {digit}. Types {digit}, or picks choice {digit}."
    if meaning:
        name = _DESCRIPTIONS[action].split(".", 1)[0]
        return f"{name}. {meaning}."
    return _DESCRIPTIONS[action]


def keys_for(action: KeypadAction) -> list[str]:
    """Every key name bound to an action (for help text and tests)."""
    return [key for key, bound in KEY_BINDINGS.items() if bound is action]


class RepeatFilter:
    """Drop auto-repeats of a held key until it has been held ``delay`` seconds.

    Terminals report no key releases, so a held key is recognised by its
    stream: events of the same key closer than ``burst_gap`` seconds are one
    hold. A new key, or the same key after a pause, is a new press and passes
    (so a PIN like 1111 typed briskly still works). While held, one event
    passes every ``delay`` seconds (508 407.4: at least 2 s).

    Limit: the first auto-repeat comes after the operating system's initial
    repeat delay (250-660 ms), which looks like a new press; the kiosk launcher
    should turn OS key repeat off or set its delay to 2 s (``xset r rate 2000``).
    """

    def __init__(self, clock: Clock, delay: float = 2.0, burst_gap: float = 0.12) -> None:
        if delay < 2.0:
            raise ValueError("the key-repeat delay must be at least 2 seconds (508 407.4)")
        self.clock = clock
        self.delay = delay
        self.burst_gap = burst_gap
        self._last_key: str | None = None
        self._last_event: dict[str, float] = {}
        self._last_accepted = 0.0

    def accept(self, key: str) -> bool:
        """True if this key event should act; False for a swallowed repeat."""
        now = self.clock.now()
        previous = self._last_event.get(key)
        self._last_event[key] = now
        same_hold = (
            key == self._last_key and previous is not None and now - previous <= self.burst_gap
        )
        self._last_key = key
        if same_hold and now - self._last_accepted < self.delay:
            return False
        self._last_accepted = now
        return True

    def is_held(self, key: str) -> bool:
        """Is ``key`` still being held (its repeats arrived within ``burst_gap``)?"""
        last = self._last_event.get(key)
        return last is not None and self.clock.now() - last <= self.burst_gap


class KeyDescriber:
    """Describe-key mode: a key pressed while Help is held (or while the mode is
    latched from the help panel) is described, and does nothing else."""

    def __init__(self, repeat_filter: RepeatFilter) -> None:
        self.repeat_filter = repeat_filter
        self.latched = False

    def intercept(self, action: KeypadAction, meaning: str | None = None) -> str | None:
        """The description to show and speak instead of acting, or None to act."""
        if action is KeypadAction.HELP:
            return None
        help_held = any(self.repeat_filter.is_held(name) for name in action_name(KeypadAction.HELP))
        if self.latched or help_held:
            return describe(action, meaning)
        return None


def action_name(action: KeypadAction) -> list[str]:
    """Names under which a filter may have seen the action: its value and its keys."""
    return [action.value, *keys_for(action)]


def meanings_for_choices(choices: Mapping[str, str]) -> dict[KeypadAction, str]:
    """Per-step meanings of number keys from a choice list (key digit -> label)."""
    return {KeypadAction(digit): label for digit, label in choices.items() if digit.isdigit()}
