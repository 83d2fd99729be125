"""Turn what a user typed, said or pressed into a typed :class:`Answer`.

Every channel sends raw text here (a keypad key, a typed line, a recognised
phrase), so "pay", "1" and "pay my bill" mean the same on every channel. Numbers
are read strictly, as typed: the voice channel reads spoken numbers with its own
grammar and sends figures ("forty two fifty" arrives as "42.50"). Parsing never raises: a bad answer comes back as an
:class:`Invalid` with a reason and an example, worded for each register.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kiosk.conversation.prompt import Answer, AnswerKind, Command, Prompt, Wording
from kiosk.conversation.wording import w
from kiosk.money import ascii_digits, shown

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
# A lone 0 asks for a person on every step: on a menu at once, and in a field (number,
# amount, bill value, email) once it is sent, as "press 0, then Enter" (on a phone 0 then
# #, or a pause). No account number, ZIP, PIN, routing or phone number, amount to pay,
# bill or email address is a single 0, so the key never takes an answer away.
PERSON_KEY = "0"
ENTRY_KINDS = frozenset({AnswerKind.DIGITS, AnswerKind.AMOUNT, AnswerKind.TEXT})
"""Steps whose keys type into a field: there 0 asks for a person once it is sent."""
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


def person_key_wording(kind: AnswerKind) -> Wording:
    """How to ask for a person by key on a step of ``kind``: "press 0" on a menu; on a
    step that types into a field, "press 0, then Enter" (a 0 alone is typed first)."""
    if kind in ENTRY_KINDS:
        return w(
            "To ask for a person, press 0, then Enter.",
            "To get a person, press 0. Then press Enter.",
            tty_text="TYPE 0 FOR A PERSON",
            go_ahead=False,
        )
    return w(
        "To ask for a person, press 0.",
        "For a person, press 0.",
        tty_text="TYPE 0 FOR A PERSON",
        go_ahead=False,
    )


@dataclass(frozen=True)
class Invalid:
    """Why an answer could not be used, worded for every register."""

    reason: Wording


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s$.,'-]", " ", text.lower())).strip(" .,!")


def parse(prompt: Prompt, raw: str, locale: str = "en_US") -> Answer | Invalid:
    """Read ``raw`` as an answer to ``prompt`` (amounts in ``locale``'s number format)."""
    text = normalise(raw)
    stripped = raw.strip()
    if stripped in KEY_COMMANDS:
        return Answer(command=KEY_COMMANDS[stripped], raw=raw)
    if text in COMMAND_WORDS:
        return Answer(command=COMMAND_WORDS[text], raw=raw)
    if stripped == PERSON_KEY:
        return Answer(command=Command.PERSON, raw=raw)
    if prompt.kind is AnswerKind.AMOUNT:
        return _amount(prompt, text, raw, locale)
    parser = _PARSERS[prompt.kind]
    return parser(prompt, text, raw)


def _said_back(raw: str) -> str:
    """How a refused answer is named: quoted when it is a word or one key ("7" is not
    one of the choices), "That" when it holds several numbers: keys typed at the wrong
    step may be a card number or a PIN, and they are never said back."""
    if sum(ch.isdigit() for ch in raw) > 1:
        return "That"
    return f'"{shown(raw)}"'


def _choice(prompt: Prompt, text: str, raw: str) -> Answer | Invalid:
    # A key first: "3" is the third choice even where another choice's value is "3"
    # ("1 3 months 2 6 months 3 12 months": 3 took 3 months, not 12). Any script's
    # digits ("٢"), as the number fields read them.
    key = ascii_digits(text)
    for choice in prompt.choices:
        if key == choice.key:
            return Answer(choice=choice.value, raw=raw)
    for choice in prompt.choices:
        if text == choice.value:
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
    all_keys = [choice.key for choice in prompt.choices]
    keys = " or ".join([", ".join(all_keys[:-1]), all_keys[-1]] if len(all_keys) > 1 else all_keys)
    first = prompt.choices[0] if prompt.choices else None
    example = f"{first.key} for {_inside_sentence(first.label.standard)}" if first else "a number"
    if len(all_keys) == 1:  # one choice: no list to pick from ("PLS TYPE ONE OF 1")
        return Invalid(
            w(
                f"{_said_back(raw)} is not the choice here. Press or type {keys} for "
                f"{example.split(' for ', 1)[-1]}.",
                f"Please press {keys}.",
                tty_text=f"PLS TYPE {keys}",
            )
        )
    return Invalid(
        w(
            f"{_said_back(raw)} is not one of the choices. Press or type {keys}, for example {example}.",
            f"Please pick a number from the list. For example {first.key if first else 1}.",
            tty_text=f"PLS TYPE {keys}",
        )
    )


def _inside_sentence(label: str) -> str:
    """A choice's label said inside a sentence: its capital first letter goes, unless
    the first word is "I" or all capitals ("for example 1 for I did not order this",
    "1 for TTY"); the rest keeps its case. Lower-casing it all showed "i did not order
    this" in the captions and on screen."""
    first = label.split(" ", 1)[0]
    if first == "I" or (len(first) > 1 and first.isupper()):
        return label
    return label[:1].lower() + label[1:]


def _yes_no(prompt: Prompt, text: str, raw: str) -> Answer | Invalid:
    if text in YES_WORDS:
        return Answer(yes=True, raw=raw)
    if text in NO_WORDS:
        return Answer(yes=False, raw=raw)
    return Invalid(
        w(
            f"{_said_back(raw)} is not yes or no. Press 1 or type yes, or press 2 or type no.",
            "Please press 1 for yes or 2 for no.",
            tty_text="PLS TYPE Y OR N",
        )
    )


#: What a digit field takes besides digits: spaces and dashes, as in "501 555-0101".
_DIGIT_SEPARATORS = re.compile(r"[ \-]+")


def _digits(prompt: Prompt, text: str, raw: str) -> Answer | Invalid:
    """Digits, spaces and dashes only: nothing is pulled out of other text, and spoken
    numbers are the speech channel's to read (it sends figures)."""
    length = prompt.digits_length
    what = "numbers" if length is None else f"{length} numbers"
    compact = _DIGIT_SEPARATORS.sub("", raw.strip())
    if not compact or not compact.isdecimal():
        if any(ch.isalpha() for ch in compact):
            problem = "has letters in it"
        elif compact:
            problem = "has a character that is not a number, a space or a dash"
        else:
            problem = "has no numbers"
        typed = "That" if prompt.private else f'"{shown(raw)}"'  # a PIN is never shown back
        return Invalid(
            w(
                f"{typed} {problem}. Please enter {what}, using the number keys; "
                "spaces and dashes are fine.",
                f"Please type {what}. Only number keys.",
                tty_text=f"PLS TYPE {what}, NUMBERS ONLY".upper(),
            )
        )
    compact = ascii_digits(compact)
    if length is not None and len(compact) != length and prompt.wrong_length is not None:
        return Invalid(_counted(len(compact), prompt.wrong_length))
    if length is not None and len(compact) != length:
        return Invalid(
            w(
                f"That has {len(compact)} numbers. It needs exactly {length}.",
                f"Please type {length} numbers. You typed {len(compact)}.",
                tty_text=f"NEED {length} NUMBERS, GOT {len(compact)}",
            )
        )
    return Answer(digits=compact, raw=raw)


def _counted(count: int, own: Wording) -> Wording:
    """How many numbers an entry had, then the step's own words for what it takes."""
    had = f"{count} number" + ("" if count == 1 else "s")
    return w(
        f"That has {had}. {own.standard}",
        f"You typed {had}. {own.simple}",
        spoken_text=f"That has {had}. {own.spoken}",
        tty_text=f"GOT {had}. {own.tty.removesuffix(' GA')}",
    )


def _amount(prompt: Prompt, text: str, raw: str, locale: str = "en_US") -> Answer | Invalid:
    """A typed amount, read by the one strict parser (``kiosk.money.parse_amount``)."""
    from kiosk.errors import InvalidAmount
    from kiosk.money import parse_amount

    try:
        return Answer(cents=parse_amount(raw, locale), raw=raw)
    except InvalidAmount as error:
        return Invalid(
            w(
                error.message,
                f"{error.what} Please type the dollars and cents. For example 20.00.",
                tty_text=f"{error.what} PLS TYPE AMOUNT LIKE 42.50".upper(),
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
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn", "Cs") for ch in cleaned):
        # An escape sequence or a NUL is never part of an answer; nothing with one is kept.
        return Invalid(
            w(
                "That has a control character in it (a key like Escape, or a character "
                "that cannot be shown). Please type it again with letters, numbers and "
                "punctuation only.",
                "Please type it again. Use letters and numbers.",
                tty_text="PLS TYPE AGAIN, LETTERS AND NUMBERS ONLY",
            )
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
