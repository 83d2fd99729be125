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
        # Other scripts' digits, as the account, ZIP and PIN fields already take them:
        # "٥٠" was "not an amount of money" right after "٤٠١٥٢٢٧٠" signed Ava in.
        ("٥٠", 5000),
        ("$٤٢.٥٠", 4250),
        ("５０.２５", 5025),
    ],
)
def test_parse_good_amounts(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "No amount"),
        ("   ", "No amount"),
        ("-5", "cannot be negative"),  # was paid as $5.00
        ("$-5.00", "negative"),
        ("1.234", "more than 2 decimal places"),
        ("0.001", "more than 2 decimal places"),
        ("abc", "not an amount"),
        ("12abc", 'We understood 12 in "12abc", but not "abc"'),
        ("1e3", 'We understood 1 in "1e3", but not "e3"'),
        ("$", "not an amount"),
        (".", "not an amount"),
        ("4 2", 'We understood 4 in "4 2", but not "2"'),
        ("12,34", "comma in the wrong place: we read 12,34"),  # not $1,234
        ("1,2,3", "comma in the wrong place"),
        ("1,23.00", "comma in the wrong place"),
        # Issue 14: each of these was paid as a different amount.
        ("5,00", "comma in the wrong place: we read 5,00"),  # was $500.00
        ("$1,00.00", "comma in the wrong place: we read 1,00"),  # was $100.00
        # A leading group of 0 is no thousands grouping: "0,500" (a European 0.50) was
        # paid as $500.00, "0,005" as $5.00.
        ("0,500", "comma in the wrong place: we read 0,500"),
        ("0,005", "comma in the wrong place"),
        ("05,000", "comma in the wrong place"),
        ("+5", "plus sign"),
        ("\u22125", "minus sign"),
        ("-$5", "minus sign"),
        ("forty two fifty", "not an amount"),  # spoken numbers are for speech only
        ("1" * 27, "27 digits before the cents"),  # was decimal.InvalidOperation
        ("1" * 41, "41 characters long"),
        (
            "5\x1b[2J",
            '"5?[2J" has a character that is not part of an amount',
        ),  # an escape never comes back
        ("5\x00", "not part of an amount"),
    ],
)
def test_parse_bad_amounts(text: str, says: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text)
    assert says in caught.value.message
    assert caught.value.how_to_fix  # always tells how to fix it
    assert "\x1b" not in caught.value.message and "\x00" not in caught.value.message


@pytest.mark.parametrize(
    ("text", "locale", "cents"),
    [
        ("1.234,56", "de_DE", 123456),
        ("5,00", "de_DE", 500),
        ("1 234,56", "fr_FR", 123456),  # a typed space for the narrow no-break space
        ("999,999,999.99", "en_US", 99999999999),
        ("000000000042", "en_US", 4200),  # leading zeros are not digits of the amount
    ],
)
def test_parse_amount_in_the_configured_locale(text: str, locale: str, cents: int) -> None:
    assert parse_amount(text, locale) == cents


def test_a_point_is_a_thousands_separator_in_german() -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount("5.00", "de_DE")
    assert "point in the wrong place" in caught.value.message
    assert "5,00" in caught.value.how_to_fix


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


@given(cents=st.integers(min_value=0, max_value=10**11 - 1))
def test_format_then_parse_round_trips(cents: int) -> None:
    assert parse_amount(format_cents(cents)) == cents


def test_a_number_keyed_with_a_decimal_point_is_never_said_back() -> None:
    """On the phone line * is the amount's point: a card number keyed at the amount step
    ("4242*4242424242424242#") was read out whole in the refusal."""
    keyed = "4242.4242424242424242"
    with pytest.raises(InvalidAmount) as refused:
        parse_amount(keyed)
    said = " ".join(str(part) for part in vars(refused.value).values()) + str(refused.value)
    assert "4242424242" not in said and "16 numbers after the point" in said
