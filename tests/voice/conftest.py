"""Fixtures for the voice channel: a private PulseAudio server with null sinks, a seeded
store, and espeak-ng user speech.

The PulseAudio daemon runs as a child of the test with its own XDG_RUNTIME_DIR (so it
never touches a desktop's sound server) and is stopped by its PID. Programs that use it
(the kiosk, parec, paplay) get its environment; sounddevice must be imported after that
environment is set, so the kiosk side always runs in a child process.
"""

from __future__ import annotations

import os
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

from kiosk.speech.asr import resample
from kiosk.speech.tts import EspeakSynthesizer
from kiosk.store.models import AttemptState, PaymentAttempt
from kiosk.store.store import Store

AVA = {"account": "40152270", "zip": "72201", "pin": "2468"}
PULSE_PROGRAMS = ("pulseaudio", "pactl", "parec", "paplay", "espeak-ng")


class PulseServer:
    """A private PulseAudio daemon with named null sinks (16 kHz mono)."""

    def __init__(self, runtime_dir: Path, sinks: list[str]) -> None:
        self.runtime_dir = runtime_dir
        self.sinks = sinks
        self.process: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "XDG_RUNTIME_DIR": str(runtime_dir),
            "HOME": str(runtime_dir),  # the cookie and state files go here, not in ~
            "PULSE_SERVER": f"unix:{runtime_dir}/pulse/native",
        }
        self.env.pop("PULSE_SINK", None)
        self.env.pop("PULSE_SOURCE", None)

    def start(self) -> PulseServer:
        command = [
            "pulseaudio",
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--disable-shm=yes",
            "--load=module-native-protocol-unix",
        ]
        command += [
            f"--load=module-null-sink sink_name={sink} rate=16000 channels=1" for sink in self.sinks
        ]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(self.runtime_dir / "pulseaudio.log").open("wb"),
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.pactl("info", check=False).returncode == 0:
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        log = (self.runtime_dir / "pulseaudio.log").read_text(errors="replace")
        raise RuntimeError(f"pulseaudio did not start: {log[-2000:]}")

    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, timeout=10, check=check
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def record(self, sink: str, path: Path) -> subprocess.Popen[bytes]:
        """parec from a sink's monitor into a raw s16le 16 kHz mono file."""
        return subprocess.Popen(
            [
                "parec",
                f"--device={sink}.monitor",
                "--rate=16000",
                "--channels=1",
                "--format=s16le",
                "--latency-msec=20",
                str(path),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def play(self, sink: str, wav: Path, timeout: float = 20) -> None:
        subprocess.run(
            ["paplay", f"--device={sink}", str(wav)], env=self.env, timeout=timeout, check=True
        )


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


def read_raw(path: Path) -> np.ndarray:
    data = np.frombuffer(path.read_bytes(), dtype="<i2")
    return data.astype(np.float32) / 32768.0


@pytest.fixture
def pulse_factory(tmp_path: Path) -> Iterator[object]:
    missing = [p for p in PULSE_PROGRAMS if shutil.which(p) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (make test installs them)")
    started: list[PulseServer] = []

    def start(*sinks: str) -> PulseServer:
        folder = tmp_path / f"pulse{len(started)}"
        folder.mkdir()
        server = PulseServer(folder, list(sinks)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def seeded_db_url(tmp_path: Path, seeded_sqlite_template: Path) -> str:
    path = tmp_path / "kiosk.sqlite3"
    shutil.copyfile(seeded_sqlite_template, path)
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
