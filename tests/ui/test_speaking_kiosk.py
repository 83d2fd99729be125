"""The walk-up kiosk talks (ADA 707.5): ``kiosk run`` in a real terminal, under a real
sound server, a headset plugged in, Ava's bill paid with keypad keys only.

What the customer hears is recorded from the sound server's sinks and checked with the
project's recognizer: something is said after every key, nothing at all reaches the
open speaker once the headset is in, and the confirmation number is heard in the
headset. Pulling the headset out says so on screen and keeps the step.
Speed figures (time to pay, speech seconds, first audio after a key) are in
``bench/bench_kiosk_speech.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from kiosk.devtools.speaking_kiosk import SPEAKER, SpeakingKiosk, missing, pay_ava

REPO = Path(__file__).resolve().parents[2]
KIOSK = Path(sys.executable).parent / "kiosk"

pytestmark = pytest.mark.skipif(bool(missing()), reason=f"needs {', '.join(missing())}")


def test_a_blind_customer_pays_with_the_keypad_and_hears_it_in_the_headset(
    tmp_path: Path,
) -> None:
    with SpeakingKiosk(KIOSK, tmp_path, REPO).start() as kiosk:
        run = pay_ava(kiosk, listen=False)
        assert run.silent_keys == []  # every key and every step was answered aloud
        assert run.confirmation_heard, f"confirmation {run.confirmation} not heard"
        assert run.speaker_seconds_after_plug == 0.0  # not a word on the open speaker
        unplugged = kiosk.unplug_headset()
        screen = kiosk.wait_for("Headset removed", timeout=10)
        assert run.confirmation[:3] in screen  # the same step, still showing the result
        # The sound server moves a sink's streams to the default sink when the sink goes:
        # what the headset stream still held (one 20 ms block at most, seen now and then)
        # can reach the speaker before the kiosk empties it. Not a word: words take 150 ms.
        time.sleep(2.0)
        assert len(kiosk.loud_blocks(SPEAKER, unplugged - 0.1)) <= 3
        assert kiosk.loud_blocks(SPEAKER, unplugged + 0.1) == []
