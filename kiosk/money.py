"""Money is integer cents everywhere; Decimal only at the edges (parsing, display)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import cache

from kiosk.errors import InvalidAmount

#: Whole dollars of at most this many digits (up to $999,999,999): a longer number is
#: no bill's amount, and refusing it here keeps huge numbers out of every later step.
MAX_WHOLE_DIGITS = 9
#: Longer input is refused before it is read at all.
MAX_AMOUNT_CHARS = 40
_WORDS = ("dollars", "dollar", "usd")
_SIGNS = "-+\u2212\u2013\u2014"  # hyphen-minus, plus, minus sign, en and em dashes


@cache
def _marks(locale: str) -> tuple[str, str]:
    """The locale's decimal mark and thousands separator ("." and "," for en_US)."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return str(get_decimal_symbol(locale)), str(get_group_symbol(locale))


@cache
def _currency_symbol(currency: str, locale: str) -> str:
    from babel.numbers import get_currency_symbol

    return str(get_currency_symbol(currency, locale=locale))


def shown(text: str, limit: int = 24) -> str:
    """``text`` safe to show or speak back: control characters (an escape sequence's
    ESC, NUL, line breaks) become "?" and it is cut to ``limit`` characters, so a
    message that quotes what was typed can never carry a terminal command."""
    safe = "".join("?" if unicodedata.category(ch)[0] == "C" else ch for ch in text.strip())
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def parse_amount(text: str, locale: str = "en_US", currency: str = "USD") -> int:
    """Read a typed amount ("$1,234.56", "42", "42.5") into cents; the one typed parser.

    At most two decimals; the locale's decimal mark (a point in en_US); thousands
    separators only between groups of three digits; no sign. Spoken amounts ("forty
    two fifty") are the speech channel's to read (``kiosk.speech.numbers``), never a
    fallback for typing.

    Raises:
        InvalidAmount: anything else; the message says what was understood and how
            to type it.
    """
    point, group = _marks(locale)
    example = f"Type it like 42{point}50 or 1{group}250{point}00."
    cleaned = text.strip()
    if not cleaned:
        raise InvalidAmount("No amount was entered.", "", example)
    if len(cleaned) > MAX_AMOUNT_CHARS:
        raise InvalidAmount(
            f"That is {len(cleaned)} characters long, too long to be an amount of money.",
            "",
            example,
        )
    if any(unicodedata.category(ch)[0] == "C" for ch in cleaned):
        raise InvalidAmount(
            f'"{shown(cleaned)}" has a character that is not part of an amount.', "", example
        )
    # Any script's decimal digits ("٥٠", "５０") are the digits they are, as in the
    # account, ZIP and PIN fields; what was typed is still what a message quotes.
    body = _without_currency(ascii_digits(cleaned), currency, locale)
    if body and body[0] in _SIGNS:
        raise InvalidAmount(
            f'"{shown(cleaned)}" has a {"plus" if body[0] == "+" else "minus"} sign; '
            "the amount cannot be negative or have a sign.",
            "",
            f"Type only the amount, like {shown(body[1:]) or '5'}.",
        )
    whole, fraction = _split(body, cleaned, point, group, example)
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise InvalidAmount(
            f"That number has {len(whole.lstrip('0'))} digits before the cents, too many for an amount "
            "of money.",
            "",
            example,
        )
    if len(fraction) > 2:
        raise InvalidAmount(
            # Never quoted: on a phone line the entry is keys, which are never said back
            # (a card number keyed here with a * would be read out whole).
            f"That amount has more than 2 decimal places: {len(fraction)} numbers after the point.",
            "Cents have two digits.",
            example,
        )
    return int(whole or "0") * 100 + int(fraction.ljust(2, "0"))


def ascii_digits(text: str) -> str:
    """``text`` with any script's decimal digits ("٥", "５") as ASCII ones."""
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in text
    )


def _without_currency(text: str, currency: str, locale: str) -> str:
    """The amount without a currency symbol before or after it, or a word after it."""
    body = text
    for symbol in dict.fromkeys(("$", _currency_symbol(currency, locale))):
        if body.startswith(symbol):
            body = body[len(symbol) :].lstrip()
            break
        if body.endswith(symbol):
            body = body[: -len(symbol)].rstrip()
            break
    lowered = body.lower()
    for word in (*_WORDS, currency.lower()):
        if lowered.endswith(word) and lowered[: -len(word)].rstrip() != lowered[: -len(word)]:
            return body[: -len(word)].rstrip()
    return body


def _split(body: str, typed: str, point: str, group: str, example: str) -> tuple[str, str]:
    """Whole digits (separators removed) and decimal digits of a well-formed number."""
    if group in ("\u202f", "\xa0"):  # a typed space stands for a narrow or no-break one
        body = body.replace(" ", group)
    p, g = re.escape(point), re.escape(group)
    # A grouped number starts with a group of 1-3 digits that is not 0 ("0,500" is no
    # thousands grouping: refused, never read as 500).
    form = re.compile(
        rf"(?P<whole>[1-9][0-9]{{0,2}}(?:{g}[0-9]{{3}})+|[0-9]+)?(?:{p}(?P<frac>[0-9]*))?"
    )
    match = form.fullmatch(body)
    if match is not None and (match.group("whole") or match.group("frac")):
        return (match.group("whole") or "").replace(group, ""), match.group("frac") or ""
    understood = re.match(r"[0-9]+", body)
    bad_group = re.match(rf"[0-9]+(?:{g}[0-9]+)*", body)
    if bad_group is not None and group in bad_group.group(0):
        name = "comma" if group == "," else "point" if group == "." else "space"
        mark = "point" if point == "." else "comma"
        raise InvalidAmount(
            f'"{shown(typed)}" has a {name} in the wrong place: we read {bad_group.group(0)}, '
            f"but a {name} only separates thousands, as in 1{group}000{point}00.",
            "",
            f"For cents use a {mark}: 5{point}00.",
        )
    if understood is not None:
        rest = body[understood.end() :]
        raise InvalidAmount(
            f'We understood {understood.group(0)} in "{shown(typed)}", but not "{shown(rest)}".',
            "",
            example,
        )
    raise InvalidAmount(f'"{shown(typed)}" is not an amount of money.', "", example)


def format_cents(cents: int, locale: str = "en_US", currency: str = "USD") -> str:
    """Display form of an amount, e.g. ``$1,234.56`` (Babel, locale aware)."""
    from babel.numbers import format_currency

    return str(format_currency(Decimal(cents) / 100, currency, locale=locale))


def split_cents(total: int, parts: int) -> list[int]:
    """Split ``total`` cents into ``parts`` as equal as possible.

    Leftover cents go one each to the first parts, so $100.00 in 3 is
    33.34, 33.33, 33.33, and the parts always sum to the total.
    """
    if parts < 1:
        raise ValueError("parts must be at least 1")
    if total < 0:
        raise ValueError("total must not be negative")
    base, leftover = divmod(total, parts)
    shares = [base + 1 if index < leftover else base for index in range(parts)]
    assert sum(shares) == total
    return shares
