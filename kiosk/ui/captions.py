"""Captions: every utterance and tone of the kiosk, on screen (EN 5.1.5).

The bar is two lines. Each caption is laid out by sentence: a sentence starts a line
(so no line begins in the middle of a sentence when a whole sentence fits), and a
confirmation or reference number, as figures ("000 000 021") or as spoken digits
("zero zero zero, zero zero zero, zero two one"), never breaks across lines.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from rich.cells import cell_len
from textual import events
from textual.widgets import Static

from kiosk.accessibility.announcer import Caption, CaptionKind, CaptionLog

NO_BREAK = "\u00a0"
SPEAKER = "🔊 "
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[\"“\[(]?[A-Z0-9])")
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_KEPT_TOGETHER = re.compile(
    rf"\b\d{{3}}(?: \d{{3,4}})+\b"  # a number in its digit groups
    rf"|\b{_DIGIT_WORD}(?:,? {_DIGIT_WORD}){{3,}}\b",  # the same number read out
    re.IGNORECASE,
)


def caption_line(caption: Caption) -> str:
    prefix = SPEAKER if caption.kind is CaptionKind.SPEECH else ""
    return prefix + caption.text


def sentences(text: str) -> list[str]:
    """A caption's sentences, each cased as written (the wording starts them upper case)."""
    return [part for part in _SENTENCE_END.split(" ".join(text.split())) if part]


def caption_lines(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells: sentences packed whole, a line
    begun at a sentence start wherever a sentence fits, numbers never split."""
    width = max(width, 20)
    lines: list[str] = []
    for sentence in sentences(text):
        kept = _KEPT_TOGETHER.sub(lambda m: m.group(0).replace(" ", NO_BREAK), sentence)
        if lines and cell_len(lines[-1]) + 1 + cell_len(kept) <= width:
            lines[-1] += " " + kept
            continue
        lines.extend(
            textwrap.wrap(kept, width, break_long_words=False, break_on_hyphens=False) or [""]
        )
    return [line.replace(NO_BREAK, " ") for line in lines]


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
