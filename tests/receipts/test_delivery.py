"""DeliveryRouter over the real adapters: one call per attempt, one error type."""

from __future__ import annotations

import pytest

from kiosk.receipts import (
    DeliveryError,
    DeliveryRouter,
    EscposPrinter,
    Receipt,
    SmtpSender,
    WebhookSmsGateway,
)

from .conftest import SmtpServer, WebhookServer, free_port


@pytest.fixture
def router(smtp_server: SmtpServer, webhook_server: WebhookServer) -> DeliveryRouter:
    return DeliveryRouter(
        {
            "print": EscposPrinter.from_url("dummy:"),
            "email": SmtpSender(
                smtp_server.host, smtp_server.port, "receipts@kiosk.example.com", timeout=5
            ),
            "sms": WebhookSmsGateway(webhook_server.url, timeout=5),
        }
    )


def test_each_channel_delivers(
    router: DeliveryRouter, smtp_server: SmtpServer, webhook_server: WebhookServer, receipt: Receipt
) -> None:
    router.deliver("print", "", receipt)
    router.deliver("email", "ben@example.com", receipt)
    router.deliver("sms", "2015550123", receipt)
    assert router.channels == ("print", "email", "sms")
    assert len(smtp_server.handler.envelopes) == 1 and len(webhook_server.calls) == 1


def test_printer_output_through_router(receipt: Receipt) -> None:
    printer = EscposPrinter.from_url("dummy:")
    DeliveryRouter({"print": printer}).deliver("print", "", receipt)
    assert b"7301-5582-9046" in printer.output


def test_unknown_channel(router: DeliveryRouter, receipt: Receipt) -> None:
    with pytest.raises(DeliveryError) as caught:
        router.deliver("fax", "555", receipt)
    assert not caught.value.retryable and "print, email, sms" in caught.value.why


def test_invalid_destination_becomes_a_delivery_error(
    router: DeliveryRouter, receipt: Receipt
) -> None:
    with pytest.raises(DeliveryError) as caught:
        router.deliver("email", "ben at example", receipt)
    assert not caught.value.retryable and caught.value.channel == "email"
    assert "no @ sign" in caught.value.why


def test_server_down_is_retryable_through_router(receipt: Receipt) -> None:
    router = DeliveryRouter()
    router.register(
        "email", SmtpSender("127.0.0.1", free_port(), "receipts@kiosk.example.com", timeout=2)
    )
    with pytest.raises(DeliveryError) as caught:
        router.deliver("email", "ben@example.com", receipt)
    assert caught.value.retryable


def test_unexpected_failures_are_normalised(receipt: Receipt) -> None:
    class Broken:
        def deliver(self, destination: str, receipt: Receipt) -> None:
            raise KeyError("bug")

    with pytest.raises(DeliveryError) as caught:
        DeliveryRouter({"pager": Broken()}).deliver("pager", "x", receipt)
    assert not caught.value.retryable and "KeyError" in caught.value.why
    assert isinstance(caught.value.__cause__, KeyError)
