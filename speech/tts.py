"""Text to speech as audio buffers, never as the engine's own playback.

The kiosk must interrupt speech at once, route it to the headset or the speaker and set
its volume, so synthesizers here only produce samples; :mod:`kiosk.speech.audio` plays
them. Long prompts are synthesized sentence by sentence so the first sentence can start
playing while the rest is still being made (time to first audio).
"""

from __future__ import annotations

import abc
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

__all__ = [
    "EspeakSynthesizer",
    "Pyttsx3Synthesizer",
    "SpeechSynthesizer",
    "SynthesisError",
    "read_wav",
    "split_sentences",
    "stream_chunks",
    "trim_silence",
    "write_wav",
]

#: espeak-ng speaks about 175 words a minute by default; the kiosk default is a bit slower.
DEFAULT_RATE_WPM = 160

#: Silence kept around speech. espeak-ng ends every utterance with ~0.35 s of silence:
#: over a voice payment's two dozen prompts that is seconds of waiting for nothing.
LEAD_KEPT = 0.01
TAIL_KEPT = 0.05
#: Silence between the pieces of a streamed prompt: about what espeak-ng leaves after a
#: sentence (0.35-0.4 s at 160 wpm) and after a comma (0.13-0.24 s), measured.
SENTENCE_PAUSE = 0.35
COMMA_PAUSE = 0.2
SILENCE_LEVEL = 0.004  # |sample| below this (about -48 dBFS) counts as silence

#: The first chunk of a streamed prompt is cut at a comma when its sentence is longer
#: than this many words, so its audio is ready sooner.
FIRST_CHUNK_WORDS = 8


class SynthesisError(RuntimeError):
    """The speech engine is missing or failed."""


def read_wav(path: Path | str | BinaryIO) -> tuple[np.ndarray, int]:
    """Float32 mono samples and rate of a 16-bit PCM WAV (stereo is averaged)."""
    source = path if hasattr(path, "read") else str(path)
    with wave.open(source, "rb") as wav:  # type: ignore[arg-type]
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        raw = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"{path}: only 16-bit PCM WAV is supported (got {8 * width}-bit)")
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples.astype(np.float32), rate


def write_wav(path: Path | str, audio: np.ndarray, rate: int) -> None:
    """Write float mono samples as a 16-bit PCM WAV."""
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())


def split_sentences(text: str) -> list[str]:
    """Sentences (and long comma clauses) to synthesize one at a time."""
    parts = re.split(r"(?<=[.!?;:])\s+", text.strip())
    return [p for p in (part.strip() for part in parts) if p]


def stream_chunks(text: str, first_words: int = FIRST_CHUNK_WORDS) -> list[str]:
    """Pieces to synthesize one after another, the first one short.

    Sentences, with the first one cut after its first comma when it is long: the first
    piece decides how soon the listener hears anything.
    """
    chunks = split_sentences(text)
    if chunks and len(chunks[0].split()) > first_words:
        head, comma, rest = chunks[0].partition(", ")
        if comma and rest and len(head.split()) >= 2:
            chunks[0:1] = [head + ",", rest]
    return chunks


def trim_silence(
    audio: np.ndarray, rate: int, lead: float = LEAD_KEPT, tail: float = TAIL_KEPT
) -> np.ndarray:
    """``audio`` with at most ``lead`` / ``tail`` seconds of silence around the speech."""
    loud = np.flatnonzero(np.abs(audio) > SILENCE_LEVEL)
    if loud.size == 0:
        return audio[:0]
    start = max(0, int(loud[0]) - int(lead * rate))
    end = min(len(audio), int(loud[-1]) + 1 + int(tail * rate))
    return audio[start:end]


class SpeechSynthesizer(abc.ABC):
    """One contract for every speech engine: text in, float32 mono samples out.

    Rate is in words per minute, volume 0..1 (applied to the samples, so the kiosk's own
    volume steps work the same for every engine).
    """

    def __init__(
        self, rate_wpm: int = DEFAULT_RATE_WPM, volume: float = 1.0, voice: str | None = None
    ) -> None:
        self.rate_wpm = rate_wpm
        self.volume = volume
        self.voice = voice

    @abc.abstractmethod
    def _render(self, text: str) -> tuple[np.ndarray, int]:
        """Synthesize ``text`` at full scale.

        Returns:
            (float32 mono samples, sample rate).
        Raises:
            SynthesisError: when the engine is missing or fails.
        """

    def synthesize(self, text: str, tail: float = TAIL_KEPT) -> tuple[np.ndarray, int]:
        """Speech for ``text`` at the current rate and volume.

        Args:
            text: what to say.
            tail: seconds of silence kept after the last word.
        Returns:
            (float32 mono samples in -1..1, sample rate). Empty text gives no samples.
        Raises:
            SynthesisError: when the engine is missing or fails.
        """
        if not text.strip():
            return np.zeros(0, dtype=np.float32), 22_050
        audio, rate = self._render(text)
        audio = trim_silence(audio, rate, tail=tail)
        return (audio * float(np.clip(self.volume, 0.0, 1.0))).astype(np.float32), rate

    def synthesize_stream(self, text: str) -> Iterator[tuple[np.ndarray, int]]:
        """Speech piece by piece (see :func:`stream_chunks`), so playback can start
        after the first piece; each piece but the last ends with the pause espeak-ng
        itself leaves there (so the whole sounds as if synthesized in one go).

        Raises:
            SynthesisError: when the engine is missing or fails.
        """
        chunks = stream_chunks(text)
        for index, chunk in enumerate(chunks):
            if index == len(chunks) - 1:
                pause = TAIL_KEPT
            else:
                pause = COMMA_PAUSE if chunk.endswith(",") else SENTENCE_PAUSE
            yield self.synthesize(chunk, tail=pause)

    def save(self, text: str, path: Path | str) -> Path:
        """Write the speech for ``text`` to a WAV file; returns the path."""
        audio, rate = self.synthesize(text)
        write_wav(path, audio, rate)
        return Path(path)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Swallow stdout at the Python and file-descriptor level.

    pyttsx3 2.99 prints "Audio saved to ..." and espeak may write to fd 1; inside a
    full-screen terminal UI either would corrupt the screen.
    """
    sys.stdout.flush()
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ else 1
        saved = os.dup(fd)
    except (OSError, ValueError, io.UnsupportedOperation):
        with contextlib.redirect_stdout(io.StringIO()):
            yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


class Pyttsx3Synthesizer(SpeechSynthesizer):
    """pyttsx3 over espeak-ng, rendered to a temporary WAV and read back.

    One engine per process (pyttsx3 keeps a driver per name), guarded by a lock since
    ``runAndWait`` is not re-entrant.
    """

    _lock = threading.Lock()
    _shared_engine: Any = None  # espeak initialises once per process: keep one engine alive

    def __init__(
        self, rate_wpm: int = DEFAULT_RATE_WPM, volume: float = 1.0, voice: str | None = None
    ) -> None:
        super().__init__(rate_wpm, volume, voice)
        try:
            import pyttsx3

            with self._lock, _quiet_stdout():
                if Pyttsx3Synthesizer._shared_engine is None:
                    Pyttsx3Synthesizer._shared_engine = pyttsx3.init()
            self._engine: Any = Pyttsx3Synthesizer._shared_engine
        except Exception as error:  # pyttsx3 raises assorted errors without a driver
            raise SynthesisError(
                f"pyttsx3 cannot start (is espeak-ng installed?): {error}"
            ) from error
        self._workdir = Path(tempfile.mkdtemp(prefix="kiosk-tts-"))
        self._calls = 0
        self.fallbacks = 0  # prompts spoken by espeak-ng because pyttsx3 gave no audio
        self.file_wait = 1.0  # seconds to wait for a file pyttsx3 finishes late
        self._espeak: EspeakSynthesizer | None = None

    def voices(self) -> list[str]:
        return [voice.id for voice in self._engine.getProperty("voices")]

    def _render(self, text: str) -> tuple[np.ndarray, int]:
        """pyttsx3's WAV for ``text``, or espeak-ng's when pyttsx3 gives none.

        pyttsx3 2.99 now and then ends ``runAndWait`` before its driver has written the
        file (seen on the first call of a process), or writes none at all: the kiosk
        must still speak, so after ``file_wait`` the espeak-ng program stands in (same
        engine, same voice, ~10 ms more for its start).
        """
        audio = self._render_once(text)
        if audio is not None:
            return audio
        self.fallbacks += 1
        if self._espeak is None:
            self._espeak = EspeakSynthesizer(self.rate_wpm, 1.0, self.voice or "en-us")
        self._espeak.rate_wpm = self.rate_wpm
        return self._espeak.render_text(text)

    def _render_once(self, text: str) -> tuple[np.ndarray, int] | None:
        with self._lock:
            self._calls += 1
            path = self._workdir / f"utterance-{self._calls}.wav"  # a late file never mixes in
            engine = self._engine
            # pyttsx3 2.99 queues property changes and drops them when the espeak driver
            # ends its loop; set them on the driver at once where it is reachable.
            driver = getattr(getattr(engine, "proxy", None), "_driver", None) or engine
            driver.setProperty("rate", int(self.rate_wpm))
            driver.setProperty("volume", 1.0)
            if self.voice:
                driver.setProperty("voice", self.voice)
            # Quiet until the file is there: the driver prints "Audio saved to" when it
            # writes it, which may be after runAndWait has returned.
            with _quiet_stdout():
                engine.save_to_file(text, str(path))
                engine.runAndWait()
                deadline = time.monotonic() + self.file_wait
                while not _complete_wav(path) and time.monotonic() < deadline:
                    time.sleep(0.002)
            if not _complete_wav(path):
                return None
            try:
                return read_wav(path)
            except (EOFError, wave.Error):
                return None
            finally:
                path.unlink(missing_ok=True)


def _complete_wav(path: Path) -> bool:
    """Is a whole WAV file there (header and some samples)?"""
    try:
        return path.stat().st_size > 44
    except OSError:
        return False


class EspeakSynthesizer(SpeechSynthesizer):
    """espeak-ng on the command line (``--stdout``): the fallback with any voice variant.

    ``voice`` takes espeak-ng names such as "en-us", "en-us+f3" or "ko".
    """

    def __init__(
        self,
        rate_wpm: int = DEFAULT_RATE_WPM,
        volume: float = 1.0,
        voice: str | None = "en-us",
        pitch: int | None = None,
    ) -> None:
        super().__init__(rate_wpm, volume, voice)
        self.pitch = pitch
        self.program = shutil.which("espeak-ng") or shutil.which("espeak")
        if self.program is None:
            raise SynthesisError("espeak-ng is not installed")

    def render_text(self, text: str) -> tuple[np.ndarray, int]:
        """Full-scale speech for ``text`` (no volume, no trimming)."""
        return self._render(text)

    def _render(self, text: str) -> tuple[np.ndarray, int]:
        command = [str(self.program), "--stdout", "-s", str(int(self.rate_wpm))]
        if self.voice:
            command += ["-v", self.voice]
        if self.pitch is not None:
            command += ["-p", str(self.pitch)]
        done = subprocess.run(command + ["--", text], capture_output=True, timeout=60)
        if done.returncode != 0 or len(done.stdout) <= 44:
            message = done.stderr.decode(errors="replace").strip()
            raise SynthesisError(f"espeak-ng failed: {message or 'no audio'}")
        return read_wav(io.BytesIO(done.stdout))
