"""Audio out and in over sounddevice (PortAudio): interruptible playback, tones, microphone.

Playback runs in a PortAudio callback that reads from a buffer, so ``stop()`` silences
speech within one block (any key or barge-in), ``pause()``/``resume()`` hold the place
and the volume applies at once. An output is a PortAudio device and, on PulseAudio, a
named sink (``pulse_sink``), which is how the headset and the open speaker are told
apart. sounddevice is imported lazily: PortAudio lists devices at import, so the
environment (PulseAudio server, sinks) must be settled first.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "AudioDeviceError",
    "Microphone",
    "OpenSpeaker",
    "OutputDevice",
    "Speaker",
    "digit_tone",
    "find_device",
    "quiet_alsa",
    "sounddevice",
    "tone",
]


class AudioDeviceError(RuntimeError):
    """No audio device, or not the one asked for: the keypad path must take over."""


_env_lock = threading.Lock()


def sounddevice() -> ModuleType:
    """Import sounddevice on first use.

    Raises:
        AudioDeviceError: when PortAudio (Debian ``libportaudio2``) is missing.
    """
    try:
        import sounddevice as sd
    except OSError as error:
        raise AudioDeviceError(f"PortAudio is not available: {error}") from error
    return sd


def find_device(name: str | int | None, kind: str = "output") -> int | None:
    """Index of the first device whose name contains ``name`` and can do ``kind``.

    None means the system default. Raises:
        AudioDeviceError: when there is no such device (or no device at all).
    """
    sd = sounddevice()
    devices = list(sd.query_devices())
    channels_key = "max_output_channels" if kind == "output" else "max_input_channels"
    usable = [(i, d) for i, d in enumerate(devices) if d[channels_key] > 0]
    if not usable:
        raise AudioDeviceError(f"no audio {kind} device (no sound card and no sound server)")
    if name is None:
        return None
    if isinstance(name, int):
        if name in (i for i, _ in usable):
            return name
        raise AudioDeviceError(f"audio device {name} cannot do {kind}")
    for index, device in usable:
        if name.lower() in str(device["name"]).lower():
            return index
    names = ", ".join(str(d["name"]) for _, d in usable)
    raise AudioDeviceError(f"no audio {kind} device named {name!r} (have: {names})")


@contextlib.contextmanager
def _pulse_target(variable: str, target: str | None) -> Iterator[None]:
    """Point the PulseAudio ALSA plugin at a named sink/source while a stream opens."""
    if target is None:
        yield
        return
    with _env_lock:
        previous = os.environ.get(variable)
        os.environ[variable] = target
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = previous


def _abort_and_close(stream: Any) -> None:
    """Silence a PortAudio stream at once (abort, do not drain) and free it; a stream
    whose device has gone may refuse either, and is dropped all the same."""
    if stream is None:
        return
    with contextlib.suppress(Exception):
        stream.abort()
    with contextlib.suppress(Exception):
        stream.close()


@dataclass(frozen=True)
class OutputDevice:
    """Where sound goes: a PortAudio device (name part or index) and/or a PulseAudio sink."""

    name: str
    device: str | int | None = None
    pulse_sink: str | None = None


def tone(
    frequency: float = 880.0, duration: float = 0.08, rate: int = 22_050, volume: float = 0.4
) -> np.ndarray:
    """A short sine beep with 5 ms fades (no click)."""
    count = max(1, int(duration * rate))
    t = np.arange(count, dtype=np.float32) / rate
    wave = np.sin(2 * np.pi * frequency * t).astype(np.float32) * volume
    fade = min(count // 2, int(0.005 * rate))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        wave[:fade] *= ramp
        wave[-fade:] *= ramp[::-1]
    return wave


def digit_tone(rate: int = 22_050) -> np.ndarray:
    """The beep for one masked digit on the open speaker: the same for every digit."""
    return tone(1000.0, 0.07, rate)


class Speaker:
    """Interruptible playback of float mono buffers on one output.

    Raises (from :meth:`play`):
        AudioDeviceError: when the device is missing or cannot be opened.
    """

    block = 512
    tail_padding = 0.3

    def __init__(self, output: OutputDevice | None = None, volume: float = 1.0) -> None:
        self.output = output or OutputDevice("default")
        self.volume = volume
        self._stream: Any = None
        self._buffer = np.zeros(0, dtype=np.float32)
        self._position = 0
        self._paused = False
        self._done = threading.Event()
        self._done.set()
        self._lock = threading.Lock()

    @property
    def is_playing(self) -> bool:
        return not self._done.is_set()

    @property
    def paused(self) -> bool:
        return self._paused

    def play(self, audio: np.ndarray, rate: int, blocking: bool = False) -> None:
        """Start playing ``audio`` (stopping whatever was playing)."""
        self.stop()
        device = find_device(self.output.device, "output")
        with self._lock:
            # Trailing silence: a device (e.g. ALSA's pulse plugin) may not start, or may
            # drop the tail, for a buffer shorter than its start threshold (a 70 ms beep).
            samples = np.asarray(audio, dtype=np.float32).ravel()
            tail = np.zeros(int(self.tail_padding * rate), dtype=np.float32)
            # The PulseAudio ALSA plugin swallows about the first 0.2 s of a new stream
            # (measured on null sinks): a short beep needs silence before it.
            lead = np.zeros(int(0.25 * rate) if len(samples) < rate // 2 else 0, np.float32)
            self._buffer = np.concatenate([lead, samples, tail])
            self._position = 0
            self._paused = False
            self._done.clear()
        self._stream = self._start_stream(device, rate, finished=self._done.set)
        if blocking:
            self.wait()

    def _start_stream(
        self, device: int | None, rate: int, finished: Callable[[], None] | None = None
    ) -> Any:
        """Open and start an output stream on our device and sink, fed by ``_callback``.

        Raises:
            AudioDeviceError: when it cannot be opened.
        """
        sd = sounddevice()
        try:
            with _pulse_target("PULSE_SINK", self.output.pulse_sink):
                stream = sd.OutputStream(
                    samplerate=rate,
                    channels=1,
                    dtype="float32",
                    device=device,
                    blocksize=self.block,
                    latency="low",  # stop() must silence at once
                    callback=self._callback,
                    finished_callback=finished,
                )
                stream.start()
        except Exception as error:  # PortAudioError and friends
            self._done.set()
            raise AudioDeviceError(f"cannot play on {self.output.name}: {error}") from error
        return stream

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        with self._lock:
            ended = self._fill(outdata, frames)
        if ended:
            raise sounddevice().CallbackStop

    def _fill(self, outdata: np.ndarray, frames: int) -> bool:
        """The next block from the buffer (silence while paused); True at its end.
        Called with the lock held."""
        if self._paused:
            outdata.fill(0)
            return False
        chunk = self._buffer[self._position : self._position + frames]
        self._position += len(chunk)
        outdata[: len(chunk), 0] = chunk * self.volume
        outdata[len(chunk) :] = 0
        return self._position >= len(self._buffer)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback ends (or ``timeout``); True when it ended."""
        ended = self._done.wait(timeout)
        if ended:
            self._close()
        return ended

    def stop(self) -> None:
        """Silence at once (abort, do not drain)."""
        stream, self._stream = self._stream, None
        _abort_and_close(stream)
        self._done.set()

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                # The last blocks are still in the device buffer: let them out.
                time.sleep(float(stream.latency))
                stream.close()

    def pause(self) -> None:
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False

    @property
    def samples_played(self) -> int:
        return self._position


class Microphone:
    """A live input stream that yields float mono blocks.

    Use as a context manager; :meth:`blocks` yields until ``stop()`` or a timeout, so a
    caller can never wait forever on a dead microphone.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        pulse_source: str | None = None,
        rate: int = 16_000,
        block_seconds: float = 0.02,
    ) -> None:
        self.device = device
        self.pulse_source = pulse_source
        self.rate = rate
        self.blocksize = max(1, int(rate * block_seconds))
        self._queue: queue.Queue[np.ndarray] = queue.Queue()
        self._stream: Any = None
        self._delivered = False  # has the open stream given any audio yet?

    def __enter__(self) -> Microphone:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Open the input. Raises AudioDeviceError when there is no microphone."""
        self._delivered = False
        sd = sounddevice()
        device = find_device(self.device, "input")
        try:
            with _pulse_target("PULSE_SOURCE", self.pulse_source):
                self._stream = sd.InputStream(
                    samplerate=self.rate,
                    channels=1,
                    dtype="float32",
                    device=device,
                    blocksize=self.blocksize,
                    callback=self._callback,
                )
                self._stream.start()
        except Exception as error:
            raise AudioDeviceError(f"cannot open the microphone: {error}") from error

    def _callback(self, indata: np.ndarray, _frames: int, _time: Any, _status: Any) -> None:
        self._delivered = True
        self._queue.put(indata[:, 0].copy())

    def blocks(self, timeout: float = 1.0) -> Iterator[np.ndarray]:
        """Yield blocks as they arrive; ends when none came for ``timeout`` seconds.

        A stream that never delivered anything is opened once more first: through
        PulseAudio's ALSA plugin a new capture stream now and then never starts
        (seen about one time in eight on null-sink monitors).
        """
        reopened = False
        while self._stream is not None:
            try:
                yield self._queue.get(timeout=timeout)
            except queue.Empty:
                if self._delivered or reopened:
                    return
                reopened = True
                self.stop()
                self.start()

    def record(self, seconds: float) -> np.ndarray:
        """Collect ``seconds`` of audio from the running stream."""
        wanted = int(seconds * self.rate)
        parts: list[np.ndarray] = []
        have = 0
        for block in self.blocks():
            parts.append(block)
            have += len(block)
            if have >= wanted:
                break
        return np.concatenate(parts)[:wanted] if parts else np.zeros(0, np.float32)

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        _abort_and_close(stream)


class StreamingSpeaker(Speaker):
    """A :class:`Speaker` whose playing buffer can grow (:meth:`extend`).

    New audio goes in before the trailing padding; if playback has already ended (the
    rest came too late), it starts again with the new audio.
    """

    _rate = 0
    _buffer: np.ndarray

    def play(self, audio: np.ndarray, rate: int, blocking: bool = False) -> None:
        self._rate = rate
        super().play(audio, rate, blocking)

    def extend(self, audio: np.ndarray, rate: int) -> None:
        samples = np.asarray(audio, dtype=np.float32).ravel()
        with self._lock:
            if self.is_playing and self._stream is not None and rate == self._rate:
                tail = np.zeros(int(self.tail_padding * rate), dtype=np.float32)
                cut = max(self._position, len(self._buffer) - len(tail))
                self._buffer = np.concatenate([self._buffer[:cut], samples, tail])
                return
        if self.is_playing:
            self.wait(5.0)  # another rate: the rest follows what is playing
        self.play(samples, rate)


class OpenSpeaker(StreamingSpeaker):
    """A :class:`StreamingSpeaker` whose output stream stays open between utterances.

    A new stream through PulseAudio's ALSA plugin loses about its first 0.2 s, so a
    :class:`Speaker` opens one per sound and pads short ones with 0.25 s of silence:
    a key's echo then starts a quarter of a second late. Kept open (silence while
    idle), the next sound starts within a block of being handed over, and ``stop``
    silences at once by emptying the buffer. For the talking screen, where a key
    must be answered at once; :meth:`close` ends the stream.
    """

    tail_padding = 0.05
    connected = True  # False: the device is gone (a headset pulled out): play nothing

    def play(self, audio: np.ndarray, rate: int, blocking: bool = False) -> None:
        if not self.connected:
            # Opening a stream on a sink that is gone would land on the default sink:
            # private speech meant for the headset would come out of the speaker.
            raise AudioDeviceError(f"{self.output.name} is not connected")
        samples = np.asarray(audio, dtype=np.float32).ravel()
        tail = np.zeros(int(self.tail_padding * rate), dtype=np.float32)
        with self._lock:
            self._buffer = np.concatenate([samples, tail])
            self._position = 0
            self._paused = False
            self._done.clear()
        if self._stream is None or rate != self._rate:
            self.open(rate)
        if blocking:
            self.wait()

    def open(self, rate: int = 22_050) -> None:
        """Open the stream now (its first fraction of a second is lost: open it before
        the first sound that matters)."""
        self.close()
        self.connected = True
        self._rate = rate
        self._stream = self._start_stream(find_device(self.output.device, "output"), rate)

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        with self._lock:
            if self._done.is_set():
                outdata.fill(0)  # idle: silence, and the stream goes on
            elif self._fill(outdata, frames):
                self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def stop(self) -> None:
        """Silence at once; the stream stays open for the next sound."""
        with self._lock:
            self._buffer = np.zeros(0, dtype=np.float32)
            self._position = 0
            self._done.set()

    def disconnect(self) -> None:
        """The device is gone: silence, end the stream, play nothing until :meth:`open`."""
        self.connected = False
        self.close()

    def close(self) -> None:
        """End the stream (the kiosk is shutting down, or the rate changes)."""
        self.stop()
        stream, self._stream = self._stream, None
        _abort_and_close(stream)


_ALSA_HANDLER: Any = None  # kept alive: libasound calls it


def quiet_alsa() -> bool:
    """Stop libasound printing its messages ("underrun occurred") on standard error.

    Behind a full-screen terminal UI those lines are written over the screen (a busy
    machine makes the PulseAudio ALSA plugin report underruns). The handler is
    process-wide and takes every message; False when libasound cannot be loaded.
    """
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None:
        return True
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("asound")
    if name is None:
        return False
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return False
    handler_type = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
    )
    _ALSA_HANDLER = handler_type(lambda *_args: None)
    library.snd_lib_error_set_handler(_ALSA_HANDLER)
    return True
