"""Money is integer cents everywhere; Decimal only at the edges (parsing, display)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from kiosk.errors import InvalidAmount

# Commas only as thousands separators: "12,34" (a decimal comma) must not become $1,234.
_AMOUNT_TEXT = re.compile(
    r"^\$?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(\.[0-9]*)?\s*(dollars?|usd)?$", re.IGNORECASE
)
_MISPLACED_COMMA = re.compile(r"[0-9],(?![0-9]{3}(?:[,.\s]|$))")
_EXAMPLE = "Type it like 42.50 or $42.50."


def parse_amount(text: str) -> int:
    """Parse a typed amount ("$1,234.56", "42", "42.5") into cents.

    Raises:
        InvalidAmount: empty, not a number, negative, or more than 2 decimals.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidAmount("No amount was entered.", "", _EXAMPLE)
    if cleaned.startswith("-") or cleaned.startswith("$-"):
        raise InvalidAmount("The amount cannot be negative.", "", _EXAMPLE)
    match = _AMOUNT_TEXT.match(cleaned)
    if match is None and _MISPLACED_COMMA.search(cleaned):
        raise InvalidAmount(
            f'"{text.strip()}" has a comma in the wrong place.',
            "A comma only separates thousands, as in 1,234.50.",
            "Use a point for cents: 12.34.",
        )
    if match is None or not (match.group(1) or (match.group(2) and len(match.group(2)) > 1)):
        raise InvalidAmount(f'"{text.strip()}" is not an amount of money.', "", _EXAMPLE)
    whole = (match.group(1) or "0").replace(",", "")
    fraction = match.group(2) or ""
    if len(fraction) > 3:  # "." plus more than two digits
        raise InvalidAmount(
            "The amount has more than 2 decimal places.", "Cents have two digits.", _EXAMPLE
        )
    try:
        value = Decimal(whole + fraction)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already checked
        raise InvalidAmount(f'"{text.strip()}" is not an amount of money.', "", _EXAMPLE) from exc
    return int(value * 100)


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
