"""Where the TTY channel's audio comes from and goes to.

Every transport runs on one clock: the caller's audio. ``read(frames)`` hands over
the next block the caller's side produced (waiting for it on live audio);
``write(samples)`` queues the kiosk's audio and says, on that same clock, when it
will have finished playing, so the channel can ignore its own echo until then.

* ``WavTransport``: the caller's side from a WAV file, the kiosk's side written to
  a WAV, time-aligned with the caller's (tests, demos, offline replays).
* ``HandsetTransport``: the kiosk's handset through sounddevice (an acoustic coupler
  sits on it).
* ``PhoneLineTransport``: an 8 kHz telephone stream for a phone gateway, float32 or
  G.711 mu-law, fed with ``receive(block)`` and drained with ``transmit(frames)``.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

PHONE_RATE = 8000


class TransportError(RuntimeError):
    """The audio path cannot be opened; the message says why in plain words."""


class Transport(Protocol):
    rate: int  # caller's (input) sample rate
    out_rate: int  # rate the kiosk's audio is made at

    def read(self, frames: int) -> np.ndarray | None:
        """The caller's next block (float32 mono); None once the line is closed."""
        ...

    def write(self, samples: np.ndarray) -> float:
        """Queue kiosk audio; return when it ends, in seconds on the input clock."""
        ...

    def close(self) -> None: ...


# --------------------------------------------------------------------- G.711 mu-law

_BIAS = 0x84
_CLIP = 32635


def ulaw_encode(samples: np.ndarray) -> bytes:
    """float (-1..1) -> G.711 mu-law bytes (ITU-T G.711, as telephone gateways send)."""
    pcm = np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32768.0), -32768, 32767)
    pcm = pcm.astype(np.int32)
    sign = np.where(pcm < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(pcm), _CLIP) + _BIAS
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def ulaw_decode(data: bytes) -> np.ndarray:
    """G.711 mu-law bytes -> float32 (-1..1)."""
    code = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return (np.where(sign, -magnitude, magnitude) / 32768.0).astype(np.float32)


# ------------------------------------------------------------------------ WAV files


class WavTransport:
    """Caller's audio from a WAV; the kiosk's audio written time-aligned to a WAV.

    Input time is the position in the file, so pauses and timeouts are exact and a
    test runs as fast as the decoder. ``tail_seconds`` of silence follow the file
    (a caller who stopped typing still hears the kiosk's last prompt).
    """

    def __init__(
        self,
        wav_in: str | Path | None = None,
        wav_out: str | Path | None = None,
        *,
        samples: np.ndarray | None = None,
        rate: int | None = None,
        tail_seconds: float = 1.0,
    ) -> None:
        from kiosk.tty import wavio

        if wav_in is not None:
            samples, rate = wavio.read_wav(wav_in)
        if samples is None or rate is None:
            raise TransportError("no caller audio: give a WAV file or samples and a rate")
        self.rate = int(rate)
        self.out_rate = self.rate
        tail = np.zeros(int(tail_seconds * self.rate), dtype=np.float32)
        self._input = np.concatenate((np.asarray(samples, dtype=np.float32).reshape(-1), tail))
        self._pos = 0
        self._wav_out = Path(wav_out) if wav_out is not None else None
        self._out: list[tuple[int, np.ndarray]] = []  # (start sample, audio)
        self._out_end = 0
        self.transmitted_seconds = 0.0

    def read(self, frames: int) -> np.ndarray | None:
        if self._pos >= self._input.size:
            return None
        block = self._input[self._pos : self._pos + frames]
        self._pos += block.size
        return block

    def write(self, samples: np.ndarray) -> float:
        start = max(self._pos, self._out_end)
        audio = np.asarray(samples, dtype=np.float32).reshape(-1)
        self._out.append((start, audio))
        self._out_end = start + audio.size
        self.transmitted_seconds += audio.size / self.out_rate
        return self._out_end / self.rate

    def kiosk_audio(self) -> np.ndarray:
        """The kiosk's side as one stream, aligned with the caller's."""
        total = max([self._input.size] + [s + a.size for s, a in self._out])
        mix = np.zeros(total, dtype=np.float32)
        for start, audio in self._out:
            mix[start : start + audio.size] += audio
        return mix

    def close(self) -> None:
        if self._wav_out is not None:
            from kiosk.tty import wavio

            wavio.write_wav(self._wav_out, self.kiosk_audio(), self.out_rate)


# ---------------------------------------------------------------------- the handset


class HandsetTransport:
    """The kiosk's handset: microphone in, earpiece out, through sounddevice."""

    def __init__(
        self,
        device: int | str | None = None,
        rate: int | None = None,
        *,
        block_seconds: float = 0.05,
        wav_out: str | Path | None = None,
    ) -> None:
        try:
            import sounddevice as sd  # lazy: PortAudio is only needed for live audio
        except (ImportError, OSError) as error:
            raise TransportError(f"live audio is not available ({error})") from error
        try:
            info = sd.query_devices(device, "input")
            self.rate = int(rate or info["default_samplerate"])
        except (sd.PortAudioError, ValueError) as error:
            raise TransportError(
                f"no audio device for the handset ({error}). Use --wav-in FILE to test "
                "without a handset."
            ) from error
        self.out_rate = self.rate
        self._incoming: queue.Queue[np.ndarray] = queue.Queue()
        self._outgoing = np.zeros(0, dtype=np.float32)
        self._lock = threading.Lock()
        self._received = 0
        self._wav_out = wav_out
        self._recorded: list[np.ndarray] = []
        blocksize = max(64, int(block_seconds * self.rate))
        try:
            self._input = sd.InputStream(
                samplerate=self.rate,
                channels=1,
                dtype="float32",
                device=device,
                blocksize=blocksize,
                callback=self._on_input,
            )
            self._output = None
            if wav_out is None:
                self._output = sd.OutputStream(
                    samplerate=self.rate,
                    channels=1,
                    dtype="float32",
                    device=device,
                    blocksize=blocksize,
                    callback=self._on_output,
                )
                self._output.start()
            self._input.start()
        except sd.PortAudioError as error:
            raise TransportError(f"cannot open the handset audio ({error})") from error

    def _on_input(self, indata: np.ndarray, frames: int, time: object, status: object) -> None:
        self._incoming.put(indata[:, 0].copy())

    def _on_output(self, outdata: np.ndarray, frames: int, time: object, status: object) -> None:
        with self._lock:
            chunk = self._outgoing[:frames]
            self._outgoing = self._outgoing[frames:]
        outdata[:, 0] = 0.0
        outdata[: chunk.size, 0] = chunk

    def read(self, frames: int) -> np.ndarray | None:
        block = self._incoming.get()
        self._received += block.size
        return block

    def write(self, samples: np.ndarray) -> float:
        audio = np.asarray(samples, dtype=np.float32).reshape(-1)
        if self._output is None:
            self._recorded.append(audio)
            return self._received / self.rate
        with self._lock:
            self._outgoing = np.concatenate((self._outgoing, audio))
            pending = self._outgoing.size
        return (self._received + pending) / self.rate

    def close(self) -> None:
        self._input.stop()
        self._input.close()
        if self._output is not None:
            self._output.stop()
            self._output.close()
        if self._wav_out is not None and self._recorded:
            from kiosk.tty import wavio

            wavio.write_wav(self._wav_out, np.concatenate(self._recorded), self.out_rate)


# ---------------------------------------------------------------- a telephone gateway


class PhoneLineTransport:
    """An 8 kHz telephone stream: the gateway pushes the caller's audio with
    ``receive`` and pulls the kiosk's with ``transmit`` (silence when idle), both as
    float32 arrays or G.711 mu-law bytes. The channel runs in its own thread.
    """

    def __init__(self, encoding: str = "ulaw") -> None:
        if encoding not in ("ulaw", "float32"):
            raise ValueError("encoding must be 'ulaw' or 'float32'")
        self.encoding = encoding
        self.rate = PHONE_RATE
        self.out_rate = PHONE_RATE
        self._incoming: queue.Queue[np.ndarray | None] = queue.Queue()
        self._outgoing = np.zeros(0, dtype=np.float32)
        self._lock = threading.Lock()
        self._received = 0
        self._sent = 0
        self._closed = False

    # gateway side
    def receive(self, block: bytes | np.ndarray) -> None:
        """Audio from the caller (mu-law bytes or float32 samples at 8 kHz)."""
        if isinstance(block, bytes | bytearray):
            samples = ulaw_decode(bytes(block))
        else:
            samples = np.asarray(block, dtype=np.float32).reshape(-1)
        self._incoming.put(samples)

    def transmit(self, frames: int = 160) -> bytes | np.ndarray:
        """The kiosk's next ``frames`` samples for the caller (silence when idle)."""
        with self._lock:
            chunk = self._outgoing[:frames]
            self._outgoing = self._outgoing[frames:]
        out = np.zeros(frames, dtype=np.float32)
        out[: chunk.size] = chunk
        self._sent += frames
        return ulaw_encode(out) if self.encoding == "ulaw" else out

    def hang_up(self) -> None:
        """The caller hung up: the channel ends the session."""
        self._incoming.put(None)

    @property
    def idle(self) -> bool:
        """Nothing left for the gateway to send."""
        with self._lock:
            return self._outgoing.size == 0

    # channel side
    def read(self, frames: int) -> np.ndarray | None:
        if self._closed:
            return None
        block = self._incoming.get()
        if block is None:
            self._closed = True
            return None
        self._received += block.size
        return block

    def write(self, samples: np.ndarray) -> float:
        audio = np.asarray(samples, dtype=np.float32).reshape(-1)
        with self._lock:
            self._outgoing = np.concatenate((self._outgoing, audio))
            pending = self._outgoing.size
        return (self._received + pending) / self.rate

    def close(self) -> None:
        self._closed = True
