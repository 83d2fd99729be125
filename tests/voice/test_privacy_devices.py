"""Privacy with two real output devices: a headset sink and an open-speaker sink.

``kiosk voice`` runs keypad-only (no microphone) on a private PulseAudio server with two
null sinks, both recorded from their monitors. Ava signs in and hears her menu (her name
and balance: personal), then leaves. Without a headset the speaker says the questions,
beeps for the PIN and asks for the headset, and never says her details; the headset sink
stays silent. With the headset on, everything goes to the headset and the speaker sink
stays silent.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.speech.vad import frame_energies_db

from .conftest import AVA, KioskProcess, read_raw, stop_process

LIMIT = 90.0


def _session(
    pulse, tmp_path: Path, db_url: str, headset: bool
) -> tuple[str, dict[str, np.ndarray]]:
    recordings = {sink: tmp_path / f"{sink}-{headset}.raw" for sink in ("speaker", "headset")}
    recorders = [pulse.record(sink, path) for sink, path in recordings.items()]
    env = {
        **pulse.env,
        "KIOSK_DATABASE_URL": db_url,
        "KIOSK_CONFIG": str(tmp_path / "none.toml"),
        "KIOSK_DATA_DIR": str(tmp_path),
        "KIOSK_VOICE_SPEAKER_SINK": "speaker",
        "KIOSK_VOICE_HEADSET_SINK": "headset",
        "KIOSK_VOICE_HEADSET": "true" if headset else "false",
        "KIOSK_VOICE_MICROPHONE": "false",
        "KIOSK_VOICE_VERBOSITY": "brief",
        "KIOSK_VOICE_RATE_LEVEL": "7",
    }
    kiosk = KioskProcess([sys.executable, "-m", "kiosk.cli", "voice"], env)
    deadline = time.monotonic() + LIMIT
    try:
        # Sign-in: each key cuts its question short (barge-in by key).
        for cue, key in (
            ("Choose how", "1"),
            ("account number", AVA["account"]),
            ("ZIP", AVA["zip"]),
        ):
            kiosk.until_text(deadline, cue)
            kiosk.key(key)
        # The PIN tones and the personal menu are heard in full.
        for cue, key in (("PIN", AVA["pin"]), ("What would you like", "7")):
            kiosk.until_text(deadline, cue)
            kiosk.until_text(deadline, "[status] waiting for the keypad")
            kiosk.key(key)
        kiosk.until_text(deadline, "Goodbye")
        assert kiosk.process.wait(timeout=10) == 0
    finally:
        stop_process(kiosk.process)
        for recorder in recorders:
            stop_process(recorder)
    return "\n".join(kiosk.transcript), {s: read_raw(p) for s, p in recordings.items()}


def _voiced_seconds(audio: np.ndarray) -> float:
    return float((frame_energies_db(audio, 16_000) > -45).sum() * 0.02)


@pytest.mark.timeout(240)
def test_details_never_on_the_speaker(pulse_factory, seeded_db_url: str, tmp_path: Path) -> None:
    pulse = pulse_factory("speaker", "headset")
    pulse.pactl("set-default-sink", "speaker")
    transcript, audio = _session(pulse, tmp_path, seeded_db_url, headset=False)
    captions = [line for line in transcript.splitlines() if "[caption]" in line]
    assert not any("(headset)" in line for line in captions), transcript
    spoken = " ".join(captions)
    assert "Please put on the headset to hear your account details" in spoken
    assert "Ava" not in spoken and "eighty-four" not in spoken
    assert spoken.count("[beep: key pressed]") == 4  # the PIN: a tone per digit
    assert _voiced_seconds(audio["speaker"]) > 5.0
    assert _voiced_seconds(audio["headset"]) == 0.0


@pytest.mark.timeout(240)
def test_headset_on_mutes_the_speaker(pulse_factory, seeded_db_url: str, tmp_path: Path) -> None:
    pulse = pulse_factory("speaker", "headset")
    pulse.pactl("set-default-sink", "speaker")
    transcript, audio = _session(pulse, tmp_path, seeded_db_url, headset=True)
    assert "(headset) Ava, you owe eighty-four dollars" in transcript
    assert _voiced_seconds(audio["headset"]) > 5.0
    assert _voiced_seconds(audio["speaker"]) == 0.0
