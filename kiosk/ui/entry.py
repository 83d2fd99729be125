"""The entry field for digits, amounts and words, with its inline error.

The error sits right above the field it is about (reason and example); the
field keeps focus and what was typed, so a correction is one key away.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from kiosk.conversation.prompt import AnswerKind, Prompt, Register
from kiosk.ui.messages import AnswerRequested

RESTRICT = {
    AnswerKind.DIGITS: r"[0-9 ]*",
    AnswerKind.AMOUNT: r"[0-9.,$ ]*",
}


def placeholder_for(prompt: Prompt) -> str:
    if prompt.kind is AnswerKind.AMOUNT:
        return "Example: 42.50"
    if prompt.kind is AnswerKind.DIGITS and prompt.digits_length:
        return f"{prompt.digits_length} numbers"
    if prompt.kind is AnswerKind.DIGITS:
        return "Numbers"
    return "Type here"


class EntryInput(Input):
    """The field; ``keypad_field`` tells the app that *, #, + and - are commands here."""

    def __init__(self, prompt: Prompt, value: str) -> None:
        super().__init__(
            value=value,
            placeholder=placeholder_for(prompt),
            password=prompt.private,
            restrict=RESTRICT.get(prompt.kind),
            max_length=prompt.digits_length or 0,
            id="entry",
            # Focus alone never selects: after an error a correction adds to what was typed.
            # A value kept from an earlier visit (Back) is selected by the app instead.
            select_on_focus=False,
        )
        self.cursor_blink = False  # a steady cursor: easier to find, nothing flashes
        self.keypad_field = prompt.kind in RESTRICT
        self.spoken = "Entry field. " + placeholder_for(prompt)


class EntryField(Vertical):
    """Error line (if any) and the field."""

    def __init__(self, prompt: Prompt, register: Register, value: str) -> None:
        super().__init__(classes="entry")
        self.prompt = prompt
        self.register = register
        self.value = value

    def compose(self) -> ComposeResult:
        if self.prompt.error is not None:
            yield Static(
                "⚠ " + self.prompt.error.in_register(self.register), classes="error", id="error"
            )
        yield EntryInput(self.prompt, self.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(AnswerRequested(event.value))
