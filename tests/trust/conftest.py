"""Fixtures of the trust suite: fresh databases on both back ends and a card-number scanner."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

import pytest

from kiosk.devtools.postgres_server import PostgresServer

_names = itertools.count()
# A standalone run of 13-19 digits, maybe grouped by single spaces or dashes: a card
# number as people, logs and dumps write it. Digits inside hex (hashes, tokens) are
# not standalone, so a SHA-256 in the audit log is not mistaken for a card.
_CARD_LIKE = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


_CARD_LIKE_UNGROUPED = re.compile(r"(?<![0-9A-Za-z])\d{13,23}(?![0-9A-Za-z])")
# In raw pages a value can sit right before a timestamp: "payment 000000515" then
# "2026-12-04 ..." reads as one run "0000005152026". The year is the timestamp's.
_DATE_TAIL = re.compile(r"-\d\d-\d\d")


def card_numbers_in(text: str, *, grouped: bool = True) -> list[str]:
    """Every 13-19 digit number in ``text`` that passes Luhn.

    ``grouped=False`` counts only unbroken digit runs: in raw database pages,
    values sit back to back ("2026-11-21" then "2026-12-07"), so joining
    across dashes would read dates as card numbers.
    """
    found = []
    pattern = _CARD_LIKE if grouped else _CARD_LIKE_UNGROUPED
    for match in pattern.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if not grouped and _DATE_TAIL.match(text, match.end()):
            digits = digits[:-4]  # the year of a timestamp glued to the value before it
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            found.append(digits)
    return found


@pytest.fixture(scope="session")
def find_card_numbers() -> Callable[..., list[str]]:
    return card_numbers_in


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL of a new, empty database; parametrise indirectly with "sqlite"/"postgresql"."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'kiosk.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        yield server.create_database(f"trust_{next(_names)}")
