"""Keys typed ahead on the phone do not cascade through steps the caller never heard.

A conversation on the line's services (keyed card, no printer) driven through the
line's own DtmfKeys, as the voice channel drives it: it asks for keys as soon as a step
appears, answers with each line, and asks again. Keys are pressed from another thread at
a keying pace (a burst), so some of them come after the step they land on appeared.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.services import Services
from kiosk.line.keys import DtmfKeys
from kiosk.speech.numbers import digits_to_words
from kiosk.store.models import Account, PaymentAttempt

GAP = 0.3  # the pause that ends a burst (1 s on the line), short for the test
PACE = 0.05  # seconds between keys of a burst
VISA = "4242424242424242"
DO_NOT_HONOR = "4000000000000002"  # declined: "1" is then "pay another way"
WRONG_CODE = "4000000000000127"  # declined for its security code: "1" is "type it again"


class Caller:
    """A conversation on the line's services, its keys, and everything said on it."""

    def __init__(self, store) -> None:
        services = Services(store, takes_cash=False, keyed_card=True, has_printer=False)
        self.store = store
        self.conversation = Conversation(services, Register.SPOKEN)
        self.keys = DtmfKeys(lambda: self.conversation.prompt, inter_digit=GAP, burst_gap=GAP)
        self.steps: list[Prompt] = [self.conversation.prompt]

    def key(self, presses: str, pace: float = PACE) -> None:
        """Press keys at a keying pace while the line answers them; back once quiet."""
        self.keys.poll(0.0)  # the step on the line now is the one being said
        presser = threading.Thread(target=self._press, args=(presses, pace))
        presser.start()
        while presser.is_alive() or (line := self.keys.poll(GAP * 2)) is not None:
            if presser.is_alive():
                line = self.keys.poll(0.05)
            if line is not None:
                self.steps.append(self.conversation.answer(line))
        presser.join()

    def _press(self, presses: str, pace: float) -> None:
        for key in presses:
            self.keys.press(key)
            time.sleep(pace)

    def choose(self, value: str) -> None:
        self.key({c.value: c.key for c in self.conversation.prompt.choices}[value])
        time.sleep(GAP)  # as a caller listening to the next step

    def said(self) -> str:
        return " ".join(step.render(Register.SPOKEN) for step in self.steps)

    def attempts(self) -> int:
        with self.store.sessions() as session:
            return len(
                session.execute(
                    select(PaymentAttempt)
                    .join(Account, Account.id == PaymentAttempt.account_id)
                    .where(Account.number == "40152270")
                ).all()
            )


def _signed_in(caller: Caller, then: str = "") -> None:
    """Start, and key Ava's account, ZIP and PIN (and ``then``, in the same burst)."""
    caller.choose("start")
    caller.key("40152270#72201#2468" + then)


def _to_the_card(caller: Caller) -> None:
    _signed_in(caller)
    time.sleep(GAP)
    caller.choose("pay")
    caller.key("1")  # the full balance
    time.sleep(GAP)
    caller.choose("card")
    assert caller.conversation.prompt.id == "card_number", caller.conversation.prompt.id


def _declined(caller: Caller, card: str) -> None:
    _to_the_card(caller)
    caller.key(card + "#1230737")
    time.sleep(GAP)
    assert caller.conversation.prompt.id == "pay_review", caller.conversation.prompt.id
    caller.key("1")
    assert caller.conversation.prompt.id == "pay_failed"
    time.sleep(GAP)


def test_a_card_number_keyed_at_once_after_a_decline_does_not_cascade(sqlite_store):
    """Declined (the bank said no): the caller presses 1 and at once keys the card
    number, as if 1 were "type it again". Here 1 is "pay another way": the rest of the
    burst lands on that menu before a word of it was said, and is dropped (before: '4'
    was refused, quoted, and '2' chose a bank account, the rest going in as routing
    numbers). Nothing of the number is said back and the call goes on."""
    caller = Caller(sqlite_store)
    _declined(caller, DO_NOT_HONOR)
    said_before = len(caller.steps)
    caller.key("1" + VISA)
    assert [step.id for step in caller.steps[said_before:]] == ["pay_method"]
    prompt = caller.conversation.prompt
    assert prompt.error is None and not prompt.end_of_session
    said = caller.said()
    for group in (VISA, VISA[:4], digits_to_words(VISA[:4]), '"4"', "is not one of"):
        assert group not in said, group
    time.sleep(GAP)  # heard the menu: the next key is an answer again
    caller.choose("card")
    assert caller.conversation.prompt.id == "card_number"


def test_after_type_it_again_the_card_number_keyed_at_once_is_the_card_number(sqlite_store):
    """Declined for its security code, 1 is "type the card again": the number keyed at
    once with it goes to the card number step, whole, and the expiry is asked next."""
    caller = Caller(sqlite_store)
    _declined(caller, WRONG_CODE)
    caller.key("1" + VISA + "#")
    assert [s.id for s in caller.steps[-2:]] == ["card_number", "card_expiry"]
    assert caller.conversation.prompt.error is None


def test_a_1_typed_ahead_at_the_payment_review_is_not_the_yes(sqlite_store):
    """The security code and a "1" keyed in one go: the 1 lands on the payment review
    before a word of it was heard and must not pay. After a pause (the caller listened)
    1 pays."""
    caller = Caller(sqlite_store)
    before = caller.attempts()
    _to_the_card(caller)
    caller.key(VISA + "#1230737" + "1")
    assert caller.conversation.prompt.id == "pay_review"
    assert caller.attempts() == before
    time.sleep(GAP)
    caller.key("1")  # heard: 1 pays
    assert caller.conversation.prompt.id == "pay_result", caller.conversation.prompt.id
    assert caller.attempts() == before + 1


@pytest.mark.parametrize("more", ["#72201", "#6011000990139424", "#2112"])
def test_keys_typed_ahead_onto_a_menu_choose_nothing(sqlite_store, more):
    """Keys keyed on after the PIN land on the main menu before it is heard: the ZIP
    again (7 was "I am done": the call ended), a Discover card (6: a person), menus
    typed ahead (2 pay, 1 the full balance, 1 card, then 2 ...). None of them is taken;
    the menu is there, then a key pressed after it was heard is."""
    caller = Caller(sqlite_store)
    _signed_in(caller, then=more)
    assert [step.id for step in caller.steps[-2:]] == ["verify_pin", "menu"]
    assert caller.conversation.prompt.error is None
    time.sleep(GAP)
    caller.choose("pay")
    assert caller.conversation.prompt.id == "pay_amount"


def test_a_burst_after_a_refused_number_is_dropped_until_the_caller_stops(sqlite_store):
    """An expiry refused (month 13), and the caller keyed on: the rest of that burst is
    not taken as the expiry; after a pause the expiry keyed is."""
    caller = Caller(sqlite_store)
    _to_the_card(caller)
    caller.key(VISA + "#")
    time.sleep(GAP)
    caller.key("1330" + "1230")
    assert caller.conversation.prompt.id == "card_expiry"
    assert caller.conversation.prompt.error is not None
    time.sleep(GAP)
    caller.key("1230")
    assert caller.conversation.prompt.id == "card_code"
