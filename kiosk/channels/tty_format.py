"""Prompts as TTY lines: the text channel's TTY layout, made short for the line.

At 45.45 baud a TTY shows about six characters a second, so every character
costs the caller time: the step heading goes, choices go on one line in their shortest wording (or not at
all when the prompt's text already names every key, as in "RECEIPT BY 1 PRINT 2
EMAIL"), screen-only choices (large text, contrast) go, detail rows that only
repeat the text (or say $0.00 or none, or today's date) go, HELP sends the help and the keys
only (not the whole step again), and GA comes once, at the very end (a GA inside a message
would hand the turn over too early). The wording and order are ``format_prompt``'s.
"""

from __future__ import annotations

import re

from kiosk.channels.text import format_prompt
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.wording import tty_short

SCREEN_ONLY_CHOICES = frozenset({"large", "contrast", "simple"})
"""Choices that change the screen or the wording register: nothing to a TTY."""

_HEADING = re.compile(r"^STEP \d+( OF \d+)?: .+$")
_ROW = re.compile(r"^  (\S.*)$")
_DETAIL = re.compile(r"^([^:]+): (.+)$")
SKIPPED_ROWS = frozenset({"DATE"})
"""Detail rows a TTY caller does not need read out (today's date)."""
_AMOUNT = re.compile(r"\$[\d,]+\.\d\d")
_TURN_END = re.compile(r"\s+(GA|GA OR SK|SK SK|SK|SKSK)$")


def tty_choices(prompt: Prompt) -> list[tuple[str, str]]:
    """(key, label) of the choices that mean something on a TTY, each in the
    shorter of its TTY and plain-language wording ("PAY" for "PAY MY BILL"), in the order
    of their keys (a suspended customer's "8 RECONNECT" came between 2 and 3)."""
    out = []
    for choice in prompt.choices:
        if choice.value in SCREEN_ONLY_CHOICES:
            continue
        words = [choice.label.in_register(r).upper() for r in (Register.TTY, Register.SIMPLE)]
        out.append((choice.key, min(words, key=len)))
    return sorted(out, key=lambda pair: (len(pair[0]), pair[0]))  # "10" after "9"


def render_tty(prompt: Prompt) -> str:
    """The prompt as the kiosk sends it to a TTY (upper case, ends in GA or SK)."""
    text = prompt.text.in_register(Register.TTY).upper()
    choices = tty_choices(prompt)
    labels = {
        f"{c.key} {c.label.in_register(Register.TTY).upper()}"
        for c in prompt.choices
        if c.value not in SCREEN_ONLY_CHOICES
    }
    hidden = {
        f"{c.key} {c.label.in_register(Register.TTY).upper()}"
        for c in prompt.choices
        if c.value in SCREEN_ONLY_CHOICES
    }
    if _help_only(prompt):  # HELP: the help and the keys, not the whole step again
        text = prompt.help.in_register(Register.TTY).upper()
        tokens = set(re.split(r"[\s.,;:?]+", text))
        line = _TURN_END.sub("", text.strip())
        if choices and not all(key in tokens for key, _ in choices):
            line += "\n" + " ".join(f"{key} {label}" for key, label in choices)
        return f"{line} GA"
    tokens = set(re.split(r"[\s.,;:?]+", text))
    keys_named = bool(choices) and all(key in tokens for key, _ in choices)
    out: list[str] = []
    for line in format_prompt(prompt, Register.TTY).split("\n"):
        row = _ROW.match(line)
        if _HEADING.match(line) or line == "GA" or (row and row.group(1) in hidden):
            continue
        if row and row.group(1) in labels:
            continue  # choices are added below, on one line
        if row:
            detail = _DETAIL.match(row.group(1))
            if detail and not prompt.itemized and _needless(detail.group(1), detail.group(2), text):
                continue
            line = tty_short(f"{detail.group(1)} {detail.group(2)}" if detail else row.group(1))
        out.append(_TURN_END.sub("", line.strip()))
    ending = _TURN_END.search(text)
    closing = ending.group(1) if ending else "GA"
    if prompt.end_of_session:
        closing = "SKSK"
    if choices and not keys_named:
        out.append(" ".join(f"{key} {label}" for key, label in choices))
    out[-1] = f"{out[-1]} {closing}" if out else closing
    return "\n".join(part for part in out if part)


def _help_only(prompt: Prompt) -> bool:
    """The engine answered HELP: the prompt's notice ends with the step's own help."""
    if prompt.notice is None or prompt.error is not None:
        return False
    help_text = _TURN_END.sub("", prompt.help.in_register(Register.TTY).strip())
    notice = _TURN_END.sub("", prompt.notice.in_register(Register.TTY).strip())
    return bool(help_text) and notice.endswith(help_text)


def _needless(label: str, value: str, text: str) -> bool:
    """A detail row that repeats the text, is zero or none, or is today's date (compared
    in the short words the text is sent in: "$143.60 ON JAN 4", not "JANUARY 4")."""
    value = tty_short(value.upper())
    if value.replace(" ENDING", "") in text:  # "VISA ENDING 4242" said as "VISA 4242"
        return True
    amount = _AMOUNT.match(value)  # "RECONNECTION FEE: $35.00, INCLUDED" after "$35.00 ... FEE"
    words = set(re.split(r"[\s.,;:?]+", text))
    if amount and amount.group() in text and label.upper().split()[-1] in words:
        return True
    return value in ("$0.00", "0", "NONE") or label.upper() in SKIPPED_ROWS
