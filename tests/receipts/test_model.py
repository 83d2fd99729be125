"""Receipt construction: last-4 only, and full card or account numbers refused."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.receipts import PaymentMethod, Receipt
from kiosk.receipts.model import looks_like_card_number, luhn_valid

from .conftest import ACCOUNT, CARD, make_receipt


def test_keeps_only_last_four_of_account(receipt: Receipt) -> None:
    assert receipt.account_last4 == "2271"
    assert receipt.masked_account == "****2271"
    assert ACCOUNT not in repr(receipt)
    assert ACCOUNT not in str(receipt.to_payload())
    assert not hasattr(receipt, "account_number")


def test_payload_round_trip(receipt: Receipt) -> None:
    assert Receipt.from_payload(receipt.to_payload()) == receipt


def test_frozen(receipt: Receipt) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        receipt.amount_cents = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    "card_text",
    [CARD, "4111 1111 1111 1111", "4111-1111-1111-1111", "5555555555554444", "378282246310005"],
)
@pytest.mark.parametrize("field", ["customer_name", "lines", "card_brand", "kiosk_id"])
def test_refuses_full_card_number_in_display_fields(field: str, card_text: str) -> None:
    value: object = (f"Paid with {card_text}",) if field == "lines" else f"x {card_text}"
    with pytest.raises(ValueError, match="full card number"):
        make_receipt(**{field: value})


@pytest.mark.parametrize("text", [ACCOUNT, "4015-2271", "4015 2271", f"Account {ACCOUNT} paid"])
def test_refuses_full_account_number_in_display_fields(text: str) -> None:
    with pytest.raises(ValueError, match="full account number"):
        make_receipt(lines=(text,))


def test_allows_ordinary_numbers_in_lines() -> None:
    receipt = make_receipt(
        lines=("Installment plan: 3 payments of $71.80 from April 1", "Account ending 2271")
    )
    assert len(receipt.lines) == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timestamp": datetime(2025, 3, 3, 14, 5)}, "timezone-aware"),
        ({"amount_cents": 0}, "positive"),
        ({"amount_cents": 42.5}, "int number of cents"),
        ({"card_last4": "42"}, "4-digit card_last4"),
        ({"card_brand": None}, "card_brand"),
        ({"method": "bank"}, "bank_last4"),
        ({"method": "cash"}, "cash receipt"),
        ({"method": "cheque"}, "cheque"),
        ({"currency": "EUR"}, "USD"),
        ({"account_number": "12a4"}, "at least 4 digits"),
        ({"confirmation_number": "73 01"}, "confirmation_number"),
        ({"customer_name": "  "}, "customer_name"),
    ],
)
def test_refuses_malformed_fields(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_receipt(**overrides)


def test_bank_and_cash_receipts() -> None:
    bank = make_receipt(method="bank", card_brand=None, card_last4=None, bank_last4="6789")
    cash = make_receipt(method=PaymentMethod.CASH, card_brand=None, card_last4=None)
    assert bank.instrument_last4 == "6789"
    assert cash.instrument_last4 is None


def test_luhn_known_numbers() -> None:
    assert luhn_valid(CARD) and luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")


def _with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


@given(
    body=st.text(alphabet="0123456789", min_size=12, max_size=18),
    separator=st.sampled_from(["", " ", "-"]),
)
def test_any_luhn_valid_pan_is_refused(body: str, separator: str) -> None:
    pan = _with_check_digit(body)
    grouped = separator.join(pan[i : i + 4] for i in range(0, len(pan), 4))
    assert looks_like_card_number(f"card {grouped} used")
    with pytest.raises(ValueError):
        make_receipt(customer_name=f"Ben {grouped}")
