"""One entry point for the outbox worker: deliver a receipt on a named channel.

The router maps channel names ("print", "email", "sms") to adapters and turns every
failure into a DeliveryError with a ``retryable`` flag, so the worker needs only one
rule: retry with backoff when retryable, else record the failure for staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from kiosk.receipts.errors import DeliveryError, InvalidContact
from kiosk.receipts.model import Receipt
from kiosk.receipts.printer import ReceiptPrinter

_CONTACT_NOUNS = {"email": "email address", "phone": "phone number"}


class DeliveryAdapter(Protocol):
    """What a channel adapter offers the router (SmtpSender and SmsGateway do)."""

    def deliver(self, destination: str, receipt: Receipt) -> None:
        """Deliver the receipt to the destination or raise DeliveryError/InvalidContact."""


class _PrinterAdapter:
    """Lets a ReceiptPrinter stand in the router; a printer has no destination."""

    def __init__(self, printer: ReceiptPrinter) -> None:
        self.printer = printer

    def deliver(self, destination: str, receipt: Receipt) -> None:
        self.printer.print_receipt(receipt)


class DeliveryRouter:
    """Channel name -> adapter, with failures normalised to DeliveryError."""

    def __init__(
        self, adapters: Mapping[str, DeliveryAdapter | ReceiptPrinter] | None = None
    ) -> None:
        self._adapters: dict[str, DeliveryAdapter] = {}
        for channel, adapter in (adapters or {}).items():
            self.register(channel, adapter)

    def register(self, channel: str, adapter: DeliveryAdapter | ReceiptPrinter) -> None:
        """Use ``adapter`` for ``channel``, replacing any earlier one."""
        if isinstance(adapter, ReceiptPrinter):
            adapter = _PrinterAdapter(adapter)
        self._adapters[channel] = adapter

    @property
    def channels(self) -> tuple[str, ...]:
        """The channel names that have an adapter."""
        return tuple(self._adapters)

    def deliver(self, channel: str, destination: str, receipt: Receipt) -> None:
        """Make one delivery attempt.

        Args:
            channel: "print", "email", "sms" or any registered name.
            destination: address or phone number; ignored by printers.
            receipt: the receipt to deliver.

        Returns:
            None when the adapter accepted the receipt.

        Raises:
            DeliveryError: always the only error; ``retryable`` False for an unknown
                channel, an invalid destination or an unexpected error.
        """
        adapter = self._adapters.get(channel)
        if adapter is None:
            known = ", ".join(self._adapters) or "none"
            raise DeliveryError(
                f"The receipt could not be sent by {channel!r}",
                f"no {channel!r} delivery is set up on this kiosk (set up: {known})",
                "Staff: configure that channel in the kiosk settings, or offer another one",
                retryable=False,
                channel=channel,
            )
        try:
            adapter.deliver(destination, receipt)
        except DeliveryError as exc:
            exc.channel = exc.channel or channel
            raise
        except InvalidContact as exc:
            noun = _CONTACT_NOUNS.get(exc.field, exc.field)
            raise DeliveryError(
                f"The receipt could not be sent by {channel}",
                f"the {noun} it was given is not valid ({exc.why})",
                f"Ask the customer for their {noun} again",
                retryable=False,
                channel=channel,
            ) from exc
        except Exception as exc:  # the worker must get one error type whatever breaks
            raise DeliveryError(
                f"The receipt could not be sent by {channel}",
                f"of an unexpected {type(exc).__name__}: {exc}",
                "Staff: report this problem; the receipt stays in the outbox",
                retryable=False,
                channel=channel,
            ) from exc
