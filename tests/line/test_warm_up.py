"""The line's warm-up loads what a call would otherwise load during it."""

from __future__ import annotations

import gc
import sys

from kiosk.conversation.services import Services
from kiosk.line.session import SessionParts
from kiosk.line.warmup import warm_up
from kiosk.tty import baudot


def test_the_tty_decoders_word_list_is_loaded_before_the_first_call(sqlite_store):
    """A TTY caller's first word made the decoder load its word list (220 ms of the
    interpreter the media clock shares, during the call): the warm-up loads it."""
    baudot._dictionary.cache_clear()
    parts = SessionParts(
        services=Services(sqlite_store),
        synthesizer_factory=lambda: None,
        recognizer_factory=lambda: None,
    )
    interval = sys.getswitchinterval()
    try:
        warm_up(parts)
    finally:
        sys.setswitchinterval(interval)  # the line's settings, not the test run's
        gc.unfreeze()
    assert baudot._dictionary.cache_info().currsize == 1
