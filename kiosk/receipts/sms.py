"""Receipts by text message: phone number checks and two gateway adapters.

``EmailToSmsGateway`` mails the text to a carrier's email-to-SMS address
(``2015550123@gateway.example``) through an SmtpSender; ``WebhookSmsGateway`` POSTs JSON
to an SMS provider's HTTP endpoint. Both send the same <= 160 character text and an id
derived from the confirmation number, so a retried delivery is recognisable.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from urllib.parse import urlsplit

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from kiosk.receipts.email import SmtpSender, message_id
from kiosk.receipts.errors import DeliveryError, InvalidContact
from kiosk.receipts.model import Receipt
from kiosk.receipts.render import SMS_LIMIT, render_sms

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "its country code is not one we know",
    NumberParseException.NOT_A_NUMBER: "it is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "it is too short",
    NumberParseException.TOO_LONG: "it is too long",
}
_LENGTH_REASONS = {
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "it has no area code",
    ValidationResult.TOO_SHORT: "it is too short",
    ValidationResult.TOO_LONG: "it is too long",
    ValidationResult.INVALID_LENGTH: "it has the wrong number of digits",
    ValidationResult.INVALID_COUNTRY_CODE: "its country code is not one we know",
}
_HOW_TO_FIX = "Type the 10-digit number with its area code, like 201 555 0123"
_RETRYABLE_HTTP = {408, 425, 429}


def _invalid(why: str) -> InvalidContact:
    """What was typed is never said back: keys typed at the wrong step (a card number,
    a PIN) would be read out, and the screen already shows the field."""
    return InvalidContact("That phone number cannot be used", why, _HOW_TO_FIX, field="phone")


def validate_phone(text: str, region: str = "US") -> str:
    """Check a phone number and return it in E.164 form, e.g. "+12015550123".

    Numbers without a country code are read as numbers of ``region``.

    Raises:
        InvalidContact: empty, not a number, too short or long, or no such number.
    """
    if not text.strip():
        raise InvalidContact(
            "No phone number was entered",
            "the text message needs a number to be sent to",
            f"{_HOW_TO_FIX}, or choose another way to get your receipt",
            field="phone",
        )
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise _invalid(_PARSE_REASONS.get(exc.error_type, "it is not a phone number")) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in _LENGTH_REASONS:
        raise _invalid(_LENGTH_REASONS[reason])
    if not phonenumbers.is_valid_number(number):
        raise _invalid("there is no such phone number (check the area code)")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


class SmsGateway(ABC):
    """Adapter contract for anything that sends a short text to a phone."""

    @abstractmethod
    def send_text(self, phone_e164: str, text: str, message_key: str) -> None:
        """Send one text message.

        Args:
            phone_e164: the destination, already validated ("+12015550123").
            text: at most 160 characters.
            message_key: stable id of this message; the same on every retry.

        Returns:
            None once the gateway has accepted the message.

        Raises:
            DeliveryError: the gateway could not be reached or refused the message;
                ``retryable`` says whether trying again later may help.
        """

    def send_receipt(self, phone: str, receipt: Receipt) -> str:
        """Validate the number and text the receipt's short form to it.

        Returns:
            The message key sent (the same on every retry of this receipt).

        Raises:
            InvalidContact: the phone number is not valid.
            DeliveryError: as ``send_text``.
        """
        number = validate_phone(phone)
        text = render_sms(receipt)
        assert len(text) <= SMS_LIMIT
        key = f"receipt-{receipt.confirmation_number}-sms"
        self.send_text(number, text, key)
        return key

    def deliver(self, destination: str, receipt: Receipt) -> None:
        """DeliveryRouter entry point: text the receipt to ``destination``."""
        self.send_receipt(destination, receipt)


class EmailToSmsGateway(SmsGateway):
    """Texts through a carrier's email-to-SMS gateway, using an SmtpSender."""

    def __init__(self, smtp: SmtpSender, gateway_domain: str, *, country_code: int = 1) -> None:
        """Send through ``smtp`` to ``<national number>@gateway_domain``.

        Carrier gateways reach only their own country's numbers (``country_code``, +1 by
        default), so other numbers are refused as contacts before anything is sent.
        """
        if not re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}", gateway_domain):
            raise ValueError(f"gateway_domain {gateway_domain!r} is not a domain name")
        self.smtp = smtp
        self.gateway_domain = gateway_domain.lower()
        self.country_code = country_code

    def gateway_address(self, phone_e164: str) -> str:
        """Email address of a phone on the gateway: the national number, digits only.

        Raises:
            InvalidContact: the number is in another country than the gateway's.
        """
        number = phonenumbers.parse(phone_e164, None)
        if number.country_code != self.country_code:
            raise InvalidContact(
                f'The phone number "{phone_e164}" cannot get text receipts here',
                f"this kiosk's text service reaches only +{self.country_code} numbers",
                "Choose an email or printed receipt instead",
                field="phone",
            )
        return f"{number.national_number}@{self.gateway_domain}"

    def send_receipt(self, phone: str, receipt: Receipt) -> str:
        """As SmsGateway.send_receipt, refusing numbers the gateway cannot reach first."""
        self.gateway_address(validate_phone(phone))
        return super().send_receipt(phone, receipt)

    def send_text(self, phone_e164: str, text: str, message_key: str) -> None:
        """Mail ``text`` (no subject, so the phone shows only the text) to the gateway."""
        msg_id = message_id(message_key, "sms", self.smtp.sender)
        message = self.smtp.text_message(self.gateway_address(phone_e164), "", text, msg_id)
        self.smtp.send_message(message, channel="sms")


class WebhookSmsGateway(SmsGateway):
    """Texts through an SMS provider's HTTP endpoint: POST of JSON {to, text, id}."""

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 10.0) -> None:
        """Post to ``url``; send ``token`` as a Bearer authorization when given."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"webhook url {url!r} must be an http:// or https:// URL")
        self.url = url
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"WebhookSmsGateway({self.url!r})"

    def send_text(self, phone_e164: str, text: str, message_key: str) -> None:
        """POST the message; an Idempotency-Key header lets the provider drop repeats."""
        body = json.dumps({"to": phone_e164, "text": text, "id": message_key}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": message_key}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            retryable = exc.code >= 500 or exc.code in _RETRYABLE_HTTP
            raise self._error(
                f"the SMS service answered HTTP {exc.code} {exc.reason}",
                "It will be tried again" if retryable else "Staff: check the SMS webhook settings",
                retryable,
            ) from exc
        except TimeoutError as exc:
            raise self._error(
                f"the SMS service did not answer in {self.timeout:g} seconds",
                "It will be tried again",
                True,
            ) from exc
        except urllib.error.URLError as exc:
            raise self._error(
                f"the SMS service could not be reached ({exc.reason})",
                "Staff: check the network and the webhook URL; it will be tried again",
                True,
            ) from exc
        except OSError as exc:
            raise self._error(
                f"the connection to the SMS service failed ({exc})", "It will be tried again", True
            ) from exc

    def _error(self, why: str, fix: str, retryable: bool) -> DeliveryError:
        return DeliveryError(
            "The receipt text message could not be sent",
            why,
            fix,
            retryable=retryable,
            channel="sms",
        )
