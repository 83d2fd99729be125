"""Baudot (ITA2 letters, US-TTY figures) codec for TTY/TDD text.

The encoder sends only characters every TTY agrees on, spells out the rest and
manages the shift so that both kinds of receiver (those that keep the shift across
a space, as V.18 says, and those that unshift on space, like minimodem) print the
same text. The decoder keeps the shift across a space by default and repairs a lost
or wrongly assumed shift by asking which reading of a word reads like a message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

LTRS = 0x1F
FIGS = 0x1B
SPACE = 0x04
CR = 0x08
LF = 0x02
NUL = 0x00
UNREADABLE = -1
"""Code passed by the demodulator for a frame it could not read."""

REPLACEMENT = "\ufffd"
"""What the decoder prints for a character it could not read."""

RESEND_SHIFT_EVERY = 72

# Index = 5-bit code. "" = no printable meaning in that shift.
_LETTERS = "\0E\nA SIU\rDRJNFCKTZLWHYPQOBG\0MXV\0"
_FIGURES = "\x003\n- \x0787\r$4',!:(5\")2#6019?&\0./;\0"

_NEUTRAL = {" ": SPACE, "\r": CR, "\n": LF}
_LETTER_CODE = {ch: code for code, ch in enumerate(_LETTERS) if ch.isalpha()}
# Figures every US TTY agrees on (H '#', G '&' and S BELL differ between makes).
_FIGURE_CODE = {ch: code for code, ch in enumerate(_FIGURES) if ch in "0123456789-?:$!'()\",./;"}

SPELLED_OUT = {
    "#": "NUMBER",
    "&": "AND",
    "+": "PLUS",
    "=": "EQUALS",
    "@": "AT",
    "%": "PERCENT",
    "*": "STAR",
}
_LOOKALIKES = {
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
    "<": "(",
    ">": ")",
    "_": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\t": " ",
    "|": "/",
    "\\": "/",
    "`": "'",
    "~": "-",
    "^": "",
}


def normalise(text: str) -> str:
    """Text as a TTY can show it: upper case, sendable characters only, CR LF line ends."""
    out: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for index, raw in enumerate(text):
        ch = _LOOKALIKES.get(raw, raw)
        if ch in SPELLED_OUT:
            word = SPELLED_OUT[ch]
            before = out[-1] if out else " "
            after = text[index + 1] if index + 1 < len(text) else " "
            out.append(("" if before in " \n" else " ") + word + ("" if after in " \n" else " "))
            continue
        for part in unicodedata.normalize("NFKD", ch):
            up = part.upper()
            if up == "\n":
                out.append("\r\n")
            elif up in _NEUTRAL or up in _LETTER_CODE or up in _FIGURE_CODE:
                out.append(up)
    return "".join(out)


def encode(text: str) -> list[int]:
    """Encode text to 5-bit codes, starting with the shift and re-sending it as needed."""
    codes: list[int] = []
    shift: int | None = None
    since_shift = 0
    after_space = False
    for ch in normalise(text):
        if ch in _NEUTRAL:
            if shift is None:
                shift = LTRS
                codes.append(LTRS)
            codes.append(_NEUTRAL[ch])
            since_shift += 1
            after_space = True
            continue
        wanted = LTRS if ch in _LETTER_CODE else FIGS
        code = _LETTER_CODE[ch] if wanted == LTRS else _FIGURE_CODE[ch]
        if (
            wanted != shift
            or since_shift >= RESEND_SHIFT_EVERY
            or (after_space and wanted == FIGS)
        ):
            codes.append(wanted)
            shift = wanted
            since_shift = 0
        codes.append(code)
        since_shift += 1
        after_space = False
    return codes


# ---------------------------------------------------------------------------------------
# Decoding


_TTY_WORDS = frozenset(
    """GA SK SKSK Q QQ HD XXX PLS PLEASE RPT TTY TDD OK YES NO Y N THANK THANKS THX
    YOU U R I A AN THE TO OF AND OR FOR IS IT IN ON AT BY BE WE ME MY AM ARE WAS
    PAY PAID BILL AMOUNT DUE TOTAL ACCOUNT NUMBER NBR NO CARD PIN CASH CHANGE
    HELLO HI BYE GOODBYE HELP HOLD CALL PHONE TYPE ENTER CONFIRM CANCEL DONE
    DOLLARS CENTS DATE RECEIPT CAN READ WHAT WHEN HOW MUCH NOW STOP KEYING""".split()
)
_VOWELS = set("AEIOUY")


def _letters_score(word: str) -> float:
    """How much a run read in letters looks like a word of a TTY message."""
    if not word:
        return 0.0
    if word in _TTY_WORDS:
        return 2.0 * len(word) + 1.0
    if not all(ch.isalpha() for ch in word):
        return -1.0 * len(word)
    score = 0.5 * len(word)
    vowels = sum(ch in _VOWELS for ch in word)
    if vowels == 0:
        score -= 1.0 * len(word) if len(word) > 1 else 1.0
    run = 0
    for ch in word:
        run = 0 if ch in _VOWELS else run + 1
        if run >= 4:
            score -= 1.0
    return score


def _figures_score(word: str) -> float:
    """How much a run read in figures looks like an amount, date or number."""
    score = 0.0
    last = len(word) - 1
    for index, ch in enumerate(word):
        prev_digit = index > 0 and word[index - 1].isdigit()
        next_digit = index < last and word[index + 1].isdigit()
        if ch.isdigit():
            score += 1.5
        elif ch in ".,/:-" and prev_digit and next_digit:
            score += 0.5
        elif ch == "$" and next_digit:
            score += 0.5
        elif ch in "-?" and len(word) == 1:
            score += 0.5
        elif ch == "?" and index == last:
            score += 0.2
        elif ch == "(" and index == 0 or ch == ")" and index == last:
            score += 0.0
        elif ch in ".," and index == last:
            score += 0.0
        else:
            score -= 1.5
    return score


def _read(codes: list[int], table: str) -> str:
    return "".join(table[c] if c >= 0 else REPLACEMENT for c in codes)


class BaudotDecoder:
    """Incremental decoder: push codes, get text as soon as it is certain.

    A word that starts without an explicit shift code while the shift is only
    assumed (after a space in figures, or at the very start) is held back until the
    word ends; then both readings are scored and the more plausible one printed.
    Evidence that the sender unshifts on space (like minimodem) accumulates and tips
    later close calls towards letters.
    """

    def __init__(self, unshift_on_space: bool = False, recover_shift: bool = True) -> None:
        self.unshift_on_space = unshift_on_space
        self.recover_shift = recover_shift
        self.shift = LTRS
        self._assumed = True  # the shift in force was not set by a code in this word
        self._pending: list[int] = []
        self._usos_evidence = 0.0

    def push(self, code: int) -> str:
        """Take one code (``UNREADABLE`` for a bad frame); return text now final."""
        if code in (LTRS, FIGS):
            out = self._settle()
            self.shift = code
            self._assumed = False
            return out
        if code in (SPACE, CR, LF):
            out = self._settle() + _LETTERS[code]
            if self.shift == FIGS and code == SPACE:
                if self.unshift_on_space:
                    self.shift = LTRS
                    self._assumed = False
                else:
                    self._assumed = True
            return out
        if code == NUL:
            return ""
        if self._assumed and self.recover_shift:
            self._pending.append(code)
            return ""
        return self._print(code, self.shift)

    def flush(self) -> str:
        """Print whatever is held back (end of a transmission)."""
        return self._settle()

    def _print(self, code: int, shift: int) -> str:
        if code < 0:
            return REPLACEMENT
        ch = (_LETTERS if shift == LTRS else _FIGURES)[code]
        return "" if ch in "\0\x07" else ch

    def _settle(self) -> str:
        if not self._pending:
            self._assumed = False
            return ""
        codes, self._pending = self._pending, []
        letters = _read(codes, _LETTERS).replace("\0", "")
        figures = _read(codes, _FIGURES).replace("\0", "").replace("\x07", "")
        diff = _letters_score(letters) - _figures_score(figures)
        if self.shift == FIGS:
            # Standard senders keep figures across a space: letters must win clearly,
            # unless this sender has already shown it unshifts on space.
            bias = -2.0 if self._usos_evidence <= 0 else 1.0
            choose_letters = diff + bias > 0
            self._usos_evidence += max(-3.0, min(3.0, diff))
        else:
            choose_letters = diff >= -1.0
        self._assumed = False
        if choose_letters:
            self.shift = LTRS
            return letters
        self.shift = FIGS
        return figures


def decode(
    codes: Iterable[int], unshift_on_space: bool = False, recover_shift: bool = True
) -> str:
    """Decode 5-bit codes to text (see ``BaudotDecoder`` for the shift rules)."""
    decoder = BaudotDecoder(unshift_on_space=unshift_on_space, recover_shift=recover_shift)
    return "".join(decoder.push(code) for code in codes) + decoder.flush()
