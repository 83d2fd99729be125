"""Choices as large numbered buttons; each sends its keypad key when pressed."""

from __future__ import annotations

from textual.containers import Vertical
from textual.widgets import Button

from kiosk.conversation.prompt import AnswerKind, Choice, Prompt, Register
from kiosk.ui.messages import AnswerRequested

# Yes/no steps carry no choices: these are the keys the engine reads as yes and no.
YES_NO = (("1", "Yes", "✔"), ("2", "No", "✖"))
CONTINUE = ("1", "Continue")


class ChoiceButton(Button):
    """One option: "2  Pay my bill". Pressing it (Enter, click, touch) sends ``raw``."""

    def __init__(self, raw: str, label: str, *, spoken: str = "") -> None:
        super().__init__(label, classes="choice")
        self.raw = raw
        self.spoken = spoken or label

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(AnswerRequested(self.raw))


def choice_label(choice: Choice, register: Register, icons: bool) -> str:
    icon = f"{choice.icon} " if icons and choice.icon else ""
    return f"{choice.key}  {icon}{choice.label.in_register(register)}"


def buttons_for(prompt: Prompt, register: Register, icons: bool) -> list[ChoiceButton]:
    """The buttons a prompt shows: its choices, yes/no, or one Continue."""
    if prompt.choices:
        return [
            ChoiceButton(
                c.key or c.value,
                choice_label(c, register, icons),
                spoken=f"{c.key}, {c.label.spoken}",
            )
            for c in prompt.choices
        ]
    if prompt.kind is AnswerKind.YES_NO:
        return [
            ChoiceButton(
                key, f"{key}  {icon + ' ' if icons else ''}{word}", spoken=f"{key}, {word}"
            )
            for key, word, icon in YES_NO
        ]
    if prompt.kind is AnswerKind.NONE and not prompt.end_of_session:
        key, word = CONTINUE
        return [ChoiceButton(key, f"{key}  {word}", spoken=word)]
    return []


class ChoiceList(Vertical):
    """The buttons of one step, top to bottom; Up and Down move between them."""

    def __init__(self, buttons: list[ChoiceButton]) -> None:
        super().__init__(*buttons, classes="choices")
