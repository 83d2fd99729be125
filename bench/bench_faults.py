"""Store faults in the middle of payments, 100+ runs a fault: what was the customer told?

Each run is a card payment through the conversation engine with the store
broken at one crash point of the payment core (cycled over
kiosk.devtools.store_faults.FAULT_POINTS; amounts drawn per run, so some are
declined or get no answer): SQLite locked by another process, its disk (a
small tmpfs) full, its file deleted or corrupted (then restored from the last
backup), PostgreSQL's payment tables locked by another session or the server
stopped with ``pg_ctl -m immediate stop``. Then repair, restart, reconcile and recovery from the payment journal, and the
processor's records are compared with the books.

Columns: runs; hit (the fault struck); charged (the processor took money);
paid / checked / out (the customer was told "paid", "being checked", "out of
service"); truthful; lost; doubled; false "nothing charged"; tracebacks shown.
Targets: 0 lost, 0 doubled, 0 false "nothing charged", 0 tracebacks, every
run truthful. "audit flagged": runs after which ``audit verify`` reports entries
missing against the chain head kept outside the database - expected after a
backup is restored (the entries written since are gone, and the anchor says so).

    .venv/bin/python bench/bench_faults.py [--quick] [--runs N]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from kiosk.devtools.postgres_server import PostgresServer, find_bin_dir
from kiosk.devtools.store_faults import (
    FAULT_POINTS,
    POSTGRES_FAULTS,
    SQLITE_FAULTS,
    FaultLab,
    Tally,
    small_disk,
)
from kiosk.logging import configure

COLUMNS = (
    "runs",
    "hit",
    "charged",
    "told_paid",
    "told_checked",
    "out_of_service",
    "truthful",
    "lost",
    "doubled",
    "false_nothing_charged",
    "tracebacks",
    "audit_flagged",
)
HEADERS = (
    "runs",
    "hit",
    "charged",
    "paid",
    "checked",
    "out",
    "truthful",
    "lost",
    "doubled",
    'false "nothing"',
    "tracebacks",
    "audit flagged",
)


def campaign(lab: FaultLab, kind: str, runs: int) -> tuple[Tally, float]:
    tally = Tally(kind)
    started = time.perf_counter()
    for index in range(runs):
        tally.add(lab.run(kind, FAULT_POINTS[index % len(FAULT_POINTS)], seed=index))
    return tally, (time.perf_counter() - started) / max(runs, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 runs a fault")
    parser.add_argument("--runs", type=int, default=100, help="runs per fault (default 100)")
    args = parser.parse_args()
    runs = 10 if args.quick else args.runs
    # The kiosk's JSON log lines and the engine's error lines go nowhere: the table is the output.
    configure(open("/dev/null", "w"))  # noqa: SIM115 - lives as long as the process
    logging.disable(logging.CRITICAL)

    rows: list[tuple[str, Tally, float]] = []
    notes: list[str] = []
    with small_disk() as (disk, how), tempfile.TemporaryDirectory() as tmp:
        notes.append(f"SQLite data disk: {how}")
        lab = FaultLab(Path(tmp) / "sqlite", disk=disk)
        for kind in SQLITE_FAULTS:
            if kind == "disk_full" and not how.startswith("tmpfs"):
                notes.append("disk_full skipped: no small disk could be mounted")
                continue
            tally, seconds = campaign(lab, kind, runs)
            rows.append((f"sqlite {kind}", tally, seconds))
        if find_bin_dir() is None:
            notes.append("PostgreSQL not installed: pg_stopped skipped")
        else:
            server = PostgresServer().start()
            try:
                pg = FaultLab(Path(tmp) / "pg", postgres=server)
                for kind in POSTGRES_FAULTS:
                    tally, seconds = campaign(pg, kind, runs)
                    rows.append((f"postgresql {kind}", tally, seconds))
            finally:
                server.stop()

    width = max(len(name) for name, _, _ in rows)
    print(f"{'fault':<{width}}  " + "  ".join(HEADERS) + "  s/run")
    failed = False
    for name, tally, seconds in rows:
        values = [getattr(tally, column) for column in COLUMNS]
        cells = [f"{value:>{len(header)}}" for value, header in zip(values, HEADERS, strict=True)]
        print(f"{name:<{width}}  " + "  ".join(cells) + f"  {seconds:5.2f}")
        bad = (
            tally.lost
            or tally.doubled
            or tally.false_nothing_charged
            or tally.tracebacks
            or tally.truthful != tally.runs
            or tally.other_problems
        )
        failed = failed or bool(bad)
    for note in notes:
        print(f"note: {note}")
    for name, tally, _ in rows:
        for problem in tally.other_problems[:5]:
            print(f"problem ({name}): {problem}")
    print(f"fault points cycled: {', '.join(FAULT_POINTS)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
