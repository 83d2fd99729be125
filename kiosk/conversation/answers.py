"""Turn what a user typed, said or pressed into a typed :class:`Answer`.

Every channel sends raw text here (a keypad key, a typed line, a recognised
phrase), so "pay", "1", "pay my bill" and "forty two fifty" mean the same on
every channel. Parsing never raises: a bad answer comes back as an
:class:`Invalid` with a reason and an example, worded for each register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.conversation.prompt import Answer, AnswerKind, Command, Prompt, Wording
from kiosk.conversation.wording import w

COMMAND_WORDS: dict[str, Command] = {
    "help": Command.HELP,
    "what can i say": Command.HELP,
    "repeat": Command.REPEAT,
    "say again": Command.REPEAT,
    "again": Command.REPEAT,
    "rpt": Command.REPEAT,
    "back": Command.BACK,
    "go back": Command.BACK,
    "previous": Command.BACK,
    "start over": Command.START_OVER,
    "restart": Command.START_OVER,
    "cancel": Command.CANCEL,
    "stop": Command.CANCEL,
    "more time": Command.MORE_TIME,
    "wait": Command.MORE_TIME,
    "person": Command.PERSON,
    "agent": Command.PERSON,
    "representative": Command.PERSON,
    "operator": Command.PERSON,
    "talk to a person": Command.PERSON,
    "louder": Command.VOLUME_UP,
    "volume up": Command.VOLUME_UP,
    "softer": Command.VOLUME_DOWN,
    "quieter": Command.VOLUME_DOWN,
    "volume down": Command.VOLUME_DOWN,
    "faster": Command.RATE_UP,
    "slower": Command.RATE_DOWN,
}


def _keypad_commands() -> dict[str, Command]:
    """The * and # keys mean on every channel what they mean on the keypad."""
    from kiosk.accessibility.keypad import action_for_key, command_for

    commands: dict[str, Command] = {}
    for typed, key_name in (("*", "asterisk"), ("#", "number_sign")):
        action = action_for_key(key_name)
        command = command_for(action) if action is not None else None
        if command is not None:
            commands[typed] = command
    return commands


KEY_COMMANDS: dict[str, Command] = _keypad_commands()
YES_WORDS = {
    "yes",
    "y",
    "yeah",
    "yep",
    "ok",
    "okay",
    "sure",
    "correct",
    "right",
    "pay",
    "confirm",
    "1",
}
NO_WORDS = {"no", "n", "nope", "wrong", "change", "not right", "2"}
NEXT_WORDS = {"", "next", "ok", "okay", "continue", "go on", "done", "1"}


@dataclass(frozen=True)
class Invalid:
    """Why an answer could not be used, worded for every register."""

    reason: Wording


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s$.,'-]", " ", text.lower())).strip(" .,!")


def parse(prompt: Prompt, raw: str) -> Answer | Invalid:
    """Read ``raw`` as an answer to ``prompt``."""
    text = normalise(raw)
    stripped = raw.strip()
    if stripped in KEY_COMMANDS:
        return Answer(command=KEY_COMMANDS[stripped], raw=raw)
    if text in COMMAND_WORDS:
        return Answer(command=COMMAND_WORDS[text], raw=raw)
    if stripped == "0" and prompt.kind in (AnswerKind.CHOICE, AnswerKind.YES_NO, AnswerKind.NONE):
        return Answer(command=Command.PERSON, raw=raw)
    parser = _PARSERS[prompt.kind]
    return parser(prompt, text, raw)


def _choice(prompt: Prompt, text: str, raw: str) -> Answer | Invalid:
    for choice in prompt.choices:
        if text == choice.key or text == choice.value:
            return Answer(choice=choice.value, raw=raw)
    names: dict[str, str] = {}
    for choice in prompt.choices:
        for name in (choice.label.standard, choice.label.simple, *choice.synonyms):
            names[normalise(name)] = choice.value
    if text in names:
        return Answer(choice=names[text], raw=raw)
    if len(text) >= 3:
        from rapidfuzz import fuzz, process  # on the first typed-out choice, not at start-up

        match = process.extractOne(text, list(names), scorer=fuzz.WRatio, score_cutoff=86)
        if match is not None:
            return Answer(choice=names[match[0]], raw=raw)
    keys = ", ".join(choice.key for choice in prompt.choices)
    first = prompt.choices[0] if prompt.choices else None
    example = f"{first.key} for {first.label.standard.lower()}" if first else "a number"
    return Invalid(
        w(
            f'"{raw.strip()}" is not one of the choices. Press or type {keys}, for example {example}.',
            f"Please pick a number from the list. For example {first.key if first else 1}.",
            tty_text=f"PLS TYPE ONE OF {keys}",
        )
    )


def _yes_no(prompt: Prompt, text: str, raw: str) -> Answer | Invalid:
    if text in YES_WORDS:
        return Answer(yes=True, raw=raw)
    if text in NO_WORDS:
        return Answer(yes=False, raw=raw)
    return Invalid(
        w(
            f'"{raw.strip()}" is not yes or no. Press 1 or type yes, or press 2 or type no.',
            "Please press 1 for yes or 2 for no.",
            tty_text="PLS TYPE Y OR N",
        )
    )


def _digits(prompt: Prompt, text: str, raw: str) -> Answer | Invalid:
    compact = re.sub(r"[\s\-().]", "", text)
    if not compact.isdigit():
        try:
            from kiosk.speech.numbers import SpokenNumberError, parse_digits

            compact = parse_digits(text)
        except SpokenNumberError:
            # A bill's barcode or QR code, typed by a scanner: "ACCT 40152274".
            found = re.sub(r"\D", "", text)
            compact = found if len(found) >= 4 else ""
    length = prompt.digits_length
    if not compact.isdigit():
        what = "numbers" if length is None else f"{length} numbers"
        return Invalid(
            w(
                f"Please enter {what}, using the number keys.",
                f"Please type {what}.",
                tty_text=f"PLS TYPE {what}".upper(),
            )
        )
    if length is not None and len(compact) != length:
        return Invalid(
            w(
                f"That has {len(compact)} numbers. It needs exactly {length}.",
                f"Please type {length} numbers. You typed {len(compact)}.",
                tty_text=f"NEED {length} NUMBERS, GOT {len(compact)}",
            )
        )
    return Answer(digits=compact, raw=raw)


def amount_from_text(text: str) -> int:
    """A typed ("$42.50") or spoken ("forty two fifty") amount, in cents.

    Raises:
        InvalidAmount: neither reading works; the message is the typed reading's reason.
    """
    from kiosk.errors import InvalidAmount
    from kiosk.money import parse_amount as parse_typed
    from kiosk.speech.numbers import SpokenNumberError
    from kiosk.speech.numbers import parse_amount as parse_spoken

    try:
        return parse_typed(text)
    except InvalidAmount as typed_error:
        try:
            return parse_spoken(text)
        except (SpokenNumberError, ValueError):
            raise typed_error from None


def _amount(prompt: Prompt, text: str, raw: str) -> Answer | Invalid:
    from kiosk.errors import InvalidAmount

    try:
        return Answer(cents=amount_from_text(text), raw=raw)
    except InvalidAmount as error:
        reason = error.what
    return Invalid(
        w(
            f"{reason} Type an amount like 42.50, or say forty two fifty.",
            "Please type the dollars and cents. For example 20.00.",
            tty_text="PLS TYPE AMOUNT LIKE 42.50",
        )
    )


def _text(prompt: Prompt, text: str, raw: str) -> Answer | Invalid:
    cleaned = raw.strip()
    if not cleaned:
        return Invalid(
            w(
                "Please type a few words.",
                "Please type a few words.",
                tty_text="PLS TYPE A FEW WORDS",
            )
        )
    if len(cleaned) > 500:
        return Invalid(
            w("That is too long. Please use 500 letters or fewer.", "Please use fewer words.")
        )
    return Answer(text=cleaned, raw=raw)


def _none(prompt: Prompt, text: str, raw: str) -> Answer | Invalid:
    if prompt.choices:
        return _choice(prompt, text, raw)
    return Answer(choice="next", raw=raw)


_PARSERS = {
    AnswerKind.CHOICE: _choice,
    AnswerKind.YES_NO: _yes_no,
    AnswerKind.DIGITS: _digits,
    AnswerKind.AMOUNT: _amount,
    AnswerKind.TEXT: _text,
    AnswerKind.NONE: _none,
}
