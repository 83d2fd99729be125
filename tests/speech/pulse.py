"""A private PulseAudio daemon with null sinks, for real-time audio tests.

Sinks: ``kiosk_sink`` (the open speaker), ``headset`` (the private output) and
``mic_feed`` (what the "customer" says; record from ``mic_feed.monitor``). Each sink's
``.monitor`` source captures what was played to it. The daemon runs as a child of the
test process in a temporary runtime directory and is stopped by its PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SINKS = ("kiosk_sink", "headset", "mic_feed")


@dataclass
class PulseServer:
    process: subprocess.Popen[bytes]
    runtime_dir: Path
    env: dict[str, str]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def record(self, source: str, rate: int = 16_000) -> subprocess.Popen[bytes]:
        """Start ``parec`` on ``source``; stop it with :func:`stop_recording`."""
        command = [
            "parec",
            "-d",
            source,
            "--format=s16le",
            f"--rate={rate}",
            "--channels=1",
            "--raw",
        ]
        # Into a file, not a pipe: parec blocks once a pipe's 64 KB (2 s) are unread.
        target = tempfile.NamedTemporaryFile(prefix="parec-", suffix=".raw", delete=False)  # noqa: SIM115
        recorder = subprocess.Popen(command, env=self.env, stdout=target)
        target.close()
        recorder.recording_path = Path(target.name)  # type: ignore[attr-defined]
        # Return once parec really captures (a monitor gives silence while idle): a
        # recorder that connected late would miss the start of what it should hear.
        deadline = time.monotonic() + 10
        while recorder.recording_path.stat().st_size == 0 and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.02)
        return recorder


def stop_recording(recorder: subprocess.Popen[bytes]) -> np.ndarray:
    """Stop a ``parec`` started by :meth:`PulseServer.record` and return float samples."""
    recorder.terminate()
    recorder.wait(timeout=5)
    path: Path = recorder.recording_path  # type: ignore[attr-defined]
    data = path.read_bytes()
    path.unlink(missing_ok=True)
    return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0


def available() -> bool:
    return all(shutil.which(p) for p in ("pulseaudio", "pactl", "parec", "paplay"))


def start_pulse(rate: int = 16_000) -> PulseServer:
    """Start the daemon and wait until it answers (raises RuntimeError if it does not)."""
    runtime = Path(tempfile.mkdtemp(prefix="kiosk-pulse-"))
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=str(runtime), PULSE_SERVER="")
    env.pop("PULSE_SERVER")
    sinks = [f"--load=module-null-sink sink_name={name} rate={rate} channels=1" for name in SINKS]
    command = [
        "pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
        "--disallow-exit", "--load=module-native-protocol-unix auth-anonymous=1", *sinks,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = PulseServer(process, runtime, env)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        done = subprocess.run(["pactl", "info"], env=env, capture_output=True)
        if done.returncode == 0:
            subprocess.run(["pactl", "set-default-sink", "kiosk_sink"], env=env, check=True)
            subprocess.run(["pactl", "set-default-source", "mic_feed.monitor"], env=env, check=True)
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("the private PulseAudio daemon did not start")
