"""The contract between the conversation engine and every channel.

A step of the conversation produces a :class:`Prompt` (pure data, no I/O) and
consumes an :class:`Answer`. Channels (screen, voice, TTY, text) only render
prompts and turn what the user did into answers, so every feature reaches
every user and one test of a flow covers the logic for all channels.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Register(enum.StrEnum):
    """The four ways a prompt can be worded."""

    STANDARD = "standard"  # screen text for most users
    SIMPLE = "simple"  # one question, short common words (cognitive accessibility)
    SPOKEN = "spoken"  # for text-to-speech: amounts and numbers in words
    TTY = "tty"  # short upper-case text for a Baudot TTY, ends with GA


class AnswerKind(enum.StrEnum):
    """What sort of answer a step expects."""

    CHOICE = "choice"
    DIGITS = "digits"
    AMOUNT = "amount"
    YES_NO = "yes_no"
    TEXT = "text"
    NONE = "none"  # an information step: any key (or "next") continues


class Command(enum.StrEnum):
    """Global commands, accepted on every step by every channel."""

    HELP = "help"
    REPEAT = "repeat"
    BACK = "back"
    START_OVER = "start_over"
    CANCEL = "cancel"
    MORE_TIME = "more_time"
    PERSON = "person"
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
    RATE_UP = "rate_up"
    RATE_DOWN = "rate_down"


@dataclass(frozen=True)
class Wording:
    """The same message in every register."""

    standard: str
    simple: str
    spoken: str
    tty: str

    def in_register(self, register: Register) -> str:
        return str(getattr(self, register.value))


@dataclass(frozen=True)
class Choice:
    """One option of a choice step.

    ``key`` is the keypad digit that selects it; ``synonyms`` are extra words a
    speaker or typist may use ("pay", "payment", "pay my bill").
    """

    value: str
    label: Wording
    key: str
    synonyms: tuple[str, ...] = ()
    icon: str = ""


@dataclass(frozen=True)
class Prompt:
    """Everything a channel needs to present one step."""

    id: str
    text: Wording
    kind: AnswerKind
    help: Wording
    choices: tuple[Choice, ...] = ()
    private: bool = False  # masked on screen, never spoken on the open speaker
    sensitive: bool = False  # shows personal data (name, balance): spoken to the headset only
    digits_length: int | None = None  # exact length for DIGITS answers, if fixed
    #: What a DIGITS answer of the wrong length is told, after how many it had: the
    #: step's own words ("The expiry is 4 numbers: month then year"); else a count only.
    wrong_length: Wording | None = None
    #: The shortest a variable-length DIGITS answer can be (a card number: 13). Keys that
    #: group themselves by pauses (a phone's) never end such a number at a pause before
    #: it is this long: only Enter (#) sends it, or more keys make it long enough.
    min_digits: int | None = None
    step: int | None = None  # "Step 2 of 4" within the current task
    total_steps: int | None = None
    task: str = ""  # the task this step belongs to, e.g. "Pay your bill"
    error: Wording | None = None  # why the last answer was rejected, with an example
    notice: Wording | None = None  # something to tell before the question
    timeout_seconds: float | None = None  # response time allowed on this step
    end_of_session: bool = False  # the conversation is over after this prompt
    details: tuple[tuple[str, str], ...] = ()  # label/value rows (bill lines, review)
    #: A row as speech says it, by row index, when "label: value" would not do (a
    #: payment row "-$71.80" is "Paid seventy-one dollars ... on December 5").
    details_said: tuple[tuple[int, str], ...] = ()
    #: The rows are a statement (a bill's charges and payments) that adds up to the total
    #: the text says: every register lists every row, even one the text also names.
    itemized: bool = False
    big_value: str = ""  # an amount or confirmation number to show in large numerals
    entered: str = ""  # what the user entered here before (kept for Back); never private
    timed: bool = True  # False: a walk-up kiosk waits here untimed (the welcome)
    confirms_money: bool = False  # a yes here pays or commits money (the step's flag)

    @property
    def step_label(self) -> str:
        """ "Step 2 of 4", or "Step 2" in a flow whose length is not known yet; "" outside
        a numbered task. Every channel says the step this way."""
        if not self.step:
            return ""
        return (
            f"Step {self.step} of {self.total_steps}" if self.total_steps else f"Step {self.step}"
        )

    def spoken_details(self) -> list[tuple[str, str, str]]:
        """Every detail row as (label, value, what speech says for it): the step's own
        sentence for the row when it gave one, else "label: value." in spoken words."""
        from kiosk.conversation.wording import spoken

        said = dict(self.details_said)
        return [
            (label, value, spoken(said.get(index, _sentence(f"{label}: {value}"))))
            for index, (label, value) in enumerate(self.details)
        ]

    def render(self, register: Register) -> str:
        """The prompt's text in one register, with notice and error before it."""
        parts = []
        if self.error is not None:
            parts.append(self.error.in_register(register))
        if self.notice is not None:
            parts.append(self.notice.in_register(register))
        parts.append(self.text.in_register(register))
        return "\n".join(parts)


def _sentence(text: str) -> str:
    """``text`` ending with one full stop: a row whose value is a sentence already ("An
    extension can be used once every 12 months.") read "months.." in the captions."""
    return text if text.endswith((".", "?", "!")) else f"{text}."


@dataclass(frozen=True)
class Answer:
    """A typed answer from a channel.

    Exactly one of the fields is set; ``raw`` keeps what the user typed or said
    so the engine can echo it back and re-ask with a specific reason.
    """

    choice: str | None = None
    digits: str | None = None
    cents: int | None = None
    yes: bool | None = None
    text: str | None = None
    command: Command | None = None
    raw: str = ""
    extras: dict[str, str] = field(default_factory=dict)
