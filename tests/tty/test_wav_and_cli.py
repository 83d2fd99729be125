"""WAV reading in every common format, bad files, and the encode/decode commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from kiosk.tty import cli, modulator, wavio
from kiosk.tty.demodulator import decode_audio

TEXT = "PAY $87.12 Q GA"


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("channels", [1, 2])
def test_reads_every_sample_format(tmp_path: Path, dtype: str, channels: int) -> None:
    audio = modulator.modulate(TEXT, rate=16000).astype(np.float64)
    scale = {"uint8": 127, "int16": 32767, "int32": 2**31 - 1}.get(dtype)
    data = audio * scale + (128 if dtype == "uint8" else 0) if scale else audio
    data = data.astype(dtype)
    if channels == 2:
        data = np.stack((data, data), axis=1)
    path = tmp_path / "x.wav"
    wavfile.write(path, 16000, data)
    samples, rate = wavio.read_wav(path)
    assert rate == 16000 and samples.ndim == 1 and samples.dtype == np.float32
    assert np.max(np.abs(samples - audio)) < 0.02
    assert decode_audio(samples, rate) == TEXT


def _write_24bit(path: Path, audio: np.ndarray, rate: int, channels: int = 2) -> None:
    ints = np.round(audio * (2**23 - 1)).astype("<i4")
    frames = np.repeat(ints, channels)
    raw = frames.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(3)
        writer.setframerate(rate)
        writer.writeframes(raw)


def test_reads_24_bit_stereo(tmp_path: Path) -> None:
    path = tmp_path / "x24.wav"
    _write_24bit(path, modulator.modulate(TEXT, rate=44100), 44100)
    samples, rate = wavio.read_wav(path)
    assert rate == 44100
    assert decode_audio(samples, rate) == TEXT


def test_truncated_wav_gives_the_samples_that_are_there(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    wavio.write_wav(path, modulator.modulate("HELLO THERE HOW ARE YOU GA"), 8000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3 + 1])  # odd length, header says more
    samples, rate = wavio.read_wav(path)
    assert rate == 8000 and samples.size > 0
    assert decode_audio(samples, rate).startswith("HELLO THERE")


def test_not_a_wav_is_a_clear_error(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.wav"
    text_file.write_text("this is not audio")
    with pytest.raises(wavio.WavError, match="not a WAV"):
        wavio.read_wav(text_file)
    header_only = tmp_path / "header.wav"
    header_only.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    with pytest.raises(wavio.WavError):
        wavio.read_wav(header_only)
    with pytest.raises(wavio.WavError, match="cannot open"):
        wavio.read_wav(tmp_path / "missing.wav")


def test_speech_is_not_read_as_tty(tmp_path: Path) -> None:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng is not installed")
    path = tmp_path / "speech.wav"
    subprocess.run(
        [espeak, "-w", str(path), "Hello, I would like to pay my electricity bill, please."],
        check=True,
        capture_output=True,
    )
    samples, rate = wavio.read_wav(path)
    decoded = decode_audio(samples, rate)
    assert len(decoded.replace(" ", "")) <= 2


def test_encode_then_decode_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "out.wav"
    assert cli.encode_command("pay 50% now", path, baud=50.0, rate=48000, stop_bits=1.5) == 0
    assert wavio.read_wav(path)[1] == 48000
    assert cli.decode_command(path) == 0
    assert capsys.readouterr().out == "PAY 50 PERCENT NOW\n"
    assert cli.decode_command(path, baud="50") == 0
    assert capsys.readouterr().out == "PAY 50 PERCENT NOW\n"


def test_commands_report_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "bogus.wav"
    bogus.write_text("hello")
    assert cli.decode_command(bogus) == cli.EXIT_BAD_INPUT
    assert "not a WAV" in capsys.readouterr().err
    assert cli.decode_command(tmp_path / "none.wav") == cli.EXIT_BAD_INPUT
    assert cli.decode_command(bogus, baud="300") == cli.EXIT_USAGE
    assert cli.encode_command("HI", tmp_path / "x.wav", rate=3000) == cli.EXIT_USAGE
    assert "too low" in capsys.readouterr().err
    assert cli.encode_command("HI", tmp_path / "no" / "dir" / "x.wav") == cli.EXIT_BAD_INPUT


def test_subcommands_on_argparse(tmp_path: Path) -> None:
    path = tmp_path / "cli.wav"
    script = (
        "import argparse, sys\n"
        "from kiosk.tty.cli import add_tty_subcommands\n"
        "parser = argparse.ArgumentParser(prog='kiosk tty')\n"
        "add_tty_subcommands(parser.add_subparsers(dest='command', required=True))\n"
        "args = parser.parse_args(sys.argv[1:])\n"
        "sys.exit(args.handler(args))\n"
    )
    run = [sys.executable, "-c", script]
    done = subprocess.run([*run, "encode", "HELLO 123 GA", "-o", str(path), "--rate", "16000"])
    assert done.returncode == 0
    done = subprocess.run([*run, "decode", str(path), "--baud", "45.45"], capture_output=True)
    assert done.returncode == 0 and done.stdout.decode() == "HELLO 123 GA\n"
    done = subprocess.run(
        [*run, "encode", "X", "-o", str(path), "--baud", "300"], capture_output=True
    )
    assert done.returncode == 2 and b"45.45 or 50" in done.stderr
