"""Captions: every utterance and tone of the kiosk, on screen (EN 5.1.5).

The bar is two lines, each caption laid out by sentence with numbers kept whole
(:func:`kiosk.accessibility.announcer.caption_lines`).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.widgets import Static

from kiosk.accessibility.announcer import Caption, CaptionKind, CaptionLog, caption_lines

SPEAKER = "🔊 "


def caption_line(caption: Caption) -> str:
    prefix = SPEAKER if caption.kind is CaptionKind.SPEECH else ""
    return prefix + caption.text


class CaptionBar(Static):
    """The latest captions; empty (and cleared) between customers."""

    def __init__(self, log: CaptionLog, lines: int = 2) -> None:
        super().__init__("", id="captions")
        self.caption_log = log
        self.lines = lines
        self._unsubscribe: Callable[[], None] | None = None

    def on_mount(self) -> None:
        self._unsubscribe = self.caption_log.subscribe(lambda _caption: self.refresh_captions())
        self.refresh_captions()

    def on_resize(self, _event: events.Resize) -> None:
        self.refresh_captions()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def shown_lines(self, width: int) -> list[str]:
        """The bar's lines: the newest caption from its first sentence, with the end of
        the caption before it above when there is room."""
        shown: list[str] = []
        for caption in reversed(self.caption_log.latest(self.lines)):
            room = self.lines - len(shown)
            if room <= 0:
                break
            laid = caption_lines(caption_line(caption), width)
            shown = (laid[:room] if not shown else laid[-room:]) + shown
        return shown

    def refresh_captions(self) -> None:
        width = self.content_size.width or 78
        shown = self.shown_lines(width)
        self.update("\n".join(shown) if shown else "CC  (captions)")
