"""Nothing a user types can crash the engine or charge without a confirmed review."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, Table, func, select

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


# ------------------------------------------------------ every typed field
CONTROL = "".join(chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)))
ESCAPES = ["\x1b[2J", "\x1b]0;owned\x07", "\x9b31m", "\x1bc", "\x00", "\r", "\x08\x08", "\x7f"]
TYPED = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
    st.from_regex(r"[0-9 \-$.,+a-z]{0,16}", fullmatch=True),
    st.tuples(
        st.from_regex(r"[0-9 .,$-]{0,10}", fullmatch=True),
        st.sampled_from(ESCAPES),
        st.from_regex(r"[0-9a-z ]{0,10}", fullmatch=True),
    ).map("".join),
)
#: Each typed field, and the answers (after signing in as Ava) that reach it.
FIELDS = {
    "verify_id": ["start"],
    "verify_pin": ["start", "40152270", "72201"],
    "pay_other": ["pay", "other"],
    "bank_account": ["pay", "other", "10.00", "bank", "021000021"],
    "cash_insert": ["pay", "other", "10.00", "cash"],
    "receipt_email": ["pay", "other", "10.00", "card", "yes", "email"],
    "person_phone": ["person", "call_me"],
}


def _rows(services) -> int:  # type: ignore[no-untyped-def]
    """Rows in every table, the audit log included: a refused answer adds none.
    The schema is reflected once per store (reflecting per example was most of the time)."""
    engine = services.store.engine
    if engine not in _TABLES:
        metadata = MetaData()
        metadata.reflect(engine)
        _TABLES[engine] = list(metadata.tables.values())
    with engine.connect() as connection:
        return sum(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in _TABLES[engine]
        )


_TABLES: dict[object, list[Table]] = {}


def _reach(driver, field: str):  # type: ignore[no-untyped-def]
    d = driver()
    steps = FIELDS[field]
    if steps[0] != "start":
        d.sign_in("ava")
    for answer in steps:
        keys = {c.value: c.key for c in d.prompt.choices}
        d.say(keys.get(answer, answer))
    assert d.prompt.id == field, (field, d.prompt.id, d.prompt.render(Register.STANDARD))
    return d


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_typed_field_refuses_junk_without_echo_or_record(driver, services, field):
    """Issue 14: amounts, digits and free text with control and escape characters.
    No crash, no control character (an escape sequence) in anything shown or said
    back, and an answer with one is refused with nothing recorded."""
    at = [_reach(driver, field)]

    @settings(max_examples=40, deadline=None)
    @given(raw=TYPED)
    def check(raw: str) -> None:
        if at[0].prompt.id != field:  # a valid answer (or a command) moved on
            at[0] = _reach(driver, field)
        d = at[0]
        hostile = any(ch in CONTROL for ch in raw)
        before = _rows(services) if hostile else 0
        prompt = d.conversation.answer(raw)
        for register in Register:
            shown = prompt.render(register) + " ".join(v for _, v in prompt.details)
            assert not any(ch in CONTROL for ch in shown.replace("\n", "")), (raw, shown)
        assert "went wrong on our side" not in prompt.render(Register.STANDARD), raw
        if hostile:
            assert _rows(services) == before, raw
            assert prompt.id == field or prompt.error is None, raw  # refused, or a command

    check()
