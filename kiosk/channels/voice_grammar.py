"""A prompt's speech grammar, and a heard answer turned into what the engine reads.

Each step listens only for its own answers (choices with their synonyms and keys, yes or
no, exactly as many digits as the step needs, amounts) plus the global commands, which
is what makes a small embedded recognizer accurate enough.
"""

from __future__ import annotations

from kiosk.channels.voice_wording import label_phrase
from kiosk.conversation.prompt import AnswerKind, Prompt
from kiosk.speech.grammar import SpokenAnswer, StepGrammar, build_grammar, normalise
from kiosk.speech.numbers import digits_to_words

__all__ = ["COMMAND_TEXT", "DIGIT_LENGTHS", "NEXT_WORDS", "engine_text", "grammar_for"]

NEXT_WORDS = ("next", "continue", "okay", "go on")

#: Digit steps with several right lengths, by prompt id (their prompts give no single
#: ``digits_length``): what the step's handler takes
#: (:func:`kiosk.services.verification.normalise_identifier`): an 8-digit account
#: number or a 10-digit phone number. Its third form, 11 digits with the country code 1,
#: is for typing only: allowed in the grammar it turned 4 of 36 spoken phone numbers
#: into 11 digits (pocketsphinx, 6 espeak-ng voices x 3 rates; 26/36 right without it).
DIGIT_LENGTHS: dict[str, tuple[int, ...]] = {"verify_id": (8, 10)}

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
    if prompt.kind is AnswerKind.YES_NO:
        return build_grammar("yesno")
    if prompt.kind is AnswerKind.DIGITS:
        if prompt.digits_length is None:
            return build_grammar("digits", lengths=DIGIT_LENGTHS.get(prompt.id, ()))
        return build_grammar("digits", length=prompt.digits_length)
    if prompt.kind is AnswerKind.AMOUNT:
        return build_grammar("amount")
    if prompt.choices and prompt.kind in (AnswerKind.CHOICE, AnswerKind.NONE):
        choices: dict[str, list[str]] = {}
        for choice in prompt.choices:
            spoken = [label_phrase(choice), *choice.synonyms]
            if choice.key.isdigit():
                word = digits_to_words(choice.key)
                spoken += [word, f"number {word}"]
            choices[choice.key] = [p for p in (normalise(s) for s in spoken) if p]
        return build_grammar("choice", choices)
    if prompt.kind is AnswerKind.NONE:
        return build_grammar("choice", {"next": list(NEXT_WORDS)})
    return build_grammar("commands")


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
