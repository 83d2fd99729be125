"""Receipts by email: address checks and an SMTP adapter (stdlib smtplib + email).

Each message gets a Message-ID derived from the confirmation number and the channel,
so when the outbox worker retries a delivery the copy is recognisably the same message
(mail clients and servers de-duplicate on it) rather than a new receipt.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from kiosk.receipts.errors import DeliveryError, InvalidContact
from kiosk.receipts.model import Receipt
from kiosk.receipts.render import render_email

_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_EXAMPLE = "Type the whole address, like name@example.com"


def _invalid(why: str, how_to_fix: str = _EXAMPLE) -> InvalidContact:
    """What was typed is never said back: keys typed at the wrong step (a card number,
    a PIN) would be read out, and the screen already shows the field."""
    return InvalidContact("That email address cannot be used", why, how_to_fix, field="email")


def validate_email(address: str) -> str:
    """Check an email address and return it normalised (domain lower-case, IDN as ASCII).

    Accepts "Name <name@example.com>" and returns just the address.

    Raises:
        InvalidContact: empty, no or several @, spaces, a bad character before the @,
            or no real domain after it; the message says which and how to fix it.
    """
    text = address.strip()
    if not text:
        raise InvalidContact(
            "No email address was entered",
            "the receipt needs an address to be sent to",
            f"{_EXAMPLE}, or choose another way to get your receipt",
            field="email",
        )
    _, parsed = parseaddr(text)
    candidate = parsed if parsed and "<" in text else text
    if candidate.count("@") != 1:
        why = "it has no @ sign" if "@" not in candidate else "it has more than one @ sign"
        raise _invalid(why)
    if any(char.isspace() for char in candidate):
        raise _invalid("it contains a space", "Type it without spaces, like name@example.com")
    local, domain = candidate.split("@")
    if not local:
        raise _invalid("nothing comes before the @ sign")
    if not local.isascii() or not _LOCAL_PART.match(local) or len(local) > 64:
        raise _invalid(
            "the part before the @ has a character or dot that email addresses cannot use",
            "Use only letters, digits and . _ - + before the @, like ava.johnson@example.com",
        )
    ascii_domain = _ascii_domain(domain.rstrip(".").lower())
    labels = ascii_domain.split(".") if ascii_domain else []
    well_formed = (
        len(labels) >= 2
        and len(ascii_domain) <= 253
        and all(_LABEL.match(label) for label in labels)
        and _TLD.match(labels[-1])
    )
    if not well_formed:
        raise _invalid(
            "the part after the @ is not a domain name",
            "After the @ type your email provider's domain, like gmail.com or example.org",
        )
    return f"{local}@{ascii_domain}"


def _ascii_domain(domain: str) -> str:
    """International domain names in their ASCII (punycode) form; empty if impossible."""
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def message_id(confirmation_number: str, channel: str, sender: str) -> str:
    """Stable Message-ID for one receipt on one channel: retries carry the same id."""
    domain = sender.rpartition("@")[2] or "kiosk.invalid"
    safe = re.sub(r"[^A-Za-z0-9-]", "", confirmation_number)
    return f"<receipt.{safe}.{channel}@{domain}>"


class SmtpSender:
    """Sends receipt emails through one SMTP server (a store relay or a provider)."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        sender: str = "receipts@kiosk.invalid",
        *,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """Remember where and how to send; nothing connects until a send.

        Args:
            host, port: the SMTP server.
            sender: the From address (also gives Message-IDs their domain).
            starttls: upgrade the connection with STARTTLS before logging in.
            username, password: log in when a username is given.
            timeout: seconds for connecting and for each server reply.
            ssl_context: trust settings for STARTTLS; the system's by default.
        """
        self.host = host
        self.port = port
        self.sender = validate_email(sender)
        self.starttls = starttls
        self.username = username
        self._password = password
        self.timeout = timeout
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        return f"SmtpSender({self.host!r}, {self.port}, {self.sender!r}, starttls={self.starttls})"

    def build_message(self, to: str, receipt: Receipt) -> EmailMessage:
        """The receipt email for one address, with its stable Message-ID."""
        content = render_email(receipt)
        return self.text_message(
            to,
            content.subject,
            content.body,
            message_id(receipt.confirmation_number, "email", self.sender),
        )

    def text_message(self, to: str, subject: str, body: str, msg_id: str) -> EmailMessage:
        """A plain-text message from this sender."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = msg_id
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to receipts
        message.set_content(body)
        return message

    def send(self, to: str, receipt: Receipt) -> str:
        """Email one receipt.

        Returns:
            The Message-ID sent (the same on every retry of this receipt).

        Raises:
            InvalidContact: the address is not a valid email address.
            DeliveryError: the server could not be reached or refused the message;
                ``retryable`` tells the outbox worker whether to try again.
        """
        message = self.build_message(validate_email(to), receipt)
        self.send_message(message)
        return str(message["Message-ID"])

    def deliver(self, destination: str, receipt: Receipt) -> None:
        """DeliveryRouter entry point: email the receipt to ``destination``."""
        self.send(destination, receipt)

    def send_message(self, message: EmailMessage, channel: str = "email") -> None:
        """Hand one message to the server, turning every failure into a DeliveryError."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=self._ssl_context or ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self._password or "")
                smtp.send_message(message)
        except Exception as exc:  # every failure path must come back as one clear error
            raise self._delivery_error(exc, channel) from exc

    def _delivery_error(self, exc: Exception, channel: str) -> DeliveryError:
        where = f"the mail server {self.host}:{self.port}"
        what = (
            "The receipt email could not be sent"
            if channel == "email"
            else ("The receipt text message could not be sent through the email gateway")
        )

        def error(why: str, fix: str, retryable: bool) -> DeliveryError:
            return DeliveryError(what, why, fix, retryable=retryable, channel=channel)

        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            temporary = all(400 <= code < 500 for code in codes)
            return error(
                f"{where} refused the address (code {', '.join(map(str, codes))})",
                "Try again later"
                if temporary
                else "Check the address, or choose another way to get the receipt",
                temporary,
            )
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return error(
                f"{where} did not accept the kiosk's login",
                "Staff: check the SMTP username and password in the kiosk settings",
                False,
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return error(
                f"{where} does not offer STARTTLS or login",
                "Staff: check the SMTP port and the starttls setting",
                False,
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            temporary = 400 <= exc.smtp_code < 500
            return error(
                f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}",
                "It will be tried again"
                if temporary
                else "Staff: check the mail server's settings",
                temporary,
            )
        if isinstance(exc, ssl.SSLCertVerificationError):
            return error(
                f"{where} has a certificate the kiosk does not trust ({exc.verify_message})",
                "Staff: install the server's certificate authority or correct the host name",
                False,
            )
        timed_out = isinstance(exc, TimeoutError) or (
            isinstance(exc, smtplib.SMTPServerDisconnected)
            and isinstance(exc.__context__, TimeoutError)  # smtplib wraps read timeouts
        )
        if timed_out:
            return error(
                f"{where} did not answer in {self.timeout:g} seconds",
                "It will be tried again",
                True,
            )
        if isinstance(exc, ConnectionRefusedError):
            return error(
                f"{where} refused the connection",
                "Staff: check that the mail server is running; it will be tried again",
                True,
            )
        if isinstance(exc, OSError):  # disconnects, resets, DNS failures, other TLS errors
            return error(
                f"the connection to {where} failed ({exc})", "It will be tried again", True
            )
        return error(
            f"of an unexpected {type(exc).__name__}: {exc}", "Staff: report this problem", False
        )


def _text(reply: bytes | str) -> str:
    """An SMTP reply as text (smtplib gives bytes or str depending on the path)."""
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply
