"""The kiosk's one screen: header, step body, time warning, captions, key bar.

The layout never moves between steps: the header is always at the top and
the key bar (Help, Back, ...) always at the bottom (WCAG 3.2.3).
"""

from __future__ import annotations

import math

from textual import events
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Static

from kiosk.accessibility.announcer import CaptionLog
from kiosk.conversation.prompt import Prompt, Register
from kiosk.ui.captions import CaptionBar
from kiosk.ui.countdown import Countdown
from kiosk.ui.key_bar import KeyBar
from kiosk.ui.step_header import StepHeader
from kiosk.ui.step_view import StepView

SHORT_ROWS = 32
"""Below this many rows (80x24, 100x30) the large layouts use one-row buttons, so every
option of a step is on screen (docs/kiosk-hardware.md promises 80x24 works)."""

MORE_KEY = "9"
"""Reads on when a step's text is longer than the screen (no step has a ninth choice;
a step that had one would get Page Down only). In a number field, Down does it."""


def more_text(key: str, part: int, parts: int) -> str:
    """The printed "more" line: that there is more, the key that shows it, and where we are."""
    if part < parts:
        return f"▼ More to read: press {key} ({part} of {parts})"
    return f"▲ That is all: press {key} to read from the top ({part} of {parts})"


class KioskScreen(Screen[None]):
    def __init__(self, captions: CaptionLog) -> None:
        super().__init__(id="kiosk")
        self.captions = captions

    def compose(self) -> ComposeResult:
        yield StepHeader(id="header")
        yield Container(id="body")
        with Vertical(id="bottom"):
            yield Static("", id="more")
            yield Static("", id="key-info")
            yield Countdown("", id="countdown")
            yield CaptionBar(self.captions)
            yield KeyBar()

    more_key: str | None = None
    """The key that reads on ("9", "Down"), while the step's text does not fit; else None."""

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < SHORT_ROWS, "-short")
        self.call_after_refresh(self.update_more)

    def on_mount(self) -> None:
        self.set_class(self.size.height < SHORT_ROWS, "-short")
        self.query_one(Countdown).hide()
        self.query_one("#key-info", Static).display = False
        self.query_one("#more", Static).display = False

    def _view(self) -> StepView | None:
        found = self.query(StepView)
        return found.first() if found else None

    def _page(self, view: StepView) -> int:
        """Rows of the step's text in view (the docked options take the rest)."""
        docked = sum(
            child.outer_size.height for child in view.children if child.styles.dock == "bottom"
        )
        return max(1, view.scrollable_content_region.height - docked)

    def update_more(self) -> None:
        """Show or hide the "more" line: a step whose text (a whole bill) is longer than
        the screen says so in print, with the key that reads on, rather than leaving a
        dim scrollbar as the only hint."""
        line = self.query_one("#more", Static)
        view = self._view()
        if view is None or view.max_scroll_y <= 0:
            self.more_key = None
            line.display = False
            return
        prompt = view.prompt
        in_field = any(True for _ in view.query("EntryInput"))
        if in_field:
            self.more_key, label = "down", "Down"
        elif all(choice.key != MORE_KEY for choice in prompt.choices):
            self.more_key, label = MORE_KEY, MORE_KEY
        else:
            self.more_key, label = "pagedown", "Page Down"
        page = self._page(view)
        parts = math.ceil((view.max_scroll_y + page) / page)
        at_end = view.scroll_y >= view.max_scroll_y
        part = parts if at_end else min(parts, 1 + math.ceil(view.scroll_y / page))
        line.update(more_text(label, part, parts))
        if not line.display:  # the line takes a row from the step: count again after it
            line.display = True
            self.call_after_refresh(self.update_more)

    def read_on(self) -> None:
        """The "more" key: the next screenful of the step's text, or back to its top."""
        view = self._view()
        if view is None:
            return
        if view.scroll_y >= view.max_scroll_y:
            view.scroll_to(y=0, animate=False)
        else:
            view.scroll_to(
                y=min(view.max_scroll_y, view.scroll_y + self._page(view)), animate=False
            )
        self.update_more()

    async def show(
        self,
        prompt: Prompt,
        register: Register,
        *,
        large: bool,
        icons: bool,
        entry_value: str = "",
    ) -> StepView:
        """Replace the step body with a fresh one for ``prompt``."""
        body = self.query_one("#body", Container)
        await body.remove_children()
        view = StepView(prompt, register, large=large, icons=icons, entry_value=entry_value)
        await body.mount(view)
        self.query_one(StepHeader).show(prompt)  # with the body, so the two always agree
        self.query_one(Countdown).hide()
        self.show_key_info("")
        self.query_one(CaptionBar).refresh_captions()
        self.watch(view, "scroll_y", lambda _y: self.update_more(), init=False)
        self.call_after_refresh(self.update_more)
        return view

    def show_key_info(self, text: str) -> None:
        """Describe-key mode and Clear's second-press hint, above the key bar."""
        info = self.query_one("#key-info", Static)
        info.update(text)
        info.display = bool(text)
