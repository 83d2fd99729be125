"""Nothing a user types can crash the engine or charge without a confirmed review."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.store.models import PaymentAttempt

USEFUL = [
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "0",
    "*",
    "#",
    "yes",
    "no",
    "help",
    "back",
    "repeat",
    "cancel",
    "start over",
    "more time",
    "person",
    "louder",
    "done",
    "20",
    "40152270",
    "72201",
    "2468",
    "40152274",
    "73301",
    "1111",
    "021000021",
    "12345678",
    "10.51",
    "42.50",
    "forty two fifty",
    "$0.00",
    "-5",
    "1e9",
    "",
    " ",
    "ava@example.com",
]
ANSWERS = st.one_of(
    st.sampled_from(USEFUL),
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    register=st.sampled_from([Register.STANDARD, Register.SIMPLE, Register.TTY]),
    answers=st.lists(ANSWERS, min_size=5, max_size=40),
)
def test_random_answers_never_crash_or_charge_unconfirmed(services, register, answers):
    conversation = Conversation(services, register)
    with services.store.sessions() as session:
        before = session.scalar(select(func.count(PaymentAttempt.id)))
    confirmed_reviews = 0
    for raw in answers:
        at_review = conversation.prompt.id == "pay_review"
        prompt = conversation.answer(raw)
        if at_review and raw.strip().lower() in ("yes", "1"):
            confirmed_reviews += 1
        rendered = prompt.render(register)
        assert rendered.strip()
        assert "something went wrong on our side" not in rendered.lower(), (raw, rendered)
    with services.store.sessions() as session:
        after = session.scalar(select(func.count(PaymentAttempt.id)))
    assert after - before <= confirmed_reviews
