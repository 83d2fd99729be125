"""``kiosk speech say`` and ``kiosk speech recognize``: real espeak-ng audio through the
real recognizer, at a sound-card rate and in stereo as a user's own WAV might be."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kiosk.cli import main
from kiosk.speech.tts import read_wav


def _say(text: str, path: Path) -> None:
    assert main(["speech", "say", text, "-o", str(path)]) == 0


def _as_stereo_44k(path: Path) -> Path:
    from scipy.io import wavfile
    from scipy.signal import resample_poly

    audio, rate = read_wav(path)
    stereo = np.repeat(resample_poly(audio, 44_100, rate)[:, None], 2, axis=1)
    out = path.with_name(path.stem + "-stereo.wav")
    wavfile.write(out, 44_100, (np.clip(stereo, -1, 1) * 32767).astype(np.int16))
    return out


def test_say_writes_speech(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "balance.wav"
    _say("Your balance is forty two dollars and fifty cents.", path)
    audio, rate = read_wav(path)
    assert len(audio) / rate > 1.5 and float(np.sqrt(np.mean(audio**2))) > 0.01
    assert "balance.wav" in capsys.readouterr().out


def test_an_amount_is_heard_in_cents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _say("forty two fifty", tmp_path / "amount.wav")
    capsys.readouterr()
    wav = _as_stereo_44k(tmp_path / "amount.wav")
    assert main(["speech", "recognize", str(wav), "--kind", "amount", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"kind": "amount", "cents": 4250, "heard": report["heard"]}


def test_a_choice_and_a_rejection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _say("hear my balance", tmp_path / "choice.wav")
    capsys.readouterr()
    choices = ["--kind", "choice", "--choices", "pay my bill,hear my balance"]
    assert main(["speech", "recognize", str(tmp_path / "choice.wav"), *choices]) == 0
    assert capsys.readouterr().out.startswith("choice: hear my balance")
    silence = tmp_path / "silence.wav"
    from kiosk.speech.tts import write_wav

    write_wav(silence, np.zeros(16_000, np.float32), 16_000)
    assert main(["speech", "recognize", str(silence), "--kind", "yesno", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["rejected"] is True


def test_bad_input_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_wav = tmp_path / "notes.wav"
    not_wav.write_text("not audio")
    assert main(["speech", "recognize", str(not_wav), "--kind", "yesno"]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["speech", "recognize", str(not_wav), "--kind", "choice"]) == 2
    assert "--choices" in capsys.readouterr().err
