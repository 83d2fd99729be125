"""The kiosk's one screen: header, step body, time warning, captions, key bar.

The layout never moves between steps: the header is always at the top and
the key bar (Help, Back, ...) always at the bottom (WCAG 3.2.3).
"""

from __future__ import annotations

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


class KioskScreen(Screen[None]):
    def __init__(self, captions: CaptionLog) -> None:
        super().__init__(id="kiosk")
        self.captions = captions

    def compose(self) -> ComposeResult:
        yield StepHeader(id="header")
        yield Container(id="body")
        with Vertical(id="bottom"):
            yield Static("", id="key-info")
            yield Countdown("", id="countdown")
            yield CaptionBar(self.captions)
            yield KeyBar()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < SHORT_ROWS, "-short")

    def on_mount(self) -> None:
        self.set_class(self.size.height < SHORT_ROWS, "-short")
        self.query_one(Countdown).hide()
        self.query_one("#key-info", Static).display = False

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
        return view

    def show_key_info(self, text: str) -> None:
        """Describe-key mode and Clear's second-press hint, above the key bar."""
        info = self.query_one("#key-info", Static)
        info.update(text)
        info.display = bool(text)
