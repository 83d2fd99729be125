"""Complete digit answers end at a short pause; anything else waits for the patience."""

from __future__ import annotations

import numpy as np

from kiosk.channels.voice_pause import PauseWatch, is_complete_phrase
from kiosk.speech.grammar import build_grammar
from kiosk.speech.vad import find_speech

from .conftest import user_audio


def _blocks(audio: np.ndarray, size: int = 320):
    for start in range(0, len(audio), size):
        yield audio[start : start + size]


def test_the_watch_hands_over_the_speech_so_far_at_each_pause(user_voice) -> None:
    rate = 16_000
    gap = np.zeros(int(0.4 * rate), dtype=np.float32)
    first = user_audio(user_voice, "seven two two")
    second = user_audio(user_voice, "zero one")
    audio = np.concatenate([gap, first, gap, second, gap])
    watch = PauseWatch(rate, pause=0.12)
    handed = [
        (i, part)
        for i, block in enumerate(_blocks(audio))
        if (part := watch.feed(block)) is not None
    ]
    assert len(handed) == 2
    (at_first, so_far), (at_end, whole) = handed
    # The first hand-over comes about 0.12 s after the first words end.
    span = find_speech(first, rate)
    assert span is not None
    first_end = len(gap) / rate + span[1]
    assert 0.1 <= (at_first + 1) * 0.02 - first_end <= 0.2
    assert abs(len(so_far) / rate - (len(first) / rate + 0.4)) < 0.15  # pre-roll + tail
    assert len(whole) > len(so_far) + len(second) * 0.8


def test_a_phrase_is_complete_only_if_nothing_longer_may_follow() -> None:
    menu = build_grammar("choice", {"pay": ["pay", "pay my bill"], "card": ["card"]})
    assert is_complete_phrase(menu, "card")
    assert is_complete_phrase(menu, "pay")  # "pay my bill" may follow, and means the same
    later = build_grammar("choice", {"pay": ["pay"], "plan": ["pay later"]})
    assert not is_complete_phrase(later, "pay")  # "pay later" may be coming
    assert is_complete_phrase(menu, "pay my bill")
    assert not is_complete_phrase(menu, "start")  # a command that may go on: start over
    assert not is_complete_phrase(menu, "weather")
