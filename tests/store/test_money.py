"""Money: integer cents in, Babel text out, splits that always sum to the total."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import InvalidAmount
from kiosk.money import format_cents, parse_amount, split_cents


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("42", 4200),
        ("42.5", 4250),
        ("42.50", 4250),
        ("$42.50", 4250),
        ("$ 42.50", 4250),
        ("  7.05 ", 705),
        (".99", 99),
        ("42.", 4200),
        ("1,234.56", 123456),
        ("$1,234,567.89", 123456789),
        ("20 dollars", 2000),
        ("0", 0),  # a number; the payment check refuses zero with its own message
        ("0.00", 0),
    ],
)
def test_parse_good_amounts(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "No amount"),
        ("   ", "No amount"),
        ("-5", "negative"),
        ("$-5.00", "negative"),
        ("1.234", "more than 2 decimal places"),
        ("0.001", "more than 2 decimal places"),
        ("abc", "not an amount"),
        ("12abc", "not an amount"),
        ("1e3", "not an amount"),
        ("$", "not an amount"),
        (".", "not an amount"),
        ("4 2", "not an amount"),
        ("12,34", "comma in the wrong place"),  # a decimal comma must not become $1,234
        ("1,2,3", "comma in the wrong place"),
        ("1,23.00", "comma in the wrong place"),
    ],
)
def test_parse_bad_amounts(text: str, says: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text)
    assert says in caught.value.message
    assert caught.value.how_to_fix  # always tells how to fix it


def test_format_cents_with_babel() -> None:
    assert format_cents(123456) == "$1,234.56"
    assert format_cents(5) == "$0.05"
    assert format_cents(0) == "$0.00"
    assert format_cents(-500) == "-$5.00"
    assert format_cents(123456, "de_DE", "EUR") == "1.234,56\xa0€"


def test_split_hundred_dollars_in_three() -> None:
    assert split_cents(10000, 3) == [3334, 3333, 3333]


def test_split_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        split_cents(100, 0)
    with pytest.raises(ValueError):
        split_cents(-1, 2)


@given(total=st.integers(min_value=0, max_value=10**12), parts=st.integers(1, 240))
def test_split_parts_sum_differ_by_a_cent_larger_first(total: int, parts: int) -> None:
    shares = split_cents(total, parts)
    assert len(shares) == parts
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)


@given(cents=st.integers(min_value=0, max_value=10**11))
def test_format_then_parse_round_trips(cents: int) -> None:
    assert parse_amount(format_cents(cents)) == cents
