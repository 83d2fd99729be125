"""What the voice channel says: short, most important first, each way of answering taught
once, and never without the amount, the read-back or the privacy notice."""

from __future__ import annotations

from kiosk.channels.voice_wording import (
    offer_choices,
    prompt_speech,
    readback_question,
)
from kiosk.conversation.prompt import AnswerKind, Prompt
from kiosk.conversation.steps.base import choice
from kiosk.conversation.wording import w

WELCOME = Prompt(
    id="welcome",
    text=w("Welcome. Here you can pay your bill. Choose how you want to use the kiosk."),
    kind=AnswerKind.CHOICE,
    help=w("Press 1 to start."),
    choices=(
        choice("start", "1", "Start", synonyms=("begin",)),
        choice("large", "2", "Large text", synonyms=("large",)),
        choice("contrast", "3", "High contrast", synonyms=("contrast",)),
        choice("simple", "4", "Simple mode", synonyms=("easy", "simple")),
    ),
)

METHOD = Prompt(
    id="pay_method",
    text=w("You are paying $84.99. How do you want to pay?"),
    kind=AnswerKind.CHOICE,
    help=w("A card goes in the card reader."),
    choices=(
        choice("card", "1", "Card", synonyms=("credit", "debit")),
        choice("cash", "2", "Cash", synonyms=("money",)),
        choice("bank", "3", "Bank account", synonyms=("check", "checking")),
    ),
    sensitive=True,
)

REVIEW = Prompt(
    id="pay_review",
    text=w(
        "Please check. You will pay $84.99 by card for account ending 2270, with no fee. "
        "Is this right? Then use the card reader."
    ),
    kind=AnswerKind.YES_NO,
    help=w("Press 1 to pay now."),
    sensitive=True,
    details=(("Amount", "$84.99"), ("Fee", "$0.00")),
)


def test_choices_are_offered_once_as_phrase_and_key() -> None:
    assert offer_choices(METHOD.choices, shortest=True) == "Card 1, cash 2, bank account 3."
    speech = prompt_speech(WELCOME, "brief")
    assert "Start 1, simple mode 4." in speech.public
    assert "press 1" not in speech.public.replace("Say or press", "")
    assert "Large" not in speech.public and "contrast" not in speech.public  # no screen
    assert "Choose how you want to use the kiosk" not in speech.public  # screen wording


def test_each_way_of_answering_is_taught_once_in_brief_and_always_in_full() -> None:
    first = prompt_speech(WELCOME, "brief")
    assert first.public.count("Say or press:") == 1 and first.taught == {"choice"}
    later = prompt_speech(METHOD, "brief", taught=first.taught)
    assert later.public == "Card 1, cash 2, bank account 3."
    full = prompt_speech(METHOD, "full", taught=first.taught)
    assert full.public.startswith("Say or press:") and "Step" not in full.public
    question, taught = readback_question("40152270", private=False)
    assert question.endswith("Say yes or press 1. Say no or press 2.") and taught == {"yes_no"}
    again, _ = readback_question("72201", private=False, taught=taught)
    assert again == "I heard seven two two zero one. Is that right?"


def test_digits_are_read_back_in_the_groups_people_know_them_in() -> None:
    def heard(digits: str) -> str:
        return readback_question(digits, private=False, taught={"yes_no"})[0]

    assert heard("40152270") == "I heard four zero one five, two two seven zero. Is that right?"
    phone = "five zero one, five five five, zero one zero one"
    assert heard("5015550101") == f"I heard {phone}. Is that right?"
    assert heard("15015550101") == f"I heard one, {phone}. Is that right?"
    assert heard("2468") == "I heard two four six eight. Is that right?"


def test_required_content_stays_in_brief_speech() -> None:
    review = prompt_speech(REVIEW, "brief", taught={"yes_no"})
    # The amount read back, in words, and how to answer where money moves.
    assert "eighty-four dollars and ninety-nine cents by card" in review.private
    assert "Fee:" not in review.private  # "with no fee" already says it
    assert review.public == "Say yes to pay, or no to change it."
    # Personal details stay in the private part; without a headset the question stands.
    method = prompt_speech(METHOD, "brief")
    assert "eighty-four" not in method.public and method.question == "How do you want to pay?"
    assert readback_question("2468", private=True)[0].startswith("I heard 4 numbers.")


def test_brief_is_much_shorter_than_full() -> None:
    words = {
        verbosity: sum(
            len(prompt_speech(p, verbosity).full.split()) for p in (WELCOME, METHOD, REVIEW)
        )
        for verbosity in ("brief", "full")
    }
    assert words["brief"] < 0.75 * words["full"]


def test_an_amount_said_twice_running_is_said_once() -> None:
    bill = Prompt(
        id="menu",
        text=w("Hello, Ava. What would you like to do?"),
        kind=AnswerKind.CHOICE,
        help=w("Choose one."),
        notice=w("Ava, you owe $84.99 in total. $84.99 is due on December 5."),
        sensitive=True,
    )
    said = prompt_speech(bill, "brief").private
    assert said.count("eighty-four dollars") == 1 and "It is due on December 5." in said
    other = Prompt(
        id="x",
        text=w("Your card is ready. Your balance is $0.00."),
        kind=AnswerKind.NONE,
        help=w("Say next."),
        notice=w("Your balance was $5.00. Your balance is $0.00 now."),
    )
    assert "It " not in prompt_speech(other, "brief").public  # only a repeated amount
