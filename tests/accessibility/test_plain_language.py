from __future__ import annotations

import pytest

from kiosk.accessibility.plain_language import (
    GRADE_LIMITS,
    ProblemKind,
    check,
    grade_level,
)
from kiosk.conversation.prompt import Register

GOOD_SIMPLE = [
    "Do you want to pay now? Press 1 for yes. Press 2 for no.",
    "Type your account number. It is on the top of your bill.",
    "You owe $215.40. Of that, $95.00 is late. Pay the late part to keep your phone on.",
    "We could not find that number. Look at your bill and try again.",
]
GOOD_STANDARD = [
    "Enter your account number or the phone number on your bill, then press Enter.",
    "Choose how to pay: card, bank account, or cash. We show any fee before you confirm.",
    "Your balance is $215.40, and $95.00 of it is past due. Paying the past-due part keeps "
    "your service on.",
]
HARD = (
    "Your payment arrangement has been verified and the delinquent balance will be remitted "
    "in accordance with the installment schedule, notwithstanding prior correspondence."
)


@pytest.mark.parametrize("text", GOOD_SIMPLE)
def test_good_simple_text_passes(text: str) -> None:
    assert grade_level(text, Register.SIMPLE) <= GRADE_LIMITS[Register.SIMPLE]
    assert check(text, Register.SIMPLE) == []


@pytest.mark.parametrize("text", GOOD_STANDARD)
def test_good_standard_text_passes(text: str) -> None:
    assert check(text, Register.STANDARD) == []


def test_hard_text_fails_both_registers_with_reasons() -> None:
    assert grade_level(HARD) > 12
    standard = check(HARD, Register.STANDARD)
    assert {p.kind for p in standard} >= {ProblemKind.GRADE, ProblemKind.AVOID_WORD}
    simple = check(HARD, Register.SIMPLE)
    kinds = {p.kind for p in simple}
    assert {ProblemKind.GRADE, ProblemKind.SENTENCE_LENGTH, ProblemKind.AVOID_WORD} <= kinds
    suggestions = {p.word.lower(): p.suggestion for p in simple if p.kind is ProblemKind.AVOID_WORD}
    assert suggestions["arrangement"] == "plan"
    assert suggestions["verified"] == "check"
    assert suggestions["delinquent"] == "late"


def test_amounts_and_codes_do_not_raise_the_grade() -> None:
    with_numbers = "Your bill is $1,284.99. Type your PIN and ZIP, then press 1."
    without = "Your bill is ten. Type your code and code, then press ten."
    assert grade_level(with_numbers) == pytest.approx(grade_level(without), abs=0.01)


def test_spoken_numbers_and_tty_signals_are_not_prose() -> None:
    spoken = "You owe two hundred fifteen dollars and forty cents. Pay it today."
    assert check(spoken, Register.SPOKEN) == []
    tty = "YOUR BILL IS 84.99 DLRS. IT IS DUE MARCH 5. PAY NOW Q GA"
    assert grade_level(tty, Register.TTY) <= GRADE_LIMITS[Register.TTY]


def test_short_labels_skip_the_grade_but_not_the_word_checks() -> None:
    assert check("Pay my bill", Register.SIMPLE) == []
    problems = check("Verify identity", Register.SIMPLE)
    assert [p.suggestion for p in problems if p.kind is ProblemKind.AVOID_WORD] == ["check"]


def test_long_words_in_simple_register_but_names_are_exempt() -> None:
    problems = check("Hello Anastasia. Read the information.", Register.SIMPLE)
    assert [p.word for p in problems if p.kind is ProblemKind.LONG_WORD] == ["information"]
    assert check("Read the information.", Register.SIMPLE, allowed=frozenset({"information"})) == []


def test_standard_register_allows_ordinary_words_the_simple_one_avoids() -> None:
    text = "Select a payment arrangement."
    assert check(text, Register.STANDARD) == []
    assert {p.word for p in check(text, Register.SIMPLE)} == {"Select", "arrangement"}
