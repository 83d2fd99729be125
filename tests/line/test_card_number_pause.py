"""A card number keyed on a phone is not cut off by a pause: keying 16 digits from a card
takes longer than the line's pause between keys, and a part of the number was sent as
the whole ('too short: it has 12 numbers'). A number shorter than the shortest card
number waits for more keys or #; held digits are dropped if the step changes."""

from __future__ import annotations

import time

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.line.keys import DtmfKeys

PAUSE = 0.3  # the line's pause between keys (4 s on a real line), short for the test
VISA = "4242424242424242"


def _at_card_number(sqlite_store) -> tuple[Conversation, DtmfKeys]:
    line = Services(sqlite_store, takes_cash=False, keyed_card=True, has_printer=False)
    conversation = Conversation(line, Register.SPOKEN)
    keys = DtmfKeys(lambda: conversation.prompt, inter_digit=PAUSE)
    for answer in ("1", "40152270", "72201", "2468"):
        conversation.answer(answer)
    conversation.answer({c.value: c.key for c in conversation.prompt.choices}["pay"])
    conversation.answer("1")  # the full balance
    conversation.answer({c.value: c.key for c in conversation.prompt.choices}["card"])
    assert conversation.prompt.id == "card_number"
    return conversation, keys


def _press(keys: DtmfKeys, presses: str) -> None:
    for key in presses:
        keys.press(key)


def _sent(keys: DtmfKeys, wait: float) -> str | None:
    return keys.poll(wait)


def test_a_pause_in_a_card_number_does_not_send_part_of_it(sqlite_store):
    conversation, keys = _at_card_number(sqlite_store)
    _press(keys, VISA[:12])
    assert _sent(keys, PAUSE * 4) is None  # 12 keys, then a long pause: still keying
    _press(keys, VISA[12:])
    started = time.monotonic()
    line = _sent(keys, PAUSE * 6)  # 16 keys and a pause: it is whole, it goes
    assert line == VISA and time.monotonic() - started >= PAUSE * 0.9
    conversation.answer(line)
    assert conversation.prompt.id == "card_expiry" and conversation.prompt.error is None


def test_a_short_number_goes_only_with_its_hash_and_is_not_read_back(sqlite_store):
    conversation, keys = _at_card_number(sqlite_store)
    _press(keys, VISA[:12])
    assert _sent(keys, PAUSE * 4) is None
    _press(keys, "#")
    line = _sent(keys, PAUSE)
    assert line == VISA[:12]
    conversation.answer(line)
    assert conversation.prompt.id == "card_number"
    told = conversation.prompt.render(Register.SPOKEN)
    assert "too short: it has 12 numbers" in told and VISA[:4] not in told


def test_digits_held_for_a_step_left_are_dropped(sqlite_store):
    conversation, keys = _at_card_number(sqlite_store)
    _press(keys, VISA[:8])
    assert _sent(keys, PAUSE * 3) is None
    conversation.answer("help")  # the same step said again: still keying
    _press(keys, VISA[8:])
    assert _sent(keys, PAUSE * 4) == VISA
    conversation.answer(VISA)
    _press(keys, "01")  # typing the expiry ...
    assert _sent(keys, PAUSE / 3) is None
    conversation.answer("back")  # ... when the step changed (a spoken command, time ran out)
    assert conversation.prompt.id == "card_number"
    _press(keys, VISA + "#")
    assert _sent(keys, PAUSE) == VISA  # not the expiry's keys and then these


def test_other_numbers_still_end_at_a_pause(sqlite_store):
    line = Services(sqlite_store, takes_cash=False, keyed_card=True, has_printer=False)
    conversation = Conversation(line, Register.SPOKEN)
    keys = DtmfKeys(lambda: conversation.prompt, inter_digit=PAUSE)
    conversation.answer("1")
    assert conversation.prompt.id == "verify_id"
    _press(keys, "40152270")  # an account number: no shortest, a pause sends it
    assert _sent(keys, PAUSE * 4) == "40152270"
