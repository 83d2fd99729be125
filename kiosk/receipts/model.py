"""The receipt as data: what every rendering and every delivery adapter starts from.

A receipt keeps only the last 4 digits of the account number and of the card or bank
account, so no renderer, printer or log line can leak more (PCI DSS: show at most the
last 4). Display fields are checked at construction: anything that looks like a full card
number (13-19 digits passing Luhn) or the full account number is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import InitVar, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d)*")  # digits, maybe grouped by single spaces or dashes
_CONFIRMATION = re.compile(r"^[A-Z0-9](?:-?[A-Z0-9])*$")
_LAST4 = re.compile(r"^\d{4}$")


class PaymentMethod(StrEnum):
    """How the customer paid."""

    CARD = "card"
    BANK = "bank"
    CASH = "cash"


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn check that every card number carries."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def digit_runs(text: str) -> list[str]:
    """Runs of digits in text, joined across single spaces or dashes ("4111 1111" -> "41111111")."""
    return [re.sub(r"[ -]", "", match.group()) for match in _DIGIT_RUN.finditer(text)]


def looks_like_card_number(text: str) -> bool:
    """True if text holds a run of 13-19 digits that passes Luhn, i.e. a plausible PAN."""
    return any(13 <= len(run) <= 19 and luhn_valid(run) for run in digit_runs(text))


@dataclass(frozen=True, kw_only=True)
class Receipt:
    """One payment's receipt, independent of channel and store.

    ``account_number`` is taken at construction only to check the display fields and
    to keep its last 4 digits (``account_last4``); the full number is never stored.
    Because it is an init-only field, ``dataclasses.replace`` needs it again: pass
    ``account_number=receipt.account_last4``.

    Raises:
        ValueError: a field is malformed, the method's details are missing or extra, or a
            display field holds a full card number or the full account number.
    """

    confirmation_number: str
    kiosk_id: str
    store_id: str
    timestamp: datetime
    customer_name: str
    account_number: InitVar[str]
    amount_cents: int
    method: PaymentMethod
    new_balance_cents: int
    card_brand: str | None = None
    card_last4: str | None = None
    bank_last4: str | None = None
    lines: tuple[str, ...] = ()
    currency: str = "USD"
    account_last4: str = field(init=False)

    def __post_init__(self, account_number: str) -> None:
        account_digits = re.sub(r"[ -]", "", str(account_number))
        if not account_digits.isdigit() or len(account_digits) < 4:
            raise ValueError("account_number must be at least 4 digits")
        object.__setattr__(self, "account_last4", account_digits[-4:])
        object.__setattr__(self, "method", PaymentMethod(self.method))
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "confirmation_number", self.confirmation_number.strip().upper())
        self._check_values()
        self._check_method_details()
        self._check_display_fields(account_digits)

    def _check_values(self) -> None:
        if not _CONFIRMATION.match(self.confirmation_number) or len(self.confirmation_number) > 40:
            raise ValueError(
                "confirmation_number must be letters and digits, optionally dash-grouped"
            )
        if self.timestamp.tzinfo is None or self.timestamp.utcoffset() is None:
            raise ValueError("timestamp must be timezone-aware")
        for name in ("amount_cents", "new_balance_cents"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be an int number of cents")
        if self.amount_cents <= 0:
            raise ValueError("amount_cents must be positive")
        if self.currency != "USD":
            raise ValueError("only USD receipts are supported")
        if not self.customer_name.strip():
            raise ValueError("customer_name must not be empty")

    def _check_method_details(self) -> None:
        card = (self.card_brand, self.card_last4)
        if self.method is PaymentMethod.CARD:
            if not self.card_brand or not _LAST4.match(self.card_last4 or ""):
                raise ValueError("a card receipt needs card_brand and a 4-digit card_last4")
            if self.bank_last4 is not None:
                raise ValueError("a card receipt has no bank_last4")
        elif self.method is PaymentMethod.BANK:
            if not _LAST4.match(self.bank_last4 or ""):
                raise ValueError("a bank receipt needs a 4-digit bank_last4")
            if card != (None, None):
                raise ValueError("a bank receipt has no card details")
        elif card != (None, None) or self.bank_last4 is not None:
            raise ValueError("a cash receipt has no card or bank details")

    def _check_display_fields(self, account_digits: str) -> None:
        for name, text in self.display_fields():
            if name != "confirmation_number" and looks_like_card_number(text):
                raise ValueError(f"{name} looks like it holds a full card number")
            full_account_shown = len(account_digits) > 4 and any(
                account_digits in run for run in digit_runs(text)
            )
            if full_account_shown:
                raise ValueError(f"{name} holds the full account number")

    def display_fields(self) -> Iterable[tuple[str, str]]:
        """Every free-text field that a rendering shows, with its name."""
        yield "confirmation_number", self.confirmation_number
        yield "kiosk_id", self.kiosk_id
        yield "store_id", self.store_id
        yield "customer_name", self.customer_name
        if self.card_brand:
            yield "card_brand", self.card_brand
        for line in self.lines:
            yield "lines", line

    @property
    def masked_account(self) -> str:
        """The account number as a receipt shows it: ``****2270``."""
        return f"****{self.account_last4}"

    @property
    def instrument_last4(self) -> str | None:
        """Last 4 of the card or bank account paid with (None for cash)."""
        return self.card_last4 or self.bank_last4

    def to_payload(self) -> dict[str, Any]:
        """JSON-safe dict for an outbox row; holds only last-4 digits."""
        return {
            "confirmation_number": self.confirmation_number,
            "kiosk_id": self.kiosk_id,
            "store_id": self.store_id,
            "timestamp": self.timestamp.isoformat(),
            "customer_name": self.customer_name,
            "account_last4": self.account_last4,
            "amount_cents": self.amount_cents,
            "method": self.method.value,
            "new_balance_cents": self.new_balance_cents,
            "card_brand": self.card_brand,
            "card_last4": self.card_last4,
            "bank_last4": self.bank_last4,
            "lines": list(self.lines),
            "currency": self.currency,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Receipt:
        """Rebuild a receipt from ``to_payload`` output (e.g. in the outbox worker)."""
        data = dict(payload)
        data["account_number"] = data.pop("account_last4")
        data["timestamp"] = datetime.fromisoformat(data["timestamp"])
        data["method"] = PaymentMethod(data["method"])
        data["lines"] = tuple(data.get("lines", ()))
        return cls(**data)
