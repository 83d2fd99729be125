"""Privacy with two real output devices: a headset sink and an open-speaker sink.

``kiosk voice`` runs keypad-only (no microphone) on a private PulseAudio server with two
null sinks, both recorded from their monitors. Ava signs in without a headset: the
speaker says the questions, beeps for the PIN, asks for the headset at her menu (her name
and balance are personal) and never says her details, while the headset sink is silent.
Then she plugs the headset in (the jack-sense event): from then on the speaker sink is
silent and the headset hears her details.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.speech.vad import frame_energies_db

from .conftest import AVA, KioskProcess, stop_process

LIMIT = 90.0
SINKS = ("speaker", "headset")


def _voiced_seconds(audio: np.ndarray) -> float:
    return float((frame_energies_db(audio, 16_000) > -45).sum() * 0.02)


@pytest.mark.timeout(180)
def test_private_details_only_on_the_headset(
    pulse_factory, seeded_db_url: str, tmp_path: Path
) -> None:
    pulse = pulse_factory("speaker", "headset", default_sink="speaker")
    recordings = {}

    def record(part: int) -> None:
        for sink in SINKS:
            recordings[sink, part] = pulse.record(f"{sink}.monitor", tmp_path / f"{sink}{part}.raw")

    record(1)
    env = {
        **pulse.env,
        "KIOSK_DATABASE_URL": seeded_db_url,
        "KIOSK_CONFIG": str(tmp_path / "none.toml"),
        "KIOSK_DATA_DIR": str(tmp_path),
        "KIOSK_VOICE_SPEAKER_SINK": "speaker",
        "KIOSK_VOICE_HEADSET_SINK": "headset",
        "KIOSK_VOICE_HEADSET": "false",
        "KIOSK_VOICE_MICROPHONE": "false",
        "KIOSK_VOICE_VERBOSITY": "brief",
        "KIOSK_VOICE_RATE_LEVEL": "7",
    }
    kiosk = KioskProcess([sys.executable, "-m", "kiosk.cli", "voice"], env)
    deadline = time.monotonic() + LIMIT
    try:
        # Sign-in: each key cuts its question short (barge-in by key).
        for cue, key in (
            ("Welcome", "1"),
            ("account number", AVA["account"]),
            ("ZIP", AVA["zip"]),
        ):
            kiosk.until_text(deadline, cue)
            kiosk.key(key)
        kiosk.until_text(deadline, "PIN")
        kiosk.until_text(deadline, "[status] waiting for the keypad")
        kiosk.key(AVA["pin"])
        kiosk.until_text(deadline, "What would you like")
        kiosk.until_text(deadline, "[status] waiting for the keypad")
        for recording in recordings.values():  # before the plug: part 1
            recording.stop()
        kiosk.key("headset on")
        time.sleep(0.3)
        record(2)
        kiosk.until_text(deadline, "(headset) Hello, Ava. You owe")
        time.sleep(4.0)  # let her hear some of it, then press 7 (I am done) over it
        kiosk.key("7")
        kiosk.until_text(deadline, "Goodbye")
        assert kiosk.process.wait(timeout=15) == 0
    finally:
        stop_process(kiosk.process)
        for recording in recordings.values():
            recording.stop()
    transcript = "\n".join(kiosk.transcript)
    before, _, after = transcript.partition("[caption] (headset) Headset connected")
    assert "(headset)" not in before, transcript
    assert "Please put on the headset to hear your account details" in before
    assert "Ava" not in before and "eighty-four" not in before
    assert before.count("[beep: key pressed]") == 4  # the PIN: a tone per digit
    assert "(headset) Hello, Ava. You owe eighty-four dollars" in after
    assert "[caption] " not in after.replace("[caption] (headset)", ""), after

    audio = {key: recording.samples() for key, recording in recordings.items()}
    assert _voiced_seconds(audio["speaker", 1]) > 3.0  # questions, beeps, headset request
    assert _voiced_seconds(audio["headset", 1]) == 0.0
    assert _voiced_seconds(audio["speaker", 2]) == 0.0  # muted once plugged
    assert _voiced_seconds(audio["headset", 2]) > 3.0  # her details, privately
