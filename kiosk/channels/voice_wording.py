"""What the voice channel says for a prompt: short, most important thing first.

A listener cannot glance back at a screen, and every second of speech is a second of
waiting (a talking ATM has taken blind users over eleven minutes). So a prompt is read
as: error, notice, the question, any detail the question does not already say, then the
choices offered once as "phrase key" pairs ("Card 1, cash 2, bank account 3") and,
the first time an answer kind comes up in the session, how to answer it. Screen wording
that misleads a listener ("Enter", "scan the barcode", display modes) is replaced here,
by step id, without touching the engine's text that the screen and TTY channels share.

Two verbosities: "brief" (the default; teaches each way of answering once) and "full"
(step numbers, every hint every time). Amounts, read-backs and privacy notices are the
same in both. Private (sensitive) parts are kept apart so the channel can send them to
the headset only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from kiosk.accessibility.announcer import is_personal
from kiosk.conversation.prompt import AnswerKind, Choice, Prompt, Register
from kiosk.conversation.wording import spoken
from kiosk.money import format_cents
from kiosk.speech.grammar import normalise
from kiosk.speech.numbers import digits_to_words

__all__ = [
    "DEFAULT_VERBOSITY",
    "HEADSET_NEEDED",
    "KeyWord",
    "PromptSpeech",
    "choice_phrase",
    "label_phrase",
    "not_caught",
    "offer_choices",
    "prompt_speech",
    "readback",
    "readback_question",
]

DEFAULT_VERBOSITY = "brief"
HEADSET_NEEDED = "Please put on the headset to hear your account details."
YES_NO_KEYS = "Say yes or press 1. Say no or press 2."
_AMOUNT_TEXT = re.compile(r"\$\s?\d[\d,]*(?:\.\d{2})?")
_DATE_TEXT = re.compile(r" on [A-Z][a-z]+ \d{1,2}, \d{4}")
KeyWord = Callable[[str], bool]  # does the recognizer know this word?

#: Choices that only change the screen: offered on screen, not by voice (still heard).
SCREEN_ONLY_CHOICES = frozenset({"large", "contrast"})

#: Spoken question by step id, (brief, full), where the screen's text misleads a listener.
VOICE_TEXT: dict[str, tuple[str, str]] = {
    "welcome": (
        "Welcome to bill payment. Say help at any time.",
        "Welcome. Here you can pay your bill and get help with your account. "
        "Say help at any time, or press 0 for a person.",
    ),
    "verify_id": (
        "Please say your account number or phone number, or type it and press Enter.",
        "Please say or type your account number, or the phone number on your account. "
        "It is at the top of your bill.",
    ),
    "verify_zip": (
        "Now your ZIP code.",
        "Now say or type the ZIP code of the address where you have service.",
    ),
    "verify_pin": (
        "Now type your PIN and press Enter. It will not be spoken.",
        "Now type your 4-number account PIN on the keypad, then press Enter. "
        "It will not be shown or spoken.",
    ),
    "anything_else": ("Anything else today?", "Is there anything else you want to do today?"),
    # The notice before it has already named the customer.
    "menu": ("What would you like to do?", "What would you like to do?"),
    "end": (
        "Goodbye. Your details have been cleared.",
        "Thank you. Your session has ended and your details have been cleared. Goodbye.",
    ),
}

#: What brief speech leaves out of the engine's text (regular expressions, by step id):
#: said again right after (the amount is read back at the review), said by the hint
#: that follows, or on the receipt (the card used, the date).
BRIEF_CUTS: dict[str, tuple[str, ...]] = {
    "pay_method": (r"You are paying [^.]*\.\s*",),
    "pay_review": (r"Please check\.\s*",),
    # Where there is no printer (the phone line) the result says "paid with your Visa
    # ending 4242", which is kept: its caller gets no printed receipt.
    "pay_result": (r" paid by [^.]*(?=\.)",),
}

#: Words never offered as the name of a choice: they answer questions ("no more
#: receipts" is offered as itself, not as "no"). They are still heard.
NOT_OFFERED = frozenset({"yes", "no"})

#: How to answer a step whatever was taught before: where money moves, say it plainly.
VOICE_HINT: dict[str, str] = {
    "pay_review": "Say yes to pay, or no to change it.",
}


def label_phrase(choice: Choice) -> str:
    """A choice's label as a short phrase to say: its first clause, no amounts."""
    first = choice.label.standard.split(",")[0]
    return normalise(_AMOUNT_TEXT.sub(" ", first))


def said_phrase(choice: Choice, phrase: str) -> str:
    """``phrase`` (lower-case, as grammars hold it) in the words it came from, with their
    own case, for speech and its captions: "the way I pay", not "the way i pay". Only
    a label's capital first letter goes (it is said inside a sentence: "Card 1, cash 2"),
    unless the first word is "I" or all capitals ("TTY")."""
    for source in (choice.label.standard.split(",")[0], *choice.synonyms):
        words = re.sub(r"\s+", " ", re.sub(r"[^\w' -]+|_", " ", _AMOUNT_TEXT.sub(" ", source)))
        words = words.strip()
        if normalise(words) != phrase:
            continue
        first = words.split(" ", 1)[0]
        if first == "I" or (len(first) > 1 and first.isupper()):
            return words
        return words[:1].lower() + words[1:]
    return phrase


def choice_phrase(choice: Choice, known: KeyWord | None = None, shortest: bool = False) -> str:
    """The phrase to offer for a choice: the label if short (three words; two with
    ``shortest``), else the shortest synonym.

    Only phrases whose words the recognizer knows are offered (when ``known`` is given),
    so the kiosk never invites an answer it cannot hear.
    """
    candidates = [label_phrase(choice)] + [normalise(s) for s in choice.synonyms]
    usable = [
        c
        for c in candidates
        if c and c not in NOT_OFFERED and (known is None or all(map(known, c.split())))
    ]
    if not usable:
        return ""
    label = usable[0] if usable[0] == candidates[0] else ""
    if label and len(label.split()) <= (2 if shortest else 3):
        return label
    return min(usable, key=lambda phrase: len(phrase.split()))


def offer_choices(
    choices: Sequence[Choice], known: KeyWord | None = None, shortest: bool = False
) -> str:
    """Choices as one compact sentence of "phrase key" pairs: "Card 1, cash 2."

    The phrase is what to say and the key what to press, so each is offered once; no
    pause inside a pair (measured: "card, 1; cash, 2" takes 30 % longer to say).
    """
    pairs = []
    for choice in choices:
        phrase = said_phrase(choice, choice_phrase(choice, known, shortest) or label_phrase(choice))
        pairs.append(f"{phrase} {choice.key}" if choice.key else phrase)
    text = ", ".join(p for p in pairs if p)
    return f"{text[:1].upper()}{text[1:]}." if text else ""


@dataclass
class PromptSpeech:
    """A prompt's speech in parts: ``public`` may go on the speaker, ``private`` not."""

    public: str
    private: str
    question: str  # what to say when the private part cannot be heard
    taught: set[str] = field(default_factory=set)  # ways of answering explained here

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.private, self.public) if p)


def _hint_key(prompt: Prompt) -> str:
    if prompt.kind is AnswerKind.DIGITS and prompt.private:
        return "private_digits"
    if prompt.kind is AnswerKind.NONE and not prompt.choices:
        return "next"
    if prompt.choices and prompt.kind in (AnswerKind.CHOICE, AnswerKind.NONE):
        return "choice"
    return str(prompt.kind.value)


def _kind_hint(prompt: Prompt, text: str, first_time: bool, full: bool) -> str:
    """How to answer; long the first time in a session (or always in full), then short.
    Nothing when the question already says it ("... or type it and press Enter")."""
    if prompt.id in VOICE_HINT:
        return VOICE_HINT[prompt.id]
    kind = prompt.kind
    if kind in (AnswerKind.DIGITS, AnswerKind.AMOUNT) and "press enter" in text.lower():
        return ""
    if kind is AnswerKind.DIGITS:
        if prompt.private:
            return "For privacy, type it, then press Enter."
        if first_time or full:
            return "Say the numbers, or type them and press Enter."
        return ""
    if kind is AnswerKind.AMOUNT:
        if first_time or full:
            return "Say an amount, like forty two fifty, or type it, like 42.50."
        return "Say or type the amount."
    if kind is AnswerKind.YES_NO:
        return YES_NO_KEYS if first_time or full else ""
    if kind is AnswerKind.NONE and not prompt.choices:
        return "Say next, or press Enter." if first_time or full else "Say next."
    if kind is AnswerKind.TEXT:
        return "Please type your answer on the keypad, or say person for help."
    return ""


def _choice_intro(first_time: bool, full: bool) -> str:
    return "Say or press:" if first_time or full else ""


def _text(prompt: Prompt, full: bool) -> str:
    """The question for a listener: the voice wording of the step, or the engine's."""
    if prompt.id in VOICE_TEXT:
        return VOICE_TEXT[prompt.id][1 if full else 0]
    text = spoken(prompt.text.in_register(Register.SPOKEN)).replace("\n", " ")
    if full:
        return text
    text = _DATE_TEXT.sub("", text)  # the receipt has the date; speech need not
    for cut in BRIEF_CUTS.get(prompt.id, ()):
        text = re.sub(cut, "", text)
    return text.strip()


def _unsaid_details(prompt: Prompt, said: str) -> list[str]:
    """Detail rows the question does not already say (by value or by their label)."""
    lowered = said.lower()
    return [
        sentence
        for label, value, sentence in prompt.spoken_details()
        if value not in said and spoken(value) not in said and label.lower() not in lowered
    ]


def _without_repeated_amount(text: str) -> str:
    """ "You owe X in total. X is due..." -> "You owe X in total. It is due...": an amount
    said twice running costs three seconds and tells nothing new."""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    for index in range(1, len(sentences)):
        match = re.match(r"(.+?) (is|was) ", sentences[index])
        said = match.group(1) if match else ""
        if "dollar" in said and said.lower() in sentences[index - 1].lower():
            sentences[index] = "It " + sentences[index][len(said) + 1 :]
    return " ".join(sentences)


def prompt_speech(
    prompt: Prompt,
    verbosity: str = DEFAULT_VERBOSITY,
    known: KeyWord | None = None,
    taught: Collection[str] = (),
) -> PromptSpeech:
    """Split a prompt's speech into what is personal and what can be heard by anyone.

    Args:
        prompt: the step to read.
        verbosity: "brief" (each way of answering taught once) or "full" (step number,
            every hint every time).
        known: the recognizer's dictionary check, to offer only words it can hear.
        taught: ways of answering already explained this session (from earlier
            :attr:`PromptSpeech.taught`).
    """
    full = verbosity == "full"
    hint_key = _hint_key(prompt)
    first_time = hint_key not in taught
    head: list[str] = []
    if prompt.error is not None:
        head.append(spoken(prompt.error.spoken))
    if prompt.notice is not None:
        head.append(_without_repeated_amount(spoken(prompt.notice.spoken)))
    step = ""
    if full and prompt.step_label:
        step = f"{prompt.step_label}."
    text = _text(prompt, full)
    said = " ".join([prompt.render(Register.STANDARD), *head, text])
    rows = _unsaid_details(prompt, said)
    choices = [c for c in prompt.choices if c.value not in SCREEN_ONLY_CHOICES]
    offered = ""
    if choices and prompt.kind in (AnswerKind.CHOICE, AnswerKind.NONE):
        intro = _choice_intro(first_time, full)
        listed = offer_choices(choices, known, shortest=not full)
        offered = " ".join(p for p in (intro, listed) if p)
    hint = "" if prompt.end_of_session else _kind_hint(prompt, text, first_time, full)
    learned = set() if prompt.end_of_session else {hint_key}
    if not is_personal(prompt):
        public = " ".join(p for p in [*head, step, text, *rows, offered, hint] if p)
        return PromptSpeech(public=public, private="", question="", taught=learned)
    # Personal data (name, balance, confirmation number) goes to the headset only; the
    # way to answer is not personal, and offered choices carry no amounts.
    private = " ".join(p for p in [*head, step, text, *rows] if p)
    return PromptSpeech(
        public=" ".join(p for p in [offered, hint] if p),
        private=private,
        question=_question(prompt),
        taught=learned,
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


def not_caught(prompt: Prompt, known: KeyWord | None = None) -> str:
    """The reply to out-of-grammar speech: what can be said (every option), and which
    key to press."""
    offers: list[str] = []
    choices = [c for c in prompt.choices if c.value not in SCREEN_ONLY_CHOICES]
    if prompt.kind in (AnswerKind.CHOICE, AnswerKind.NONE) and choices:
        for choice in choices:
            phrase = said_phrase(choice, choice_phrase(choice, known))
            offers.append(f"{phrase}, or press {choice.key}" if phrase else f"press {choice.key}")
        return "Sorry, I did not catch that. You can say " + "; ".join(offers) + "."
    person = "For a person, say person, or press 0, then Enter."  # 0 types into the field
    how = {
        AnswerKind.YES_NO: "You can say yes or no, or press 1 for yes and 2 for no.",
        AnswerKind.DIGITS: "You can say the numbers one by one, or type them on the keypad "
        f"and press Enter. {person}",
        AnswerKind.AMOUNT: "You can say an amount, like forty two fifty, or type it on the "
        f"keypad and press Enter. {person}",
        AnswerKind.NONE: "You can say next, or press Enter.",
        AnswerKind.TEXT: f"You can type your answer on the keypad. {person}",
    }.get(prompt.kind, "You can say help, or press 0 for a person.")
    return f"Sorry, I did not catch that. {how}"


def readback(digits: str, private: bool) -> str:
    """The confirmation question for digits heard by speech (never the PIN aloud), or
    for an amount ("40.00", as the engine gets it)."""
    if "." in digits:
        dollars, cents = digits.split(".")
        return f"I heard {format_cents(int(dollars) * 100 + int(cents))}. Is that right?"
    if private:
        return f"I heard {len(digits)} numbers. Is that right?"
    return f"I heard {_grouped(digits)}. Is that right?"


def _grouped(digits: str) -> str:
    """Digits in the groups people know them in: a ZIP code in one go, a phone number
    as it is written (501 555 0101, after a country code 1), anything longer in fours."""
    if len(digits) == 10 or (len(digits) == 11 and digits.startswith("1")):
        parts = [digits[:-10], digits[-10:-7], digits[-7:-4], digits[-4:]]
        return ", ".join(digits_to_words(part, group=len(part)) for part in parts if part)
    group = 4 if len(digits) > 6 else max(1, len(digits))
    return digits_to_words(digits, group=group)


def readback_question(
    digits: str, private: bool, verbosity: str = DEFAULT_VERBOSITY, taught: Collection[str] = ()
) -> tuple[str, set[str]]:
    """The read-back with how to answer it (the keys only until taught); and what it taught."""
    question = readback(digits, private)
    if verbosity == "full" or "yes_no" not in taught:
        return f"{question} {YES_NO_KEYS}", {"yes_no"}
    return question, set()


def spoken_choices(choices: Sequence[Choice]) -> list[str]:
    """Every phrase a listener may say for each choice (for tests and help)."""
    return [label_phrase(choice) for choice in choices]
