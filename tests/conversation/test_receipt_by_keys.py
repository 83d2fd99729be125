"""A caller with only a phone's keys (the spoken register: a call, the kiosk's voice
channel) cannot type an email address: the result offers a receipt by email only when the
account has one on file, and sends it there at once. And what was keyed at a step is
never said back where it could be a card number or a PIN keyed at the wrong step."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from kiosk.channels.voice_wording import prompt_speech
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.services import Services
from kiosk.store.models import Account, OutboxMessage
from kiosk.store.store import Store

from .conftest import ACCOUNTS, Driver

CARD = "4242424242424242"


@pytest.fixture
def line(sqlite_store: Store) -> Services:
    """The phone line's services, as ``kiosk line`` builds them."""
    return Services(sqlite_store, takes_cash=False, keyed_card=True, has_printer=False)


def _paid(services: Services, register: Register, who: str = "ava") -> Driver:
    d = Driver(services, register)
    d.sign_in(who)
    d.choose("pay")
    d.say(d.prompt.choices[0].key)  # the full balance
    d.choose("card")
    if services.keyed_card:
        d.say(CARD, "1228", "737")
    d.say("yes")
    assert d.prompt.id == "pay_result", d.prompt.render(Register.STANDARD)
    return d


def _no_email_on_file(services: Services, who: str) -> None:
    with services.store.sessions() as session, session.begin():
        session.execute(update(Account).where(Account.number == ACCOUNTS[who][0]).values(email=""))


def _emails(services: Services) -> list[str]:
    with services.store.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "receipt.email"))
        return [str(m.payload.get("destination", "")) for m in rows]


def _said(p: Prompt) -> str:
    """What a voice channel says and captions for the prompt, brief and full."""
    return f"{prompt_speech(p).full}\n{prompt_speech(p, 'full').full}\n{p.render(Register.SPOKEN)}"


@pytest.mark.parametrize("printer", [False, True], ids=["line", "kiosk-voice"])
def test_by_keys_alone_email_is_offered_only_with_an_address_on_file(sqlite_store, printer):
    services = Services(
        sqlite_store, takes_cash=printer, keyed_card=not printer, has_printer=printer
    )
    _no_email_on_file(services, "ava")
    d = _paid(services, Register.SPOKEN)
    result = d.prompt
    assert "email" not in [c.value for c in result.choices]
    assert [c.key for c in result.choices] == ["1", "2", "3"]  # counted again, no gap
    assert "email" not in _said(result).lower() and "email" not in result.help.spoken.lower()
    assert "text message" in result.help.spoken
    d.say("help")
    assert "email" not in _said(d.prompt).lower()
    d.choose("sms")
    assert d.prompt.id == "receipt_phone"


def test_by_keys_alone_the_email_goes_to_the_address_on_file_at_once(line):
    d = _paid(line, Register.SPOKEN, "ben")
    assert [c.value for c in d.prompt.choices] == ["again", "email", "sms", "none"]
    assert "email or text message" in d.prompt.render(Register.SPOKEN)
    d.choose("email")
    assert d.prompt.id == "anything_else", d.prompt.render(Register.SPOKEN)
    assert "receipt_email" not in [p.id for p in d.seen]  # no step asks to type one
    told = d.prompt.render(Register.SPOKEN)
    assert "the address starting with B, the rest hidden, at example.com" in told, told
    assert _emails(line) == ["ben@example.com"]


@pytest.mark.parametrize("register", [Register.STANDARD, Register.SIMPLE, Register.TTY])
def test_with_a_keyboard_email_is_offered_even_with_none_on_file(line, register):
    _no_email_on_file(line, "ava")
    d = _paid(line, register)
    assert [c.value for c in d.prompt.choices] == ["again", "email", "sms", "none"]
    d.choose("email")
    assert d.prompt.id == "receipt_email"
    d.say("ava@example.org")
    assert _emails(line) == ["ava@example.org"]


def _never_said_back(p: Prompt, keyed: str) -> None:
    assert p.error is not None
    for register in Register:
        assert keyed not in p.render(register), p.render(register)
        assert keyed[:4] not in p.error.in_register(register), p.error.in_register(register)
    assert keyed not in _said(p)


@pytest.mark.parametrize("register", [Register.STANDARD, Register.TTY])
def test_keys_typed_at_a_receipt_step_are_never_said_back(line, register):
    """'The email address "34" cannot be used.' read back what was keyed: a card number
    or PIN keyed one step late would be said out loud."""
    d = _paid(line, register)
    d.choose("email")
    for keyed in ("34", CARD, "2468"):
        d.say(keyed)
        assert d.prompt.id == "receipt_email"
        _never_said_back(d.prompt, keyed)
        assert "That email address cannot be used" in d.prompt.error.standard
        assert "no @ sign" in d.prompt.error.standard  # still says what is wrong, and how
        assert "name@example.com" in d.prompt.error.standard
    d.say("back")
    d.choose("sms")
    d.say("3782822463")  # 10 keys of a card number (an Amex): no such phone number
    assert d.prompt.id == "receipt_phone"
    _never_said_back(d.prompt, "3782822463")
    assert "That phone number cannot be used" in d.prompt.error.standard
    assert _emails(line) == []


@pytest.mark.parametrize("register", [Register.STANDARD, Register.TTY])
def test_numbers_typed_at_a_menu_or_a_yes_no_are_never_said_back(line, register):
    d = Driver(line, register)
    d.sign_in("ava")
    d.say(CARD)
    assert d.prompt.id == "menu"
    _never_said_back(d.prompt, CARD)
    assert "That is not one of the choices" in d.prompt.error.standard
    d.say("x")  # a word or one key is still named
    assert '"x" is not one of the choices' in d.prompt.error.standard
    d.choose("pay")
    d.say(d.prompt.choices[0].key)
    d.choose("card")
    d.say(CARD, "1228", "737")
    assert d.prompt.id == "pay_review"
    d.say("2468")  # a PIN keyed at the review
    assert d.prompt.id == "pay_review"
    _never_said_back(d.prompt, "2468")
    assert "That is not yes or no" in d.prompt.error.standard
