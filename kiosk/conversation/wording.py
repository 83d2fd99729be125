"""Build a :class:`Wording` in four registers from as little as one sentence.

Steps write the standard and simplified texts by hand (they are checked for
readability); the spoken and TTY texts are derived unless a step gives its
own: amounts become words for speech, and TTY text becomes short upper case
in the characters every TTY agrees on.
"""

from __future__ import annotations

import re

from kiosk.conversation.prompt import Wording

_AMOUNT = re.compile(r"(?<![\w$])([-\u2212]?)\$(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{2}))?")
_TTY_SAFE = re.compile(r"[^A-Z0-9 \n\-?:$!'()\",./;]")
_TTY_WORDS = {
    "#": " NUMBER ",
    "&": " AND ",
    "+": " PLUS ",
    "=": " EQUALS ",
    "@": " AT ",
    "%": " PERCENT ",
}
TTY_ABBREVIATIONS = {
    "PLEASE": "PLS",
    "ACCOUNT": "ACCT",
    "AMOUNT": "AMT",
    "NUMBER": "NBR",
    "NUMBERS": "NBRS",
    "MESSAGE": "MSG",
}
"""Words TTY users write short themselves; each character is 0.18 s of line time."""
_TTY_ABBREVIATION = re.compile(r"\b(" + "|".join(TTY_ABBREVIATIONS) + r")\b")
_MONTH_DAY = re.compile(
    r"\b(JANUARY|FEBRUARY|MARCH|APRIL|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)"
    r"(?= \d)"
)


def spoken(text: str) -> str:
    """Text for speech: "$42.50" becomes "forty-two dollars and fifty cents"; an amount
    that starts a sentence starts with a capital (captions show this text). A signed
    amount ("-$20.00") is said "minus twenty dollars", never with a bare dash before the
    words; a step that knows what the sign means says it better ("a credit of")."""
    from kiosk.speech.numbers import amount_to_words

    def to_words(match: re.Match[str]) -> str:
        dollars = int(match.group(2).replace(",", ""))
        cents = int(match.group(3) or 0)
        words = amount_to_words(dollars * 100 + cents)
        if match.group(1):
            words = f"minus {words}"
        before = text[: match.start()].rstrip(" ")
        if not before or before[-1] in ".!?\n":  # a sentence starts with the amount
            words = words[:1].upper() + words[1:]
        return words

    return _AMOUNT.sub(to_words, text)


def tty_short(upper: str) -> str:
    """Upper-case text with the words TTY users abbreviate abbreviated (ACCT, AMT, PLS)
    and each date's month in three letters ("DEC 9")."""
    upper = _TTY_ABBREVIATION.sub(lambda m: TTY_ABBREVIATIONS[m.group(1)], upper)
    return _MONTH_DAY.sub(lambda m: m.group(1)[:3], upper)


def tty(text: str, *, go_ahead: bool = True) -> str:
    """TTY text: upper case, TTY-safe characters, questions marked Q, ending GA, in the
    short words of :func:`tty_short`."""
    upper = tty_short(text.upper())
    for symbol, word in _TTY_WORDS.items():
        upper = upper.replace(symbol, word)
    upper = upper.replace("?", " Q").replace("\u2019", "'")
    upper = _TTY_SAFE.sub("", upper)
    upper = re.sub(r"[ \t]+", " ", upper).strip()
    return f"{upper} GA" if go_ahead and not upper.endswith(" GA") else upper


def w(
    standard: str,
    simple: str | None = None,
    *,
    spoken_text: str | None = None,
    tty_text: str | None = None,
    go_ahead: bool = True,
) -> Wording:
    """One message in all four registers; missing ones are derived."""
    simple = simple if simple is not None else standard
    return Wording(
        standard=standard,
        simple=simple,
        spoken=spoken(spoken_text if spoken_text is not None else standard),
        tty=tty(tty_text if tty_text is not None else standard, go_ahead=go_ahead),
    )


def label(standard: str, simple: str | None = None, tty_text: str | None = None) -> Wording:
    """A choice label: no GA in TTY (the prompt ends the turn)."""
    return w(standard, simple, tty_text=tty_text, go_ahead=False)


def join(*parts: Wording | None) -> Wording:
    """Several messages spoken one after the other, register by register.

    On a TTY each part but the last loses its GA and ends with a full stop, so
    "SERVICE OFF DECEMBER 9" and "YOU OWE $215.40" do not run together.
    """
    present = [part for part in parts if part is not None]
    ttys = [p.tty.removesuffix(" GA") for p in present[:-1]]
    ttys = [t if not t or t[-1] in ".?!:" else f"{t}." for t in ttys]
    return Wording(
        standard="\n".join(p.standard for p in present),
        simple="\n".join(p.simple for p in present),
        spoken=" ".join(p.spoken for p in present),
        tty=" ".join(ttys)
        + (" " if len(present) > 1 else "")
        + (present[-1].tty if present else ""),
    )
