"""Captions: every utterance and tone of the kiosk, on screen (EN 5.1.5)."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Static

from kiosk.accessibility.announcer import Caption, CaptionKind, CaptionLog


def caption_line(caption: Caption) -> str:
    prefix = "🔊 " if caption.kind is CaptionKind.SPEECH else ""
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

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def refresh_captions(self) -> None:
        latest = self.caption_log.latest(self.lines)
        self.update("\n".join(caption_line(c) for c in latest) if latest else "CC  (captions)")
