"""The phone's keys as keypad lines, and the line's settings (no SIP needed)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from kiosk.cli import main
from kiosk.conversation.prompt import AnswerKind, Prompt
from kiosk.conversation.wording import w
from kiosk.line.config import LineSettings, LineSettingsError
from kiosk.line.keys import DtmfKeys


def _prompt(kind: AnswerKind, length: int | None = None) -> Prompt:
    return Prompt(id="x", text=w("Q"), kind=kind, help=w("H"), digits_length=length)


def _keys(prompt: Prompt, presses: str, inter_digit: float = 5.0) -> DtmfKeys:
    keys = DtmfKeys(lambda: prompt, inter_digit)
    assert keys.poll(0.0) is None  # the step is on the line: keys pressed now answer it
    for key in presses:
        keys.press(key)
    return keys


def test_a_menu_takes_each_key_at_once():
    keys = _keys(_prompt(AnswerKind.CHOICE), "20*#")
    assert [keys.poll(0.1) for _ in range(4)] == ["2", "0", "*", "#"]
    assert keys.poll(0.05) is None


def test_only_a_phone_key_is_a_key():
    """What a SIP INFO may carry as its "key" (the SIP stack passes it on as text): an
    empty one, several characters, a letter; none is a key, on a menu or in a number."""
    keys = DtmfKeys(lambda: _prompt(AnswerKind.CHOICE))
    for junk in ("", "12", "1#", "A", "\r", "\x00", "\u0661"):
        keys.press(junk)
    assert keys.poll(0.05) is None
    number = _keys(_prompt(AnswerKind.DIGITS), "")
    for junk in ("", "12", "4015227", "0#"):
        number.press(junk)
    number.press("#")
    assert number.poll(0.1) == "#"  # nothing was typed before it: more time


def test_a_number_ends_at_hash_or_at_its_fixed_length():
    assert _keys(_prompt(AnswerKind.DIGITS), "40152270#").poll(0.1) == "40152270"
    pin = _keys(_prompt(AnswerKind.DIGITS, 4), "24681")
    assert pin.poll(0.1) == "2468"  # the fifth key belongs to the next step


def test_star_restarts_a_number_and_is_the_decimal_point_of_an_amount():
    assert _keys(_prompt(AnswerKind.DIGITS), "401*72201#").poll(0.1) == "72201"
    assert _keys(_prompt(AnswerKind.AMOUNT), "84*99#").poll(0.1) == "84.99"
    assert _keys(_prompt(AnswerKind.DIGITS), "*").poll(0.1) == "*"  # alone: repeat


def test_a_pause_ends_a_number_without_hash():
    keys = _keys(_prompt(AnswerKind.DIGITS), "72201", inter_digit=0.2)
    assert keys.poll(1.0) == "72201"


def test_the_end_of_the_call_closes_the_keypad():
    keys = _keys(_prompt(AnswerKind.DIGITS), "12")
    threading.Timer(0.05, keys.close).start()
    with pytest.raises(EOFError):
        keys.poll(1.0)


def test_settings_are_checked_with_a_message_that_says_how_to_fix_them():
    with pytest.raises(LineSettingsError, match="HOST:PORT"):
        LineSettings(listen="127.0.0.1:sip").check()
    with pytest.raises(LineSettingsError, match="pcmu"):
        LineSettings(codecs="g729").check()
    with pytest.raises(LineSettingsError, match="KIOSK_LINE_USER"):
        LineSettings(registrar="sip:pbx.example.net").check()


def test_the_password_comes_from_a_file_not_the_command_line(tmp_path, capsys):
    secret = tmp_path / "sip-password"
    secret.write_text("s3cret\n")
    settings = LineSettings(
        registrar="sip:pbx.example.net", user="kiosk", password_file=str(secret)
    )
    assert settings.sip_password() == "s3cret"
    with pytest.raises(SystemExit):
        main(["line", "--password", "s3cret"])
    with pytest.raises(SystemExit):
        main(["line", "--help"])
    shown = capsys.readouterr().out
    for documented in (
        "KIOSK_LINE_PASSWORD_FILE",
        "KIOSK_LINE_MAX_CALLS",
        "PCMU",
        "RFC 4733",
        "REFER",
        "486 Busy Here",
        "hunt group",
        "--listen 10.0.0.5:5071",
    ):
        assert documented in shown
    settings = [
        name
        for name, kind in LineSettings.__annotations__.items()
        if not str(kind).startswith("ClassVar")
    ]
    assert len(settings) >= 13
    for name in settings:  # every setting of the line, by its variable
        assert f"KIOSK_LINE_{name.upper()}" in shown, name


def test_a_bad_setting_stops_the_line_before_it_listens(capsys, monkeypatch):
    assert main(["line", "--listen", "nowhere"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err
    # More calls than the SIP stack holds: refused at start, saying what to do instead.
    assert main(["line", "--max-calls", "5"]) == 2
    assert "1 to 4" in capsys.readouterr().err
    monkeypatch.setenv("KIOSK_LINE_MAX_CALLS", "8")
    assert main(["line"]) == 2
    assert "another `kiosk line` on another port" in capsys.readouterr().err


def test_a_hash_after_a_number_that_ended_at_its_length_is_not_more_time(sqlite_store):
    """Callers end every number with #: the ZIP, PIN, expiry and security code end by
    themselves at their length, and the # after them is theirs, not "more time" on the
    next step. A # alone later still is more time."""
    from kiosk.conversation.engine import Conversation
    from kiosk.conversation.services import Services

    line = Services(sqlite_store, takes_cash=False, keyed_card=True, has_printer=False)
    conversation = Conversation(line)
    keys = DtmfKeys(lambda: conversation.prompt, inter_digit=3.0, burst_gap=0.2)
    seen = []

    def press(presses: str) -> None:
        keys.poll(0.0)  # the step is on the line, heard: a menu takes its key
        time.sleep(0.25)
        for key in presses:
            keys.press(key)
        while (typed := keys.poll(0.2)) is not None:
            seen.append(conversation.answer(typed))

    def choose(value: str) -> None:
        press({c.value: c.key for c in conversation.prompt.choices}[value])

    choose("start")
    press("40152270#72201#2468#")  # the account number has no fixed length
    assert conversation.prompt.id == "menu", conversation.prompt.id
    choose("pay")
    press("1")  # the full balance
    choose("card")
    press("4242424242424242#1228#737#")
    assert conversation.prompt.id == "pay_review", conversation.prompt.id
    assert conversation.extensions == 0
    assert not [p.id for p in seen if p.notice and "more time" in p.notice.standard]
    press("#")  # a # alone, with no number just before it: more time, as on the kiosk
    assert conversation.extensions == 1


def _ava_at_the_menu_of_a_call(store):
    """Ava signed in on a call's conversation, at the menu: first on a line with an agent
    to transfer to, then on one without. Yields (transfer, conversation)."""
    from kiosk.conversation.prompt import Register
    from kiosk.conversation.services import Services
    from kiosk.line.session import LineConversation

    services = Services(store, takes_cash=False, keyed_card=True, has_printer=False)
    for transfer in (True, False):
        conversation = LineConversation(services, Register.SPOKEN, transfer=transfer)
        for answer in ("1", "40152270", "72201", "2468"):
            conversation.answer(answer)
        assert conversation.prompt.id == "menu"
        yield transfer, conversation


def test_a_person_on_a_line_without_an_agent_is_a_call_back(sqlite_store):
    """The line's "person" (0): with an agent, a transfer (the reason and last 4 go with
    it); without one, the callback offer, which on a call has no store worker coming to
    the kiosk (it offered one, key 1, and said so in its help)."""
    from kiosk.conversation.prompt import Register
    from kiosk.line.session import TransferRequested

    for transfer, conversation in _ava_at_the_menu_of_a_call(sqlite_store):
        if transfer:
            with pytest.raises(TransferRequested) as asked:
                conversation.answer("0")
            assert asked.value.last4 == "2270" and "menu" in asked.value.reason
            continue
        offer = conversation.answer("0")
        assert offer.id == "person_contact"
        assert [(c.key, c.value) for c in offer.choices] == [
            ("1", "voice"),
            ("2", "tty"),
            ("3", "text"),
        ]
        for register in Register:
            told = f"{offer.render(register)} {offer.help.in_register(register)}".lower()
            assert "worker" not in told and "kiosk" not in told, told
        assert conversation.answer("1").id == "person_phone"


def test_a_caller_not_understood_three_times_is_offered_a_person_not_a_store_worker(
    sqlite_store,
):
    """The third miss on a step called a store worker 'to come and help' on a phone call
    too (engine.missed -> associate_now): false, and nobody would come. On a call it is
    the person step: a transfer with an agent, else the call-back offer, and no request
    for a worker is made."""
    from kiosk.conversation.prompt import Register
    from kiosk.line.session import TransferRequested
    from kiosk.store.models import ServiceRequest

    for transfer, conversation in _ava_at_the_menu_of_a_call(sqlite_store):
        conversation.missed()
        conversation.missed()
        if transfer:
            with pytest.raises(TransferRequested) as asked:
                conversation.missed()
            assert asked.value.last4 == "2270" and "not understood" in asked.value.reason
            continue
        offer = conversation.missed()
        assert offer.id == "person_contact"
        assert [c.value for c in offer.choices] == ["voice", "tty", "text"]
        for register in Register:
            told = offer.render(register).lower()
            assert "person can help" in told, told
            assert "worker" not in told and "coming" not in told, told
    with sqlite_store.sessions() as session:
        asked = session.scalars(select(ServiceRequest.contact_preference)).all()
    assert "associate_now" not in asked, asked
