"""Phone line benchmark: 8 calls at once to `kiosk line` (PJSIP) from SIPp callers.

Seven callers sign in with keys (RFC 4733) and hear their bill; the eighth is a TTY
that types its answers one character at a time, with random 0.2-2 s pauses, under
white noise at 0 dB SNR on the line. For every call: the time from answer (the line's
first RTP packet) to its first sound, and the largest gap between two of the line's
RTP packets as the caller receives them (target: first sound <= 500 ms, no gap over
40 ms). For the TTY call: whether each typed answer was read right (the line moved on
to the next step); bench_line_tty.py counts the characters the line read wrong.

Run: ``.venv/bin/python bench/bench_line.py [--quick]`` (about 2 minutes; --quick: 4 calls).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.devtools.sip_caller import SippCaller, sipp_available
from kiosk.line.keys import BURST_GAP

ACCOUNTS = [  # number, ZIP, PIN
    ("40152270", "72201", "2468"),
    ("40152271", "35203", "1357"),
    ("40152272", "27601", "8642"),
    ("40152273", "50309", "9753"),
    ("40152274", "73301", "1111"),
]
TTY_ANSWERS = [("1", "ACCT"), ("40152271", "ZIP")]  # typed, then a word of the next prompt
HOLD_SECONDS = 75.0  # keypad calls stay on the line this long (all 8 overlap)


@dataclass
class CallResult:
    kind: str
    first_sound_ms: float | None = None
    max_gap_ms: float | None = None
    gap_at: float = 0.0  # s after the call's first packet
    packets: int = 0
    gaps_ms: np.ndarray | None = None  # every gap between two of the line's packets
    note: str = ""


def _gaps(arrivals: list[float]) -> tuple[float, float] | None:
    """The largest gap between packets (ms) and when it ended (s after the first)."""
    if len(arrivals) < 2:
        return None
    stamps = np.asarray(arrivals)
    gaps = np.diff(stamps)
    at = int(np.argmax(gaps))
    return float(gaps[at] * 1000.0), float(stamps[at + 1] - stamps[0])


def _measure(caller: SippCaller, result: CallResult) -> None:
    rtp = caller.rtp
    if rtp.first_packet_at is not None and rtp.first_sound_at is not None:
        result.first_sound_ms = (rtp.first_sound_at - rtp.first_packet_at) * 1000.0
    gap = _gaps(rtp.arrivals)
    if gap is not None:
        result.max_gap_ms, result.gap_at = gap
        result.gaps_ms = np.diff(np.asarray(rtp.arrivals)) * 1000.0
    result.packets = len(rtp.arrivals)


def keypad_call(address: tuple[str, int], work: Path, index: int, result: CallResult) -> None:
    number, zip_code, pin = ACCOUNTS[index % len(ACCOUNTS)]
    caller = SippCaller(address, codec="PCMU" if index % 2 else "PCMA", workdir=work / f"k{index}")
    caller.start()
    try:
        if not caller.wait_answered(15):
            result.note = "not answered"
            return
        # A menu's key once the menu is being said (the line drops a key typed before a
        # menu is heard): start once greeted, the numbers typed ahead, then 1 on the menu
        # (hear the bill).
        for keys, after in (("1" + number + "#" + zip_code + "#" + pin + "#", 1.5), ("1", 0.3)):
            caller.rtp.wait_sound_after(time.perf_counter() + after, 60)
            time.sleep(BURST_GAP + 0.3)
            for key in keys:
                caller.rtp.key(key)
            caller.rtp.wait_sent()
        end = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < end and caller.process and caller.process.poll() is None:
            time.sleep(0.2)
        caller.hang_up()
        caller.wait(15)
        _measure(caller, result)
    finally:
        caller.close()


def tty_call(address: tuple[str, int], work: Path, result: CallResult, snr_db: float) -> None:
    """A TTY typing Ben's first answers with pauses, through the phone band, noise and
    echo (as bench_line_tty.py, which also counts the characters the line read wrong)."""
    from bench_line_tty import ECHO_FRAMES, ECHO_GAIN, keystrokes_modem, on_the_line, typed

    from kiosk.tty.modulator import modulate

    rng = np.random.default_rng(18)
    caller = SippCaller(address, workdir=work / "tty")
    caller.start()
    notes = []
    try:
        if not caller.wait_answered(15):
            result.note = "not answered"
            return
        caller.rtp.echo_gain, caller.rtp.echo_frames = ECHO_GAIN, ECHO_FRAMES
        caller.wait_for_text("GA", 1, timeout=10)
        caller.rtp.play(modulate("HELLO GA\n", rate=8000))
        caller.wait_for_text("GA", 2, timeout=60)
        for turn, (answer, expected) in enumerate(TTY_ANSWERS, start=3):
            time.sleep(0.5)
            audio = typed(keystrokes_modem(f"{answer} GA"), rng)
            caller.rtp.play(on_the_line(audio, snr_db, rng))
            heard = caller.wait_for_text("GA", turn, timeout=90)
            last = heard.rsplit("GA", 2)[-2] if heard.count("GA") >= turn else ""
            notes.append("ok" if expected in last else f"not read ({last.strip()[:30]!r})")
        caller.hang_up()
        caller.wait(15)
        _measure(caller, result)
        result.note = f"answers at {snr_db:g} dB SNR: {', '.join(notes)}"
    finally:
        caller.close()


def phone_band_table(voices: tuple[str, ...] = ("en-us", "en-us+f3")) -> None:
    """Speech recognized through the line (G.711 at 8 kHz, 300-3400 Hz, the line's own
    upsampling to 16 kHz) against the kiosk's 16 kHz path: the same utterances (the
    speech bench's corpus: yes/no, menus, digits, amounts, commands), the same
    recognizer, the one the line runs (``line_speech_engine``), in the same run."""
    from bench_speech import corpus
    from scipy.signal import butter, sosfilt

    from kiosk.channels.tty_transport import ulaw_decode, ulaw_encode
    from kiosk.channels.voice_devices import build_recognizer
    from kiosk.line.audio import Upsampler, to_line_rate
    from kiosk.settings import get_settings
    from kiosk.speech.corpus import spoken_variants

    engine = get_settings().line_speech_engine
    recognizer = build_recognizer(engine, None)
    band = butter(4, (300.0, 3400.0), btype="bandpass", fs=8000, output="sos")
    right: dict[tuple[str, str], list[bool]] = {}
    for group, _label, grammar, text, value in corpus():
        for clip in spoken_variants(text, voices=voices, rates=(160,)):
            phone = ulaw_decode(ulaw_encode(sosfilt(band, to_line_rate(clip.audio, 16_000))))
            upsampler = Upsampler()
            line = np.concatenate(
                [upsampler.feed(phone[i : i + 160]) for i in range(0, phone.size, 160)]
            )
            for path, audio in (("16 kHz kiosk", clip.audio), ("G.711 line", line)):
                result = recognizer.recognize(audio, 16_000, grammar)
                ok = result.answer is not None and result.answer.value == value
                right.setdefault((group, path), []).append(ok)
    groups = sorted({group for group, _ in right})
    print(
        f"\nspeech through the line ({engine}: {type(recognizer).__name__}, "
        f"voices {', '.join(voices)})"
    )
    print(f"{'kind':<10} {'16 kHz kiosk':>14} {'G.711 line':>12}")
    for group in groups:
        cells = []
        for path in ("16 kHz kiosk", "G.711 line"):
            marks = right[(group, path)]
            cells.append(f"{sum(marks)}/{len(marks)} {100 * sum(marks) / len(marks):3.0f}%")
        print(f"{group:<10} {cells[0]:>14} {cells[1]:>12}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="4 calls instead of 8")
    parser.add_argument("--snr", type=float, default=0.0, help="TTY line SNR in dB")
    parser.add_argument("--keep", action="store_true", help="keep the lines' logs (printed path)")
    parser.add_argument("--no-speech", action="store_true", help="skip the phone-band speech table")
    args = parser.parse_args()
    if not sipp_available() or shutil.which("espeak-ng") is None:
        print("bench_line: needs SIPp (sip-tester) and espeak-ng; skipped")
        return 0
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        print("bench_line: pjsua2-python is not installed; skipped")
        return 0
    from kiosk.line.config import STACK_CALL_LIMIT

    calls = 4 if args.quick else 8
    work = Path(tempfile.mkdtemp(prefix="bench-line-"))
    # The line in its own processes, as in service (the callers' RTP threads here would
    # otherwise compete with it for one interpreter); the SIP stack holds 4 calls a
    # process, so 8 calls are two lines of 4 (a PBX spreads calls over them).
    per_line = min(calls, STACK_CALL_LIMIT)
    ports = [5290 + 10 * n for n in range(-(-calls // per_line))]
    lines = []
    for n, port in enumerate(ports):
        log = (work / f"line{n}.log").open("w")
        lines.append(
            subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("kiosk")),
                    "line",
                    "--listen",
                    f"127.0.0.1:{port}",
                    "--max-calls",
                    str(per_line),
                    "--rtp-ports",
                    f"{42000 + 100 * n}-{42099 + 100 * n}",
                ],
                env={**os.environ, "KIOSK_DATA_DIR": str(work / f"line{n}"), "KIOSK_DEMO": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    end = time.monotonic() + 240  # warm-up: a minute or more on a busy machine
    while time.monotonic() < end and not all(
        "line listening" in (work / f"line{n}.log").read_text() for n in range(len(ports))
    ):
        time.sleep(0.2)
    time.sleep(3.0)  # the recognizers are made ahead of the first call

    def address(index: int) -> tuple[str, int]:
        return ("127.0.0.1", ports[index // per_line])

    results = [CallResult("keys") for _ in range(calls - 1)] + [CallResult("tty")]
    threads = [
        threading.Thread(target=keypad_call, args=(address(i), work, i, results[i]))
        for i in range(calls - 1)
    ]
    threads.append(
        threading.Thread(target=tty_call, args=(address(calls - 1), work, results[-1], args.snr))
    )
    load_before = Path("/proc/loadavg").read_text().split()[0]
    started = time.monotonic()
    for thread in threads:
        thread.start()
        time.sleep(0.3)
    for thread in threads:
        thread.join(300)
    elapsed = time.monotonic() - started
    for line in lines:
        line.send_signal(signal.SIGTERM)
    for line in lines:
        try:
            line.wait(20)
        except subprocess.TimeoutExpired:
            line.kill()

    cores = Path("/proc/cpuinfo").read_text().count("processor")
    load_after = Path("/proc/loadavg").read_text().split()[0]
    print(
        f"{calls} simultaneous calls on {cores} cores, {elapsed:.0f} s "
        f"(load average {load_before} before, {load_after} after)"
    )
    print(
        f"{'call':<6} {'kind':<5} {'first sound ms':>14} {'max RTP gap ms':>18} "
        f"{'p99.9 ms':>8} {'packets':>8}  note"
    )
    for i, r in enumerate(results):
        first = f"{r.first_sound_ms:.0f}" if r.first_sound_ms is not None else "-"
        gap = f"{r.max_gap_ms:.1f} @{r.gap_at:.0f}s" if r.max_gap_ms is not None else "-"
        tail = f"{np.percentile(r.gaps_ms, 99.9):.1f}" if r.gaps_ms is not None else "-"
        print(f"{i + 1:<6} {r.kind:<5} {first:>14} {gap:>18} {tail:>8} {r.packets:>8}  {r.note}")
    every = [r.gaps_ms for r in results if r.gaps_ms is not None]
    if every:
        pooled = np.concatenate(every)
        p50, p99, p999 = np.percentile(pooled, (50, 99, 99.9))
        print(
            f"gaps between packets, all calls ({pooled.size}): median {p50:.1f} ms, "
            f"p99 {p99:.1f}, p99.9 {p999:.1f}, over 30 ms {int((pooled > 30).sum())}, "
            f"over 40 ms {int((pooled > 40).sum())}"
        )
    gaps = [r.max_gap_ms for r in results if r.max_gap_ms is not None]
    firsts = [r.first_sound_ms for r in results if r.first_sound_ms is not None]
    if gaps and firsts:
        print(
            f"worst: first sound {max(firsts):.0f} ms (target <= 500), "
            f"RTP gap {max(gaps):.1f} ms (target <= 40)"
        )
    problems = [
        entry
        for n in range(len(ports))
        for entry in (work / f"line{n}.log").read_text().splitlines()
        if " WARNING " in entry or " ERROR " in entry or "refused" in entry
    ]
    for problem in problems[:10]:
        print("line:", problem)
    if not args.no_speech:
        phone_band_table()
    if args.keep:
        print("logs kept in", work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
