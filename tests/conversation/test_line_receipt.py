"""A caller has no printer: on the phone line's services (``has_printer=False``) a payment
queues no paper receipt, and nothing the conversation says, in any register, offers or
claims one. The result offers what the line has: email, a text message, or hearing the
confirmation number again."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kiosk.channels.voice_wording import prompt_speech
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.services import Services
from kiosk.speech.numbers import digits_to_words
from kiosk.store.models import OutboxMessage, PaymentAttempt
from kiosk.store.store import Store

from .conftest import Driver

PAPER = re.compile(r"print|paper", re.IGNORECASE)


@pytest.fixture
def line(sqlite_store: Store) -> Services:
    """The phone line's services, as ``kiosk line`` builds them."""
    return Services(sqlite_store, takes_cash=False, keyed_card=True, has_printer=False)


def _everything(prompts: list[Prompt]) -> str:
    """Every text of every prompt in every register, help and choices included, and what
    the voice channel says of it (brief and full)."""
    parts = []
    for p in prompts:
        for register in Register:
            parts += [p.render(register), p.help.in_register(register)]
            parts += [c.label.in_register(register) for c in p.choices]
        parts += [prompt_speech(p).full, prompt_speech(p, "full").full]
    return "\n".join(parts)


def _pay(line: Services, register: Register, method: str) -> Driver:
    d = Driver(line, register)
    d.sign_in("ava")
    d.choose("pay")
    d.say(d.prompt.choices[0].key)  # the full balance, $84.99
    d.choose(method)
    if method == "card":
        d.say("4242424242424242", "1228", "737")
    else:
        d.say("021000021", "000123456789")
    assert d.prompt.id == "pay_review", d.prompt.render(Register.STANDARD)
    d.say("yes")
    assert d.prompt.id == "pay_result", d.prompt.render(Register.STANDARD)
    return d


def _paid(line: Services) -> PaymentAttempt:
    """The payment just made."""
    with line.store.sessions() as session:
        paid = session.scalars(select(PaymentAttempt).order_by(PaymentAttempt.id.desc())).first()
    assert paid is not None
    return paid


def _outbox_kinds(line: Services) -> list[str]:
    """What the payment just made queued (receipts, the statement)."""
    ours = f"%:{_paid(line).id}"  # "receipt.print:7"; an email's key goes on ":7:<digest>"
    with line.store.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage.kind).where(
                    OutboxMessage.dedupe_key.like(ours) | OutboxMessage.dedupe_key.like(f"{ours}:%")
                )
            )
        )


@pytest.mark.parametrize("register", [Register.STANDARD, Register.SIMPLE, Register.TTY])
@pytest.mark.parametrize("method", ["card", "bank"])
def test_a_caller_is_never_offered_or_told_of_paper(line, register, method):
    d = _pay(line, register, method)
    result = d.prompt
    assert not PAPER.search(_everything(d.seen)), PAPER.findall(_everything(d.seen))
    assert [c.value for c in result.choices] == ["again", "email", "sms", "none"]
    said = result.render(register)
    if register is Register.TTY:
        assert "RECEIPT BY 2 EMAIL 3 TEXT 4 NONE, 1 NBR AGAIN Q GA" in said
    else:
        assert "email or text" in said and "email or text" in result.help.in_register(register)
    # nothing was queued to print (a kiosk's printer would print a caller's receipt)
    kinds = _outbox_kinds(line)
    assert "receipt.print" not in kinds and "statement.update" in kinds
    number = _paid(line).confirmation_number
    assert number and number.replace(" ", "") == result.big_value.replace(" ", "")
    # 1 says the result again: the confirmation number, and still no paper
    d.choose("again")
    assert d.prompt.id == "pay_result" and d.prompt.big_value == result.big_value
    assert d.prompt.text == result.text
    if register is Register.STANDARD:
        assert digits_to_words(number) in prompt_speech(d.prompt).full
        paid_with = "Visa ending 4242" if method == "card" else "bank account ending 6789"
        assert f"paid with your {paid_with}." in prompt_speech(d.prompt).full  # brief too
    # the receipt the line has: email to the address on file, or a text message
    d.choose("email")
    assert d.prompt.id == "receipt_email"
    d.say("1")
    assert d.prompt.id == "anything_else"
    assert "receipt.email" in _outbox_kinds(line)
    assert not PAPER.search(_everything(d.seen))


def test_the_kiosk_still_prints_and_says_so(sqlite_store):
    d = _pay(Services(sqlite_store, takes_cash=True, keyed_card=True), Register.STANDARD, "bank")
    assert [c.value for c in d.prompt.choices] == ["print", "email", "sms", "none"]
    assert "receipt.print" in _outbox_kinds(d.conversation.ctx.services)
