"""What the voice channel says for a prompt: the Spoken register plus how to answer.

A listener cannot glance back at a screen, so each prompt is read as: error, notice,
step number, the question, the rows a screen would show (when the question does not
already say them), then one line per choice ("Pay my bill: say pay, or press 2") and a
hint for the answer kind. Brief verbosity drops the step number and the hints and lists
choices compactly. Private (sensitive) parts are kept apart so the channel can send them
to the headset only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from kiosk.accessibility.announcer import is_personal
from kiosk.conversation.prompt import AnswerKind, Choice, Prompt, Register
from kiosk.conversation.wording import spoken
from kiosk.speech.grammar import normalise
from kiosk.speech.numbers import digits_to_words

__all__ = [
    "HEADSET_NEEDED",
    "KeyWord",
    "PromptSpeech",
    "choice_phrase",
    "label_phrase",
    "not_caught",
    "prompt_speech",
    "readback",
]

HEADSET_NEEDED = "Please put on the headset to hear your account details."
_AMOUNT_TEXT = re.compile(r"\$\s?\d[\d,]*(?:\.\d{2})?")
KeyWord = Callable[[str], bool]  # does the recognizer know this word?


def label_phrase(choice: Choice) -> str:
    """A choice's label as a short phrase to say: its first clause, no amounts."""
    first = choice.label.standard.split(",")[0]
    return normalise(_AMOUNT_TEXT.sub(" ", first))


def choice_phrase(choice: Choice, known: KeyWord | None = None) -> str:
    """The phrase to offer for a choice: the label if short, else the shortest synonym.

    Only phrases whose words the recognizer knows are offered (when ``known`` is given),
    so the kiosk never invites an answer it cannot hear.
    """
    candidates = [label_phrase(choice)] + [normalise(s) for s in choice.synonyms]
    usable = [c for c in candidates if c and (known is None or all(map(known, c.split())))]
    if not usable:
        return ""
    label = usable[0] if usable[0] == candidates[0] else ""
    if label and len(label.split()) <= 3:
        return label
    return min(usable, key=lambda phrase: (len(phrase.split()), len(phrase)))


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!:" else text + "."


def _choice_lines(prompt: Prompt, brief: bool, known: KeyWord | None, private: bool) -> list[str]:
    lines = []
    for choice in prompt.choices:
        label = choice.label.spoken if not private else label_phrase(choice).capitalize()
        phrase = choice_phrase(choice, known)
        if brief:
            lines.append(f"{phrase or label}, {choice.key}.")
        elif phrase:
            lines.append(f"{_sentence(label)[:-1]}: say {phrase}, or press {choice.key}.")
        else:
            lines.append(f"{_sentence(label)[:-1]}: press {choice.key}.")
    return lines


def _kind_hint(prompt: Prompt) -> str:
    if prompt.kind is AnswerKind.DIGITS:
        if prompt.private:
            return "For privacy, type it on the keypad, then press Enter."
        return "Say the numbers one by one, or type them on the keypad, then press Enter."
    if prompt.kind is AnswerKind.AMOUNT:
        return "Say an amount, like forty two dollars and fifty cents, or type it, like 42.50."
    if prompt.kind is AnswerKind.YES_NO:
        return "Say yes or press 1. Say no or press 2."
    if prompt.kind is AnswerKind.NONE and not prompt.choices:
        return "Say next, or press Enter."
    if prompt.kind is AnswerKind.TEXT:
        return "Please type your answer on the keypad, or say person for help."
    return ""


class PromptSpeech:
    """A prompt's speech in parts: ``public`` may go on the speaker, ``private`` not."""

    def __init__(self, public: str, private: str, question: str) -> None:
        self.public = public
        self.private = private
        self.question = question  # what to say when the private part cannot be heard

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.private, self.public) if p)


def prompt_speech(
    prompt: Prompt, verbosity: str = "full", known: KeyWord | None = None
) -> PromptSpeech:
    """Split a prompt's speech into what is personal and what can be heard by anyone.

    Args:
        prompt: the step to read.
        verbosity: "full" (step number, choices in sentences, hints) or "brief".
        known: the recognizer's dictionary check, to offer only words it can hear.
    """
    brief = verbosity == "brief"
    personal = is_personal(prompt)
    head: list[str] = []
    if prompt.error is not None:
        head.append(spoken(prompt.error.spoken))
    if prompt.notice is not None:
        head.append(spoken(prompt.notice.spoken))
    step = ""
    if not brief and prompt.step and prompt.total_steps:
        step = f"Step {prompt.step} of {prompt.total_steps}."
    text = spoken(prompt.text.in_register(Register.SPOKEN)).replace("\n", " ")
    said = prompt.render(Register.STANDARD)
    rows = [
        f"{label}: {spoken(value)}."
        for label, value in prompt.details
        if value not in said and spoken(value) not in text
    ]
    tail = _choice_lines(prompt, brief, known, private=False)
    hint = "" if brief or prompt.end_of_session else _kind_hint(prompt)
    if not personal:
        public = " ".join(p for p in [*head, step, text, *rows, *tail, hint] if p)
        return PromptSpeech(public=public, private="", question="")
    # Personal data (name, balance, confirmation number) goes to the headset only; the
    # way to answer is not personal, but choice labels may hold amounts.
    private = " ".join(p for p in [*head, step, text, *rows] if p)
    public_tail = _choice_lines(prompt, brief, known, private=True)
    question = _question(prompt)
    return PromptSpeech(
        public=" ".join(p for p in [*public_tail, hint] if p),
        private=private,
        question=question,
    )


def _question(prompt: Prompt) -> str:
    """The non-personal question of a personal step: its last sentence if it asks one."""
    text = prompt.text.standard.replace("\n", " ")
    sentences = re.split(r"(?<=[.?!])\s+", text)
    asked = [s for s in sentences if s.endswith("?") and not _AMOUNT_TEXT.search(s)]
    if asked:
        return re.sub(r"^(Hello|Hi),? [A-Z][a-z]+[.!,]?\s*", "", asked[-1])
    return {
        AnswerKind.CHOICE: "Please choose an option.",
        AnswerKind.YES_NO: "Please answer yes or no.",
        AnswerKind.NONE: "",
    }.get(prompt.kind, "")


def not_caught(prompt: Prompt, known: KeyWord | None = None, limit: int = 4) -> str:
    """The reply to out-of-grammar speech: what can be said, and which key to press."""
    offers: list[str] = []
    if prompt.kind in (AnswerKind.CHOICE, AnswerKind.NONE) and prompt.choices:
        for choice in prompt.choices[:limit]:
            phrase = choice_phrase(choice, known)
            offers.append(f"{phrase}, or press {choice.key}" if phrase else f"press {choice.key}")
        return "Sorry, I did not catch that. You can say " + "; ".join(offers) + "."
    how = {
        AnswerKind.YES_NO: "You can say yes or no, or press 1 for yes and 2 for no.",
        AnswerKind.DIGITS: "You can say the numbers one by one, or type them on the keypad "
        "and press Enter.",
        AnswerKind.AMOUNT: "You can say an amount, like forty two fifty, or type it on the "
        "keypad and press Enter.",
        AnswerKind.NONE: "You can say next, or press Enter.",
        AnswerKind.TEXT: "You can type your answer on the keypad, or say person.",
    }.get(prompt.kind, "You can say help, or press 0 for a person.")
    return f"Sorry, I did not catch that. {how}"


def readback(digits: str, private: bool) -> str:
    """The confirmation question for digits heard by speech (never the PIN aloud)."""
    if private:
        return f"I heard {len(digits)} numbers. Is that right?"
    return f"I heard {digits_to_words(digits, group=4)}. Is that right?"


def spoken_choices(choices: Sequence[Choice]) -> list[str]:
    """Every phrase a listener may say for each choice (for tests and help)."""
    return [label_phrase(choice) for choice in choices]
