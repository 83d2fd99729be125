"""Soak: many more SIGKILLs of the payment core than `make test` affords, on both back ends.

Prints kills, lives, payments per second and the invariant check for SQLite
and PostgreSQL side by side. ``--quick`` runs a short campaign.

    .venv/bin/python bench/bench_soak.py [--quick] [--kills N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from kiosk.devtools.crash_harness import Campaign, check_invariants
from kiosk.devtools.postgres_server import PostgresServer, find_bin_dir
from kiosk.store.models import AttemptState, PaymentAttempt


def soak(url: str, workdir: Path, kills: int, seed: int) -> dict[str, object]:
    campaign = Campaign(url, workdir, seed=seed)
    campaign.prepare()
    started = time.perf_counter()
    campaign.run(kills)
    seconds = time.perf_counter() - started
    store = campaign.finish()
    problems = check_invariants(store, campaign.journal_path, campaign.sink_path)
    with store.sessions() as session:
        succeeded = session.scalar(
            select(func.count(PaymentAttempt.id)).where(
                PaymentAttempt.state == AttemptState.SUCCEEDED
            )
        )
    store.dispose()
    return {
        "kills": sum(campaign.kills.values()),
        "lives": campaign.lives,
        "succeeded": int(succeeded or 0),
        "seconds": seconds,
        "s_per_kill": seconds / max(1, sum(campaign.kills.values())),
        "problems": len(problems) + len(campaign.errors),
        "first_problem": (problems + campaign.errors + [""])[0][:80],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 kills per back end")
    parser.add_argument("--kills", type=int, default=None, help="kills per back end")
    args = parser.parse_args()
    kills = args.kills or (100 if args.quick else 2000)
    rows: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as tmp:
        rows["sqlite"] = soak(f"sqlite:///{tmp}/kiosk.sqlite3", Path(tmp, "sqlite"), kills, 1)
        if find_bin_dir() is not None:
            server = PostgresServer().start()
            try:
                url = server.create_database("soak")
                rows["postgresql"] = soak(url, Path(tmp, "postgresql"), kills, 2)
            finally:
                server.stop()
    print(
        f"{'backend':<11} {'kills':>6} {'lives':>6} {'paid':>6} {'seconds':>8} "
        f"{'s/kill':>7} {'problems':>8}"
    )
    for name, row in rows.items():
        print(
            f"{name:<11} {row['kills']:>6} {row['lives']:>6} {row['succeeded']:>6} "
            f"{row['seconds']:>8.1f} {row['s_per_kill']:>7.3f} {row['problems']:>8}"
        )
        if row["problems"]:
            print(f"  first problem: {row['first_problem']}")
    if len(rows) == 2:
        ratio = float(rows["postgresql"]["s_per_kill"]) / float(rows["sqlite"]["s_per_kill"])  # type: ignore[arg-type]
        print(f"postgresql / sqlite time per kill: {ratio:.2f}")
    if any(row["problems"] for row in rows.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
