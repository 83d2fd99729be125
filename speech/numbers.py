"""Spoken numbers: amounts, digit strings and dates to words, and spoken answers back.

Speech must say amounts as people say them ("forty-two dollars and fifty cents") and
confirmation numbers in small groups a listener can hold; recognised speech comes back
as words ("forty two fifty", "four oh one") that must become cents or a digit string.
num2words does the saying, text2num the hearing; the rules around them live here.
"""

from __future__ import annotations

import datetime as dt
import re

from text_to_num import alpha2digit, text2num

__all__ = [
    "AmountParseError",
    "DigitParseError",
    "SpokenNumberError",
    "amount_to_words",
    "date_to_words",
    "digits_to_words",
    "parse_amount",
    "parse_digits",
]


class SpokenNumberError(ValueError):
    """Spoken text that is not the number the step asked for."""


class AmountParseError(SpokenNumberError):
    """Text that cannot be read as an amount of money."""


class DigitParseError(SpokenNumberError):
    """Text that cannot be read as a string of digits."""


DIGIT_WORDS: dict[str, str] = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_SPOKEN_DIGIT = {v: k for k, v in DIGIT_WORDS.items() if k not in ("oh", "o")}
_REPEATERS = {"double": 2, "triple": 3}
_FILLERS = {"uh", "um", "er", "erm", "ah", "and", "the", "is", "it's", "its", "my", "number"}
_MAX_CENTS = 100_000_000_00  # one hundred million dollars: beyond any bill


def _integer_words(number: int) -> str:
    from num2words import num2words  # imported when first needed: it loads every language

    return str(num2words(number, lang="en"))


def amount_to_words(cents: int) -> str:
    """Say an amount of money as a person would: "forty-two dollars and fifty cents".

    Raises:
        ValueError: for a negative amount (say "credit" in the caller instead).
    """
    if cents < 0:
        raise ValueError(f"amount must not be negative: {cents}")
    dollars, rest = divmod(cents, 100)
    dollar_part = f"{_integer_words(dollars)} dollar{'s' if dollars != 1 else ''}"
    cent_part = f"{_integer_words(rest)} cent{'s' if rest != 1 else ''}"
    if dollars and rest:
        return f"{dollar_part} and {cent_part}"
    if rest:
        return cent_part
    return dollar_part


def digits_to_words(digits: str, group: int = 3) -> str:
    """Say a digit string in groups ("four zero one, five two two, seven zero").

    Letters (in confirmation codes) are spoken as capital letters; other characters
    such as dashes or spaces are ignored.

    Raises:
        ValueError: if ``group`` is not positive.
    """
    if group < 1:
        raise ValueError("group must be at least 1")
    symbols = [c for c in digits if c.isalnum()]
    words = [_SPOKEN_DIGIT[c] if c.isdigit() else c.upper() for c in symbols]
    groups = [" ".join(words[i : i + group]) for i in range(0, len(words), group)]
    return ", ".join(groups)


def date_to_words(day: dt.date, with_weekday: bool = True) -> str:
    """Say a date: "Tuesday, March fourth, twenty twenty-five"."""
    from num2words import num2words

    year = str(num2words(day.year, lang="en", to="year"))
    text = f"{day:%B} {num2words(day.day, lang='en', to='ordinal')}, {year}"
    return f"{day:%A}, {text}" if with_weekday else text


def _normalise(text: str) -> str:
    text = text.lower().replace(",", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


_MONEY_FIGURES = re.compile(r"^\$?\s*(\d{1,9})(?:\.(\d{1,2}))?$")


def parse_amount(text: str) -> int:
    """Read a spoken or typed amount and return cents.

    Understands "a hundred and twenty dollars", "forty two fifty", "forty two dollars
    and fifty cents", "fifty cents", "forty two point five zero" and "$42.50". A misheard
    amount must still be read back and confirmed before it is used.

    Raises:
        AmountParseError: when the text is not an amount.
    """
    clean = _normalise(text)
    if not clean:
        raise AmountParseError("no amount was said")
    figures = _MONEY_FIGURES.match(clean.replace(" ", ""))
    if figures:
        return _cents(int(figures.group(1)), _cent_digits(figures.group(2)), text)
    said = [word for word in clean.split() if word not in _FILLERS]
    if len(said) > 1 and all(word in DIGIT_WORDS for word in said):
        # "one five zero", "one oh two": a digit string is not an amount, and reading it
        # as one ($1.50? $150? $1.02?) would be a guess.
        raise AmountParseError(f"{text!r}: digits said one by one are not an amount")
    clean = re.sub(r"\b(a|an)\b (hundred|thousand)", r"one \2", clean)
    decimal = _DECIMAL.match(clean)
    if decimal:  # "forty two point five oh": the cents are said digit by digit
        return _decimal_amount(decimal.group(1), decimal.group(2), text)
    converted = alpha2digit(clean, "en").replace("$", " ")
    tokens = [t for t in converted.split() if t not in {"and", "uh", "um", "is", "it's"}]
    return _amount_from_tokens(tokens, text)


_DECIMAL = re.compile(r"^(.+?) (?:point|dot) (.+?)(?: dollars?| bucks?)?$")


def _decimal_amount(whole: str, fraction: str, original: str) -> int:
    """Dollars said as a number, cents as one or two digits after "point"."""
    tokens = [t for t in alpha2digit(whole, "en").split() if t not in ("and", "uh", "um")]
    if len(tokens) == 1 and tokens[0] in DIGIT_WORDS:
        tokens = [DIGIT_WORDS[tokens[0]]]
    if len(tokens) != 1 or not tokens[0].isdigit():
        raise AmountParseError(f"{original!r}: unclear dollars before the point")
    try:
        digits = parse_digits(fraction)
    except DigitParseError as error:
        raise AmountParseError(f"{original!r}: unclear cents after the point") from error
    if len(digits) > 2:
        raise AmountParseError(f"{original!r}: more than two digits after the point")
    return _cents(int(tokens[0]), _cent_digits(digits), original)


def _cent_digits(fraction: str | None) -> int:
    if not fraction:
        return 0
    return int(fraction) * (10 if len(fraction) == 1 else 1)


def _cents(dollars: int, cents: int, original: str) -> int:
    if cents > 99:
        raise AmountParseError(f"{original!r}: cents must be below one hundred")
    total = dollars * 100 + cents
    if total > _MAX_CENTS:
        raise AmountParseError(f"{original!r}: amount is too large")
    return total


_DOLLAR_WORDS = {"dollar", "dollars", "bucks", "buck"}
_CENT_WORDS = {"cent", "cents"}


def _amount_from_tokens(tokens: list[str], original: str) -> int:
    """Turn digit-converted tokens into cents, by the few shapes people use."""
    numbers: list[tuple[str, str | None]] = []  # (figure, unit word following it)
    for token in tokens:
        if token in _DOLLAR_WORDS or token in _CENT_WORDS:
            if not numbers or numbers[-1][1] is not None:
                raise AmountParseError(f"{original!r}: unit without a number")
            numbers[-1] = (numbers[-1][0], "dollars" if token in _DOLLAR_WORDS else "cents")
        elif token in DIGIT_WORDS:  # alpha2digit leaves lone small numbers as words
            numbers.append((DIGIT_WORDS[token], None))
        elif re.fullmatch(r"\d+(\.\d{1,2})?", token):
            numbers.append((token, None))
        elif token in ("point", "dot") and numbers:
            numbers.append((".", None))
        else:
            raise AmountParseError(f"{original!r}: {token!r} is not part of an amount")
    if not numbers:
        raise AmountParseError(f"{original!r}: no number in it")
    figures = [f for f, _ in numbers]
    units = [u for _, u in numbers]
    if "." in figures:  # "forty two point five zero"
        at = figures.index(".")
        whole, fraction = figures[:at], "".join(figures[at + 1 :])
        if len(whole) != 1 or not fraction.isdigit() or len(fraction) > 2:
            raise AmountParseError(f"{original!r}: unclear decimal amount")
        return _cents(int(whole[0]), _cent_digits(fraction), original)
    if len(figures) == 1:
        figure = figures[0]
        if "." in figure:
            dollars, decimals = figure.split(".")
            return _cents(int(dollars), _cent_digits(decimals), original)
        if units[0] == "cents":
            return _cents(0, int(figure), original)
        return _cents(int(figure), 0, original)
    if any("." in f for f in figures):
        raise AmountParseError(f"{original!r}: unclear amount")
    oh_pair = len(figures) == 3 and figures[1] == "0" and units[1] is None
    if oh_pair and int(figures[2]) < 10:
        figures, units = [figures[0], figures[2]], [units[0], units[2]]  # "forty two oh five"
    if len(figures) != 2 or units[0] == "cents" or units[1] == "dollars":
        raise AmountParseError(f"{original!r}: not one amount")
    if units[1] is None and not oh_pair and int(figures[1]) < 10:
        # "forty two five": cents after the dollars are said as a pair ("fifty", "oh
        # five"); one digit there would be a guess ($42.05? $42.50?).
        raise AmountParseError(f"{original!r}: cents are said as two digits")
    return _cents(int(figures[0]), int(figures[1]), original)


_TEENS = {
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
}
_TENS = {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
# Every word that can be part of a number said aloud (plain-language checks skip them).
NUMBER_WORDS: frozenset[str] = frozenset(
    {*DIGIT_WORDS, *_TEENS, *_TENS, "hundred", "thousand", "million", "point"}
)


def parse_digits(text: str) -> str:
    """Read spoken digits ("four oh one", "double five", "twenty one") as a digit string.

    Raises:
        DigitParseError: when a word is neither a digit nor a filler.
    """
    tokens = _normalise(text).replace(".", " ").split()
    result: list[str] = []
    repeat = 1
    at = 0
    while at < len(tokens):
        token = tokens[at]
        at += 1
        if token in _REPEATERS:
            repeat = _REPEATERS[token]
            continue
        if token in DIGIT_WORDS:
            result.append(DIGIT_WORDS[token] * repeat)
        elif token.isdigit():
            result.append(token if repeat == 1 else token * repeat)
        elif token in _TEENS:
            result.append(str(text2num(token, "en")))
        elif token in _TENS:  # "twenty one" is the two digits 2 1
            if at < len(tokens) and _is_unit(tokens[at]):
                token = f"{token} {tokens[at]}"
                at += 1
            result.append(str(text2num(token, "en")))
        elif token in _FILLERS:
            continue
        else:
            raise DigitParseError(f"{text!r}: {token!r} is not a digit")
        repeat = 1
    if not result:
        raise DigitParseError(f"{text!r}: no digits in it")
    return "".join(result)


def _is_unit(token: str) -> bool:
    return token in DIGIT_WORDS and token not in ("oh", "o", "zero")
