"""Voice activity detectors in a store: the energy end-pointer against speech-trained VADs.

Clips: espeak-ng answers with 1 s of silence around them, mixed at 10 dB SNR with
babble (three other espeak-ng voices talking at once), music (synthesized chords) and
street noise (low-passed noise with a slow swell); and the same noises alone, 3 s, as
when nobody speaks. Per detector and noise: how often noise alone starts an utterance
(false trigger), and how often the answer is found (detected span overlapping the true
one by half or more).

Detectors: ``energy`` (speech/vad.py's EndPointer), ``microvad`` (pymicro-vad, a small
speech-trained model shipped inside its wheel) and ``webrtc`` (webrtcvad-wheels, GMM).
The two speech-trained ones share one end-pointing rule: speech starts after 60 ms of
speech frames, ends after 0.6 s without.

    .venv/bin/python bench/bench_vad.py [--voices 3] [--quick]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from scipy.signal import lfilter

from kiosk.speech.corpus import VOICES, speak
from kiosk.speech.vad import EndPointer, VadState, find_speech

RATE = 16_000
ANSWERS = ["pay my bill", "yes", "seven two two oh one", "talk to a person"]
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


def music(seconds: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    out = np.zeros_like(t)
    for start in np.arange(0.0, seconds, 0.5):
        root = 110.0 * 2 ** (rng.integers(0, 12) / 12)
        span = (t >= start) & (t < start + 0.5)
        envelope = np.exp(-3.0 * (t[span] - start))
        for ratio in (1.0, 1.26, 1.5, 2.0):
            out[span] += envelope * np.sin(2 * np.pi * root * ratio * t[span])
    return out.astype(np.float32)


def street(seconds: float, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, int(seconds * RATE))
    rumble = lfilter([0.02], [1, -0.98], noise)  # low-passed: traffic
    t = np.arange(len(noise)) / RATE
    swell = 1.0 + 0.6 * np.sin(2 * np.pi * 0.3 * t)  # a passing car
    return (rumble * swell).astype(np.float32)


NOISES: dict[str, Callable[[float], np.ndarray]] = {
    "babble": babble,
    "music": music,
    "street": street,
}


def _pcm(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()


def _frames_to_span(speech: list[bool], frame: float) -> tuple[float, float] | None:
    """One utterance from per-frame decisions: 60 ms of speech starts it, 0.6 s without
    ends it."""
    start = None
    run = quiet = 0
    for index, voiced in enumerate(speech):
        run = run + 1 if voiced else 0
        if start is None and run * frame >= 0.06:
            start = (index - run + 1) * frame
        if start is not None:
            quiet = 0 if voiced else quiet + 1
            if quiet * frame >= 0.6:
                return start, (index - quiet + 1) * frame
    return None if start is None else (start, len(speech) * frame)


def microvad(audio: np.ndarray) -> tuple[float, float] | None:
    from pymicro_vad import MicroVad

    vad = MicroVad()
    pcm = _pcm(audio)
    step = 320  # 10 ms of 16-bit samples
    probs = [vad.process_10ms(pcm[i : i + step]) for i in range(0, len(pcm) - step + 1, step)]
    return _frames_to_span([p > 0.5 for p in probs], 0.01)


def webrtc(audio: np.ndarray, mode: int = 3) -> tuple[float, float] | None:
    import webrtcvad

    vad = webrtcvad.Vad(mode)
    pcm = _pcm(audio)
    step = 640  # 20 ms
    frames = [vad.is_speech(pcm[i : i + step], RATE) for i in range(0, len(pcm) - step + 1, step)]
    return _frames_to_span(frames, 0.02)


def energy(audio: np.ndarray) -> tuple[float, float] | None:
    pointer = EndPointer(rate=RATE, trailing_silence=0.6, no_speech_timeout=3600.0)
    started = None
    block = 320
    for at in range(0, len(audio), block):
        state = pointer.feed(audio[at : at + block])
        if state is VadState.SPEAKING and started is None:
            started = at / RATE
        if state is VadState.DONE:
            end = at / RATE - 0.6
            return (started or 0.0), end
    return None if started is None else (started, len(audio) / RATE)


DETECTORS: dict[str, Callable[[np.ndarray], tuple[float, float] | None]] = {
    "energy": energy,
    "microvad": microvad,
    "webrtc": webrtc,
}


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / max(b[1] - b[0], 1e-6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=3, help="espeak-ng voices (1-6)")
    parser.add_argument("--quick", action="store_true", help="one voice")
    args = parser.parse_args(argv)
    voices = VOICES[: 1 if args.quick else args.voices]
    print(f"VAD in a store: {len(ANSWERS)} answers x {len(voices)} voices, 10 dB SNR")
    print(f"{'noise':8} {'detector':9} {'answer found':>13} {'noise alone trigger':>20}")
    for noise_name, make in NOISES.items():
        bed = make(12.0)
        found = {name: 0 for name in DETECTORS}
        triggered = {name: 0 for name in DETECTORS}
        total = 0
        for voice in voices:
            for index, text in enumerate(ANSWERS):
                speech = speak(text, voice, 160)
                clip = np.concatenate([np.zeros(RATE), speech, np.zeros(RATE)]).astype(np.float32)
                truth = find_speech(clip, RATE)
                assert truth is not None
                offset = (index * 4000) % (len(bed) - len(clip))
                noise = bed[offset : offset + len(clip)]
                gain = _level(speech) / _level(noise) / 10 ** (10 / 20)
                mixed = (clip + gain * noise).astype(np.float32)
                alone = (gain * bed[offset : offset + 3 * RATE]).astype(np.float32)
                total += 1
                for name, detect in DETECTORS.items():
                    span = detect(mixed)
                    found[name] += span is not None and _overlap(span, truth) >= 0.5
                    triggered[name] += detect(alone) is not None
        for name in DETECTORS:
            print(
                f"{noise_name:8} {name:9} {found[name] / total:13.0%}"
                f" {triggered[name] / total:20.0%}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
