"""Real loopback servers for receipt delivery tests: SMTP (aiosmtpd), HTTP, raw TCP."""

from __future__ import annotations

import email.policy
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from kiosk.receipts import Receipt

ACCOUNT = "40152271"
CARD = "4111111111111111"  # the well-known test PAN: passes Luhn


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_receipt(**overrides: Any) -> Receipt:
    """Ben Carter's card payment of his $95.00 past-due part (demo account 40152271)."""
    values: dict[str, Any] = {
        "confirmation_number": "7301-5582-9046",
        "kiosk_id": "K-03",
        "store_id": "LR-12",
        "timestamp": datetime(2025, 3, 3, 14, 5, tzinfo=ZoneInfo("America/Chicago")),
        "customer_name": "Ben Carter",
        "account_number": ACCOUNT,
        "amount_cents": 9500,
        "method": "card",
        "new_balance_cents": 12040,
        "card_brand": "Visa",
        "card_last4": CARD[-4:],
        "lines": ("Reconnection requested",),
    }
    values.update(overrides)
    return Receipt(**values)


@pytest.fixture
def receipt() -> Receipt:
    return make_receipt()


@dataclass
class MailHandler:
    """aiosmtpd handler keeping every delivered message; RCPT reply configurable."""

    envelopes: list[Envelope] = field(default_factory=list)
    rcpt_reply: str = "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_reply

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        parser = BytesParser(policy=email.policy.default)
        return [
            cast(EmailMessage, parser.parsebytes(env.original_content or b""))
            for env in self.envelopes
        ]


@dataclass
class SmtpServer:
    handler: MailHandler
    port: int
    host: str = "127.0.0.1"


def _authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"kiosk",
        b"s3cret",
    )
    return AuthResult(success=ok, handled=False)  # False: aiosmtpd itself replies 535


@pytest.fixture
def start_smtp() -> Iterator[Callable[..., SmtpServer]]:
    """Start a real aiosmtpd server on loopback; keyword arguments go to aiosmtpd's SMTP."""
    controllers: list[Controller] = []

    def start(**smtp_kwargs: Any) -> SmtpServer:
        handler = MailHandler()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_kwargs)
        controller.start()
        controllers.append(controller)
        return SmtpServer(handler, port)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp: Callable[..., SmtpServer]) -> SmtpServer:
    return start_smtp()


@pytest.fixture
def smtp_auth_server(start_smtp: Callable[..., SmtpServer]) -> SmtpServer:
    return start_smtp(authenticator=_authenticate, auth_require_tls=False)


@dataclass
class TlsFiles:
    cert: Path
    key: Path


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1, made by the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return TlsFiles(cert, key)


@pytest.fixture
def smtp_tls_server(start_smtp: Callable[..., SmtpServer], tls_files: TlsFiles) -> SmtpServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files.cert, tls_files.key)
    return start_smtp(tls_context=context, require_starttls=True, authenticator=_authenticate)


@dataclass
class HttpCall:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class WebhookServer:
    url: str
    calls: list[HttpCall]
    replies: list[int]  # status codes to answer, in order; 200 once they run out
    delay: float = 0.0


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    """A real http.server on loopback recording every POST."""
    state = WebhookServer(url="", calls=[], replies=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            state.calls.append(HttpCall(self.path, dict(self.headers.items()), body))
            time.sleep(state.delay)
            status = state.replies.pop(0) if state.replies else 200
            payload = b'{"status": "queued"}'
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out first, as the timeout test intends

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class RawTcpServer:
    port: int
    received: bytearray
    done: threading.Event


@pytest.fixture
def raw_tcp_server() -> Iterator[RawTcpServer]:
    """A loopback TCP listener that keeps every byte sent to it, like a printer's port 9100."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    state = RawTcpServer(listener.getsockname()[1], bytearray(), threading.Event())

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            while chunk := conn.recv(65536):
                state.received.extend(chunk)
        state.done.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield state
    listener.close()
