"""The calm time warning: shown only in the last seconds, with "More time" named."""

from __future__ import annotations

from textual.widgets import Static


def countdown_text(seconds_left: float | None, *, show_number: bool) -> str:
    if show_number and seconds_left is not None:
        return (
            f"Do you need more time? The screen will close in {seconds_left:.0f} seconds. "
            "Press # for more time."
        )
    return "Are you still there? Press # for more time."


class Countdown(Static):
    """Hidden until the warning; in simplified mode it never shows a number."""

    def show_warning(self, seconds_left: float | None, *, show_number: bool) -> None:
        self.update(countdown_text(seconds_left, show_number=show_number))
        self.display = True

    def hide(self) -> None:
        self.display = False
