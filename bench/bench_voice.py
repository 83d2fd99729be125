"""Voice channel figures: how long a whole voice payment sounds, how fast answers come.

- total audio of a full voice payment for Ava (40152270) at the default rate: the sum of
  every utterance the real synthesizer made along the real conversation path (answers by
  speech, PIN by keypad), full and brief verbosity; target <= 90 s;
- end-of-speech to answer latency through the channel (end-pointer decision to the
  engine's input, decoding included), median; target <= 300 ms;
- TTS time to first audio: VoiceOutput synthesizes a whole prompt before playing it, so
  that is its time to first audio; the first sentence alone (what sentence streaming
  would give) is the peer, median; target <= 150 ms.

Run: .venv/bin/python bench/bench_voice.py [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from kiosk.channels.voice import VoiceChannel
from kiosk.channels.voice_devices import CaptionPrinter, CapturedSpeaker
from kiosk.channels.voice_input import ScriptedUser, Turn
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.settings import Settings
from kiosk.speech.asr import PocketsphinxRecognizer, resample
from kiosk.speech.tts import EspeakSynthesizer, Pyttsx3Synthesizer, split_sentences
from kiosk.speech.voice_output import VoiceOutput
from kiosk.store.store import open_store

ANSWERS = [
    "start",
    "four zero one five two two seven zero",
    "yes",
    "seven two two zero one",
    "yes",
    None,  # the PIN, on the keypad
    "pay my bill",
    "full balance",
    "card",
    "yes",
    "no more receipts",
    "no",
]


def _payment(
    folder: Path, verbosity: str, synthesizer: Pyttsx3Synthesizer, recognizer, voice
) -> dict[str, float]:
    template = folder / "template.sqlite3"
    path = folder / f"{verbosity}.sqlite3"
    shutil.copyfile(template, path)
    store = open_store(Settings(database_url=f"sqlite:///{path}", kiosk_id="BENCH"))
    turns = []
    for answer in ANSWERS:
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
    )
    code = channel.run()
    store.dispose()
    return {
        "audio_s": speaker.seconds + headset.seconds,
        "utterances": float(len(captions.log.entries)),
        "completed": float(code == 0 and "Goodbye" in captions.log.entries[-1].text),
        "latency_ms": 1000 * statistics.median(channel.stats.latencies),
        "answers": float(len(channel.stats.latencies)),
    }


def _time_to_first_audio(synthesizer: Pyttsx3Synthesizer, texts: list[str]) -> tuple[float, float]:
    first, whole = [], []
    for text in texts:
        started = time.perf_counter()
        synthesizer.synthesize(split_sentences(text)[0])
        first.append(time.perf_counter() - started)
        started = time.perf_counter()
        synthesizer.synthesize(text)
        whole.append(time.perf_counter() - started)
    return 1000 * statistics.median(first), 1000 * statistics.median(whole)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per verbosity")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else 3
    folder = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    try:
        seeded = open_store(Settings(database_url=f"sqlite:///{folder / 'template.sqlite3'}"))
        seeded.dispose()
        synthesizer = Pyttsx3Synthesizer()
        recognizer = PocketsphinxRecognizer()
        voice = EspeakSynthesizer(voice="en-us+m3", rate_wpm=150)
        print("Full voice payment (Ava, speech answers, PIN by keypad, default rate 160 wpm)")
        print(
            f"{'verbosity':<10}{'audio s':>9}{'target':>8}{'utter.':>8}{'done':>6}"
            f"{'EOS->answer ms (median)':>26}"
        )
        spoken: list[str] = []
        for verbosity in ("full", "brief"):
            results = [
                _payment(folder, verbosity, synthesizer, recognizer, voice) for _ in range(runs)
            ]
            audio = statistics.median(r["audio_s"] for r in results)
            latency = statistics.median(r["latency_ms"] for r in results)
            done = all(r["completed"] for r in results)
            print(
                f"{verbosity:<10}{audio:>9.1f}{'<= 90':>8}{results[0]['utterances']:>8.0f}"
                f"{'yes' if done else 'NO':>6}{latency:>26.0f}"
            )
        spoken = [
            "Welcome. Here you can pay your bill and get help with your account. Choose how "
            "you want to use the kiosk.",
            "Please check. You will pay eighty-four dollars and ninety-nine cents by card for "
            "account ending 2270, with no fee. Is this right? Then use the card reader.",
            "Thank you. We received eighty-four dollars and ninety-nine cents paid by Visa "
            "ending 4242. Your confirmation number is zero zero zero, zero zero zero, zero two "
            "one. Your balance is now zero dollars.",
        ]
        first, whole = _time_to_first_audio(synthesizer, spoken * runs)
        print()
        print(f"{'TTS (pyttsx3)':<30}{'median ms':>10}{'target':>8}")
        print(f"{'whole prompt (first audio now)':<30}{whole:>10.0f}{'<= 150':>8}")
        print(f"{'first sentence (if streamed)':<30}{first:>10.0f}{'<= 150':>8}")
        print(f"{'ratio whole / first':<30}{whole / first:>10.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
