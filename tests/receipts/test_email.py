"""Email receipts through a real aiosmtpd server on loopback."""

from __future__ import annotations

import socket
import ssl

import pytest

from kiosk.receipts import DeliveryError, InvalidContact, Receipt, SmtpSender, validate_email

from .conftest import ACCOUNT, CARD, SmtpServer, TlsFiles, free_port, make_receipt


def sender_for(server: SmtpServer, **kwargs: object) -> SmtpSender:
    return SmtpSender(server.host, server.port, "receipts@kiosk.example.com", timeout=5, **kwargs)  # type: ignore[arg-type]


def test_receipt_arrives_at_the_server(smtp_server: SmtpServer, receipt: Receipt) -> None:
    message_id = sender_for(smtp_server).send("Ben.Carter@Example.COM", receipt)

    [envelope] = smtp_server.handler.envelopes
    assert envelope.mail_from == "receipts@kiosk.example.com"
    assert envelope.rcpt_tos == ["Ben.Carter@example.com"]
    [message] = smtp_server.handler.messages()
    assert message["Subject"] == "Your payment receipt, confirmation 7301-5582-9046"
    assert message["Message-ID"] == message_id == "<receipt.7301-5582-9046.email@kiosk.example.com>"
    body = message.get_content()
    assert "7301-5582-9046" in body and "****2271" in body and "ending in 1111" in body
    raw = envelope.original_content or b""
    assert ACCOUNT.encode() not in raw and CARD.encode() not in raw


def test_retry_sends_the_same_message_id(smtp_server: SmtpServer, receipt: Receipt) -> None:
    sender = sender_for(smtp_server)
    first, second = sender.send("ben@example.com", receipt), sender.send("ben@example.com", receipt)
    ids = [m["Message-ID"] for m in smtp_server.handler.messages()]
    assert first == second and ids == [first, first]
    other = sender.send("ben@example.com", make_receipt(confirmation_number="1111-2222-3333"))
    assert other != first


def test_login(smtp_auth_server: SmtpServer, receipt: Receipt) -> None:
    sender_for(smtp_auth_server, username="kiosk", password="s3cret").send(
        "ben@example.com", receipt
    )
    assert len(smtp_auth_server.handler.envelopes) == 1


def test_wrong_password_is_not_retryable(smtp_auth_server: SmtpServer, receipt: Receipt) -> None:
    with pytest.raises(DeliveryError) as caught:
        sender_for(smtp_auth_server, username="kiosk", password="wrong").send(
            "ben@example.com", receipt
        )
    assert not caught.value.retryable and "username and password" in caught.value.how_to_fix
    assert smtp_auth_server.handler.envelopes == []


def test_starttls_with_trusted_certificate(
    smtp_tls_server: SmtpServer, tls_files: TlsFiles, receipt: Receipt
) -> None:
    context = ssl.create_default_context(cafile=str(tls_files.cert))
    sender = sender_for(
        smtp_tls_server, starttls=True, ssl_context=context, username="kiosk", password="s3cret"
    )
    sender.send("ben@example.com", receipt)
    assert len(smtp_tls_server.handler.envelopes) == 1


def test_starttls_with_untrusted_certificate(smtp_tls_server: SmtpServer, receipt: Receipt) -> None:
    with pytest.raises(DeliveryError) as caught:
        sender_for(smtp_tls_server, starttls=True).send("ben@example.com", receipt)
    assert not caught.value.retryable and "certificate" in caught.value.why


def test_server_that_requires_tls_refuses_plain_mail(
    smtp_tls_server: SmtpServer, receipt: Receipt
) -> None:
    with pytest.raises(DeliveryError) as caught:
        sender_for(smtp_tls_server).send("ben@example.com", receipt)
    assert not caught.value.retryable and "530" in caught.value.why


def test_temporary_recipient_refusal_is_retryable(
    smtp_server: SmtpServer, receipt: Receipt
) -> None:
    smtp_server.handler.rcpt_reply = "451 4.3.0 Mailbox busy, try later"
    with pytest.raises(DeliveryError) as caught:
        sender_for(smtp_server).send("ben@example.com", receipt)
    assert caught.value.retryable and "451" in caught.value.why


def test_permanent_recipient_refusal_is_not_retryable(
    smtp_server: SmtpServer, receipt: Receipt
) -> None:
    smtp_server.handler.rcpt_reply = "550 5.1.1 No such user"
    with pytest.raises(DeliveryError) as caught:
        sender_for(smtp_server).send("nobody@example.com", receipt)
    assert not caught.value.retryable and "Check the address" in caught.value.how_to_fix


def test_connection_refused_is_retryable(receipt: Receipt) -> None:
    port = free_port()
    with pytest.raises(DeliveryError) as caught:
        SmtpSender("127.0.0.1", port, "receipts@kiosk.example.com", timeout=2).send(
            "ben@example.com", receipt
        )
    error = caught.value
    assert error.retryable and error.channel == "email"
    assert str(error) == (
        f"The receipt email could not be sent because the mail server 127.0.0.1:{port} refused "
        "the connection; staff: check that the mail server is running; it will be tried again."
    )


def test_silent_server_times_out_and_is_retryable(receipt: Receipt) -> None:
    with socket.socket() as silent:  # accepts the TCP connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        sender = SmtpSender(
            "127.0.0.1", silent.getsockname()[1], "receipts@kiosk.example.com", timeout=0.5
        )
        with pytest.raises(DeliveryError) as caught:
            sender.send("ben@example.com", receipt)
    assert caught.value.retryable and "did not answer in 0.5 seconds" in caught.value.why


def test_invalid_address_is_refused_before_connecting(receipt: Receipt) -> None:
    sender = SmtpSender("127.0.0.1", free_port(), "receipts@kiosk.example.com")
    with pytest.raises(InvalidContact):
        sender.send("ben at example dot com", receipt)


@pytest.mark.parametrize(
    ("address", "normalised"),
    [
        ("ben@example.com", "ben@example.com"),
        ("  Ben.Carter+bills@Example.COM ", "Ben.Carter+bills@example.com"),
        ("Ben Carter <ben@example.com>", "ben@example.com"),
        ("ben@bücher.de", "ben@xn--bcher-kva.de"),
        ("o'neil@mail.example.org", "o'neil@mail.example.org"),
    ],
)
def test_valid_addresses(address: str, normalised: str) -> None:
    assert validate_email(address) == normalised


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("", "needs an address"),
        ("ben", "no @ sign"),
        ("ben@@example.com", "more than one @"),
        ("ben carter@example.com", "contains a space"),
        ("@example.com", "nothing comes before"),
        (".ben@example.com", "before the @"),
        ("ben..c@example.com", "before the @"),
        ("bén@example.com", "before the @"),
        ("ben@example", "not a domain name"),
        ("ben@example..com", "not a domain name"),
        ("ben@-example.com", "not a domain name"),
        ("ben@example.c0m", "not a domain name"),
        ("ben@", "not a domain name"),
    ],
)
def test_invalid_addresses_say_why_and_how(address: str, why: str) -> None:
    with pytest.raises(InvalidContact) as caught:
        validate_email(address)
    error = caught.value
    assert why in error.why and error.field == "email"
    assert "example.com" in error.how_to_fix or "gmail.com" in error.how_to_fix
    sentence = str(error)
    assert sentence.endswith(".") and sentence.count(" because ") == 1


def test_sender_address_is_checked() -> None:
    with pytest.raises(InvalidContact):
        SmtpSender("127.0.0.1", 25, "not-an-address")
