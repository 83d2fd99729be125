"""Confirm by risk and by how sure the recognizer was (kiosk.conversation.risk)."""

from __future__ import annotations

import pytest

from kiosk.conversation.prompt import AnswerKind, Prompt
from kiosk.conversation.risk import CHOICE_MARGIN, MONEY_YES_MARGIN, Check, spoken_check
from kiosk.conversation.step_ids import StepId
from kiosk.conversation.steps.base import choice
from kiosk.conversation.wording import w

MENU = Prompt(
    StepId.MENU,
    w("What would you like to do?"),
    AnswerKind.CHOICE,
    w("Help"),
    choices=(choice("pay", "2", "Pay my bill"), choice("plan", "3", "Set up a payment plan")),
)
REVIEW = Prompt(
    StepId.PAY_REVIEW, w("Pay $84.99?"), AnswerKind.YES_NO, w("Help"), confirms_money=True
)


def never_asked() -> float:
    raise AssertionError("the margin is decoded only for a risky answer")


@pytest.mark.parametrize(
    ("prompt", "value"),
    [(MENU, "pay"), (MENU, "person"), (MENU, "back"), (REVIEW, False)],
)
def test_navigation_and_a_no_are_taken_without_decoding_again(prompt, value) -> None:
    assert spoken_check(prompt, value, never_asked) is Check.TAKE


def test_a_commitment_is_read_back_unless_the_recognizer_was_sure() -> None:
    assert spoken_check(MENU, "plan", lambda: None) is Check.CONFIRM  # no margin: never sure
    assert spoken_check(MENU, "plan", lambda: CHOICE_MARGIN) is Check.CONFIRM
    assert spoken_check(MENU, "plan", lambda: CHOICE_MARGIN + 0.1) is Check.TAKE
    never_sure = {"choice_margin": float("inf")}
    assert spoken_check(MENU, "plan", lambda: float("inf"), **never_sure) is Check.CONFIRM


def test_a_yes_that_moves_money_needs_a_wide_margin_or_the_keypad() -> None:
    assert spoken_check(REVIEW, True, lambda: None) is Check.KEYPAD
    assert spoken_check(REVIEW, True, lambda: MONEY_YES_MARGIN - 0.1) is Check.KEYPAD
    assert spoken_check(REVIEW, True, lambda: float("inf")) is Check.TAKE
    plain = Prompt("confirm", w("Is that right?"), AnswerKind.YES_NO, w("Help"))
    assert spoken_check(plain, True, never_asked) is Check.TAKE
