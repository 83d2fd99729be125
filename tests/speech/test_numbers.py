"""Spoken numbers: saying amounts, digits and dates, and reading spoken answers back."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.speech.numbers import (
    AmountParseError,
    DigitParseError,
    SpokenNumberError,
    amount_to_words,
    date_to_words,
    digits_to_words,
    parse_amount,
    parse_digits,
)


@pytest.mark.parametrize(
    ("cents", "words"),
    [
        (4250, "forty-two dollars and fifty cents"),
        (100, "one dollar"),
        (1, "one cent"),
        (0, "zero dollars"),
        (8499, "eighty-four dollars and ninety-nine cents"),
    ],
)
def test_amount_to_words(cents: int, words: str) -> None:
    assert amount_to_words(cents) == words


def test_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError):
        amount_to_words(-1)


def test_digits_are_grouped_for_listening() -> None:
    assert digits_to_words("40152270") == "four zero one, five two two, seven zero"
    assert digits_to_words("K7-42", group=2) == "K seven, four two"


def test_date_in_words() -> None:
    assert date_to_words(dt.date(2025, 3, 4)) == "Tuesday, March fourth, twenty twenty-five"


@pytest.mark.parametrize(
    ("spoken", "cents"),
    [
        ("a hundred and twenty dollars", 12000),
        ("forty two fifty", 4250),
        ("$42.50", 4250),
        ("42", 4200),
        ("forty two dollars and fifty cents", 4250),
        ("forty two point five zero", 4250),
        ("forty two point five oh", 4250),
        ("forty two point oh five", 4205),
        ("seven point two five dollars", 725),
        ("a hundred point oh oh", 10000),
        ("fifty cents", 50),
        ("forty two oh five", 4205),
        ("eighty four dollars ninety nine", 8499),
        ("one thousand two hundred thirty four dollars", 123400),
    ],
)
def test_parse_amount(spoken: str, cents: int) -> None:
    assert parse_amount(spoken) == cents


@pytest.mark.parametrize(
    "spoken",
    [
        "banana",
        "",
        "dollars",
        "pay my bill",
        "one two three",
        "forty two point five oh six",
        "point five",
        "forty two point",
        # Digit strings are not amounts: "one five zero" was read as $1.02 (issue 16's
        # follow-up); "one two" as $1.02 and "forty two five" as $42.05 by guess.
        "one five zero",
        "one oh two",
        "one two",
        "um five oh five",
        "forty two five",
        "one five zero dollars",
    ],
)
def test_parse_amount_rejects_nonsense(spoken: str) -> None:
    with pytest.raises(AmountParseError) as caught:
        parse_amount(spoken)
    assert isinstance(caught.value, SpokenNumberError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("one two three four", "1234"),
        ("four oh one", "401"),
        ("double five one", "551"),
        ("seven two two zero one", "72201"),
        ("twenty one twelve", "2112"),
        ("4 0 1 5", "4015"),
    ],
)
def test_parse_digits(spoken: str, digits: str) -> None:
    assert parse_digits(spoken) == digits


def test_parse_digits_rejects_words() -> None:
    with pytest.raises(DigitParseError):
        parse_digits("four hello")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=99_999_99))
def test_amount_round_trip(cents: int) -> None:
    assert parse_amount(amount_to_words(cents)) == cents


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=12), st.integers(1, 4))
def test_digits_round_trip(digits: str, group: int) -> None:
    assert parse_digits(digits_to_words(digits, group)) == digits
