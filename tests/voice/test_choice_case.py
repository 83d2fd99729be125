"""Speech and its captions offer a choice in its label's own words and case: the review's
"what to change" said "the way i pay 2" (the grammar's lower-case form) in the captions."""

from __future__ import annotations

from kiosk.channels.voice_grammar import grammar_for
from kiosk.channels.voice_wording import not_caught, prompt_speech
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services


def test_a_choice_is_offered_in_its_own_case(sqlite_store):
    conversation = Conversation(Services(sqlite_store), Register.SPOKEN)
    for answer in ("1", "40152270", "72201", "2468", "pay", "1", "card", "no"):
        conversation.answer(answer)
    prompt = conversation.prompt
    assert prompt.id == "pay_change", prompt.id
    for said in (prompt_speech(prompt).full, prompt_speech(prompt, "full").full):
        assert "the way I pay 2" in said, said
        assert "way i pay" not in said
    assert "the way I pay, or press 2" in not_caught(prompt)
    # what is heard is still matched in lower case
    heard = grammar_for(prompt).interpret("the way i pay")
    assert heard is not None and heard.kind == "choice"
