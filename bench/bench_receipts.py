"""Receipt benchmark: rendering per channel and one delivery attempt per adapter.

Each adapter is timed against a peer doing the same work by hand in the same run:
EscposPrinter against python-escpos called directly (Dummy), SmtpSender against bare
smtplib (same rendering, message built by hand) to the same aiosmtpd server on
loopback, WebhookSmsGateway against a bare urllib POST of the same text to the same
http.server. Ratios show what the adapters' checks and error handling cost; the file
and network printer rows show the real device I/O on top of the same job.

Run: ``.venv/bin/python bench/bench_receipts.py [--quick]``
"""

from __future__ import annotations

import argparse
import json
import smtplib
import socket
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from escpos.printer import Dummy

from kiosk.receipts import (
    EscposPrinter,
    PaymentMethod,
    Receipt,
    SmtpSender,
    WebhookSmsGateway,
    render_email,
    render_screen,
    render_sms,
    render_spoken,
    render_tty,
)
from kiosk.receipts.printer import write_receipt

RECEIPT = Receipt(
    confirmation_number="7301-5582-9046",
    kiosk_id="K-03",
    store_id="LR-12",
    timestamp=datetime(2025, 3, 3, 14, 5, tzinfo=ZoneInfo("America/Chicago")),
    customer_name="Ben Carter",
    account_number="40152271",
    amount_cents=9500,
    method=PaymentMethod.CARD,
    new_balance_cents=12040,
    card_brand="Visa",
    card_last4="1111",
    lines=("Reconnection requested",),
)


def median_us(work: Callable[[], object], repeats: int) -> float:
    """Median wall time of one call, in microseconds, after one warm-up call."""
    work()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


class _Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tcp_sink() -> tuple[int, socket.socket]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                while conn.recv(65536):
                    pass

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], listener


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    fast, slow = (200, 20) if args.quick else (2000, 150)

    rows: list[tuple[str, float, str, float]] = []
    screen = median_us(lambda: render_screen(RECEIPT), fast)
    renderers: list[tuple[str, Callable[[Receipt], object]]] = [
        ("render_spoken", render_spoken),
        ("render_tty", render_tty),
        ("render_email", render_email),
        ("render_sms", render_sms),
    ]
    for name, render in renderers:
        rows.append((name, median_us(partial(render, RECEIPT), fast), "render_screen", screen))

    def raw_dummy() -> bytes:
        printer = Dummy()
        write_receipt(printer, RECEIPT)
        return printer.output

    def adapter_dummy() -> bytes:
        printer = EscposPrinter.from_url("dummy:")
        printer.print_receipt(RECEIPT)
        return printer.output

    raw = median_us(raw_dummy, fast)
    rows.append(
        ("EscposPrinter dummy:", median_us(adapter_dummy, fast), "escpos Dummy direct", raw)
    )
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "lp0"
        file_printer = EscposPrinter.from_url(f"file:{target}")
        rows.append(("EscposPrinter file:", median_us(lambda: file_printer.print_receipt(RECEIPT), slow),
                     "escpos Dummy direct", raw))  # fmt: skip
    port, listener = _tcp_sink()
    net = EscposPrinter.from_url(f"network:127.0.0.1:{port}", timeout=5)
    rows.append(("EscposPrinter network:", median_us(lambda: net.print_receipt(RECEIPT), slow),
                 "escpos Dummy direct", raw))  # fmt: skip
    listener.close()

    smtp_port = _free_port()
    controller = Controller(_Sink(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        sender = SmtpSender("127.0.0.1", smtp_port, "receipts@kiosk.example.com", timeout=5)

        def bare_smtplib() -> None:
            content = render_email(RECEIPT)
            message = EmailMessage()
            message["From"], message["To"] = "receipts@kiosk.example.com", "ben@example.com"
            message["Subject"] = content.subject
            message.set_content(content.body)
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as smtp:
                smtp.send_message(message)

        rows.append(("SmtpSender.send", median_us(lambda: sender.send("ben@example.com", RECEIPT), slow),
                     "bare smtplib", median_us(bare_smtplib, slow)))  # fmt: skip
    finally:
        controller.stop()

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    gateway = WebhookSmsGateway(url, timeout=5)

    def bare_urllib() -> None:
        body = json.dumps({"to": "+12015550123", "text": render_sms(RECEIPT), "id": "x"}).encode()
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()

    rows.append(("WebhookSmsGateway", median_us(lambda: gateway.send_receipt("2015550123", RECEIPT), slow),
                 "bare urllib POST", median_us(bare_urllib, slow)))  # fmt: skip
    server.shutdown()
    server.server_close()

    print(f"{'operation':<24}{'median us':>12}  {'peer':<22}{'peer us':>10}{'ratio':>8}")
    for name, value, peer, peer_value in rows:
        print(f"{name:<24}{value:>12.1f}  {peer:<22}{peer_value:>10.1f}{value / peer_value:>8.2f}")


if __name__ == "__main__":
    main()
