"""``kiosk tty --transcript FILE``: a copy of the call only after the caller types Y.

Real FSK audio both ways through the TTY channel and a seeded store: the caller's
TTY decodes the kiosk's tones and types its next line when it sees GA.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.channels.tty import TtyChannel, TtyOptions
from kiosk.channels.tty_transcript import (
    ASK_AGAIN,
    CONSENT_QUESTION,
    consents,
    declines,
    mask_digits,
)
from kiosk.cli import build_parser
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.devtools.tty_caller import ScriptedCaller
from kiosk.store.store import Store


def _session(store: Store, lines: list[str], transcript: Path | None) -> ScriptedCaller:
    caller = ScriptedCaller(lines, think=1.0, limit_s=240.0)
    options = TtyOptions(pause_seconds=3.0, transcript=str(transcript) if transcript else None)
    TtyChannel(Conversation(Services(store), Register.TTY), caller, options).run()
    return caller


def test_yes_keeps_a_copy_with_the_callers_digits_masked(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "call.txt"
    caller = _session(sqlite_store, ["Y GA", "40152270 GA", "SK"], path)
    assert caller.heard[0].strip() == CONSENT_QUESTION
    kept = path.read_text(encoding="utf-8")
    assert kept.startswith("KIOSK: OK. A COPY WILL BE KEPT.")
    assert "KIOSK: " + caller.heard[-1].strip().splitlines()[-1] in kept  # up to SKSK
    assert "CALLER: ********" in kept
    assert "40152270" not in kept and CONSENT_QUESTION not in kept


def test_no_or_anything_else_keeps_nothing(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "call.txt"
    caller = _session(sqlite_store, ["N GA", "SK"], path)
    assert "NO COPY" in caller.heard[1]
    assert "ACCT OR PHONE" in caller.heard[2]  # then the conversation as usual
    assert not path.exists()


def test_the_question_comes_after_bill_pay_and_says_what_to_type(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A caller who types the account number at once keeps it: no copy (only a clear Y
    keeps one), and the number answers the account question (the ZIP code is asked next)."""
    path = tmp_path / "call.txt"
    caller = _session(sqlite_store, ["40152270 GA", "SK"], path)
    first = caller.heard[0].strip()
    assert first.startswith("BILL PAY") and "TYPE Y FOR YES OR N FOR NO" in first
    assert "NO COPY" in caller.heard[1]
    assert "ZIP" in caller.heard[2] and "ACCT OR PHONE" not in caller.heard[2]
    assert not path.exists()


def test_a_word_that_is_not_y_or_n_is_asked_again(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "call.txt"
    caller = _session(sqlite_store, ["WHAT FILE GA", "Y GA", "SK"], path)
    assert caller.heard[1].strip() == ASK_AGAIN
    assert "A COPY WILL BE KEPT" in caller.heard[2]
    assert path.exists()


def test_without_a_transcript_file_nothing_is_asked(sqlite_store: Store, tmp_path: Path) -> None:
    caller = _session(sqlite_store, ["SK"], None)
    assert caller.heard[0].startswith("BILL PAY")
    assert not list(tmp_path.glob("*.txt"))


def test_consent_words_and_masking() -> None:
    assert consents("Y") and consents("yes") and consents("YES PLS")
    assert not consents("N") and not consents("Y N") and not consents("") and not consents("WHY")
    assert declines("n") and declines("NO THANKS") and not declines("40152270")
    assert mask_digits("PIN 2468 CARD 4417") == "PIN **** CARD ****"


def test_cli_takes_a_transcript_file() -> None:
    args = build_parser(["tty"]).parse_args(["tty", "--transcript", "call.txt"])
    assert args.transcript == "call.txt"
    assert build_parser(["tty"]).parse_args(["tty"]).transcript is None
