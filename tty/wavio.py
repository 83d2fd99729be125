"""WAV reading and writing for the modem: any PCM or float WAV in, float mono out."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from scipy.io import wavfile


class WavError(ValueError):
    """The file is not a WAV we can read; the message says why in plain words."""


def _to_float(data: np.ndarray) -> np.ndarray:
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128.0) / 128.0
    if data.dtype == np.int16:
        return data.astype(np.float32) / 32768.0
    if data.dtype == np.int32:  # scipy returns 24-bit as left-justified int32
        return (data.astype(np.float64) / 2147483648.0).astype(np.float32)
    if data.dtype == np.int64:
        return (data.astype(np.float64) / 9223372036854775808.0).astype(np.float32)
    if np.issubdtype(data.dtype, np.floating):
        return np.nan_to_num(data.astype(np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    raise WavError(f"unsupported sample format {data.dtype}")


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Samples (float32 mono, -1..1) and sample rate of a WAV file.

    Reads 8/16/24/32-bit integer and 32/64-bit float WAVs, mono or multi-channel
    (channels are averaged). A truncated file gives the samples that are there.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError as error:
        raise WavError(f"cannot open {path}: {error.strerror or error}") from error
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise WavError(f"{path} is not a WAV file")
    try:
        rate, data = wavfile.read(path, mmap=False)
    except Exception as error:  # scipy raises ValueError/EOFError/struct errors
        data_and_rate = _read_truncated(path)
        if data_and_rate is None:
            raise WavError(f"{path} is a damaged WAV file ({error})") from error
        data, rate = data_and_rate
    if rate <= 0:
        raise WavError(f"{path} has no valid sample rate")
    samples = _to_float(np.asarray(data))
    if samples.ndim == 2:
        samples = samples.mean(axis=1, dtype=np.float32)
    return np.ascontiguousarray(samples, dtype=np.float32), int(rate)


def _read_truncated(path: Path) -> tuple[np.ndarray, int] | None:
    """Fall back to the standard library, which reads whatever frames exist."""
    try:
        with wave.open(str(path), "rb") as reader:
            width = reader.getsampwidth()
            channels = reader.getnchannels()
            rate = reader.getframerate()
            raw = reader.readframes(reader.getnframes())
    except Exception:
        return None
    usable = len(raw) - len(raw) % (width * channels)
    raw = raw[:usable]
    if width == 1:
        data = np.frombuffer(raw, dtype=np.uint8)
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2")
    elif width == 3:
        bytes3 = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        padded = np.zeros((len(bytes3), 4), dtype=np.uint8)
        padded[:, 1:] = bytes3
        data = padded.view("<i4").reshape(-1)
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4")
    else:
        return None
    if channels > 1:
        data = data.reshape(-1, channels)
    return data, rate


def write_wav(path: str | Path, samples: np.ndarray, rate: int) -> None:
    """Write float samples (-1..1) as a 16-bit PCM mono WAV, the format every tool reads."""
    clipped = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0)
    wavfile.write(Path(path), int(rate), np.round(clipped * 32767.0).astype(np.int16))
