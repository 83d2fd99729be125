"""A prompt's speech grammar, and a heard answer turned into what the engine reads.

Each step listens only for its own answers (choices with their synonyms and keys, yes or
no, exactly as many digits as the step needs, amounts) plus the global commands, which
is what makes a small embedded recognizer accurate enough.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from num2words import num2words

from kiosk.channels.voice_wording import label_phrase
from kiosk.conversation.prompt import AnswerKind, Choice, Prompt
from kiosk.speech.grammar import SpokenAnswer, StepGrammar, build_grammar, normalise
from kiosk.speech.numbers import digits_to_words

__all__ = [
    "COMMAND_TEXT",
    "DIGIT_LENGTHS",
    "NEXT_WORDS",
    "engine_text",
    "grammar_for",
    "other_choices",
]

NEXT_WORDS = ("next", "continue", "okay", "go on")

#: Digit steps with several right lengths, by prompt id (their prompts give no single
#: ``digits_length``): what the step's handler takes
#: (:func:`kiosk.services.verification.normalise_identifier`): an 8-digit account
#: number or a 10-digit phone number. Its third form, 11 digits with the country code 1,
#: is for typing only: allowed in the grammar it turned 4 of 36 spoken phone numbers
#: into 11 digits (pocketsphinx, 6 espeak-ng voices x 3 rates; 26/36 right without it).
DIGIT_LENGTHS: dict[str, tuple[int, ...]] = {"verify_id": (8, 10)}

#: Carrier phrases of one step, on top of those of its answer kind
#: (:data:`kiosk.speech.grammar.LEADS`): "my zip code is seven two two oh one".
STEP_LEADS: dict[str, tuple[str, ...]] = {
    "verify_id": (
        "my account number is",
        "my account is",
        "the account number is",
        "account number",
        "my phone number is",
        "my number is",
        "phone number",
    ),
    "verify_zip": ("my zip code is", "my zip is", "the zip code is", "zip code", "zip"),
    "pay_method": (
        "by",
        "with",
        "with my",
        "by my",
        "pay by",
        "pay with",
        "i'll pay by",
        "i'll pay with",
        "i'll pay with my",
        "i'd like to pay by",
        "i'd like to pay with",
    ),
    "dispute_pick": ("the", "it's the", "i think the"),
}
STEP_TAILS: dict[str, tuple[str, ...]] = {"dispute_pick": ("charge", "one")}

#: Speech-grammar command values -> words the conversation engine reads as commands.
COMMAND_TEXT = {
    "help": "help",
    "repeat": "repeat",
    "back": "go back",
    "start_over": "start over",
    "cancel": "cancel",
    "more_time": "more time",
    "person": "person",
    "louder": "louder",
    "softer": "softer",
    "faster": "faster",
    "slower": "slower",
}


def grammar_for(prompt: Prompt) -> StepGrammar:
    """The step's grammar: what may be said on ``prompt``, global commands included."""
    leads, tails = STEP_LEADS.get(prompt.id, ()), STEP_TAILS.get(prompt.id, ())
    if prompt.kind is AnswerKind.YES_NO:
        return build_grammar("yesno", leads=leads, tails=tails)
    if prompt.kind is AnswerKind.DIGITS:
        if prompt.digits_length is None:
            lengths = DIGIT_LENGTHS.get(prompt.id, ())
            return build_grammar("digits", lengths=lengths, leads=leads, tails=tails)
        return build_grammar("digits", length=prompt.digits_length, leads=leads, tails=tails)
    if prompt.kind is AnswerKind.AMOUNT:
        return build_grammar("amount", leads=leads, tails=tails)
    if prompt.choices and prompt.kind in (AnswerKind.CHOICE, AnswerKind.NONE):
        choices: dict[str, list[str]] = {}
        for choice in prompt.choices:
            spoken = [*_label_forms(choice), *choice.synonyms]
            if choice.key.isdigit():
                word = digits_to_words(choice.key)
                spoken += [word, f"number {word}", f"option {word}"]
            choices[choice.key] = [p for p in (normalise(s) for s in spoken) if p]
        return build_grammar("choice", _unshared(choices), leads=leads, tails=tails)
    if prompt.kind is AnswerKind.NONE:
        return build_grammar("choice", {"next": list(NEXT_WORDS)})
    return build_grammar("commands")


def _label_forms(choice: Choice) -> list[str]:
    """A label as it can be said: numbers in words ("internet one hundred": a figure
    has no pronunciation, so "Internet 100" was left out of the grammar and "internet"
    was heard as the key word "three"), and without them ("internet")."""
    phrase = label_phrase(choice)
    words = phrase.split()
    if not any(word.isdigit() for word in words):
        return [phrase]
    spelled = " ".join(num2words(int(word)) if word.isdigit() else word for word in words)
    bare = " ".join(word for word in words if not word.isdigit())
    return [normalise(spelled), bare]


def _unshared(choices: dict[str, list[str]]) -> dict[str, list[str]]:
    """Drop a phrase that two choices share ("internet" of "Internet 100" and
    "Internet 300"): it would choose one of them by chance."""
    seen: dict[str, int] = {}
    for phrases in choices.values():
        for phrase in set(phrases):
            seen[phrase] = seen.get(phrase, 0) + 1
    return {key: [p for p in phrases if seen[p] == 1] for key, phrases in choices.items()}


def other_choices(grammar: StepGrammar, refused: Iterable[str]) -> StepGrammar | None:
    """The step's grammar without the ``refused`` choices (keys) and the commands: where
    the next-best choice is looked for after a "no". None when no choice is left."""
    out = set(refused)
    rest = {p: v for p, v in grammar.phrases.items() if v not in out and ":" not in v}
    return dataclasses.replace(grammar, phrases=rest) if rest else None


def engine_text(prompt: Prompt, answer: SpokenAnswer) -> str:
    """What to pass to ``Conversation.answer`` for a heard answer.

    Choices go as their key, amounts as figures, commands as the engine's words, so the
    engine parses speech exactly like keypad input.
    """
    if answer.kind == "command":
        return COMMAND_TEXT.get(str(answer.value), str(answer.value))
    if answer.kind == "yesno":
        return "yes" if answer.value else "no"
    if answer.kind == "amount":
        cents = int(answer.value)
        return f"{cents // 100}.{cents % 100:02d}"
    if answer.kind == "choice" and prompt.kind is AnswerKind.NONE and not prompt.choices:
        return "next"
    return str(answer.value)
