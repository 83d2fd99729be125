"""Which key does what on the kiosk screen.

Keypad keys come from :mod:`kiosk.accessibility.keypad` (one map for every
channel); the screen adds its own function keys for modes, speech and
describe-key mode. No binding needs a modifier (no chords).
"""

from __future__ import annotations

from kiosk.accessibility.keypad import KeypadAction, action_for_key, command_for, describe

# Keys of the screen itself (not on the 12-key pad; the key bar makes them clickable).
SCREEN_KEYS: dict[str, str] = {
    "f2": "Changes the screen: large text, then high contrast, then standard.",
    "f3": "Turns simple mode with easy words on or off.",
    "f4": "Turns speech on or off.",
    "f5": "Key information: press a key to hear what it does. Press F5 again to stop.",
    "f7": "Makes the voice slower.",
    "f8": "Makes the voice faster.",
    "f9": "Asks for a person to help you.",
}
# Keys that type a character: in a text field they type it, elsewhere they are commands.
CHARACTER_KEYS = frozenset(
    {"asterisk", "multiply", "number_sign", "question_mark", "slash", "divide", "plus", "add"}
    | {"minus", "subtract"}
)
CLEAR = (KeypadAction.CLEAR,)
PERSON_WORD = "person"
RATE_WORDS = {"f7": "slower", "f8": "faster"}  # the keypad's rocker is volume; rate is here
CANCEL_WORD = "cancel"


def command_word(key: str) -> str | None:
    """The command a key sends to the conversation ("help", "more time"), if any."""
    if key == "f9":
        return PERSON_WORD
    if key in RATE_WORDS:
        return RATE_WORDS[key]
    action = action_for_key(key)
    command = command_for(action) if action is not None else None
    return command.value.replace("_", " ") if command is not None else None


def keypad_action(key: str) -> KeypadAction | None:
    return action_for_key(key)


def describe_key(key: str, meaning: str | None = None) -> str | None:
    """What a key does, for describe-key mode; None for keys the kiosk ignores."""
    if key in SCREEN_KEYS:
        return f"{key.upper()}. {SCREEN_KEYS[key]}"
    action = action_for_key(key)
    if action is None:
        return None
    return describe(action, meaning)


def is_function_key(key: str) -> bool:
    """F1 to F24 ("f1"), not every key whose name starts with f: "f" itself and "."
    ("full_stop") are typed characters."""
    return key[:1] == "f" and key[1:].isdigit()
