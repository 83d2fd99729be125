"""Plain-language checks for prompts: reading grade, sentence length, hard words.

Bounds (issue: conversation engine; COGA): the simplified register at grade 5
or below with short sentences and no words from :data:`AVOID`; the standard
register at grade 8 or below. Spoken and TTY wording are held to the standard
bound after removing what is not prose (numbers in words, TTY's ``GA``).

Grade formula: the mean of Flesch-Kincaid grade and the Coleman-Liau index,
both from textstat and both calibrated to US school grades (the scale of the
bounds). Flesch-Kincaid counts syllables (from a pronouncing dictionary), and
Coleman-Liau counts letters, so averaging them halves the effect of either
one's blind spot (a long but easy word, a short but rare one). Before scoring,
amounts, numbers and upper-case codes (``PIN``, ``ZIP``) are replaced by a
short plain word: "$215.40" is not hard to read, but the formulas count it as
a long word. Texts under :data:`MIN_WORDS_FOR_GRADE` words are not held to a
grade (the formulas swing by several grades on one word there); the word-level
checks still apply to them.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import textstat

from kiosk.accessibility.offline_cmudict import ensure_cmudict
from kiosk.conversation.prompt import Register
from kiosk.speech.numbers import NUMBER_WORDS

GRADE_LIMITS: dict[Register, float] = {
    Register.SIMPLE: 5.0,
    Register.STANDARD: 8.0,
    Register.SPOKEN: 8.0,
    Register.TTY: 8.0,
}
MAX_SENTENCE_WORDS: dict[Register, int] = {
    Register.SIMPLE: 12,
    Register.STANDARD: 25,
    Register.SPOKEN: 25,
    Register.TTY: 25,
}
MAX_SIMPLE_SYLLABLES = 3  # a simplified word has at most three syllables
MIN_WORDS_FOR_GRADE = 8

# Hard words and the plainer word to use in the simplified register.
AVOID: dict[str, str] = {
    "arrangement": "plan",
    "verify": "check",
    "verification": "check",
    "delinquent": "late",
    "remit": "pay",
    "remittance": "payment",
    "terminate": "end",
    "termination": "end",
    "utilize": "use",
    "assistance": "help",
    "approximately": "about",
    "additional": "more",
    "sufficient": "enough",
    "insufficient": "not enough",
    "commence": "start",
    "initiate": "start",
    "purchase": "buy",
    "require": "need",
    "indicate": "show",
    "submit": "send",
    "proceed": "go on",
    "select": "choose",
    "obtain": "get",
    "modify": "change",
    "authenticate": "check who you are",
    "authorization": "permission",
    "identification": "ID",
    "installment": "part",
    "defer": "put off",
    "deferred": "later",
    "extension": "more time",
    "eligible": "can get",
    "eligibility": "if you can get it",
    "representative": "person",
    "inquiry": "question",
    "correspondence": "letter",
    "reconnect": "turn back on",
    "reconnection": "turning back on",
    "disconnect": "turn off",
    "disconnection": "turning off",
    "suspend": "stop",
    "prior": "before",
    "subsequent": "next",
    "regarding": "about",
    "immediately": "now",
    "transaction": "payment",
    "method": "way",
    "funds": "money",
    "invalid": "not right",
    "incorrect": "wrong",
    "expire": "run out",
    "dispute": "say a charge is wrong",
}

# Legal and billing jargon: flagged in every register.
JARGON: dict[str, str] = {
    "delinquent": "late",
    "remit": "pay",
    "remittance": "payment",
    "arrears": "past-due amount",
    "pursuant": "under",
    "aforementioned": "this",
    "notwithstanding": "even if",
    "heretofore": "until now",
    "hereby": "(leave out)",
    "thereof": "of it",
    "whereas": "while",
    "utilize": "use",
}

# Longest first, so "seventeen" is matched before "seven".
_NUMBER_WORDS = sorted(NUMBER_WORDS - {"o"}, key=len, reverse=True)
_AMOUNT = re.compile(r"[$€£]?\d[\d,]*(?:\.\d+)?%?")
_CODE = re.compile(r"\b[A-Z]{2,}\b")
_SPOKEN_NUMBER = re.compile(
    r"\b(?:" + "|".join(_NUMBER_WORDS) + r")(?:[- ](?:" + "|".join(_NUMBER_WORDS) + r"))*\b",
    re.IGNORECASE,
)
_TTY_SIGNALS = re.compile(r"\b(?:GA|SK|GA OR SK|Q)\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")
_PLACEHOLDER = "ten"  # one syllable, three letters: neutral for both formulas


class ProblemKind(enum.StrEnum):
    GRADE = "grade"
    SENTENCE_LENGTH = "sentence_length"
    LONG_WORD = "long_word"
    AVOID_WORD = "avoid_word"


@dataclass(frozen=True)
class Problem:
    """One readability problem, with what to do about it."""

    kind: ProblemKind
    message: str
    word: str = ""
    suggestion: str = ""


def _prose(text: str, register: Register = Register.STANDARD) -> str:
    """The text as prose for the formulas: numbers, codes and TTY signals neutralised."""
    if register is Register.TTY:
        text = _TTY_SIGNALS.sub("", text).lower()
    text = _AMOUNT.sub(_PLACEHOLDER, text)
    text = _SPOKEN_NUMBER.sub(_PLACEHOLDER, text)
    return _CODE.sub("code", text)


def word_count(text: str) -> int:
    return len(_WORD.findall(_AMOUNT.sub(_PLACEHOLDER, text)))


def grade_level(text: str, register: Register = Register.STANDARD) -> float:
    """US school grade needed to read ``text``: mean of Flesch-Kincaid and Coleman-Liau.

    Never below 0 (the formulas go negative on very easy text).
    """
    ensure_cmudict()
    prose = _prose(text, register)
    if not _WORD.search(prose):
        return 0.0
    fk = float(textstat.flesch_kincaid_grade(prose))
    cli = float(textstat.coleman_liau_index(prose))
    return max(0.0, (fk + cli) / 2)


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def _inflections(base: str) -> set[str]:
    forms = {base, base + "s", base + "es", base + "ed", base + "d", base + "ing"}
    if base.endswith("e"):
        forms.add(base[:-1] + "ing")
    if base.endswith("y"):
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    if base.endswith("t") or base.endswith("r"):
        forms |= {base + base[-1] + "ed", base + base[-1] + "ing"}
    return forms


def _index(words: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Every inflected form -> (base word, plainer word)."""
    index: dict[str, tuple[str, str]] = {}
    for base, plain in words.items():
        for form in _inflections(base):
            index.setdefault(form, (base, plain))
    return index


_AVOID_INDEX = _index(AVOID)
_JARGON_INDEX = _index(JARGON)


def check(
    text: str,
    register: Register,
    allowed: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Every readability problem of ``text`` in ``register`` (empty list: fine).

    ``allowed`` lists words a step may use despite the rules (a name, "Lifeline").
    """
    ensure_cmudict()
    problems: list[Problem] = []
    words = _WORD.findall(_prose(text, register))
    limit = GRADE_LIMITS[register]
    if len(words) >= MIN_WORDS_FOR_GRADE:
        grade = grade_level(text, register)
        if grade > limit:
            problems.append(
                Problem(
                    ProblemKind.GRADE,
                    f"reads at grade {grade:.1f}; the {register.value} limit is {limit:g}",
                )
            )
    longest = MAX_SENTENCE_WORDS[register]
    for sentence in sentences(text):
        count = word_count(sentence)
        if count > longest:
            problems.append(
                Problem(
                    ProblemKind.SENTENCE_LENGTH,
                    f"sentence has {count} words; keep it to {longest}: {sentence!r}",
                    suggestion="split it into shorter sentences",
                )
            )
    index = _AVOID_INDEX if register is Register.SIMPLE else _JARGON_INDEX
    allowed_lower = {word.lower() for word in allowed}
    seen: set[str] = set()
    for sentence in sentences(_prose(text, register)):
        for position, word in enumerate(_WORD.findall(sentence)):
            lower = word.lower()
            if lower in seen or lower in allowed_lower or lower == "code":
                continue
            seen.add(lower)
            problem = _word_problem(
                word, register, index, proper=position > 0 and word[0].isupper()
            )
            if problem is not None:
                problems.append(problem)
    return problems


def _word_problem(
    word: str, register: Register, index: dict[str, tuple[str, str]], proper: bool
) -> Problem | None:
    """A hard or jargon word, or (simplified register) a long one; names are exempt."""
    lower = word.lower()
    if lower in index:
        _, plain = index[lower]
        return Problem(
            ProblemKind.AVOID_WORD,
            f"{word!r} is a hard word: say {plain!r}",
            word=word,
            suggestion=plain,
        )
    if register is Register.SIMPLE and not proper:
        syllables = int(textstat.syllable_count(lower))
        if syllables > MAX_SIMPLE_SYLLABLES:
            return Problem(
                ProblemKind.LONG_WORD,
                f"{word!r} has {syllables} syllables; use a shorter word",
                word=word,
            )
    return None
