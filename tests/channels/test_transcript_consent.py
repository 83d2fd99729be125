"""``kiosk tty --transcript FILE``: a copy of the call only after the caller types Y.

Real FSK audio both ways through the TTY channel and a seeded store: the caller's
TTY decodes the kiosk's tones and types its next line when it sees GA.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.channels.tty import TtyChannel, TtyOptions
from kiosk.channels.tty_transcript import CONSENT_QUESTION, consents, mask_digits
from kiosk.cli import build_parser
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.store.store import Store

from .tty_caller import ScriptedCaller


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


def test_without_a_transcript_file_nothing_is_asked(sqlite_store: Store, tmp_path: Path) -> None:
    caller = _session(sqlite_store, ["SK"], None)
    assert caller.heard[0].startswith("BILL PAY")
    assert not list(tmp_path.glob("*.txt"))


def test_consent_words_and_masking() -> None:
    assert consents("Y") and consents("yes") and consents("YES PLS")
    assert not consents("N") and not consents("Y N") and not consents("") and not consents("WHY")
    assert mask_digits("PIN 2468 CARD 4417") == "PIN **** CARD ****"


def test_cli_takes_a_transcript_file() -> None:
    args = build_parser(["tty"]).parse_args(["tty", "--transcript", "call.txt"])
    assert args.transcript == "call.txt"
    assert build_parser(["tty"]).parse_args(["tty"]).transcript is None
