"""The card-number step says the lengths it takes, and takes the lengths it says: its
help said "15 or 16 numbers" while 13- and 19-digit numbers were taken (the brands'
lengths come from pydantic-extra-types). Checked against the checks themselves, in every
register."""

from __future__ import annotations

import pytest

from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.errors import InvalidInput
from kiosk.payments.keyed_card import read_card_number
from kiosk.store.store import Store

from .conftest import Driver

#: A prefix of each brand taken, and its lengths as the messages say them.
BRANDS = {
    "VISA": ("4", "13, 16 or 19"),
    "MASTERCARD": ("51", "16"),
    "AMERICAN EXPRESS": ("37", "15"),
    "DISCOVER": ("6011", "16 to 19"),
}
#: How each register says the general rule.
RULE = {
    Register.STANDARD: "13 to 19 numbers",
    Register.SIMPLE: "13 to 19 numbers",
    Register.SPOKEN: "13 to 19 numbers",
    Register.TTY: "13 TO 19 NBRS",
}


def _luhn(prefix: str, length: int) -> str:
    """A number of ``length`` digits starting with ``prefix`` whose check digit is right."""
    body = (prefix + "0" * length)[: length - 1]
    total = 0
    for index, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def _taken(number: str) -> bool:
    try:
        read_card_number(number)
    except InvalidInput:
        return False
    return True


def _said(lengths: str) -> set[int]:
    """ "13, 16 or 19" -> {13, 16, 19}; "16 to 19" -> {16, ..., 19}."""
    if " to " in lengths:
        low, high = lengths.split(" to ")
        return set(range(int(low), int(high) + 1))
    return {int(n) for n in lengths.replace(" or ", ", ").split(", ")}


def test_the_lengths_said_are_the_lengths_taken():
    everything: set[int] = set()
    for brand, (prefix, said) in BRANDS.items():
        taken = {n for n in range(8, 24) if _taken(_luhn(prefix, n))}
        assert taken == _said(said), brand
        everything |= taken
        wrong = _luhn(prefix, 14)  # no brand taken here has 14
        with pytest.raises(InvalidInput) as refused:
            read_card_number(wrong)
        assert f"card numbers have {said} numbers, and that has 14." in refused.value.message
        assert wrong not in refused.value.message
    assert (min(everything), max(everything)) == (13, 19)  # the rule the step says
    for length in (12, 20):
        with pytest.raises(InvalidInput) as refused:
            read_card_number(_luhn("4", length))
        assert f"it has {length} numbers. A card number has 13 to 19 numbers." in (
            refused.value.message
        )


@pytest.mark.parametrize("register", list(RULE))
def test_the_card_number_step_says_the_rule_in_every_register(sqlite_store: Store, register):
    line = Services(sqlite_store, takes_cash=False, keyed_card=True, has_printer=False)
    d = Driver(line, register)
    d.sign_in("ava")
    d.choose("pay")
    d.say(d.prompt.choices[0].key)
    d.choose("card")
    assert d.prompt.id == "card_number"
    assert RULE[register] in d.prompt.help.in_register(register)
    assert "15 or 16" not in d.prompt.help.in_register(register)
    for keyed in ("424242424242", _luhn("4", 20)):  # 12 and 20 numbers
        d.say(keyed)
        assert d.prompt.id == "card_number"
        told = d.prompt.error.in_register(register)
        assert RULE[register] in told and keyed not in told, told
    d.say("4242424242424")  # a 13-digit Visa is taken (this one fails its check digit)
    assert "does not check out" in d.prompt.error.standard
    d.say(_luhn("4", 19), "1228", "737")  # and so is a 19-digit one
    assert d.prompt.id == "pay_review"
