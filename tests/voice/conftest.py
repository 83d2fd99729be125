"""Fixtures for the voice channel: a private PulseAudio server with null sinks
(:mod:`kiosk.devtools.pulse_server`), a seeded store, and espeak-ng user speech.

Programs that use the sound server (the kiosk, parec, paplay) get its environment;
sounddevice must be imported after that environment is set, so the kiosk side always
runs in a child process.
"""

from __future__ import annotations

import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from kiosk.devtools.pulse_server import PulseServer, missing_programs
from kiosk.speech.asr import resample
from kiosk.speech.tts import EspeakSynthesizer
from kiosk.store.models import AttemptState, PaymentAttempt
from kiosk.store.store import Store

AVA = {"account": "40152270", "zip": "72201", "pin": "2468"}


class KioskProcess:
    """The kiosk child: stdout lines read by a thread, stdin as the keypad."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.transcript: list[str] = []
        self.started = time.monotonic()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(f"{time.monotonic() - self.started:6.1f} {line.rstrip()}")
        self.lines.put(None)

    def until_listening(self, deadline: float) -> list[str] | None:
        """Caption lines up to the next ``[status] listening``; None when the kiosk ended."""
        captions: list[str] = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                return None
            self.transcript.append(line)
            text = line[7:]
            if text.startswith("[caption]"):
                captions.append(text)
            elif text in ("[status] listening", "[status] waiting for the keypad"):
                return captions
        raise AssertionError("the kiosk stopped talking:\n" + "\n".join(self.transcript[-30:]))

    def until_text(self, deadline: float, needle: str) -> None:
        """Read lines until one contains ``needle``."""
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            assert line is not None, "\n".join(self.transcript[-30:])
            self.transcript.append(line)
            if needle in line:
                return
        raise AssertionError(f"no {needle!r}:\n" + "\n".join(self.transcript[-30:]))

    def key(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()


def stop_process(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Stop a child we started, by its handle (PID)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def pulse_factory() -> Iterator[object]:
    """``pulse_factory(*sinks, default_sink=..., default_source=...)``: a started daemon,
    stopped after the test."""
    missing = missing_programs(extra=("espeak-ng",))
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (make test installs them)")
    started: list[PulseServer] = []

    def start(*sinks: str, **defaults: str) -> PulseServer:
        server = PulseServer(sinks, **defaults)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def seeded_db_url(tmp_path: Path, seeded_now_template: Path) -> str:
    """A store for a kiosk process, which runs on the real clock."""
    path = tmp_path / "kiosk.sqlite3"
    shutil.copyfile(seeded_now_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def user_voice() -> EspeakSynthesizer:
    """The customer: a different espeak-ng voice from the kiosk's own."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    return EspeakSynthesizer(voice="en-us+m3", rate_wpm=150)


def user_audio(voice: EspeakSynthesizer, text: str, rate: int = 16_000) -> np.ndarray:
    audio, source_rate = voice.synthesize(text)
    return resample(audio, source_rate, rate)


def succeeded_payments(store: Store) -> list[PaymentAttempt]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(PaymentAttempt).where(PaymentAttempt.state == AttemptState.SUCCEEDED)
            )
        )
