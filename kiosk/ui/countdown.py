"""The calm time warning: shown only in the last seconds, with "More time" named.

Its words are the session's (:func:`kiosk.conversation.session.still_there`), in the
screen's register: the simplified one never shows a number.
"""

from __future__ import annotations

from textual.widgets import Static


class Countdown(Static):
    """Hidden until the warning."""

    def show_warning(self, text: str) -> None:
        self.update(text)
        self.display = True

    def hide(self) -> None:
        self.display = False
