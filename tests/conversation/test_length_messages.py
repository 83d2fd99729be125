"""A fixed-length entry of the wrong length is told what that entry is, in its own words
("The expiry is 4 numbers: month then year, like 0 8 2 7."), not only a count, in every
register; the entry is refused and nothing changes."""

from __future__ import annotations

import pytest

from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.store.store import Store

from .conftest import ACCOUNTS, Driver

REGISTERS = [Register.STANDARD, Register.SIMPLE, Register.TTY]
GENERAL = ("needs exactly", "please type 4 numbers", "please type 3 numbers", "need 4", "need 3")


@pytest.fixture
def line(sqlite_store: Store) -> Services:
    return Services(sqlite_store, takes_cash=False, keyed_card=True, has_printer=False)


def _refused(d: Driver, typed: str, register: Register, *own: str) -> None:
    step, private = d.prompt.id, d.prompt.private
    d.say(typed)
    assert d.prompt.id == step, f"{typed!r} was taken on {step}"
    error = d.prompt.error
    assert error is not None
    said = error.in_register(register)
    shown = said.lower()
    assert f"{len(typed)}" in said, said  # how many were typed
    for words in own:
        assert words.lower() in shown, f"{step}: {said!r} lacks {words!r}"
    assert not any(general in shown for general in GENERAL), said
    assert not private or typed not in said.replace(" ", ""), said  # never said back


@pytest.mark.parametrize("register", REGISTERS)
def test_card_entries_of_the_wrong_length_say_what_the_entry_is(line, register):
    d = Driver(line, register)
    d.sign_in("ava")
    d.choose("pay")
    d.say(d.prompt.choices[0].key)
    d.choose("card")
    d.say("4242424242424242")
    assert d.prompt.id == "card_expiry"
    tty = register is Register.TTY
    expiry = ("EXPIRY", "MONTH THEN YEAR", "0827") if tty else ("month", "year", "0 8 2 7")
    _refused(d, "128", register, *expiry)
    _refused(d, "12288", register, *expiry)
    d.say("1228")
    assert d.prompt.id == "card_code"
    code = ("SECURITY CODE", "3") if tty else ("security code", "3 numbers", "back of the card")
    _refused(d, "73", register, *code)
    _refused(d, "7373", register, *code)
    d.say("737")
    assert d.prompt.id == "pay_review", d.prompt.id


@pytest.mark.parametrize("register", REGISTERS)
def test_sign_in_routing_and_phone_entries_say_what_the_entry_is(sqlite_store, register):
    d = Driver(Services(sqlite_store), register)
    if d.prompt.id == "welcome":
        d.choose("start")
    number, zip_code, pin = ACCOUNTS["ava"]
    d.say(number)
    tty = register is Register.TTY
    _refused(d, "7220", register, *(("ZIP", "5") if tty else ("ZIP code", "5 numbers")))
    d.say(zip_code)
    _refused(d, "24", register, *(("PIN", "4") if tty else ("PIN", "4 numbers")))
    d.say(pin)
    assert d.prompt.id == "menu"
    d.choose("pay")
    d.say(d.prompt.choices[0].key)
    d.choose("bank")
    routing = ("ROUTING", "9") if tty else ("routing number", "9 numbers", "check")
    _refused(d, "0210000", register, *routing)
    d.say("021000021")
    assert d.prompt.id == "bank_account", d.prompt.id
    d.say("person")
    d.choose("voice")
    phone = ("PHONE", "10", "AREA CODE") if tty else ("phone number", "10 numbers", "area code")
    _refused(d, "5550103", register, *phone)
    d.say("5015550103")
    assert d.prompt.id == "person_review", d.prompt.id
