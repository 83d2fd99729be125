"""Step grammars: phrase lists, JSGF, fuzzy correction and rejection."""

import pytest

from kiosk.speech.grammar import build_grammar, build_phrases, correct

MENU = {
    "pay": ["pay my bill", "make a payment"],
    "balance": ["hear my balance"],
    "dispute": ["dispute a charge"],
}


def test_build_phrases_has_choices_and_commands() -> None:
    phrases = build_phrases("choice", MENU)
    assert "pay my bill" in phrases and "hear my balance" in phrases
    for command in ("help", "repeat", "go back", "start over", "cancel", "more time"):
        assert command in phrases
    assert {"person", "agent", "representative", "louder", "softer", "faster", "slower"} <= set(
        phrases
    )


def test_digit_grammar_is_fixed_length() -> None:
    jsgf = build_grammar("digits", length=4).to_jsgf()
    assert "<digits> = <digit> <digit> <digit> <digit>;" in jsgf
    assert "oh" in build_phrases("digits", length=5)


def test_a_digit_grammar_may_allow_several_lengths() -> None:
    """The sign-in takes an account number (8) or a phone number (10): exactly those."""
    account = build_grammar("digits", lengths=(10, 8))
    assert "<digits> = " + " ".join(["<digit>"] * 8) + " | " in account.to_jsgf()
    assert account.digit_lengths == (8, 10)
    assert account.interpret("four zero one five two two seven") is None
    eight = account.interpret("four zero one five two two seven zero")
    ten = account.interpret("five zero one five five five zero one zero one")
    assert eight is not None and ten is not None and ten.value == "5015550101"
    assert account.could_grow(eight) and not account.could_grow(ten)  # 10 may follow 8
    assert not build_grammar("digits", length=4).could_grow(eight)
    with pytest.raises(ValueError):
        build_grammar("digits", length=8, lengths=(8, 10))


def test_unknown_kind_and_empty_menu_are_refused() -> None:
    with pytest.raises(ValueError):
        build_grammar("poem")
    with pytest.raises(ValueError):
        build_grammar("choice", {})


@pytest.mark.parametrize(
    ("heard", "phrase"),
    [
        ("pay my bill", "pay my bill"),
        ("pay my bills", "pay my bill"),
        ("Pay my bill, please", "pay my bill"),
        ("hear my balanse", "hear my balance"),
        ("I want pizza", None),
        ("", None),
    ],
)
def test_correct_to_nearest_or_reject(heard: str, phrase: str | None) -> None:
    assert correct(heard, ["pay my bill", "hear my balance", "dispute a charge"]) == phrase


@pytest.mark.parametrize(
    ("kind", "heard", "value"),
    [
        ("choice", "make a payment", "pay"),
        ("yesno", "yeah", True),
        ("yesno", "nope", False),
        ("amount", "forty two fifty", 4250),
        ("digits", "two four six eight", "2468"),
    ],
)
def test_interpret_answers(kind: str, heard: str, value: object) -> None:
    grammar = build_grammar(
        kind, MENU if kind == "choice" else None, 4 if kind == "digits" else None
    )
    answer = grammar.interpret(heard)
    assert answer is not None and answer.value == value and answer.kind == kind


def test_commands_work_on_every_step_and_wrong_lengths_are_rejected() -> None:
    pin = build_grammar("digits", length=4)
    answer = pin.interpret("representative")
    assert answer is not None and (answer.kind, answer.value) == ("command", "person")
    assert pin.interpret("one two three") is None
    assert build_grammar("amount").interpret("banana split") is None


def test_amount_grammar_takes_cents_digit_by_digit_after_point() -> None:
    amount = build_grammar("amount")
    assert "point <cent_digit> <cent_digit>" in amount.to_jsgf()
    assert not amount.outside_vocabulary("a hundred point oh five")
    answer = amount.interpret("forty two point five oh")
    assert answer is not None and answer.value == 4250
    assert amount.interpret("forty two point five oh six") is None
