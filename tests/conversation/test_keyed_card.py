"""Paying by keyed card (card-not-present), as on the phone line: the card's number, expiry
and security code are asked as private entries; the review and the result name the card
by brand and last 4 only, and nothing else of it is said, shown, logged or stored."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.channels.voice_wording import prompt_speech
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.services import Services
from kiosk.settings import data_dir
from kiosk.speech.numbers import digits_to_words as digits_words
from kiosk.store.models import Account, AttemptState, PaymentAttempt
from kiosk.store.store import Store

from .conftest import Driver

VISA, EXPIRY, CODE = "4242424242424242", "1228", "737"
AMEX = "378282246310005"
NO_FUNDS = "4000000000009995"
BAD_CODE = "4000000000000127"
SECRETS = (VISA, AMEX, NO_FUNDS, BAD_CODE, "4242 4242 4242 4242")


@pytest.fixture
def keyed(sqlite_store: Store) -> Services:
    """The phone line's services: no bill slot, no card reader, no printer."""
    return Services(sqlite_store, takes_cash=False, keyed_card=True, has_printer=False)


def _attempts(services: Services, number: str) -> list[PaymentAttempt]:
    with services.store.sessions() as session:
        return list(
            session.scalars(
                select(PaymentAttempt)
                .join(Account, Account.id == PaymentAttempt.account_id)
                .where(Account.number == number)
                .order_by(PaymentAttempt.id)
            )
        )


def _to_card_number(services: Services, register: Register, who: str = "ava") -> Driver:
    d = Driver(services, register)
    d.sign_in(who)
    d.choose("pay")
    full = d.prompt.choices[0]  # the full balance ($84.99 for Ava)
    d.say(full.key)
    d.choose("card")
    assert d.prompt.id == "card_number", d.prompt.id
    return d


def _everything_shown(prompts: list[Prompt]) -> str:
    """Every text of every prompt in every register, as a channel could render it."""
    parts = []
    for p in prompts:
        for register in Register:
            parts.append(p.render(register))
            parts.append(p.help.in_register(register))
            parts += [c.label.in_register(register) for c in p.choices]
        parts += [p.entered, p.big_value, *(f"{k} {v}" for k, v in p.details)]
    return "\n".join(parts)


def _assert_kept_nowhere(d: Driver, *secrets: str) -> None:
    shown = _everything_shown(d.seen)
    for secret in secrets or SECRETS:
        assert secret not in shown
        assert secret not in repr(d.conversation.ctx.values)


@pytest.mark.parametrize("register", [Register.STANDARD, Register.SIMPLE, Register.TTY])
def test_ava_pays_by_keyed_card_and_hears_the_facts_before_and_after(keyed, register):
    d = _to_card_number(keyed, register)
    prompt = d.prompt
    assert prompt.private and prompt.kind.value == "digits" and not prompt.entered
    d.say(VISA)
    assert d.prompt.id == "card_expiry" and d.prompt.private and d.prompt.digits_length == 4
    d.say(EXPIRY)
    assert d.prompt.id == "card_code" and d.prompt.private and d.prompt.digits_length == 3
    assert "back of the card" in d.prompt.text.standard
    d.say(CODE)
    review = d.prompt
    assert review.id == "pay_review" and review.confirms_money
    assert _attempts(keyed, "40152270") == [], "nothing is charged before the yes"
    said = review.text.in_register(register)
    if register is Register.TTY:
        assert "$84.99" in said and "VISA ENDING 4242" in said and "ACCT ENDING 2270" in said
    else:
        assert "$84.99" in said and "Visa ending 4242" in said and "account ending 2270" in said
        assert "eighty-four dollars and ninety-nine cents" in review.text.spoken
        assert "Visa ending 4242" in review.text.spoken
    assert "card reader" not in review.render(register).lower()
    assert ("Pay by", "Visa ending 4242") in review.details
    d.say("yes")
    assert d.prompt.id == "pay_result", d.prompt.render(register)
    (paid,) = _attempts(keyed, "40152270")
    assert paid.state == AttemptState.SUCCEEDED and paid.cents == 8499
    assert (paid.brand, paid.last4) == ("VISA", "4242")
    result = d.prompt.text.in_register(register)
    number = paid.confirmation_number
    assert number and number.replace(" ", "") == d.prompt.big_value.replace(" ", "")
    if register is Register.TTY:
        assert "PAID $84.99 BY VISA 4242" in result
    else:
        assert "$84.99" in result and "Visa ending 4242" in result
        assert "Visa ending 4242" in d.prompt.text.spoken
    assert d.prompt.big_value in result.replace(" ", " ")
    assert ("Paid by", "Visa ending 4242") in d.prompt.details
    if register is Register.STANDARD:  # brief speech (a caller's) says the card too
        said = prompt_speech(d.prompt).full
        assert "paid with your Visa ending 4242" in said and digits_words(number) in said
    assert "keyed_card" not in d.conversation.ctx.values  # dropped with the charge
    _assert_kept_nowhere(d)


def test_american_express_asks_for_4_numbers_on_the_front(keyed):
    d = _to_card_number(keyed, Register.STANDARD)
    d.say(AMEX, EXPIRY)
    assert d.prompt.id == "card_code" and d.prompt.digits_length == 4
    assert "4 numbers on the front" in d.prompt.text.standard
    d.say("1234")
    assert "American Express ending 0005" in d.prompt.text.standard
    d.say("yes")
    assert d.prompt.id == "pay_result"
    assert "American Express ending 0005" in d.prompt.text.standard
    _assert_kept_nowhere(d, AMEX, "1234")


def test_refusals_say_what_is_wrong_and_change_nothing(keyed):
    d = _to_card_number(keyed, Register.STANDARD)
    refusals = [
        ("4242424242424241", "That card number does not check out. Please key it again."),
        ("42424242424", "That card number is too short: it has 11 numbers."),
        ("424242424242424", "Visa card numbers have 13, 16 or 19 numbers, and that has 15."),
        ("3530111333300000", "We cannot take that kind of card."),
    ]
    for typed, says in refusals:
        d.say(typed)
        assert d.prompt.id == "card_number" and says in d.prompt.error.standard
        assert d.conversation.ctx.values["keyed_card"].number is None
        assert typed not in _everything_shown([d.prompt])
    d.say(VISA)
    for typed, says in [
        ("1026", "That card has expired."),
        ("1326", "That is not a month."),
        ("0199", "That date is too far ahead."),
        ("126", "That has 3 numbers. The expiry is 4 numbers: month then year, like 0 8 2 7."),
    ]:
        d.say(typed)
        assert d.prompt.id == "card_expiry" and says in d.prompt.error.standard, d.prompt.error
        assert d.conversation.ctx.values["keyed_card"].exp_month == 0
    d.say("1126")  # good through the end of this month (the kiosk clock: 2026-11-25)
    assert d.prompt.id == "card_code"
    d.say("12")
    assert d.prompt.id == "card_code"
    assert "The security code of a Visa card has 3 numbers." in d.prompt.error.standard
    assert d.conversation.ctx.values["keyed_card"].security_code == ""
    assert _attempts(keyed, "40152270") == []
    # Back goes to the step before, asking again: nothing keyed is shown back.
    d.say("back")
    assert d.prompt.id == "card_expiry" and not d.prompt.entered
    _assert_kept_nowhere(d)


def test_a_decline_says_why_and_offers_another_way(keyed):
    d = _to_card_number(keyed, Register.STANDARD)
    d.say(NO_FUNDS, EXPIRY, CODE)
    assert "Visa ending 9995" in d.prompt.text.standard
    d.say("yes")
    assert d.prompt.id == "pay_failed"
    assert "not enough money available on the card" in d.prompt.text.standard
    assert "no money was taken" in d.prompt.text.standard
    offered = [c.value for c in d.prompt.choices]
    assert offered[0] == "method" and "retry" not in offered
    (declined,) = _attempts(keyed, "40152270")
    assert declined.state == AttemptState.DECLINED and declined.last4 == "9995"
    assert "keyed_card" not in d.conversation.ctx.values  # the card is not kept
    d.choose("method")
    assert d.prompt.id == "pay_method"
    d.choose("card")
    assert d.prompt.id == "card_number"  # another card, keyed from the start
    d.say(VISA, EXPIRY, CODE, "yes")
    assert d.prompt.id == "pay_result"
    assert [a.state for a in _attempts(keyed, "40152270")] == [
        AttemptState.DECLINED,
        AttemptState.SUCCEEDED,
    ]
    _assert_kept_nowhere(d)


def test_a_wrong_security_code_is_keyed_again(keyed):
    d = _to_card_number(keyed, Register.SIMPLE)
    d.say(BAD_CODE, EXPIRY, CODE, "yes")
    assert d.prompt.id == "pay_failed"
    assert "security code was wrong" in d.prompt.text.simple
    d.choose("retry")
    assert d.prompt.id == "card_number"


def test_no_card_number_in_the_database_journals_or_logs(keyed, sqlite_store, caplog, capfd):
    """After a payment and a decline: grep the SQLite files, the kiosk's payment journal,
    the processor journal, every log record and the JSON log lines for the full card
    numbers."""
    caplog.set_level(logging.DEBUG)
    d = _to_card_number(keyed, Register.STANDARD)
    d.say(NO_FUNDS, EXPIRY, CODE, "yes")
    d.choose("method")
    d.choose("card")
    d.say(VISA, EXPIRY, CODE, "yes")
    assert d.prompt.id == "pay_result"
    d.choose("none")
    d.say("no")
    records = "\n".join(f"{r.getMessage()} {vars(r)!r}" for r in caplog.records)
    logged = records + "\n".join(capfd.readouterr())
    assert "payment.succeeded" in logged and "payment.declined" in logged  # captured
    database = Path(str(sqlite_store.engine.url.database))
    sqlite_store.dispose()
    files = [*database.parent.glob(database.name + "*"), *data_dir().iterdir()]
    names = {path.name for path in files}
    assert "payments-TEST-KIOSK.jsonl" in names and "processor-TEST-KIOSK.sqlite3" in names
    assert b"4242" in (data_dir() / "payments-TEST-KIOSK.jsonl").read_bytes()  # last 4 only
    for secret in SECRETS:
        assert secret not in logged
        for path in files:
            assert secret.encode() not in path.read_bytes(), path.name


def test_the_kiosk_card_reader_flow_is_unchanged(services):
    d = Driver(services)
    d.sign_in("ava")
    d.choose("pay")
    d.say(d.prompt.choices[0].key)
    d.choose("card")
    assert d.prompt.id == "pay_review"
    assert "by card" in d.prompt.text.standard and "Then use the card reader." in (
        d.prompt.text.standard
    )
    d.say("yes")
    assert d.prompt.id == "pay_result" and " paid by Visa ending 4242 " in d.prompt.text.standard
    assert "Visa ending" not in prompt_speech(d.prompt).full  # brief: on the receipt


@pytest.mark.parametrize("step", ["card_number", "card_expiry", "card_code"])
def test_global_commands_on_the_card_steps_and_cancel_drops_the_card(keyed, step):
    """Help, repeat and more time keep the step; person and back return to it; cancel
    goes to the menu, says nothing was charged, and the keyed card is forgotten."""
    d = _to_card_number(keyed, Register.STANDARD)
    for typed in {"card_number": (), "card_expiry": (VISA,), "card_code": (VISA, EXPIRY)}[step]:
        d.say(typed)
    assert d.prompt.id == step
    before = d.prompt.text.standard
    for word in ("help", "repeat", "more time"):
        d.say(word)
        assert d.prompt.id == step and d.prompt.text.standard == before
    d.say("person")
    assert d.prompt.id == "person_contact"
    d.say("back")
    assert d.prompt.id == step and not d.prompt.entered
    d.say("cancel")
    assert d.prompt.id == "menu" and "Nothing was charged" in d.prompt.notice.standard
    assert "keyed_card" not in d.conversation.ctx.values
    assert _attempts(keyed, "40152270") == []
    _assert_kept_nowhere(d)
