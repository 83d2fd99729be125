"""Voice channel figures: how long a whole voice payment sounds, how fast answers come.

- total audio of a full voice payment for Ava (40152270) at the default rate: the sum of
  every utterance the real synthesizer made along the real conversation path (answers by
  speech, PIN by keypad), brief (the default) and full verbosity; target <= 90 s;
- end of speech -> answer through the channel, on a simulated real-time clock (the
  microphone's blocks arrive when they would be spoken, decoding takes its real time),
  from the true end of each spoken answer to the answer being ready; complete answers
  end at a short pause (digits nothing can extend after 0.12 s through
  ``Recognizer.finish_early``; the 8-digit account number, which two more digits would
  turn into a phone number, and whole yes/no and menu phrases after 0.25 s), the peer is
  the same run waiting for the patience (1 s) every time; median, target <= 300 ms; the
  account step (the first digit answer) is also shown on its own;
- TTS time to first audio: from ``VoiceOutput.say`` to the first samples handed to the
  device, for every prompt of the payment, streamed piece by piece (what the kiosk does)
  against synthesized whole (the peer); and, where PulseAudio is installed, to the first
  voiced sound captured from a private null sink's monitor (a real-time device, after
  one warm-up utterance); median, target <= 150 ms.

Run: .venv/bin/python bench/bench_voice.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from kiosk.channels.voice import VoiceChannel
from kiosk.channels.voice_devices import CaptionPrinter, CapturedSpeaker
from kiosk.channels.voice_input import ScriptedUser, Turn
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.devtools import pulse_server
from kiosk.devtools.voice_script import AVA_PAYMENT_ANSWERS
from kiosk.settings import Settings
from kiosk.speech.asr import PocketsphinxRecognizer, Recognizer, resample
from kiosk.speech.audio import OutputDevice, Speaker
from kiosk.speech.tts import EspeakSynthesizer, Pyttsx3Synthesizer
from kiosk.speech.voice_output import VoiceOutput
from kiosk.store.store import open_store


class _WholeSpeaker(Speaker):
    """Keeps what it is asked to play; no ``extend``, so prompts are synthesized whole."""

    def __init__(self) -> None:
        super().__init__(OutputDevice("whole"))

    def play(self, audio: np.ndarray, rate: int, blocking: bool = False) -> None:
        """Nothing plays: only the time to get here is measured."""


def _payment(
    folder: Path,
    verbosity: str,
    synthesizer: Pyttsx3Synthesizer,
    recognizer: Recognizer,
    voice: EspeakSynthesizer,
    early: bool = True,
) -> dict[str, object]:
    template = folder / "template.sqlite3"
    path = folder / f"{verbosity}.sqlite3"
    shutil.copyfile(template, path)
    store = open_store(Settings(database_url=f"sqlite:///{path}", kiosk_id="BENCH"))
    turns = []
    for answer in AVA_PAYMENT_ANSWERS:
        if answer is None:
            turns.append(Turn(key="2468"))
        else:
            audio, rate = voice.synthesize(answer)
            turns.append(Turn(audio=resample(audio, rate, 16_000)))
    user = ScriptedUser(turns)
    speaker, headset = CapturedSpeaker(), CapturedSpeaker("headset")
    captions = CaptionPrinter()
    output = VoiceOutput(synthesizer, speaker, headset, captions)
    output.headset_present = True
    channel = VoiceChannel(
        Conversation(Services(store), Register.SPOKEN),
        output,
        user,
        recognizer=recognizer,
        microphone=user,
        captions=captions,
        verbosity=verbosity,
        clock=user.clock,
    )
    if not early:  # the peer: every answer waits for the patience
        channel.early_silence = channel.phrase_pause = 0.0
    code = channel.run()
    store.dispose()
    stats = channel.stats
    # True end of speech -> answer: each answer against the last speech end before it.
    latencies: dict[str, list[float]] = {"digits": [], "other": []}
    for answered, kind in zip(stats.answered_at, stats.latency_kinds, strict=True):
        ended = max(e for e in user.speech_ends if e <= answered)
        latencies["digits" if kind == "digits" else "other"].append(answered - ended)
    latencies["account"] = latencies["digits"][:1]  # AVA_PAYMENT_ANSWERS[1], the first digits
    return {
        "audio_s": speaker.seconds + headset.seconds,
        "utterances": float(len(captions.log.entries)),
        "completed": code == 0 and "Goodbye" in captions.log.entries[-1].text,
        "latencies": latencies,
        "early": stats.early_answers,
        "texts": [c.text for c in captions.log.entries if not c.text.startswith("[")],
    }


def _first_audio(synthesizer: Pyttsx3Synthesizer, texts: list[str]) -> tuple[float, float]:
    """Median seconds from say() to the first samples handed over: (streamed, whole)."""
    streamed = VoiceOutput(synthesizer, CapturedSpeaker())
    whole = VoiceOutput(synthesizer, _WholeSpeaker())
    for text in texts:
        streamed.say(text)
        whole.say(text)
    return statistics.median(streamed.first_audio), statistics.median(whole.first_audio)


def _device_first_audio(texts: list[str]) -> dict[str, list[float]] | None:
    """First audio at a real-time sink, streamed and whole: run in a child process,
    since sounddevice must be imported once the sound server is set."""
    if not pulse_server.installed():
        return None
    with pulse_server.PulseServer(["bench_sink"]) as server:
        done = subprocess.run(
            [sys.executable, __file__, "--first-audio-child"],
            input=json.dumps(texts),
            env=server.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _first_audio_child() -> int:
    """Say each text on the sink and time its first voiced sound on the sink's monitor."""
    from kiosk.speech.audio import OutputDevice, sounddevice
    from kiosk.speech.voice_output import StreamingSpeaker

    texts = json.loads(sys.stdin.read())
    arrivals: queue.Queue[tuple[float, float]] = queue.Queue()

    def heard(block: np.ndarray, _frames: int, _time: object, _status: object) -> None:
        level = float(np.sqrt(np.mean(block[:, 0] ** 2)))
        arrivals.put((time.monotonic() - 160 / 16_000, level))  # the block's first sample

    os.environ["PULSE_SOURCE"] = "bench_sink.monitor"
    monitor = sounddevice().InputStream(
        samplerate=16_000, channels=1, dtype="float32", blocksize=160, callback=heard
    )
    monitor.start()
    synthesizer = Pyttsx3Synthesizer()
    results: dict[str, list[float]] = {}
    for name, speaker in (
        ("streamed", StreamingSpeaker(OutputDevice("streamed", pulse_sink="bench_sink"))),
        ("whole", Speaker(OutputDevice("whole", pulse_sink="bench_sink"))),
    ):
        output = VoiceOutput(synthesizer, speaker)
        firsts: list[float] = []
        for index, text in enumerate(["Warm up.", *texts]):
            time.sleep(0.2)
            while not arrivals.empty():
                arrivals.get_nowait()
            started = time.monotonic()
            output.say(text)
            while time.monotonic() < started + 5.0:
                try:
                    at, level = arrivals.get(timeout=0.5)
                except queue.Empty:
                    continue
                if level > 0.01:
                    if index:
                        firsts.append(max(0.0, at - started))
                    break
            output.stop()
        results[name] = firsts
    monitor.stop()
    print(json.dumps(results))
    return 0


def _median_ms(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):.0f}" if values else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per verbosity")
    parser.add_argument("--first-audio-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_audio_child:
        return _first_audio_child()
    runs = 1 if args.quick else 3
    folder = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    try:
        seeded = open_store(
            Settings(database_url=f"sqlite:///{folder / 'template.sqlite3'}"), seed=True
        )
        seeded.dispose()
        synthesizer = Pyttsx3Synthesizer()
        recognizer = PocketsphinxRecognizer()
        voice = EspeakSynthesizer(voice="en-us+m3", rate_wpm=150)
        print("Full voice payment (Ava, speech answers, PIN by keypad, default rate 160 wpm)")
        print(f"{'verbosity':<16}{'audio s':>9}{'target':>8}{'utter.':>8}{'done':>6}")
        texts: list[str] = []
        for verbosity in ("brief", "full"):
            results = [
                _payment(folder, verbosity, synthesizer, recognizer, voice) for _ in range(runs)
            ]
            audio = statistics.median(float(r["audio_s"]) for r in results)  # type: ignore[arg-type]
            done = all(r["completed"] for r in results)
            name = f"{verbosity} (default)" if verbosity == "brief" else verbosity
            print(
                f"{name:<16}{audio:>9.1f}{'<= 90':>8}{results[0]['utterances']:>8.0f}"
                f"{'yes' if done else 'NO':>6}"
            )
            texts += results[0]["texts"]  # type: ignore[arg-type]
        print()
        print("End of speech -> answer in the channel (simulated real time, patience 1.0 s)")
        print(
            f"{'':<34}{'account ms':>11}{'digits ms':>10}{'other ms':>10}{'all ms':>8}{'early':>7}"
        )
        rows = {}
        for early in (True, False):
            lat: dict[str, list[float]] = {"account": [], "digits": [], "other": []}
            taken = 0
            for _ in range(runs):
                result = _payment(folder, "brief", synthesizer, recognizer, voice, early)
                for kind, values in result["latencies"].items():  # type: ignore[attr-defined]
                    lat[kind] += values
                taken += int(result["early"])  # type: ignore[call-overload]
            rows[early] = lat
            name = "complete answers end at a pause" if early else "patience only (peer)"
            print(
                f"{name:<34}{_median_ms(lat['account']):>11}{_median_ms(lat['digits']):>10}"
                f"{_median_ms(lat['other']):>10}{_median_ms(lat['digits'] + lat['other']):>8}"
                f"{taken:>7}"
            )
        ratios = [
            statistics.median(rows[False][kind]) / statistics.median(rows[True][kind])
            for kind in ("account", "digits", "other")
        ]
        print(f"{'ratio peer / kiosk':<34}{ratios[0]:>11.1f}{ratios[1]:>10.1f}{ratios[2]:>10.1f}")
        print()
        streamed, whole = _first_audio(synthesizer, texts * runs)
        print(f"TTS time to first audio, {len(texts)} payment prompts x {runs} (pyttsx3)")
        print(f"{'':<44}{'median ms':>10}{'target':>8}")
        print(f"{'streamed, handed to the device (the kiosk)':<44}{1000 * streamed:>10.1f}")
        print(f"{'whole prompt, handed to the device (peer)':<44}{1000 * whole:>10.1f}")
        print(f"{'ratio whole / streamed':<44}{whole / streamed:>10.1f}")
        heard = _device_first_audio(texts)
        if heard is None:
            print("(first audio on a real-time device not measured: no PulseAudio, or it failed)")
        else:
            for name in ("streamed", "whole"):
                label = f"{name}, heard on a PulseAudio null sink"
                print(f"{label:<44}{_median_ms(heard[name]):>10}{'<= 150':>8}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
