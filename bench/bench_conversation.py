"""Conversation engine overhead per step, and a full scripted payment through `kiosk text`.

Targets (issue 5): a full scripted payment in under 1 s wall and 120 MB peak memory.
The peer for the engine is the bare answer parser on the same inputs: the ratio
says how much the state machine adds on top of parsing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = "1\n40152270\n72201\n2468\n2\n1\n1\nyes\n4\nno\n"
ROOT = Path(__file__).resolve().parent.parent


def engine_per_step(rounds: int) -> tuple[float, float]:
    """Median microseconds of Conversation.answer('repeat') vs parse() alone."""
    from kiosk.clock import FixedClock
    from kiosk.conversation.answers import parse
    from kiosk.conversation.engine import Conversation
    from kiosk.conversation.services import Services
    from kiosk.settings import Settings
    from kiosk.store.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(
            Settings(database_url=f"sqlite:///{tmp}/k.sqlite3"), FixedClock(), seed=True
        )
        conversation = Conversation(Services(store))
        for answer in ("1", "40152270", "72201", "2468", "2"):
            conversation.answer(answer)
        engine, parser = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            conversation.answer("help")
            engine.append(time.perf_counter() - start)
            start = time.perf_counter()
            parse(conversation.prompt, "help")
            parser.append(time.perf_counter() - start)
        store.dispose()
    return statistics.median(engine) * 1e6, statistics.median(parser) * 1e6


def scripted_payment(runs: int) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MB) of a whole payment through `kiosk text`."""
    kiosk = shutil.which("kiosk") or str(ROOT / ".venv" / "bin" / "kiosk")
    walls = []
    peak = 0.0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as data:
            env = dict(os.environ, KIOSK_DATA_DIR=data)
            subprocess.run([kiosk, "db", "seed"], env=env, capture_output=True, check=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            done = subprocess.run(
                [kiosk, "text"], input=SCRIPT, text=True, env=env, capture_output=True
            )
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            if done.returncode != 0 or "confirmation number" not in done.stdout:
                raise SystemExit(f"scripted payment failed:\n{done.stdout}\n{done.stderr}")
            peak = max(peak, max(after, before) / 1024)
    return statistics.median(walls), peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    engine_us, parse_us = engine_per_step(50 if args.quick else 300)
    wall, peak = scripted_payment(2 if args.quick else 5)
    rows = [
        ("engine step (help on pay step), median", f"{engine_us:,.0f} us", "-"),
        (
            "answer parser alone (peer), median",
            f"{parse_us:,.0f} us",
            f"engine/parser = {engine_us / parse_us:.0f}x",
        ),
        ("full scripted payment via `kiosk text`, median wall", f"{wall:.2f} s", "target < 1.0 s"),
        ("peak memory of `kiosk text` (max RSS)", f"{peak:.0f} MB", "target < 120 MB"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>12}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")


if __name__ == "__main__":
    sys.exit(main())
