"""SMS receipts: phone checks, email-to-SMS through aiosmtpd, webhook through http.server."""

from __future__ import annotations

import pytest

from kiosk.receipts import (
    DeliveryError,
    EmailToSmsGateway,
    InvalidContact,
    Receipt,
    SmtpSender,
    WebhookSmsGateway,
    validate_phone,
)
from kiosk.receipts.render import render_sms

from .conftest import ACCOUNT, CARD, SmtpServer, WebhookServer, free_port


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("2015550123", "+12015550123"),
        ("(201) 555-0123", "+12015550123"),
        ("1-201-555-0123", "+12015550123"),
        ("+1 201.555.0123", "+12015550123"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_valid_numbers_become_e164(text: str, e164: str) -> None:
    assert validate_phone(text) == e164


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "needs a number"),
        ("call me", "not a phone number"),
        ("12", "too short"),
        ("555-0123", "no area code"),
        ("201555012345678", "too long"),
        ("000 000 0000", "no such phone number"),
        ("+999 1234", "country code"),
    ],
)
def test_invalid_numbers_say_why_and_how(text: str, why: str) -> None:
    with pytest.raises(InvalidContact) as caught:
        validate_phone(text)
    assert why in caught.value.why and caught.value.field == "phone"
    assert "area code" in caught.value.how_to_fix and str(caught.value).endswith(".")


def test_email_to_sms_gateway(smtp_server: SmtpServer, receipt: Receipt) -> None:
    smtp = SmtpSender(smtp_server.host, smtp_server.port, "receipts@kiosk.example.com", timeout=5)
    gateway = EmailToSmsGateway(smtp, "SMS.Example.NET")
    key = gateway.send_receipt("(201) 555-0123", receipt)

    [envelope] = smtp_server.handler.envelopes
    assert envelope.rcpt_tos == ["2015550123@sms.example.net"]
    [message] = smtp_server.handler.messages()
    text = message.get_content().strip()
    assert text == render_sms(receipt) and len(text) <= 160
    assert "7301-5582-9046" in text and "2271" in text and ACCOUNT not in text
    assert message["Message-ID"] == f"<receipt.{key}.sms@kiosk.example.com>"
    assert message["Subject"] == ""
    assert message["Auto-Submitted"] == "auto-generated"


def test_email_to_sms_gateway_down_is_retryable(receipt: Receipt) -> None:
    smtp = SmtpSender("127.0.0.1", free_port(), "receipts@kiosk.example.com", timeout=2)
    with pytest.raises(DeliveryError) as caught:
        EmailToSmsGateway(smtp, "sms.example.net").send_receipt("2015550123", receipt)
    assert caught.value.retryable and caught.value.channel == "sms"
    assert "text message" in caught.value.what


def test_email_to_sms_refuses_numbers_abroad(smtp_server: SmtpServer, receipt: Receipt) -> None:
    smtp = SmtpSender(smtp_server.host, smtp_server.port, "receipts@kiosk.example.com", timeout=5)
    with pytest.raises(InvalidContact) as caught:
        EmailToSmsGateway(smtp, "sms.example.net").send_receipt("+44 20 7946 0958", receipt)
    assert "+1 numbers" in caught.value.why and smtp_server.handler.envelopes == []


def test_gateway_domain_is_checked() -> None:
    smtp = SmtpSender("127.0.0.1", 25, "receipts@kiosk.example.com")
    with pytest.raises(ValueError):
        EmailToSmsGateway(smtp, "not a domain")


def test_webhook_posts_json(webhook_server: WebhookServer, receipt: Receipt) -> None:
    gateway = WebhookSmsGateway(webhook_server.url, token="t0ken", timeout=5)
    key = gateway.send_receipt("201-555-0123", receipt)

    [call] = webhook_server.calls
    assert call.path == "/sms"
    assert call.body == {"to": "+12015550123", "text": render_sms(receipt), "id": key}
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["Idempotency-Key"] == key == "receipt-7301-5582-9046-sms"
    assert call.headers["Authorization"] == "Bearer t0ken"
    assert CARD not in str(call.body) and ACCOUNT not in str(call.body)


def test_webhook_retry_carries_the_same_key(
    webhook_server: WebhookServer, receipt: Receipt
) -> None:
    webhook_server.replies[:] = [503]
    gateway = WebhookSmsGateway(webhook_server.url, timeout=5)
    with pytest.raises(DeliveryError) as caught:
        gateway.send_receipt("2015550123", receipt)
    assert caught.value.retryable and "HTTP 503" in caught.value.why
    gateway.send_receipt("2015550123", receipt)
    keys = [call.headers["Idempotency-Key"] for call in webhook_server.calls]
    assert len(keys) == 2 and keys[0] == keys[1]


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (401, False), (429, True), (500, True)]
)
def test_webhook_http_errors(
    webhook_server: WebhookServer, receipt: Receipt, status: int, retryable: bool
) -> None:
    webhook_server.replies[:] = [status]
    with pytest.raises(DeliveryError) as caught:
        WebhookSmsGateway(webhook_server.url, timeout=5).send_receipt("2015550123", receipt)
    assert caught.value.retryable is retryable and f"HTTP {status}" in caught.value.why


def test_webhook_timeout_is_retryable(webhook_server: WebhookServer, receipt: Receipt) -> None:
    webhook_server.delay = 1.0
    with pytest.raises(DeliveryError) as caught:
        WebhookSmsGateway(webhook_server.url, timeout=0.3).send_receipt("2015550123", receipt)
    assert caught.value.retryable and "did not answer in 0.3 seconds" in caught.value.why


def test_webhook_unreachable_is_retryable(receipt: Receipt) -> None:
    gateway = WebhookSmsGateway(f"http://127.0.0.1:{free_port()}/sms", timeout=2)
    with pytest.raises(DeliveryError) as caught:
        gateway.send_receipt("2015550123", receipt)
    assert caught.value.retryable and "could not be reached" in caught.value.why


def test_webhook_url_is_checked() -> None:
    with pytest.raises(ValueError):
        WebhookSmsGateway("ftp://example.com/sms")


def test_invalid_phone_is_refused_before_sending(
    webhook_server: WebhookServer, receipt: Receipt
) -> None:
    with pytest.raises(InvalidContact):
        WebhookSmsGateway(webhook_server.url).send_receipt("12", receipt)
    assert webhook_server.calls == []
