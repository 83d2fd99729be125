"""The fixed bar of keypad actions: Help and Back in the same place on every step.

Each entry shows its key and is a button too (mouse, touch); clicking posts
the key, so a click and a key press take the same path.
"""

from __future__ import annotations

from textual.containers import Grid
from textual.widgets import Button

from kiosk.ui.messages import KeyRequested

# (textual key, key cap shown, words). Order is the on-screen order, fixed.
KEY_BAR: tuple[tuple[str, str, str], ...] = (
    ("f1", "F1 ?", "Help"),
    ("escape", "Esc", "Back"),
    ("asterisk", "*", "Repeat"),
    ("number_sign", "#", "More time"),
    ("f9", "F9", "Person"),
    ("delete", "Del", "Cancel"),
    ("f2", "F2", "Display"),
    ("f3", "F3", "Simple"),
    ("f4", "F4", "Speech"),
    ("f5", "F5", "Key info"),
)


class KeyBarButton(Button):
    """A key cap on the bar; never takes focus (focus stays on the step)."""

    def __init__(self, key: str, cap: str, words: str) -> None:
        super().__init__(f"{cap} {words}", compact=True, classes="key", id=f"key-{key}")
        self.key = key
        self.can_focus = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(KeyRequested(self.key))


class KeyBar(Grid):
    def __init__(self) -> None:
        super().__init__(*(KeyBarButton(*entry) for entry in KEY_BAR), id="key-bar")
