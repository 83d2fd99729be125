"""Baudot (ITA2 letters, US-TTY figures) codec for TTY/TDD text.

The encoder sends only characters every TTY agrees on, spells out the rest and
manages the shift so that both kinds of receiver (those that keep the shift across
a space, as V.18 says, and those that unshift on space, like minimodem) print the
same text. The decoder keeps the shift across a space by default and repairs a lost
or wrongly assumed shift by asking which reading of a word reads like a message.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

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
MAX_DOUBTFUL = 4  # doubtful codes in a word beyond which it is not repaired

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
        if wanted != shift or since_shift >= RESEND_SHIFT_EVERY or (after_space and wanted == FIGS):
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
    [
        "GA",
        "SK",
        "SKSK",
        "Q",
        "QQ",
        "HD",
        "XXX",
        "PLS",
        "PLEASE",
        "RPT",
        "TTY",
        "TDD",
        "OK",
        "YES",
        "NO",
        "Y",
        "N",
        "THANK",
        "THANKS",
        "THX",
        "YOU",
        "U",
        "R",
        "I",
        "A",
        "AN",
        "THE",
        "TO",
        "OF",
        "AND",
        "OR",
        "FOR",
        "IS",
        "IT",
        "IN",
        "ON",
        "AT",
        "BY",
        "BE",
        "WE",
        "ME",
        "MY",
        "AM",
        "ARE",
        "WAS",
        "PAY",
        "PAID",
        "BILL",
        "AMOUNT",
        "DUE",
        "TOTAL",
        "ACCOUNT",
        "NUMBER",
        "NBR",
        "NO",
        "CARD",
        "PIN",
        "CASH",
        "CHANGE",
        "HELLO",
        "HI",
        "BYE",
        "GOODBYE",
        "HELP",
        "HOLD",
        "CALL",
        "PHONE",
        "TYPE",
        "ENTER",
        "CONFIRM",
        "CANCEL",
        "DONE",
        "DOLLARS",
        "CENTS",
        "DATE",
        "RECEIPT",
        "CAN",
        "READ",
        "WHAT",
        "WHEN",
        "HOW",
        "MUCH",
        "NOW",
        "STOP",
        "KEYING",
    ]
)
_VOWELS = set("AEIOUY")
_NUMBER = re.compile(r"^[($]?\$?\d+([.,/:-]\d+)*[.,?):;!]?$|^[-?.,:;!]+$|^\d+'S$")


@functools.lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """English words from the pronouncing dictionary pocketsphinx ships (if present)."""
    try:
        import pocketsphinx

        path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
        with path.open(encoding="utf-8", errors="replace") as handle:
            words = {line.split(" ", 1)[0].split("(", 1)[0].upper() for line in handle}
    except Exception:  # no dictionary: fall back to the shape rules alone
        return frozenset()
    return frozenset(word for word in words if word.isalpha())


def _letters_score(word: str) -> float:
    """How much a run read in letters looks like a word of a TTY message."""
    word = word.replace(REPLACEMENT, "")
    if not word:
        return 0.0
    if word in _TTY_WORDS:
        return 3.0 + len(word)
    if not all(ch.isalpha() for ch in word):
        return -1.0 * len(word)
    if len(word) >= 2 and word in _dictionary():
        return 1.0 + len(word)
    score = 0.25 * len(word)
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
    word = word.replace(REPLACEMENT, "")
    if not word:
        return 0.0
    digits = sum(ch.isdigit() for ch in word)
    if _NUMBER.match(word):
        return 1.0 + digits + 0.25 * (len(word) - digits)
    return 0.5 * digits - 1.5 * (len(word) - digits)


def _known(word: str) -> bool:
    """A word of the TTY vocabulary, or of the dictionary (three letters or more)."""
    return word in _TTY_WORDS or (len(word) >= 3 and word in _dictionary())


def repair_word(codes: list[int], alternates: list[int | None]) -> list[int]:
    """Codes of a word with doubtful bits flipped when that turns nonsense into a word.

    Only for a letters reading of two letters or more that is not a known word,
    with at most two of the flips the receiver offered (fewest first): a lone weak
    bit in noise, not a rewrite of what the user typed.
    """
    offered = {i: alternate for i, alternate in enumerate(alternates) if alternate is not None}
    doubtful = sorted(offered)
    if not doubtful or len(doubtful) > MAX_DOUBTFUL or len(codes) < 2:
        return codes
    word = _read(codes, _LETTERS)
    if word.isalpha() and _known(word):
        return codes
    for flips in (1, 2):
        for chosen in itertools.combinations(doubtful, flips):
            trial = list(codes)
            for i in chosen:
                trial[i] = offered[i]
            reading = _read(trial, _LETTERS)
            if reading.isalpha() and _known(reading):
                return trial
    return codes


def _read(codes: list[int], table: str) -> str:
    return "".join(table[c] if c >= 0 else REPLACEMENT for c in codes)


class BaudotDecoder:
    """Incremental decoder: push codes, get text word by word.

    Each word is held until it ends (space, new line, shift code or ``flush``); then
    both shift readings are scored. A word whose shift was only assumed (after a
    space in figures, or at the very start) takes the more plausible reading; a word
    whose shift was sent explicitly is switched only when its reading is nonsense
    and the other is clearly a number or word (the shift code was probably lost to
    noise). Evidence that the sender unshifts on space (like minimodem) tips later
    close calls towards letters.
    """

    SWITCH_EXPLICIT = 4.0

    def __init__(self, unshift_on_space: bool = False, recover_shift: bool = True) -> None:
        self.unshift_on_space = unshift_on_space
        self.recover_shift = recover_shift
        self.shift = LTRS
        self._assumed = True  # the shift in force was not set by a code in this word
        self._pending: list[int] = []
        self._alternates: list[int | None] = []  # per pending code: a doubtful bit flipped
        self._usos_evidence = 0.0
        self._after_cr = False
        self._continued = False  # the word was partly printed already (a typing pause)

    def push(self, code: int, alternate: int | None = None) -> str:
        """Take one code (``UNREADABLE`` for a bad frame); return text now final.

        ``alternate``: what the code would be if its least certain bit were read
        the other way (or the data bits of an unreadable frame), when the receiver
        doubts that bit; a word that reads as nonsense may take it.
        """
        if code in (LTRS, FIGS):
            out = self._settle()
            self.shift = code
            self._assumed = False
            self._continued = False
            return out
        if code == SPACE and self._doubtful_space(alternate):
            # Perhaps a letter with one bit lost: decide when the next word ends.
            self._pending.append(code)
            self._alternates.append(alternate)
            return ""
        if code in (SPACE, CR, LF):
            out = self._settle()
            self._continued = False
            if code == LF and self._after_cr:
                out += ""
            else:
                out += "\n" if code in (CR, LF) else " "
            self._after_cr = code == CR
            if self.shift == FIGS and code == SPACE:
                if self.unshift_on_space:
                    self.shift = LTRS
                    self._assumed = False
                else:
                    self._assumed = True
            return out
        self._after_cr = False
        if code == NUL:
            return ""
        self._pending.append(code)
        self._alternates.append(alternate)
        return ""

    def flush(self) -> str:
        """Print whatever is held back (end of a transmission or a typing pause).

        The rest of a word cut by a pause keeps the shift its first part was read in.
        """
        out = self._settle()
        self._continued = self._continued or bool(out)
        return out

    def _lost_shift(self, codes: list[int], alternates: list[int | None]) -> int | None:
        """Where a shift code was misread as a character (one doubtful bit), if any.

        Taken only when the word reads as nothing in either shift and the rest of
        it, read in the shift that code would set, is a word or a number
        (``BILLWC`` -> ``BILL:``).
        """
        if not self.recover_shift or self._continued:
            return None
        letters, figures = _read(codes, _LETTERS), _read(codes, _FIGURES)
        if _known(letters) or _NUMBER.match(figures):
            return None
        for i, alternate in enumerate(alternates):
            if alternate not in (LTRS, FIGS) or i == len(codes) - 1:
                continue
            tail = codes[i + 1 :]
            if alternate == LTRS and _known(_read(tail, _LETTERS)):
                return i
            if alternate == FIGS and _figures_score(_read(tail, _FIGURES)) > 0:
                return i
        return None

    def _doubtful_space(self, alternate: int | None) -> bool:
        """A space whose alternate is a letter, inside letters: it may join two words."""
        return (
            alternate is not None
            and self.recover_shift
            and self.shift == LTRS
            and not self._continued
            and 0 <= alternate < 32
            and _LETTERS[alternate].isalpha()
        )

    def _settle(self) -> str:
        if not self._pending:
            return ""
        codes, self._pending = self._pending, []
        alternates, self._alternates = self._alternates, []
        if SPACE not in codes:
            return self._settle_word(codes, alternates)
        # Doubtful spaces: one word (``C?ECKING`` -> CHECKING) if that word is known
        # and the words either side of the spaces are not.
        joined: list[int] = []
        joined_alternates: list[int | None] = []
        for c, a in zip(codes, alternates, strict=True):
            joined.append(a if c == SPACE and a is not None else c)
            joined_alternates.append(None if c == SPACE else a)
        parts: list[tuple[list[int], list[int | None]]] = [([], [])]
        for c, a in zip(codes, alternates, strict=True):
            if c == SPACE:
                parts.append(([], []))
            else:
                parts[-1][0].append(c)
                parts[-1][1].append(a)
        as_one = _read(repair_word(joined, joined_alternates), _LETTERS)
        apart = [_read(repair_word(c, a), _LETTERS) for c, a in parts if c]
        if as_one.isalpha() and _known(as_one) and not all(map(_known, apart)):
            return self._settle_word(joined, joined_alternates)
        return " ".join(self._settle_word(c, a) for c, a in parts)

    def _settle_word(self, codes: list[int], alternates: list[int | None]) -> str:
        if not codes:
            return ""
        split = self._lost_shift(codes, alternates)
        if split is not None:
            head = self._settle_word(codes[:split], alternates[:split])
            self.shift = alternates[split]  # type: ignore[assignment]
            self._assumed = False
            return head + self._settle_word(codes[split + 1 :], alternates[split + 1 :])
        if self.recover_shift:
            codes = repair_word(codes, alternates)
        letters = _read(codes, _LETTERS).replace("\0", "")
        figures = _read(codes, _FIGURES).replace("\0", "").replace("\x07", "")
        if not self.recover_shift or self._continued:
            self._assumed = False
            return letters if self.shift == LTRS else figures
        diff = _letters_score(letters) - _figures_score(figures)
        if not self._assumed:
            if len(codes) < 3:  # too short to overrule a shift code that was sent
                choose_letters = self.shift == LTRS
            elif self.shift == LTRS:
                choose_letters = diff > -self.SWITCH_EXPLICIT
            else:
                choose_letters = diff > self.SWITCH_EXPLICIT
        elif self.shift == FIGS:
            # Standard senders keep figures across a space; a sender that has shown
            # it unshifts on space gets the benefit of the doubt.
            bias = -0.5 if self._usos_evidence <= 0 else 1.5
            choose_letters = diff + bias > 0
            self._usos_evidence += max(-3.0, min(3.0, diff))
        else:
            choose_letters = diff >= -0.5
        self._assumed = False
        if choose_letters:
            self.shift = LTRS
            return letters
        self.shift = FIGS
        return figures


def decode(codes: Iterable[int], unshift_on_space: bool = False, recover_shift: bool = True) -> str:
    """Decode 5-bit codes to text (see ``BaudotDecoder`` for the shift rules)."""
    decoder = BaudotDecoder(unshift_on_space=unshift_on_space, recover_shift=recover_shift)
    return "".join(decoder.push(code) for code in codes) + decoder.flush()


def looks_garbled(text: str, share: float = 0.5) -> bool:
    """True when most of a line reads like neither words nor numbers (line noise).

    A TTY user who sees such a line asks for a repeat; so does the kiosk. Single
    characters (Y, N, 1) and anything a dictionary, the TTY vocabulary or the
    number shapes know count as readable.
    """
    bad = total = 0
    for word in text.upper().split():
        core = word.strip(".,?!:;\"'()")
        if not core:
            continue
        total += len(core)
        if REPLACEMENT in core:
            bad += len(core)
            continue
        if len(core) == 1:
            continue
        if core.isalpha():
            readable = _letters_score(core) > 0
        else:
            readable = _figures_score(core) > 0 or bool(
                re.fullmatch(r"[A-Z]+[-/'][A-Z]+|\$?\d+([.,/:-]\d+)*[A-Z]{0,2}", core)
            )
        if not readable:
            bad += len(core)
    return total > 0 and bad / total > share
