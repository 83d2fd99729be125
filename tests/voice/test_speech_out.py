"""Speech out: streamed piece by piece, with nothing lost, stoppable, and spoken even when
pyttsx3 writes no file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.speech.tts import Pyttsx3Synthesizer, stream_chunks
from kiosk.speech.vad import frame_energies_db

PROMPT = (
    "Thank you. We received eighty-four dollars and ninety-nine cents, paid by card. "
    "Your balance is now zero dollars."
)


@pytest.fixture(scope="module")
def synthesizer() -> Pyttsx3Synthesizer:
    return Pyttsx3Synthesizer()


def test_streamed_pieces_sound_as_long_as_the_whole(synthesizer) -> None:
    whole, rate = synthesizer.synthesize(PROMPT)
    pieces = list(synthesizer.synthesize_stream(PROMPT))
    assert len(pieces) == len(stream_chunks(PROMPT)) >= 3
    streamed = sum(len(audio) for audio, _ in pieces)
    assert abs(streamed - len(whole)) / rate < 0.05 * len(whole) / rate
    assert len(pieces[0][0]) < len(whole) / 4  # the first piece is short: heard sooner
    assert pieces[0][0].size and stream_chunks(PROMPT)[0] == "Thank you."
    # Silence around speech is trimmed (espeak-ng ends with ~0.35 s of it).
    assert np.abs(whole[-int(0.06 * rate) :]).max() > 0.0
    assert np.abs(whole[: int(0.02 * rate)]).max() > 0.001 or len(whole) < rate


def test_no_file_from_pyttsx3_falls_back_to_espeak_ng(monkeypatch) -> None:
    synthesizer = Pyttsx3Synthesizer()
    synthesizer.file_wait = 0.05
    monkeypatch.setattr(synthesizer._engine, "save_to_file", lambda text, path: None)
    started = time.perf_counter()
    audio, rate = synthesizer.synthesize("Say yes or no.")
    assert time.perf_counter() - started < 1.0
    assert synthesizer.fallbacks == 1 and rate == 22_050 and 0.5 < len(audio) / rate < 2.5


_CHILD = """
import json, sys, time
from kiosk.speech.audio import OutputDevice
from kiosk.speech.tts import Pyttsx3Synthesizer
from kiosk.speech.voice_output import StreamingSpeaker, VoiceOutput
out = VoiceOutput(Pyttsx3Synthesizer(), StreamingSpeaker(OutputDevice("s", pulse_sink="kiosk_sink")))
out.say(sys.argv[1])
stop_after = float(sys.argv[2])
started = time.monotonic()
while out.is_speaking and time.monotonic() - started < (stop_after or 30.0):
    time.sleep(0.01)
out.stop()
time.sleep(0.5)
print(json.dumps({"first_audio": out.first_audio}))
"""


def _speak_on_sink(pulse, tmp_path: Path, stop_after: float) -> tuple[float, float]:
    """(voiced seconds heard on the sink, seconds from say() to the first piece)."""
    raw = tmp_path / f"out{stop_after}.raw"
    recording = pulse.record("kiosk_sink.monitor", raw)
    time.sleep(0.3)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, PROMPT, str(stop_after)],
            env=pulse.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        time.sleep(0.3)
        recording.stop()
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout.strip().splitlines()[-1])["first_audio"][0]
    voiced = frame_energies_db(recording.samples(), 16_000) > -45
    return float(voiced.sum() * 0.02), first


@pytest.mark.timeout(120)
def test_a_streamed_prompt_plays_whole_on_a_real_device_and_stops_at_once(
    pulse_factory, tmp_path: Path, synthesizer
) -> None:
    pulse = pulse_factory("kiosk_sink")
    whole, rate = synthesizer.synthesize(PROMPT)
    full_voiced, first = _speak_on_sink(pulse, tmp_path, stop_after=0.0)
    print(
        f"voiced {full_voiced:.2f} of {len(whole) / rate:.2f} s; first piece {first * 1000:.0f} ms"
    )
    # Every piece was heard: about as much voiced sound as the prompt holds (pauses
    # between words are not voiced, and the sink may swallow the first ~0.2 s).
    assert full_voiced > 0.6 * len(whole) / rate
    assert first < 0.5  # the first piece was handed over at once
    cut_voiced, _ = _speak_on_sink(pulse, tmp_path, stop_after=1.5)
    print(f"stopped after 1.5 s: voiced {cut_voiced:.2f} s")
    assert cut_voiced < 2.0 < full_voiced  # stopped: the rest never played
