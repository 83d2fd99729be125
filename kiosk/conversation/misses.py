"""What the kiosk says when it did not understand an answer, and when to get a person.

A recognizer mishears; a customer who is misheard again and again must not be left
alone with it. Every channel that hears speech (the voice channel, a phone line) reports
a miss to the engine (:meth:`Conversation.missed`) and renders what comes back:

- every miss: "Sorry, I did not catch that", with every option of the step (not only
  the first few) and how to give it;
- from the second miss on the same step: the keypad by name, and a person (say person
  or press 0);
- at the third: a store worker is called to the kiosk (on a phone call, the person step:
  a transfer or a call back).
"""

from __future__ import annotations

from kiosk.conversation.answers import ENTRY_KINDS
from kiosk.conversation.prompt import AnswerKind, Prompt, Wording
from kiosk.conversation.wording import join, w

__all__ = [
    "CALLING",
    "NOT_UNDERSTOOD_ON_A_CALL",
    "OFFER_AFTER",
    "PERSON_AFTER",
    "how_to_answer",
    "miss_notice",
    "not_caught",
]

#: Misses on one step after which the keypad and a person are offered by name.
OFFER_AFTER = 2
#: Misses on one step after which a person is called.
PERSON_AFTER = 3

NOT_CAUGHT = w("Sorry, I did not catch that.", "Sorry, I did not get that.")
CALLING = w(
    "Sorry, I could not understand you, so I have asked a store worker to come and help.",
    "Sorry, I could not understand. A worker is coming to help.",
    tty_text="SORRY, NOT UNDERSTOOD. A WORKER IS COMING",
)
NOT_UNDERSTOOD_ON_A_CALL = w(
    "Sorry, I could not understand you. A person can help.",
    "Sorry, I could not understand. A person can help.",
    tty_text="SORRY, NOT UNDERSTOOD. A PERSON CAN HELP",
)
"""On a phone call no worker can come: the third miss goes to the person step instead
(a transfer when the line has an agent, else a call back or a text)."""

_HOW: dict[AnswerKind, tuple[str, str]] = {
    AnswerKind.YES_NO: ("say yes or no, or press 1 for yes and 2 for no", "say yes or no"),
    AnswerKind.DIGITS: (
        "say the numbers one by one, or type them on the keypad and press Enter",
        "say the numbers, or type them",
    ),
    AnswerKind.AMOUNT: (
        "say an amount, like forty two fifty, or type it on the keypad, like 42.50, "
        "and press Enter",
        "say or type the amount",
    ),
    AnswerKind.NONE: ("say next, or press Enter", "say next"),
    AnswerKind.TEXT: ("type your answer on the keypad", "type your answer"),
}


def how_to_answer(prompt: Prompt) -> Wording | None:
    """How to give a number, an amount or a yes or no; None for a choice, whose
    options every channel lists with the prompt (all of them, each with its key)."""
    if prompt.choices and prompt.kind in (AnswerKind.CHOICE, AnswerKind.NONE):
        return None
    standard, simple = _HOW.get(prompt.kind, ("say help, or press 0 for a person", "say help"))
    return w(f"You can {standard}.", f"You can {simple}.")


def not_caught(prompt: Prompt, misses: int) -> Wording:
    """The error to give after ``misses`` misses on ``prompt``."""
    offer = miss_notice(prompt) if misses >= OFFER_AFTER else None
    return join(NOT_CAUGHT, how_to_answer(prompt), offer)


def miss_notice(prompt: Prompt) -> Wording:
    """The keypad by name, and a person."""
    keys = "press the number of your choice" if prompt.choices else "type it"
    if prompt.kind in ENTRY_KINDS:  # a 0 is typed into the field: it needs Enter
        return w(
            f"You can also {keys} on the keypad. To talk to a person, say person, or "
            "press 0, then Enter.",
            "Or use the keypad. For a person, press 0, then Enter.",
            tty_text="OR TYPE 0 FOR A PERSON",
        )
    return w(
        f"You can also {keys} on the keypad. To talk to a person, say person or press 0.",
        "Or use the keypad. For a person, press 0.",
        tty_text="OR PRESS 0 FOR A PERSON",
    )
