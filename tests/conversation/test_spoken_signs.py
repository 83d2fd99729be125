"""Amounts that take money off are said in words, never with a minus sign.

Found after issue 16: the bill's row "Paid December 5: -$71.80" was spoken
"-seventy-one dollars and eighty cents". A payment row is said as a payment ("Paid
seventy-one dollars and eighty cents on December 5"), a credit as a credit ("a credit of
twenty dollars"), by the voice channel and by the screen's announcer alike.
"""

from __future__ import annotations

import re

import pytest

from kiosk.accessibility.announcer import Announcer, CaptionLog
from kiosk.accessibility.modes import Profile
from kiosk.channels.voice_wording import prompt_speech
from kiosk.conversation.prompt import Register
from kiosk.conversation.wording import spoken


def _bill_after_paying(driver, amount: str):  # type: ignore[no-untyped-def]
    d = driver(Register.SPOKEN)
    d.sign_in("ava")  # owes $84.99
    d.choose("pay")
    other = next(c for c in d.prompt.choices if c.value == "other")
    d.say(other.key, amount)
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_result", d.prompt.render(Register.STANDARD)
    d.choose("none")  # no receipt
    d.say("yes")  # something else
    assert d.prompt.id == "menu", d.prompt.id
    d.choose("bill")
    assert d.prompt.id == "bill"
    return d.prompt


def _said(prompt) -> list[str]:  # type: ignore[no-untyped-def]
    speech = prompt_speech(prompt, "full")
    return [
        speech.public + " " + speech.private,
        Announcer(Profile(), CaptionLog()).spoken_text(prompt),
    ]


def test_a_payment_row_is_said_as_a_payment(driver) -> None:  # type: ignore[no-untyped-def]
    bill = _bill_after_paying(driver, "20.00")
    paid = [value for label, value in bill.details if label.startswith("Paid")]
    assert paid == ["-$20.00"]  # the screen's column adds up: the sign stays there
    for said in _said(bill):
        assert not re.search(r"(^|[\s:(])[-−]\s*[a-z]", said), said  # no "-twenty dollars"
        assert "minus" not in said.lower(), said
        assert re.search(r"[Pp]aid twenty dollars on [A-Z][a-z]+ \d+", said), said


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Balance: -$20.00", "Balance: minus twenty dollars"),
        ("-$71.80", "Minus seventy-one dollars and eighty cents"),
        ("a change of −$5.00", "a change of minus five dollars"),
    ],
)
def test_no_amount_is_spoken_with_a_bare_sign(text: str, words: str) -> None:
    """Every spoken path goes through ``spoken``: a signed amount that no step words
    better is at least said "minus", never a dash before the words."""
    assert spoken(text) == words


def test_credit_and_other_rows_are_said_as_what_they_are() -> None:
    """The bill's other money rows: a credit is "a credit of", never "minus"."""
    import datetime as dt

    from kiosk.services.billing import CREDIT_ROW, PaidRow

    rows = [
        (PaidRow("Paid December 5", 7180, dt.date(2026, 12, 5)), "$71.80"),
        (PaidRow(CREDIT_ROW, 2000), "$20.00"),
        (PaidRow("Paid or credited", 1500), "$15.00"),
        (PaidRow("Other charges", -500), "$5.00"),
    ]
    said = [spoken(row.said(amount)) for row, amount in rows]
    assert said == [
        "Paid seventy-one dollars and eighty cents on December 5.",
        "A credit of twenty dollars on your account.",
        "Fifteen dollars paid or credited.",
        "Other charges: five dollars more.",
    ]
