"""``kiosk serve``: the store's upkeep as one long-running service (deploy/kiosk-serve.service).

Every ``outbox_interval_seconds`` it delivers waiting receipts and notifications; every
``reconcile_interval_seconds`` it settles payments left open (older than the grace, so
a payment in flight on a kiosk is never touched); once a day after ``daily_job_time``
(the store's local time) it runs the daily job, unless ``--no-daily`` (when the systemd
timer runs it instead); and it serves ``/metrics`` on loopback. SIGTERM stops it
between jobs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import threading
import time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kiosk.ops.health import HealthServer, JobTimes

if TYPE_CHECKING:
    from kiosk.store.store import Store

log = logging.getLogger(__name__)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-daily",
        action="store_true",
        help="do not run the daily job (deploy/kiosk-daily.timer runs it instead)",
    )
    parser.add_argument(
        "--health-port",
        type=int,
        default=None,
        help="port of the loopback health endpoint (default: setting health_port; 0: none)",
    )
    parser.add_argument(
        "--grace-seconds",
        type=float,
        default=120.0,
        help="reconcile only attempts untouched this long (a kiosk's payment may be in flight)",
    )
    parser.add_argument(
        "--once", action="store_true", help="run every job once, then stop (for checks)"
    )
    parser.set_defaults(handler=_serve)


class Upkeep:
    """The scheduled jobs over one store; each job logs its failure and the loop goes on."""

    def __init__(self, store: Store, grace: dt.timedelta, daily: bool) -> None:
        self.store = store
        self.grace = grace
        self.daily = daily
        self.jobs = JobTimes()
        self.stop = threading.Event()
        self._daily_done_for: dt.date | None = None

    def deliver(self) -> None:
        from kiosk.runtime import delivery_router
        from kiosk.services.outbox import OutboxWorker

        OutboxWorker(self.store, delivery_router(self.store.settings)).run_once()
        with self.jobs.lock:
            self.jobs.last_outbox = time.time()

    def reconcile(self) -> None:
        from kiosk.payments.recovery import recover
        from kiosk.payments.registry import reconciliation_methods
        from kiosk.payments.service import PaymentService

        ok = False
        try:
            # Settled after its customer left: no printed receipt (see kiosk admin reconcile).
            service = PaymentService(self.store, prints_receipts=False)
            methods = reconciliation_methods(self.store.settings)
            report = service.reconcile(methods, older_than=self.grace)
            # Payments the database failed to record, from this kiosk's payment journal.
            recovered = recover(service, service.journal, methods, older_than=self.grace)
            ok = not recovered.problems
            if report.settled:
                log.info("reconciled: %s", report.settled)
            for problem in recovered.problems:
                log.error("reconcile: %s", problem)
        finally:
            with self.jobs.lock:
                self.jobs.last_reconcile = time.time()
                self.jobs.last_reconcile_ok = ok

    def daily_due(self) -> dt.date | None:
        """Today's local date once ``daily_job_time`` has passed and the job has not run."""
        settings = self.store.settings
        now = self.store.clock.now().astimezone(ZoneInfo(settings.timezone))
        hour, minute = (int(part) for part in settings.daily_job_time.split(":"))
        if (now.hour, now.minute) < (hour, minute) or self._daily_done_for == now.date():
            return None
        return now.date()

    def run_daily(self, day: dt.date) -> None:
        from kiosk.ops.daily import run_daily

        run = run_daily(self.store, day)
        self._daily_done_for = day
        with self.jobs.lock:
            self.jobs.last_daily = time.time()
        log.info(
            "daily job done: %d plans broken, %d kept, %d offers expired",
            len(run.plans.broken),
            len(run.plans.kept),
            len(run.offers_expired),
        )

    def _guarded(self, job: Any, *args: Any) -> None:
        try:
            job(*args)
        except Exception:
            log.exception("%s failed", getattr(job, "__name__", job))

    def run(self, once: bool = False) -> None:
        settings = self.store.settings
        next_outbox = next_reconcile = 0.0
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= next_reconcile:
                self._guarded(self.reconcile)
                next_reconcile = now + settings.reconcile_interval_seconds
            if now >= next_outbox:
                self._guarded(self.deliver)
                next_outbox = now + settings.outbox_interval_seconds
            day = self.daily_due() if self.daily else None
            if day is not None or (once and self.daily):
                self._guarded(self.run_daily, day or self.store.clock.now().date())
            if once:
                return
            self.stop.wait(max(0.05, min(next_outbox, next_reconcile) - time.monotonic()))


def _serve(args: argparse.Namespace) -> int:
    from kiosk.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail
    from kiosk.logging import log_as_configured
    from kiosk.store.health import is_store_failure, unusable_message
    from kiosk.store.store import open_store

    log_as_configured(interactive=False)
    from kiosk.errors import StoreUnavailable

    try:
        store = open_store(seed=False, create=False)  # never a new database, never demo data
    except StoreUnavailable as error:
        return fail("serve", error.message, EXIT_USAGE)
    except Exception as error:  # a server that is down, a locked or damaged file
        if not is_store_failure(error):
            raise
        return fail("serve", unusable_message(error), EXIT_FAILED)
    upkeep = Upkeep(store, dt.timedelta(seconds=args.grace_seconds), daily=not args.no_daily)
    port = store.settings.health_port if args.health_port is None else args.health_port
    server = None
    if port:
        try:
            server = HealthServer(store, upkeep.jobs, store.settings.health_host, port).start()
        except OSError as error:
            store.dispose()
            return fail(
                "serve",
                f"cannot serve health on {store.settings.health_host}:{port}: {error}",
                EXIT_USAGE,
            )
        print(
            f"kiosk serve: health on http://{store.settings.health_host}:{server.port}/metrics",
            flush=True,
        )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: upkeep.stop.set())
    try:
        upkeep.run(once=args.once)
    finally:
        if server is not None:
            server.stop()
        store.dispose()
    return EXIT_OK
