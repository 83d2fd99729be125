"""The health endpoint: ``GET /metrics`` in Prometheus' text format, on loopback only.

Read from the database at each request (a few counts), plus what ``kiosk serve`` knows
about its own jobs: when reconciliation and the daily job last ran. ``GET /healthz``
answers ``ok`` while the database answers.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from kiosk.store.models import OPEN_STATES, OutboxMessage, OutboxState, PaymentAttempt

if TYPE_CHECKING:
    from kiosk.store.store import Store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class JobTimes:
    """Unix times of the last completed runs (0: not yet), shared with the scheduler."""

    last_reconcile: float = 0.0
    last_reconcile_ok: bool = True
    last_daily: float = 0.0
    last_outbox: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def printer_up(url: str, timeout: float = 1.0) -> int | None:
    """1 if the receipt printer can be reached, 0 if not, None if it cannot be told
    without printing (USB). ``network:`` opens a TCP connection; ``file:`` checks that
    the device or file can be written; ``dummy:`` is always there."""
    from kiosk.receipts.printer_address import parse_printer_address

    try:
        address = parse_printer_address(url)
    except ValueError:
        return 0  # a setting that names no printer reaches none
    if address.kind == "dummy":
        return 1
    if address.kind == "file":
        return int(os.access(address.path, os.W_OK))
    if address.kind == "network":
        try:
            with socket.create_connection((address.host, address.port), timeout=timeout):
                return 1
        except OSError:
            return 0
    return None


def metrics_text(store: Store, jobs: JobTimes) -> str:
    """Every metric, with HELP and TYPE lines, as Prometheus scrapes it."""
    with store.sessions() as session:
        outcomes = dict(
            session.execute(
                select(PaymentAttempt.state, func.count()).group_by(PaymentAttempt.state)
            ).all()
        )
        outbox = dict(
            session.execute(
                select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            ).all()
        )
    kiosk = store.settings.kiosk_id
    lines: list[str] = []

    def metric(name: str, kind: str, text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{name}{labels} {_number(value)}" for labels, value in samples)

    from kiosk.store.models import AttemptState

    metric(
        "kiosk_payments",
        "gauge",
        "Payment attempts in the database by outcome (state).",
        [(f'{{outcome="{state.value}"}}', outcomes.get(state, 0)) for state in AttemptState],
    )
    metric(
        "kiosk_open_attempts",
        "gauge",
        "Attempts still created, sent or unknown: reconciliation must settle them.",
        [("", sum(outcomes.get(state, 0) for state in OPEN_STATES))],
    )
    metric(
        "kiosk_outbox_backlog",
        "gauge",
        "Receipts and notifications waiting to be delivered.",
        [("", outbox.get(OutboxState.PENDING, 0))],
    )
    metric(
        "kiosk_outbox_failed",
        "gauge",
        "Messages given up on after the maximum attempts (staff must act).",
        [("", outbox.get(OutboxState.FAILED, 0))],
    )
    up = printer_up(store.settings.printer_url)
    if up is not None:
        metric("kiosk_printer_up", "gauge", "1 if the receipt printer answers.", [("", up)])
    with jobs.lock:
        reconcile, reconcile_ok, daily = (
            jobs.last_reconcile,
            jobs.last_reconcile_ok,
            jobs.last_daily,
        )
    metric(
        "kiosk_last_reconcile_timestamp_seconds",
        "gauge",
        "Unix time reconciliation last ran (0: not since start).",
        [("", reconcile)],
    )
    metric(
        "kiosk_last_reconcile_ok",
        "gauge",
        "1 if the last reconciliation ran without error.",
        [("", int(reconcile_ok))],
    )
    metric(
        "kiosk_last_daily_job_timestamp_seconds",
        "gauge",
        "Unix time the daily job last ran here (0: not since start).",
        [("", daily)],
    )
    metric("kiosk_info", "gauge", "This kiosk.", [(f'{{kiosk_id="{kiosk}"}}', 1)])
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    """Counts as integers, times to the millisecond (``:g`` would round a Unix time)."""
    return str(value) if isinstance(value, int) else f"{value:.3f}"


class HealthServer:
    """A threaded HTTP server on ``host:port`` (loopback by default) in its own thread."""

    def __init__(self, store: Store, jobs: JobTimes, host: str, port: int) -> None:
        handler = _handler(store, jobs)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="kiosk-health", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(store: Store, jobs: JobTimes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            try:
                if self.path == "/metrics":
                    self._send(200, metrics_text(store, jobs), CONTENT_TYPE)
                elif self.path == "/healthz":
                    with store.sessions() as session:
                        session.execute(select(1))
                    self._send(200, "ok\n", "text/plain; charset=utf-8")
                else:
                    self._send(404, "not found: try /metrics or /healthz\n", "text/plain")
            except Exception as error:  # the database is down: say so, stay up
                self._send(503, f"unhealthy: {type(error).__name__}\n", "text/plain")

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # scrapes every few seconds would fill the log

    return Handler
