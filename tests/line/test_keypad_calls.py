"""Real SIP calls to `kiosk line` (PJSIP) from SIPp: a caller who only presses keys.

Keys arrive as RFC 4733 telephone-events in the caller's RTP, or as SIP INFO sent by
SIPp; the line's audio is recorded at the caller's end.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select

from kiosk.payments.registry import reconciliation_methods
from kiosk.payments.service import PaymentService
from kiosk.speech.numbers import digits_to_words
from kiosk.store.models import Account, AttemptState, PaymentAttempt

AVA, AVA_ZIP, AVA_PIN = "40152270", "72201", "2468"


def _attempts(store, account: str) -> list[PaymentAttempt]:
    with store.sessions() as session:
        return list(
            session.execute(
                select(PaymentAttempt)
                .join(Account, Account.id == PaymentAttempt.account_id)
                .where(Account.number == account)
                .order_by(PaymentAttempt.id)
            ).scalars()
        )


def _press(caller, *entries: str) -> None:
    for entry in entries:
        for key in entry:
            caller.rtp.key(key)
    caller.rtp.wait_sent()


WELCOME = "Welcome"
MENU = "What would you like to do?"
PAY_STEPS = (MENU, "How much do you want to pay?", "How do you want to pay?", "Is this right?")
REVIEW = PAY_STEPS[-1]
ANYTHING_ELSE = "nything else"  # "Anything else today?"


def _menus(line, caller, *keys: str) -> None:
    """Answer the pay steps in turn, each key once its step is being said."""
    for words, key in zip(PAY_STEPS, keys, strict=False):
        line.press_when_said(caller, words, key)


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_keys_only_caller_pays_avas_bill_and_hears_the_confirmation(line, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    before = len(_attempts(line.store, AVA))
    caller = line.call(tmp_path)
    try:
        # Numbers may be typed ahead; a menu's key comes once the menu is being said
        # (a key typed before a menu or the review is heard is no answer to it).
        line.press_when_said(caller, WELCOME, "1")
        _press(caller, AVA + "#", AVA_ZIP + "#", AVA_PIN + "#")
        _menus(line, caller, "2", "1", "1", "1")  # pay, the full amount, card, yes
        assert _wait_for(lambda: len(_attempts(line.store, AVA)) > before, 60)
        assert _wait_for(lambda: _attempts(line.store, AVA)[-1].state == AttemptState.SUCCEEDED, 30)
        paid = _attempts(line.store, AVA)[-1]
        assert paid.cents == 8499
        heard_from = len(caller.rtp.received())
        line.wait_said(caller, "Your confirmation number is")
        assert caller.rtp.wait_quiet(1.5, timeout=60)  # the confirmation is read out whole
        _press(caller, "4")  # no more receipts
        line.press_when_said(caller, ANYTHING_ELSE, "2")  # nothing else: goodbye, hang-up
        assert caller.wait(60) == 0
    finally:
        caller.close()
    outcome = line.outcome(caller.call_id)
    assert outcome is not None and outcome.channel == "voice" and not outcome.transferred
    spoken = " ".join(outcome.captions)
    number = _attempts(line.store, AVA)[-1].confirmation_number
    assert number and digits_to_words(number) in spoken
    # ... and it was sound on the call, not only a caption: seconds of speech came after
    # the payment went through.
    after = caller.rtp.received()[heard_from:]
    assert np.sqrt(np.mean(after**2)) > 0.01 and after.size > 5 * 8000
    # Keys are never spoken back nor logged: not the PIN, not the account number.
    assert digits_to_words(AVA_PIN) not in spoken and AVA_PIN not in spoken
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert AVA_PIN not in logged and AVA not in logged
    assert "key pressed" in logged


def test_person_is_a_blind_transfer_with_the_reason_and_last_4_for_the_agent(line, tmp_path):
    line.server.parts.agent_uri = "sip:agents@127.0.0.1:5999"
    caller = line.call(tmp_path, codec="PCMA")
    try:
        line.press_when_said(caller, WELCOME, "1")
        _press(caller, "40152273#", "50309#", "9753#")  # Dev signs in by RFC 4733 keys
        line.wait_said(caller, MENU)
        caller.info_key("0")  # "0" on the menu: a person (sent as SIP INFO by SIPp)
        assert caller.wait(60) == 0  # REFER taken (202, NOTIFY 200), then the line's BYE
    finally:
        line.server.parts.agent_uri = ""
        caller.close()
    messages = caller.messages()
    refer = messages[messages.index("REFER sip:") :]
    assert "Refer-To: <sip:agents@127.0.0.1:5999>" in refer.split("\n\n")[0] or (
        "Refer-To: sip:agents@127.0.0.1:5999" in refer
    )
    assert "X-Kiosk-Account-Last4: 2273" in refer
    assert "X-Kiosk-Reason: asked for a person" in refer
    assert "40152273" not in refer
    outcome = line.outcome(caller.call_id)
    assert outcome is not None and outcome.transferred


def test_a_declined_transfer_offers_the_callback_at_once(line, tmp_path):
    from kiosk.devtools.sip_caller import SippCaller

    line.server.parts.agent_uri = "sip:agents@127.0.0.1:5999"
    caller = SippCaller(line.address, workdir=tmp_path / "sipp-decline", decline_transfer=True)
    caller.start()
    try:
        assert caller.wait_answered(10.0)
        line.press_when_said(caller, WELCOME, "1")
        _press(caller, "40152273#", "50309#", "9753#")
        line.press_when_said(caller, MENU, "0")  # Dev asks for a person
        # The REFER is declined (603): the caller is told so and hears the callback offer
        # straight away, on the same call.
        offered = _wait_for(
            lambda: (
                "how do you want us to reach you"
                in " ".join(_spoken_so_far(line, caller.call_id)).lower()
            ),
            30,
        )
        said = " ".join(_spoken_so_far(line, caller.call_id))
        caller.hang_up()
        assert caller.wait(30) == 0
    finally:
        line.server.parts.agent_uri = ""
        caller.close()
    assert offered, said
    assert "REFER sip:" in caller.messages() and "603 Declined" in caller.messages()
    assert said.index("no one can take your call") < said.index("reach you")
    outcome = line.outcome(caller.call_id)
    assert outcome is not None and not outcome.transferred and outcome.hung_up_by_caller


def test_a_caller_who_hangs_up_while_paying_leaves_nothing_open(line, tmp_path):
    ben = "40152271"
    before = len(_attempts(line.store, ben))
    caller = line.call(tmp_path)
    try:
        # Ben signs in, picks pay, the past-due amount, card, and says yes to the review,
        # and hangs up as soon as the payment is begun.
        line.press_when_said(caller, WELCOME, "1")
        _press(caller, ben + "#", "35203#", "1357#")
        _menus(line, caller, "2", "1", "1", "1")
        assert _wait_for(lambda: len(_attempts(line.store, ben)) > before, 30)
        caller.hang_up()
        assert caller.wait(30) == 0
    finally:
        caller.close()
    outcome = line.outcome(caller.call_id)
    assert outcome is not None and outcome.hung_up_by_caller
    service = PaymentService(line.store)
    service.reconcile(reconciliation_methods(line.store.settings))
    attempts = _attempts(line.store, ben)[before:]
    assert attempts
    assert all(
        a.state not in (AttemptState.CREATED, AttemptState.SENT, AttemptState.UNKNOWN)
        for a in attempts
    )
    assert sum(a.state == AttemptState.SUCCEEDED for a in attempts) <= 1
    assert all(a.cents == 9500 for a in attempts)


def _spoken_so_far(line, call_id: str) -> list[str]:
    """What the line has said on a call so far (its captions), while the call is on."""
    call = line.server.calls.get(call_id)
    session = getattr(call, "session", None)
    return [caption.text for caption in session.captions.entries] if session else []


def test_a_voice_caller_answers_by_speech(line, tmp_path):
    from kiosk.line.audio import to_line_rate
    from kiosk.speech.tts import EspeakSynthesizer

    speech, rate = EspeakSynthesizer(voice="en-us").synthesize("start")
    caller = line.call(tmp_path)
    try:
        # The greeting is said whole (a loaded machine may pause between its pieces),
        # then the line listens.
        assert _wait_for(lambda: _spoken_so_far(line, caller.call_id), 30)
        assert caller.rtp.wait_quiet(2.5, timeout=60)
        caller.rtp.play(to_line_rate(speech, rate) * 0.8)
        asked = _wait_for(
            lambda: "account number" in " ".join(_spoken_so_far(line, caller.call_id)[1:]).lower(),
            20,
        )
        said = _spoken_so_far(line, caller.call_id)
        caller.hang_up()
        assert caller.wait(30) == 0
    finally:
        caller.close()
    assert asked, said
    outcome = line.outcome(caller.call_id)
    assert outcome is not None and outcome.channel == "voice"


def test_a_keys_only_caller_pays_by_keyed_card_and_hears_brand_last_4_and_confirmation(
    line, tmp_path, caplog
):
    """Card-not-present on the line: the card's number, expiry and security code are keyed
    (DTMF), never said back nor logged nor stored; the review and the confirmation name
    the card as "Visa ending 4242"."""
    from kiosk.settings import data_dir

    card, expiry, code = "4242424242424242", "1230", "737"
    caplog.set_level(logging.DEBUG)
    services = line.server.parts.services
    # as `kiosk line` runs: no bill slot, the card keyed, no printer
    services.takes_cash, services.keyed_card, services.has_printer = False, True, False
    dev = "40152273"  # no other call here pays Dev's bill: his amounts stay as seeded
    before = len(_attempts(line.store, dev))
    caller = line.call(tmp_path)
    try:
        # Sign in, pay, his plan's next $40.00, card; then the card, typed ahead: the
        # number ends with #, the expiry and the code at their length; and a 1 keyed with
        # them, before the review was said: it is not the yes.
        line.press_when_said(caller, WELCOME, "1")
        _press(caller, dev + "#", "50309#", "9753#")
        _menus(line, caller, "2", "1", "1")
        _press(caller, card + "#", expiry, code, "1")
        line.wait_said(caller, REVIEW)
        assert caller.rtp.wait_quiet(1.5, timeout=60)  # the review said whole: no charge
        assert len(_attempts(line.store, dev)) == before
        _press(caller, "1")  # heard: yes
        assert _wait_for(lambda: len(_attempts(line.store, dev)) > before, 90)
        assert _wait_for(lambda: _attempts(line.store, dev)[-1].state == AttemptState.SUCCEEDED, 30)
        heard_from = len(caller.rtp.received())
        line.wait_said(caller, "Your confirmation number is")
        assert caller.rtp.wait_quiet(1.5, timeout=60)  # the confirmation is read out whole
        _press(caller, "4")  # no more receipts
        line.press_when_said(caller, ANYTHING_ELSE, "2")  # nothing else: goodbye
        assert caller.wait(60) == 0
    finally:
        services.takes_cash, services.keyed_card, services.has_printer = True, False, True
        caller.close()
    outcome = line.outcome(caller.call_id)
    assert outcome is not None and outcome.channel == "voice"
    paid = _attempts(line.store, dev)[-1]
    assert (paid.brand, paid.last4, paid.cents) == ("VISA", "4242", 4000)
    spoken = " ".join(outcome.captions)
    review = spoken.index("Is this right?")
    assert "Visa ending 4242" in spoken[:review] and "forty dollars" in spoken[:review]
    assert "card reader" not in spoken
    number = paid.confirmation_number
    assert number and digits_to_words(number) in spoken[review:]
    assert "Visa ending 4242" in spoken[review:]
    after = caller.rtp.received()[heard_from:]
    assert np.sqrt(np.mean(after**2)) > 0.01 and after.size > 3 * 8000
    # Nothing of the card but its brand and last 4: not said, not logged, not stored.
    for secret in (card, digits_to_words(card), digits_to_words(code), digits_to_words(expiry)):
        assert secret not in spoken
    logged = "\n".join(f"{record.getMessage()} {vars(record)!r}" for record in caplog.records)
    assert card not in logged and "key pressed" in logged
    files = [
        Path(str(line.store.engine.url.database)),
        services.payments.journal.path,
        *data_dir().iterdir(),  # the processor journal of this test
    ]
    files += [path.with_name(path.name + "-wal") for path in files]
    assert any(path.name.startswith("processor-") for path in files)
    for path in files:
        if path.exists():
            assert card.encode() not in path.read_bytes(), path


def test_a_card_number_keyed_at_once_after_a_decline_does_not_cascade(line, tmp_path):
    """On a real call: Carmen's card is declined (the bank said no), she presses 1 and at
    once keys the whole card number, as if 1 were "type it again". Here 1 is "pay another
    way", and the number lands on that menu before it is said: it chooses nothing (before:
    its 4 was refused and said back, its 2 chose a bank account, the rest went in as
    routing numbers), is never said back, and the call goes on: a key pressed after the
    menu was heard chooses the card again."""
    card, carmen = "4242424242424242", "40152272"
    services = line.server.parts.services
    services.takes_cash, services.keyed_card, services.has_printer = False, True, False
    before = len(_attempts(line.store, carmen))
    caller = line.call(tmp_path)
    try:
        line.press_when_said(caller, WELCOME, "1")
        _press(caller, carmen + "#", "27601#", "8642#")
        _menus(line, caller, "2", "1", "1")  # pay, the amount with the fee, card
        _press(caller, "4000000000000002#", "1230", "737")
        line.press_when_said(caller, REVIEW, "1")
        line.press_when_said(caller, "did not go through", "1" + card)
        assert caller.rtp.wait_quiet(1.5, timeout=60)  # the way-to-pay menu, said whole
        said = line.said(caller.call_id)
        after = said[said.index("did not go through") :]
        line.press_when_said(caller, "How do you want to pay?", "1", count=2)
        assert _wait_for(lambda: "Type the card number" in line.said(caller.call_id)[-400:], 30)
        caller.hang_up()
        assert caller.wait(30) == 0
    finally:
        services.takes_cash, services.keyed_card, services.has_printer = True, False, True
        caller.close()
    assert after.count("How do you want to pay?") == 1, after  # said once: nothing chose
    for heard in ("not one of the choices", "routing", "bank account number", "Goodbye"):
        assert heard not in after, (heard, after)
    for secret in (card, digits_to_words(card), digits_to_words(card[:4]), '"4"'):
        assert secret not in said
    attempts = _attempts(line.store, carmen)[before:]
    assert [a.state for a in attempts] == [AttemptState.DECLINED]
    outcome = line.outcome(caller.call_id)
    assert outcome is not None and outcome.hung_up_by_caller
