"""A throwaway PulseAudio daemon with null sinks, for real-time audio tests and benchmarks.

Each null sink is a real-time device: what is played to ``name`` can be captured from
``name.monitor``, so a test plays the "customer" into one sink (the kiosk's microphone
records its monitor) and records what the kiosk played from another. The daemon runs as
our child in a private runtime directory (it never touches a desktop's sound server),
is stopped by its PID, and its runtime directory is deleted.

Programs that should use it get :attr:`PulseServer.env`. sounddevice reads the sound
server when it is imported, so anything using sounddevice must run in a child process
started with that environment.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

#: The programs the daemon and its helpers need (Debian: pulseaudio, pulseaudio-utils).
PROGRAMS = ("pulseaudio", "pactl", "parec", "paplay")


def missing_programs(extra: Sequence[str] = ()) -> list[str]:
    """The programs of :data:`PROGRAMS` (and ``extra``) that are not installed."""
    return [name for name in (*PROGRAMS, *extra) if shutil.which(name) is None]


def installed() -> bool:
    """Whether the daemon and its helpers can run here."""
    return not missing_programs()


@dataclass
class Recording:
    """A ``parec`` capture into a raw s16le mono file; :meth:`stop` ends it by its PID."""

    process: subprocess.Popen[bytes]
    path: Path

    def stop(self) -> np.ndarray:
        """Stop recording (if it still runs) and return what was captured."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.samples()

    def samples(self) -> np.ndarray:
        """The samples captured so far, as float32 in [-1, 1)."""
        data = self.path.read_bytes()
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0


class PulseServer:
    """Start with :meth:`start`, stop with :meth:`stop` (by the PID we started).

    Args:
        sinks: null sinks to create, by name (mono, ``rate`` Hz).
        default_sink: the sink programs play to unless told otherwise.
        default_source: the source programs record from, e.g. ``"mic_feed.monitor"``.
    """

    def __init__(
        self,
        sinks: Sequence[str],
        *,
        rate: int = 16_000,
        default_sink: str | None = None,
        default_source: str | None = None,
    ) -> None:
        missing = missing_programs()
        if missing:
            raise RuntimeError(
                f"{', '.join(missing)} not found (apt-get install pulseaudio pulseaudio-utils)"
            )
        self.sinks = list(sinks)
        self.rate = rate
        self.default_sink = default_sink
        self.default_source = default_source
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="kiosk-pulse-"))
        self.log_path = self.runtime_dir / "pulseaudio.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "HOME": str(self.runtime_dir),  # the cookie and state files go here, not in ~
            "PULSE_SERVER": f"unix:{self.runtime_dir}/pulse/native",
        }
        for name in ("PULSE_SINK", "PULSE_SOURCE"):  # a caller's own choices would win
            self.env.pop(name, None)

    def start(self, timeout: float = 15.0) -> PulseServer:
        """Start the daemon, create the sinks, set the defaults; return once it answers.

        Raises:
            RuntimeError: the daemon did not start in time; the message ends with its log.
        """
        command = [
            "pulseaudio",
            "-n",  # no default.pa: only the modules below
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--disallow-exit",
            "--disable-shm=yes",
            "--load=module-native-protocol-unix auth-anonymous=1",
        ]
        command += [
            f"--load=module-null-sink sink_name={sink} rate={self.rate} channels=1"
            for sink in self.sinks
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=subprocess.DEVNULL, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pactl("info", check=False).returncode == 0:
                if self.default_sink:
                    self.pactl("set-default-sink", self.default_sink)
                if self.default_source:
                    self.pactl("set-default-source", self.default_source)
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        log_tail = self.log_path.read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"pulseaudio did not start in {timeout:.0f} s:\n{log_tail}")

    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        """Run ``pactl`` against this daemon (e.g. ``pactl("set-default-sink", "speaker")``)."""
        return subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, timeout=10, check=check
        )

    def record(self, source: str, path: Path, timeout: float = 10.0) -> Recording:
        """Record ``source`` (a sink's ``.monitor``) as raw s16le mono into ``path``.

        Into a file, not a pipe: ``parec`` blocks once a pipe's 64 KB (2 s) are unread.
        Returns once it really captures (a monitor gives silence while idle), so nothing
        played afterwards is missed.
        """
        with path.open("wb") as target:
            recorder = subprocess.Popen(
                [
                    "parec",
                    f"--device={source}",
                    "--format=s16le",
                    f"--rate={self.rate}",
                    "--channels=1",
                    "--raw",
                    "--latency-msec=20",
                ],
                env=self.env,
                stdout=target,
                stderr=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while path.stat().st_size == 0 and time.monotonic() < deadline:
            if recorder.poll() is not None:
                raise RuntimeError(f"parec on {source} ended with code {recorder.returncode}")
            time.sleep(0.02)
        return Recording(recorder, path)

    def play(self, sink: str, wav: Path, timeout: float = 20.0) -> None:
        """Play a WAV file on ``sink`` in real time; return when it has played."""
        subprocess.run(
            ["paplay", f"--device={sink}", str(wav)], env=self.env, timeout=timeout, check=True
        )

    def stop(self) -> None:
        """SIGTERM to the daemon (SIGKILL if it lingers), then delete its runtime dir."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def __enter__(self) -> PulseServer:
        return self.start() if self.process is None else self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
