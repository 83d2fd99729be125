"""One step on screen, built from a prompt: notice, question, details, big
value, error, and the choices or the entry field.

Rebuilt for every prompt, so nothing of one step (or one customer) lingers in
a widget of the next.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Digits, Static

from kiosk.conversation.prompt import AnswerKind, Prompt, Register
from kiosk.ui.choices import ChoiceList, buttons_for
from kiosk.ui.details import DetailsTable
from kiosk.ui.entry import EntryField

ENTRY_KINDS = frozenset({AnswerKind.DIGITS, AnswerKind.AMOUNT, AnswerKind.TEXT})
DIGITS_CHARACTERS = set(" 0123456789+-:$.,")


def fits_digits(text: str) -> bool:
    """Can Textual's ``Digits`` draw this value (amounts, grouped numbers)?"""
    return bool(text) and set(text) <= DIGITS_CHARACTERS


class StepView(VerticalScroll):
    """The body of the screen for one prompt."""

    def __init__(
        self,
        prompt: Prompt,
        register: Register,
        *,
        large: bool,
        icons: bool,
        entry_value: str = "",
    ) -> None:
        super().__init__(id="step")
        self.prompt = prompt
        self.register = register
        self.large = large
        self.icons = icons
        self.entry_value = entry_value
        self.can_focus = False

    def on_resize(self, event: events.Resize) -> None:
        """The view's height changed (the screen's "more" line took a row, say): the
        screen counts the pages again once laid out, so "1 of 3" is never "1 of 2"."""
        update_more = getattr(self.screen, "update_more", None)
        if callable(update_more):
            self.screen.call_after_refresh(update_more)

    def compose(self) -> ComposeResult:
        prompt, register = self.prompt, self.register
        if prompt.notice is not None:
            yield Static(prompt.notice.in_register(register), classes="notice", id="notice")
        yield Static(prompt.text.in_register(register), classes="question", id="question")
        if prompt.kind in ENTRY_KINDS and not prompt.end_of_session:
            yield from self._figures()
            yield EntryField(prompt, register, self.entry_value)
            return
        if prompt.error is not None:
            yield Static("⚠ " + prompt.error.in_register(register), classes="error", id="error")
        buttons = buttons_for(prompt, register, self.icons)
        if buttons:
            # The answers come right after the question: the rows and big figures below
            # repeat what the text says, and may scroll; an option off screen may not.
            yield ChoiceList(buttons)
        yield from self._figures()

    def _figures(self) -> ComposeResult:
        """The detail rows and the big value (amount or confirmation number)."""
        prompt = self.prompt
        if prompt.details:
            yield DetailsTable(prompt.details)
        if prompt.big_value:
            if self.large and fits_digits(prompt.big_value):
                yield Digits(prompt.big_value, classes="big-value", id="big-value")
            elif not prompt.details:
                yield Static(prompt.big_value, classes="big-value-text", id="big-value")
