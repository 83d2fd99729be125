"""Noise alone on the digit steps, through the voice channel as ``kiosk voice`` runs it.

Nobody answers the ZIP code or account number question; the microphone hears only
noise: white noise (a fan, a hiss), store babble (other shoppers talking, which a
speech-trained voice detector passes as speech), a beeping tone (a scanner, an alarm) or
music playing in the store. The noise goes through the channel's
own end-pointer (Silero VAD gated by energy), its early end of a complete digit answer
and the recognizer; counted: sessions where the kiosk read digits back as the customer's
("I heard 0 1 1 1 8. Is that right?"), which it must never do for noise. A caller who
then said "yes" in a noisy store would have a wrong ZIP code or account number tried.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kiosk.speech.asr import ASR_RATE, Recognizer
from kiosk.speech.corpus import add_babble, music, pulsed_tones

#: Ava's account number (typed before the ZIP step).
ACCOUNT = "40152270"
NOISES = ("white", "white loud", "babble", "babble+hum", "tones", "music")
STEPS = ("account", "zip")


def noise_clips(seed: int) -> Iterator[tuple[str, np.ndarray]]:
    """Three seconds or so of each noise, different per seed."""
    rng = np.random.default_rng(seed)
    seconds = 2 + seed % 3
    yield "white", rng.normal(0, 0.05, ASR_RATE * seconds).astype(np.float32)
    yield "white loud", rng.normal(0, 0.3, ASR_RATE * 2).astype(np.float32)
    quiet = np.full(ASR_RATE * seconds, 1e-4, np.float32)
    yield "babble", add_babble(quiet, -30.0, seed)
    yield "babble+hum", add_babble(quiet + rng.normal(0, 3e-3, quiet.size), -20.0, seed + 50)
    yield "tones", pulsed_tones(seconds, seed, 0.05 * (1 + seed % 2))
    yield "music", music(seconds, seed, 0.05 * (1 + seed % 2))


def noise_alone(
    recognizer: Recognizer, seeds: int, noises: tuple[str, ...] = NOISES
) -> dict[tuple[str, str], list[bool]]:
    """Per (noise, step): whether each session read digits back from noise alone
    (``noises``: which of :data:`NOISES`)."""
    from kiosk.channels.voice import VoiceChannel
    from kiosk.channels.voice_devices import CaptionPrinter, CapturedSpeaker
    from kiosk.channels.voice_input import ScriptedUser, Turn
    from kiosk.conversation.engine import Conversation
    from kiosk.conversation.prompt import Register
    from kiosk.conversation.services import Services
    from kiosk.settings import Settings
    from kiosk.speech.tts import EspeakSynthesizer
    from kiosk.speech.voice_output import VoiceOutput
    from kiosk.store.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="bench-noise-"))
    seeded = folder / "seeded.sqlite3"
    open_store(Settings(database_url=f"sqlite:///{seeded}"), seed=True).dispose()
    synthesizer = EspeakSynthesizer()
    found: dict[tuple[str, str], list[bool]] = {}
    try:
        for seed in range(seeds):
            for noise, audio in noise_clips(seed):
                if noise not in noises:
                    continue
                for step in STEPS:
                    database = folder / "kiosk.sqlite3"
                    shutil.copyfile(seeded, database)
                    store = open_store(Settings(database_url=f"sqlite:///{database}"))
                    captions = CaptionPrinter()
                    output = VoiceOutput(
                        synthesizer,
                        CapturedSpeaker("speaker"),
                        CapturedSpeaker("headset"),
                        captions,
                    )
                    output.headset_present = True
                    before = [Turn(key="1")] + ([Turn(key=ACCOUNT)] if step == "zip" else [])
                    user = ScriptedUser(
                        [*before, Turn(audio=audio), Turn(key="cancel"), Turn(key="cancel")],
                        idle_step=1.0,
                    )
                    channel = VoiceChannel(
                        Conversation(Services(store), Register.SPOKEN),
                        output,
                        user,
                        captions=captions,
                        recognizer=recognizer,
                        microphone=user,
                        clock=user.clock,
                        verbosity="brief",
                    )
                    try:
                        channel.run()
                    finally:
                        store.dispose()
                    said = [c.text for c in captions.log.entries]
                    read_back = any(text.startswith("I heard") for text in said)
                    found.setdefault((noise, step), []).append(read_back)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return found


def noise_table(found: dict[tuple[str, str], list[bool]]) -> list[str]:
    """Rows: noise, step, sessions where digits were read back from noise."""
    rows = [f"{'noise':11} {'step':8} {'digits read back from noise':>28}"]
    for (noise, step), read in found.items():
        rows.append(f"{noise:11} {step:8} {f'{sum(read)}/{len(read)}':>28}")
    return rows
