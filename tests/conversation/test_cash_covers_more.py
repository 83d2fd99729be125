"""Bills past the amount chosen: what they really do is said before the yes.

A tester's finding: Carmen (service off) chose the past due, $310.00, and put in
$350.00. The review said "$350.00 does not turn your service back on: that takes
$345.00" and "$40.00 more becomes credit"; after the yes, "$35.00 more turns it back
on" beside a $40.00 credit. A payment that covers the past due and the fee turns service
back on, however its amount was chosen; and only what is left after what is owed is credit.
"""

from __future__ import annotations

import pytest

from kiosk.conversation.prompt import Register
from kiosk.services.billing import ServiceStatus

REGISTERS = [Register.STANDARD, Register.SIMPLE, Register.SPOKEN, Register.TTY]


def _cash(d, bills: list[str]):  # type: ignore[no-untyped-def]
    d.choose("cash")
    for bill in bills:
        d.say(bill)
    assert d.prompt.id == "pay_review", d.prompt.render(Register.STANDARD)
    return d.prompt


@pytest.mark.parametrize("register", REGISTERS)
def test_bills_that_cover_reconnection_turn_service_back_on(driver, services, register) -> None:  # type: ignore[no-untyped-def]
    d = driver(register)
    d.sign_in("carmen")
    d.choose("pay")
    past_due = next(c for c in d.prompt.choices if "$310.00" in c.label.standard)
    d.say(past_due.key)
    review = _cash(d, ["100", "100", "100", "50"])
    before = review.render(register) + " ".join(v for _, v in review.details)
    standard = review.render(Register.STANDARD)
    assert "does not turn your service back on" not in standard
    assert "$35.00 reconnection fee" in standard and "$5.00 of it becomes credit" in standard
    assert "$40.00" not in standard
    assert "24" in before  # when service comes back, in this register too
    result = d.say("yes")
    after = result.render(register) + " ".join(v for _, v in result.details)
    assert result.id == "pay_result"
    assert "still off" not in after.lower() and "STILL OFF" not in after
    assert "$5.00" in after  # the credit left
    standing = services.bills.standing("40152272")
    assert standing.status == ServiceStatus.RECONNECT_PENDING


def test_bills_past_the_amount_are_not_called_credit_while_something_is_owed(driver) -> None:  # type: ignore[no-untyped-def]
    d = driver()
    d.sign_in("ava")  # owes $84.99
    d.choose("pay")
    other = next(c for c in d.prompt.choices if c.value == "other")
    d.say(other.key, "20")
    review = _cash(d, ["50"])
    text = review.render(Register.STANDARD)
    assert "You will pay $50.00" in text
    assert "credit" not in text.lower()
