"""Misheard answers: every option again, then the keypad and a person, then a person called."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.conversation.prompt import Register
from kiosk.store.models import ServiceRequest


def test_two_misses_offer_the_keypad_and_a_person_and_three_call_a_worker(
    driver, sqlite_store
) -> None:
    talk = driver(Register.SPOKEN)
    talk.sign_in("ava")
    conversation = talk.conversation
    first = conversation.missed()
    assert first.id == "menu" and first.error is not None
    assert first.error.spoken.startswith("Sorry, I did not catch that.")
    assert "keypad" not in first.error.spoken and "press 0" not in first.error.spoken
    assert [c.key for c in first.choices] == ["1", "2", "3", "4", "5", "6", "7"]  # all listed
    second = conversation.missed()
    assert second.id == "menu" and second.error is not None
    assert "on the keypad" in second.error.spoken and "press 0" in second.error.spoken
    third = conversation.missed()
    assert third.id == "person_done"
    assert third.notice is not None and "store worker" in third.notice.spoken
    with sqlite_store.sessions() as session:
        asked = session.scalars(select(ServiceRequest)).all()
    assert [(r.kind, r.contact_preference) for r in asked] == [("representative", "associate_now")]


def test_a_miss_on_a_number_says_how_to_give_it_and_a_new_step_starts_the_count_again(
    driver,
) -> None:
    talk = driver(Register.SPOKEN)
    talk.choose("start")
    conversation = talk.conversation
    error = conversation.missed().error
    assert error is not None and "say the numbers one by one" in error.standard
    assert "type them on the keypad" in error.standard
    conversation.answer("40152270")  # the ZIP step: its own count
    after = conversation.missed()
    assert after.id == "verify_zip" and after.error is not None
    assert "press 0" not in after.error.standard
    assert after.error.tty.endswith("GA")


def test_typed_mistakes_and_misses_share_one_count(driver) -> None:
    talk = driver(Register.SPOKEN)
    talk.sign_in("ava")
    talk.say("99")  # no such choice
    assert talk.conversation.missed().id == "menu"
    assert talk.conversation.missed().id == "person_done"
