"""Drive ``kiosk run`` in a real terminal with real audio: the talking kiosk's proof rig.

The kiosk runs in tmux under a private PulseAudio (:class:`PulseServer`) that has
one sink, the open speaker. Plugging the headset in is what a hot-plugged headset
looks like to the sound server: a new sink appears (``module-null-sink``), and the
kiosk sees it through ``pactl subscribe``. Both sinks' monitors are recorded from
the moment they exist, so the test knows what was audible where and when; keys go
in by ``tmux send-keys`` as a keypad's would.

Used by ``tests/ui/test_speaking_kiosk.py`` and ``bench/bench_kiosk_speech.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.devtools.pulse_server import PulseServer, Recording, missing_programs

__all__ = ["SpeakingKiosk", "missing"]

SPEAKER = "kiosk_speaker"
HEADSET = "kiosk_headset"
RATE = 16_000
LOUD = 0.004  # a 20 ms block above this RMS is sound (the kiosk's default level is 0.15)
BLOCK = RATE // 50


def missing() -> list[str]:
    """What this machine lacks to run the rig (empty when it can)."""
    return missing_programs(("tmux", "espeak-ng"))


@dataclass
class _Track:
    """A recording of one sink's monitor, with the moment its first sample was taken."""

    recording: Recording
    started: float

    def samples(self) -> np.ndarray:
        return self.recording.samples()

    def time_of(self, index: int) -> float:
        return self.started + index / RATE


@dataclass
class SpeakingKiosk:
    """One kiosk process, its sound server and its two recordings.

    Args:
        kiosk: the ``kiosk`` console script.
        workdir: an empty directory for the data, the recordings and the tmux socket.
        repo: where the kiosk is started from.
    """

    kiosk: Path
    workdir: Path
    repo: Path
    pulse: PulseServer = field(init=False)
    socket: str = field(init=False)
    tracks: dict[str, _Track] = field(init=False, default_factory=dict)
    headset_module: str = ""
    key_times: list[tuple[str, float]] = field(init=False, default_factory=list)

    # ------------------------------------------------------------ lifecycle
    def start(self, *args: str) -> SpeakingKiosk:
        """Start the sound server, seed the demo data, start ``kiosk run ARGS`` in tmux;
        whatever started is stopped again if a later part fails."""
        try:
            return self._start(args)
        except BaseException:
            self.stop()
            raise

    def _start(self, args: tuple[str, ...]) -> SpeakingKiosk:
        self.pulse = PulseServer([SPEAKER], rate=RATE, default_sink=SPEAKER).start()
        env = {
            **self.pulse.env,
            "KIOSK_DATA_DIR": str(self.workdir),
            "KIOSK_CONFIG": str(self.workdir / "none.toml"),
            "KIOSK_DEMO": "1",
            "KIOSK_VOICE_SPEAKER_SINK": SPEAKER,
            "KIOSK_VOICE_HEADSET_SINK": HEADSET,
            "TEXTUAL_ANIMATIONS": "none",
        }
        env.pop("KIOSK_DATABASE_URL", None)
        subprocess.run(
            [str(self.kiosk), "db", "seed"], env=env, capture_output=True, timeout=120, check=True
        )
        self._record(SPEAKER)
        names = [
            "XDG_RUNTIME_DIR",
            "HOME",
            "PULSE_SERVER",
            "KIOSK_DATA_DIR",
            "KIOSK_CONFIG",
            "KIOSK_DEMO",
            "KIOSK_VOICE_SPEAKER_SINK",
            "KIOSK_VOICE_HEADSET_SINK",
            "TEXTUAL_ANIMATIONS",
        ]
        assignments = " ".join(f"{name}={env[name]}" for name in names)
        command = f"env {assignments} {self.kiosk} run {' '.join(args)}".strip()
        self.socket = f"kiosk-speech-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["tmux", "-L", self.socket, "new-session", "-d", "-s", "k", "-x", "100", "-y", "32"]
            + ["-c", str(self.repo), command],
            check=True,
        )
        return self

    def stop(self) -> None:
        """Our tmux server, our recordings, our sound server: each by what we started."""
        if getattr(self, "socket", ""):
            subprocess.run(["tmux", "-L", self.socket, "kill-server"], check=False)
        for track in self.tracks.values():
            track.recording.stop()
        if hasattr(self, "pulse"):
            self.pulse.stop()

    def __enter__(self) -> SpeakingKiosk:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------- screen
    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "capture-pane", "-p", "-t", "k"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")

    def wait_for_pattern(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            found = re.search(pattern, screen)
            if found is not None:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} did not appear; the screen was:\n{screen}")

    def wait_speech_ready(self, timeout: float = 60.0) -> None:
        """Wait until the kiosk's speech output and headset watch run (built after the
        first screen; slow on a busy machine): its log says so."""
        from kiosk.ui.app import SPEECH_READY

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for log in self.workdir.rglob("*.log"):
                if SPEECH_READY in log.read_text(errors="replace"):
                    return
            time.sleep(0.1)
        raise AssertionError(f"the kiosk's log never said {SPEECH_READY!r}")

    # ---------------------------------------------------------------- keys
    def press(self, *keys: str) -> float:
        """Send keys as a keypad does; returns when the last one went in."""
        at = time.monotonic()
        for key in keys:
            at = time.monotonic()
            subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", "k", key], check=True)
            self.key_times.append((key, at))
        return at

    # --------------------------------------------------------------- audio
    def plug_headset(self) -> float:
        """A headset goes into the jack: its sink appears on the sound server."""
        done = self.pulse.pactl(
            "load-module",
            "module-null-sink",
            f"sink_name={HEADSET}",
            f"rate={RATE}",
            "channels=1",
        )
        self.headset_module = done.stdout.decode().strip()
        at = time.monotonic()
        self._record(HEADSET)
        return at

    def unplug_headset(self) -> float:
        self.pulse.pactl("unload-module", self.headset_module)
        return time.monotonic()

    def _record(self, sink: str) -> None:
        path = self.workdir / f"{sink}.raw"
        recording = self.pulse.record(f"{sink}.monitor", path)
        self.tracks[sink] = _Track(recording, time.monotonic())

    def loud_blocks(self, sink: str, since: float = 0.0) -> list[float]:
        """Start times of the 20 ms blocks with sound on ``sink`` after ``since``."""
        track = self.tracks.get(sink)
        if track is None:
            return []
        audio = track.samples()
        first = max(0, int((since - track.started) * RATE))
        blocks = audio[first : len(audio) // BLOCK * BLOCK]
        if blocks.size < BLOCK:
            return []
        usable = blocks[: blocks.size // BLOCK * BLOCK].reshape(-1, BLOCK)
        rms = np.sqrt(np.mean(usable**2, axis=1))
        return [track.time_of(first + int(i) * BLOCK) for i in np.flatnonzero(rms > LOUD)]

    def first_sound(self, sink: str, since: float, timeout: float = 5.0) -> float | None:
        """Seconds from ``since`` to the first sound on ``sink`` (None: none came)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            loud = self.loud_blocks(sink, since)
            if loud:
                return loud[0] - since
            time.sleep(0.02)
        return None

    def wait_quiet(self, sink: str, quiet: float = 1.0, timeout: float = 60.0) -> float:
        """Wait until ``sink`` has been silent for ``quiet`` seconds; returns when it was."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            loud = self.loud_blocks(sink, time.monotonic() - quiet - 0.2)
            if not loud:
                return time.monotonic()
            time.sleep(0.05)
        raise AssertionError(f"{sink} never went quiet")

    def audio(self, sink: str, start: float = 0.0, end: float | None = None) -> np.ndarray:
        track = self.tracks.get(sink)
        if track is None:
            return np.zeros(0, np.float32)
        audio = track.samples()
        first = max(0, int((start - track.started) * RATE))
        last = len(audio) if end is None else max(first, int((end - track.started) * RATE))
        return audio[first:last]

    def sound_seconds(self, sink: str) -> float:
        """Seconds of sound on ``sink`` (20 ms blocks above the floor)."""
        return len(self.loud_blocks(sink)) * BLOCK / RATE


def tmux_ok() -> bool:
    return shutil.which("tmux") is not None


@dataclass
class PaymentRun:
    """What a keypad-only payment with the headset measured."""

    seconds_to_pay: float = 0.0  # headset plugged in -> confirmation on screen
    first_audio: list[float] = field(default_factory=list)  # key -> first sound (s)
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (s, key on which step)
    headset_seconds: float = 0.0  # sound on the headset, plug-in to the end of the result
    speaker_seconds_after_plug: float = 0.0
    confirmation: str = ""
    confirmation_heard: bool = False  # the recognizer heard exactly that number
    silent_keys: list[str] = field(default_factory=list)  # keys no sound followed


# (keys, the text on screen once they are taken). Ava: account, ZIP, PIN, pay in full by card.
AVA_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("1",), "Enter your account number"),
    ((*"40152270", "Enter"), "ZIP code"),
    ((*"72201", "Enter"), "PIN"),
    ((*"2468", "Enter"), "Pay my bill"),
    (("2",), "How much"),
    (("1",), "How do you want to pay"),
    (("1",), "Please check"),
)


def pay_ava(kiosk: SpeakingKiosk, *, listen: bool, key_gap: float = 0.3) -> PaymentRun:
    """Plug the headset in at the welcome and pay Ava's bill with keypad keys only.

    ``listen``: a customer who hears everything: each key waits for the speech before
    it to end (so ``first_audio`` is the kiosk's reaction from silence, and the time
    to pay is speech plus keys); otherwise keys follow ``key_gap`` apart and cut the
    speech (any key stops it), which only proves that something is said each time.
    """
    run = PaymentRun()
    kiosk.wait_for("Welcome. Here you can pay your bill")
    kiosk.wait_speech_ready()
    started = kiosk.plug_headset()
    if kiosk.first_sound(HEADSET, started) is None:
        run.silent_keys.append("headset plugged in")
    if listen:
        kiosk.wait_quiet(HEADSET)
    for keys, shown in AVA_KEYS:
        for key in keys:
            at = kiosk.press(key)
            delay = kiosk.first_sound(HEADSET, at, timeout=3.0)
            if delay is None:
                run.silent_keys.append(key)
            elif listen:
                run.first_audio.append(delay)
                run.slowest = sorted([*run.slowest, (delay, f"{key} -> {shown}")])[-3:]
            if listen:
                kiosk.wait_quiet(HEADSET, quiet=0.4)
            else:
                time.sleep(key_gap)
        kiosk.wait_for(shown, timeout=30)
        if listen:
            kiosk.wait_quiet(HEADSET)
    at = kiosk.press("1")  # yes, pay
    found = kiosk.wait_for_pattern(r"(\d{3}) (\d{3}) (\d{3})", timeout=60)
    run.seconds_to_pay = time.monotonic() - started
    run.confirmation = "".join(found.groups())
    run.confirmation_heard = hear_confirmation(kiosk, run.confirmation, since=at)
    if listen:
        kiosk.wait_quiet(HEADSET, quiet=1.2, timeout=120)  # the whole result, read out
    run.headset_seconds = kiosk.sound_seconds(HEADSET)
    run.speaker_seconds_after_plug = len(kiosk.loud_blocks(SPEAKER, started)) * BLOCK / RATE
    return run


def sentences(audio: np.ndarray, pause: float = 0.3) -> list[tuple[int, int]]:
    """(start, end) sample ranges of the stretches of sound separated by ``pause``
    seconds of quiet (a sentence's end); a stretch still going at the end is left out."""
    count = len(audio) // BLOCK
    if count == 0:
        return []
    rms = np.sqrt(np.mean(audio[: count * BLOCK].reshape(count, BLOCK) ** 2, axis=1))
    gap = int(pause * RATE / BLOCK)
    found: list[tuple[int, int]] = []
    start: int | None = None
    quiet = 0
    for index, loud in enumerate(rms > LOUD):
        if loud:
            start = index if start is None else start
            quiet = 0
        elif start is not None:
            quiet += 1
            if quiet >= gap:
                found.append((start * BLOCK, (index - quiet + 1) * BLOCK))
                start, quiet = None, 0
    return found


def hear_confirmation(
    kiosk: SpeakingKiosk, number: str, since: float, timeout: float = 60.0
) -> bool:
    """Whether the project's recognizer hears "your confirmation number is <number>"
    on the headset, sentence by sentence as they are spoken.

    Each sentence is decoded against that phrase and the 81 phrases whose number
    differs from it in one digit, so only the right digits win; a sentence that is
    something else entirely matches none of them (the recognizer rejects it).
    """
    from kiosk.speech.asr import PocketsphinxRecognizer
    from kiosk.speech.numbers import digits_to_words

    def phrase(digits: str) -> str:
        return "your confirmation number is " + digits_to_words(digits).replace(",", "")

    near = {number[:i] + d + number[i + 1 :] for i in range(len(number)) for d in "0123456789"}
    phrases = [phrase(candidate) for candidate in sorted(near)]
    wanted = phrase(number)
    recognizer = PocketsphinxRecognizer()
    tried = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        audio = kiosk.audio(HEADSET, since)
        found = sentences(audio)
        for start, end in found[tried:]:
            if end - start < RATE:  # shorter than the sentence could be
                continue
            result = recognizer.recognize(audio[start:end], RATE, phrases)
            if result.text == wanted:
                return True
        tried = len(found)
        time.sleep(0.5)
    return False
