"""TTY through the phone line: characters typed with pauses, at 0 dB SNR, read by the line.

A TTY caller (SIPp for the SIP side, a child process for its RTP: see
:mod:`kiosk.devtools.caller_process`) calls a real `kiosk line` (PJSIP, in this process
so that what the line's TTY channel read can be counted, real-time as `kiosk line` runs) and
answers Ben's sign-in steps as a person types them: one character at a time, 0.2-2 s
apart (random), each keystroke's tones starting straight out of the line's noise with
no lead tone (a shift code goes with the character that needs it, as a TTY sends it).
The line on the way: the phone band (300-3400 Hz), white noise at 0 dB SNR (noise power
= the tones' power, over 0-4 kHz), G.711 (the RTP packets), and echo of the line's own
tones at -10 dB, 40 ms late. Typed by the project's modem and by ``minimodem --tx tdd``
(its frames cut apart the same way; it sends no GA, so its answers end by a pause).

Printed: for each sender, characters typed, characters the line read wrong (edit
distance, the turns the line's TTY channel handed to the conversation against what was
typed) and answers read right. Target: 0 errors.

Run: ``.venv/bin/python bench/bench_line_tty.py [--snr DB] [--seed N]`` (about 4 minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein
from scipy.signal import butter, sosfilt

from kiosk.devtools.caller_process import CallerProcess
from kiosk.devtools.sip_caller import sipp_available

RATE = 8000
# Ben's sign-in, answer by answer: (typed, a word of the prompt that follows when read
# right). The first turn ("HELLO") only tells the line a TTY is there.
ANSWERS = [("1", "ACCT"), ("40152271", "ZIP"), ("35203", "PIN"), ("1357", "")]
MINIMODEM_LEADER_S = 0.044  # minimodem's mark before the first frame (2 bits), measured
MINIMODEM_FRAME_S = 0.176  # start, 5 bits, 2 stop bits at 45.45 baud
ECHO_GAIN = 10 ** (-10 / 20)
ECHO_FRAMES = 2  # 40 ms


@dataclass
class Tally:
    sender: str
    typed: int = 0
    errors: int = 0
    read_right: int = 0
    answers: int = 0
    wrong: list[str] = field(default_factory=list)
    send_gap: float = 0.0  # the caller's longest time between two packets (s)


def keystrokes_modem(text: str) -> list[np.ndarray]:
    """The project's modem: each character's frames (with its shift) and nothing else."""
    from kiosk.tty.baudot import FIGS, LTRS, encode
    from kiosk.tty.modulator import modulate_codes

    strokes: list[list[int]] = []
    pending: list[int] = []
    for code in encode(text):
        pending.append(code)
        if code not in (FIGS, LTRS):
            strokes.append(pending)
            pending = []
    return [modulate_codes(codes, rate=RATE, lead_in=0.0, hang_over=0.0) for codes in strokes]


def keystrokes_minimodem(text: str, work: Path) -> list[np.ndarray]:
    """minimodem's tones for ``text``, cut into keystrokes at its frame boundaries (its
    leader dropped; a shift frame goes with the next character's frame)."""
    from kiosk.tty.baudot import FIGS, LTRS
    from kiosk.tty.wavio import read_wav

    path = work / "minimodem.wav"
    subprocess.run(
        ["minimodem", "--tx", "-R", str(RATE), "-f", str(path), "tdd"],
        input=text.encode(),
        check=True,
    )
    audio, rate = read_wav(path)
    assert rate == RATE
    frame = round(MINIMODEM_FRAME_S * RATE)
    start = round(MINIMODEM_LEADER_S * RATE)
    count = (audio.size - start) // frame
    bit = frame / 8
    t = np.arange(round(bit * 0.6)) / RATE
    mark, space = np.exp(-2j * np.pi * 1400 * t), np.exp(-2j * np.pi * 1800 * t)

    def code_at(at: int) -> int:  # the frame's 5 data bits, read mid-bit (clean audio)
        value = 0
        for n in range(5):
            centre = at + round((1.5 + n) * bit)
            chunk = audio[centre - t.size // 2 : centre - t.size // 2 + t.size]
            value |= int(abs(chunk @ mark) > abs(chunk @ space)) << n
        return value

    strokes, pending = [], start
    for index in range(count):
        at = start + index * frame
        if code_at(at) in (FIGS, LTRS):
            continue  # sent with the next character
        strokes.append(audio[pending : at + frame])
        pending = at + frame
    return strokes


def typed(strokes: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Keystrokes 0.2-2 s apart (random), from silence."""
    parts = []
    for stroke in strokes:
        parts.append(np.zeros(int(rng.uniform(0.2, 2.0) * RATE), dtype=np.float32))
        parts.append(stroke.astype(np.float32))
    parts.append(np.zeros(int(0.3 * RATE), dtype=np.float32))
    return np.concatenate(parts)


def on_the_line(audio: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """The phone band, then white noise at ``snr_db`` against the tones' power."""
    band = butter(4, (300.0, 3400.0), btype="bandpass", fs=RATE, output="sos")
    tones = sosfilt(band, audio)
    loud = tones[np.abs(audio) > 1e-4]
    power = float(np.mean(loud**2)) if loud.size else 0.05
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10.0)), tones.size)
    return np.clip(0.5 * (tones + noise), -1.0, 1.0).astype(np.float32)


def squeeze(text: str) -> str:
    return " ".join(text.replace("\n", " ").split())


def run_call(
    address: tuple[str, int],
    heard: list[str],
    sender: str,
    snr_db: float,
    rng: np.random.Generator,
    work: Path,
    jitter_s: float = 0.0,
) -> Tally:
    from kiosk.tty.modulator import modulate

    tally = Tally(sender)
    caller = CallerProcess(address, work / sender)
    caller.start()
    try:
        if not caller.wait_answered(15):
            tally.wrong.append("not answered")
            return tally
        caller.echo(ECHO_GAIN, ECHO_FRAMES)
        caller.jitter(jitter_s)
        caller.wait_for_text("GA", 1, timeout=15)
        caller.play(modulate("HELLO GA\n", rate=RATE))
        caller.wait_for_text("GA", 2, timeout=60)
        for turn, (answer, follows) in enumerate(ANSWERS, start=3):
            text = answer if sender == "minimodem" else f"{answer} GA"
            strokes = (
                keystrokes_minimodem(text, work)
                if sender == "minimodem"
                else keystrokes_modem(text)
            )
            time.sleep(0.5)
            before = len(heard)
            caller.play(on_the_line(typed(strokes, rng), snr_db, rng))
            prompt = caller.wait_for_text("GA", turn, timeout=120)
            got = squeeze(" ".join(heard[before:]))
            tally.typed += len(text)
            # GA ends the turn: the channel hands the line over without it.
            errors = Levenshtein.distance(got, squeeze(text.removesuffix(" GA")))
            tally.errors += errors
            tally.answers += 1
            last = prompt.rsplit("GA", 2)[-2] if prompt.count("GA") >= turn else ""
            if errors == 0 and (not follows or follows in last):
                tally.read_right += 1
            if errors:
                tally.wrong.append(f"{text!r} read as {got!r}")
        tally.send_gap = caller.max_send_gap()
        caller.hang_up()
        caller.wait(15)
    finally:
        caller.close()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snr", type=float, default=0.0, help="SNR on the line in dB")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--jitter-ms",
        type=float,
        default=0.0,
        help="network jitter on the caller's packets: each up to this late, in order",
    )
    args = parser.parse_args()
    missing = [name for name in ("espeak-ng", "minimodem") if shutil.which(name) is None]
    if not sipp_available() or missing:
        print(f"bench_line_tty: needs SIPp, espeak-ng and minimodem ({missing}); skipped")
        return 0
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        print("bench_line_tty: pjsua2-python is not installed; skipped")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-line-tty-"))
    os.environ.update({"KIOSK_DATA_DIR": str(work / "data"), "KIOSK_DEMO": "1"})
    from kiosk.line.config import LineSettings
    from kiosk.line.session import SessionParts
    from kiosk.line.sip import LineServer
    from kiosk.runtime import KioskRuntime
    from kiosk.speech.tts import EspeakSynthesizer

    runtime = KioskRuntime.start(background=False)
    heard: list[str] = []  # what the line's TTY channel read from the caller, line by line
    parts = SessionParts(
        services=runtime.services,
        synthesizer_factory=EspeakSynthesizer,
        recognizer_factory=lambda: None,
        on_tty_text=lambda _call, side, text: heard.append(text) if side == "caller" else None,
    )
    port = 5390
    server = LineServer(
        LineSettings(listen=f"127.0.0.1:{port}", max_calls=1, rtp_ports="42400-42499"),
        parts,
        realtime=True,  # as `kiosk line` runs: this process does nothing but the line
    )
    thread = threading.Thread(target=server.serve, name="sip", daemon=True)
    thread.start()
    server.ready.wait(120)
    rng = np.random.default_rng(args.seed)
    load_before = Path("/proc/loadavg").read_text().split()[0]
    tallies = [
        run_call(("127.0.0.1", port), heard, sender, args.snr, rng, work, args.jitter_ms / 1000)
        for sender in ("modem", "minimodem")
    ]
    server.stop()
    thread.join(20)
    runtime.stop()
    load_after = Path("/proc/loadavg").read_text().split()[0]
    print(
        f"TTY through the line: keystrokes 0.2-2 s apart from silence, 300-3400 Hz, "
        f"{args.snr:g} dB SNR, echo -10 dB/40 ms, G.711, network jitter up to "
        f"{args.jitter_ms:g} ms (load {load_before} -> {load_after})"
    )
    print(
        f"{'sender':<10} {'typed':>6} {'errors':>7} {'answers read right':>19} "
        f"{'caller send gap':>16}"
    )
    for tally in tallies:
        print(
            f"{tally.sender:<10} {tally.typed:>6} {tally.errors:>7} "
            f"{tally.read_right:>12}/{tally.answers} {tally.send_gap * 1000:>13.0f} ms"
        )
        for wrong in tally.wrong:
            print("   ", wrong)
    total = sum(t.errors for t in tallies)
    print(f"character errors: {total} (target 0)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
