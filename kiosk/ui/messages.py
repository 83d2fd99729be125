"""Messages the kiosk's widgets send up to the app (widgets hold no logic)."""

from __future__ import annotations

from textual.message import Message


class AnswerRequested(Message):
    """Send ``raw`` to the conversation, as if typed: a choice key, an entry, a command."""

    def __init__(self, raw: str) -> None:
        super().__init__()
        self.raw = raw


class KeyRequested(Message):
    """A key-bar button was clicked or touched: act as if its key was pressed."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
