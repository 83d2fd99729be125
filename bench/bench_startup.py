"""Cold start of the ``kiosk`` command to its first output: ``kiosk --help`` and ``kiosk text``.

Each run is a fresh subprocess (new interpreter, imports from scratch; the OS file
cache stays warm, as on a kiosk that restarts). ``kiosk text`` is timed to its first
line on stdout with an empty data directory prepared once (so the database exists),
and counts as "not available" if it prints nothing within 5 s. The peer is a bare
``python -c pass`` measured in the same run. Target (issue 3): <= 0.4 s.

Run: ``.venv/bin/python bench/bench_startup.py [--quick]``
"""

from __future__ import annotations

import argparse
import os
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIOSK = Path(sys.executable).parent / "kiosk"
TARGET_SECONDS = 0.4
TEXT_TIMEOUT = 5.0


def time_to_first_line(command: list[str], env: dict[str, str], timeout: float) -> float | None:
    """Seconds from spawn to the first line on stdout, or None if none came in time."""
    begin = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    elapsed: float | None = None
    try:
        deadline = begin + timeout
        while time.perf_counter() < deadline:
            if selector.select(timeout=max(0.0, deadline - time.perf_counter())):
                if process.stdout.readline():
                    elapsed = time.perf_counter() - begin
                break
            if process.poll() is not None:
                break
    finally:
        selector.close()
        if process.poll() is None:
            process.kill()
        process.wait()
    return elapsed


def measure(
    command: list[str], env: dict[str, str], runs: int, timeout: float
) -> list[float] | None:
    times = []
    for _ in range(runs):
        elapsed = time_to_first_line(command, env, timeout)
        if elapsed is None:
            return None
        times.append(elapsed)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    runs = 5 if args.quick else 15
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        env.update(KIOSK_DATA_DIR=tmp, KIOSK_CONFIG=str(Path(tmp) / "absent.toml"))
        subprocess.run(
            [str(KIOSK), "db", "seed"], env=env, capture_output=True, check=False, timeout=120
        )
        cases = [
            ("python -c print() (peer)", [sys.executable, "-c", "print()"]),
            ("kiosk --help", [str(KIOSK), "--help"]),
            ("kiosk text", [str(KIOSK), "text"]),
        ]
        results = {name: measure(cmd, env, runs, TEXT_TIMEOUT) for name, cmd in cases}
    peer = statistics.median(results["python -c print() (peer)"] or [float("nan")])
    header = f"{'command':<24} {'runs':>4} {'median s':>9} {'max s':>7} {'vs python':>9}  target"
    print(header)
    print("-" * len(header))
    for name, times in results.items():
        if times is None:
            print(f"{name:<24} {'-':>4} {'not available (no output within 5 s)':>30}")
            continue
        median = statistics.median(times)
        verdict = "ok" if median <= TARGET_SECONDS else "MISSED"
        if name.endswith("(peer)"):
            verdict = ""
        print(
            f"{name:<24} {len(times):>4} {median:>9.3f} {max(times):>7.3f} "
            f"{median / peer:>8.1f}x  {verdict}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
