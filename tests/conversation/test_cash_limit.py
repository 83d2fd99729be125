"""Bills past what the account may take are refused at the slot, not at the review.

A tester's finding after issue 16: with Ava's $84.99 balance and the $500.00 credit
limit, bills past $584.99 went into escrow; only the review's yes was refused, and the
bills came back on the way out. A bill that would take what was put in past the most
that may be paid is handed back at once, with why and the most that may still go in,
in every register; nothing is held for it.
"""

from __future__ import annotations

import pytest

from kiosk.conversation.prompt import Register
from kiosk.errors import InvalidAmount

REGISTERS = [Register.STANDARD, Register.SIMPLE, Register.SPOKEN, Register.TTY]


@pytest.mark.parametrize("register", REGISTERS)
def test_a_bill_past_the_limit_is_handed_back_at_the_slot(driver, services, register) -> None:  # type: ignore[no-untyped-def]
    d = driver(register)
    d.sign_in("ava")  # owes $84.99; at most $500.00 may be left as credit: $584.99
    d.choose("pay")
    other = next(c for c in d.prompt.choices if c.value == "other")
    d.say(other.key, "584.99")
    d.choose("cash")
    acceptor = services.cash_acceptor()
    d.say("100", "100", "100", "100", "100")
    assert d.prompt.id == "cash_insert" and acceptor.escrow_cents == 50_000
    refused = d.say("100")  # $600.00 would be past $584.99
    assert refused.id == "cash_insert"
    assert acceptor.escrow_cents == 50_000  # the bill was never held
    said = refused.render(register)
    facts = ("$100.00", "$84.99")  # the bill handed back, and the most that may go in
    if register is Register.SPOKEN:
        facts = ("one hundred dollars", "eighty-four dollars and ninety-nine cents")
    for fact in facts:
        assert fact in said, said
    assert refused.error is not None
    if register is Register.TTY:
        assert "BACK" in said and "MOST" in said, said
    else:
        assert "back" in said.lower() and "most" in said.lower(), said
    assert "$500.00" in refused.render(Register.STANDARD)  # why: the limit on credit
    d.say("50", "20", "10")
    assert acceptor.escrow_cents == 58_000
    refused = d.say("5")  # $585.00: one cent past
    assert refused.id == "cash_insert" and acceptor.escrow_cents == 58_000
    assert "$4.99" in refused.render(Register.STANDARD)
    assert "$4.99" in refused.render(Register.SIMPLE) and "$4.99" in refused.render(Register.TTY)
    d.say("1", "1", "1", "1", "done")
    review = d.prompt
    paid = "five hundred and eighty-four dollars" if register is Register.SPOKEN else "$584.00"
    assert review.id == "pay_review" and paid in review.render(register)
    result = d.say("yes")
    assert result.id == "pay_result", result.render(Register.STANDARD)
    assert acceptor.escrow_cents == 0  # all stacked: nothing came back on the way out


def test_the_most_payable_is_the_services_rule(services) -> None:  # type: ignore[no-untyped-def]
    """The slot and the review ask the same rule: the payment service's."""
    payments, acceptor = services.payments, services.cash_acceptor()
    assert payments.most_payable("40152270") == 8_499 + 50_000
    for _ in range(5):
        payments.accept_bill("40152270", acceptor, 10_000)
    with pytest.raises(InvalidAmount) as refused:
        payments.accept_bill("40152270", acceptor, 10_000)
    assert "at most $84.99 more" in refused.value.message
    assert acceptor.escrow_cents == 50_000  # nothing held for the refused bill
    with pytest.raises(InvalidAmount):  # the amount check at the review: the same bound
        payments.check_amount("40152270", 58_500)
    payments.check_amount("40152270", 58_499)
    acceptor.eject()


@pytest.mark.parametrize("register", REGISTERS)
def test_the_cash_step_says_the_most_that_may_go_in(driver, services, register) -> None:  # type: ignore[no-untyped-def]
    """The cash step never said the limit: a customer learned it only from a bill handed
    back. It says the most that may still go in, and counts it down as bills go in."""
    d = driver(register)
    d.sign_in("ava")  # owes $84.99; at most $500.00 may be left as credit: $584.99
    d.choose("pay")
    d.say(d.prompt.choices[0].key)  # the full balance
    d.choose("cash")
    assert d.prompt.id == "cash_insert"
    most = {
        Register.SPOKEN: "five hundred and eighty-four dollars and ninety-nine cents more",
        Register.TTY: "MOST $584.99 MORE",
    }.get(register, "at most $584.99 more")
    assert most in d.prompt.help.in_register(register), d.prompt.help.in_register(register)
    assert ("Most you can put in", "$584.99") in d.prompt.details
    d.say("20")
    assert ("Most you can put in", "$564.99") in d.prompt.details
    d.say("help")
    said = d.prompt.render(register)
    assert "564.99" in said or "five hundred and sixty-four" in said, said
