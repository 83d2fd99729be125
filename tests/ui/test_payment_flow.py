"""A whole payment on the kiosk screen, in every mode, with keypad keys only,
and once with the mouse. The payment must be in the store afterwards."""

from __future__ import annotations

import asyncio
import time

import pytest
from textual import events
from textual.widgets import Digits

from kiosk.accessibility.modes import Mode
from kiosk.conversation.prompt import Register
from kiosk.store.models import PaymentMethodKind
from kiosk.ui.choices import ChoiceButton
from kiosk.ui.details import DetailsTable
from kiosk.ui.entry import EntryInput

from .conftest import AVA, press, run_async, settled, sign_in, succeeded_payments

# Menu key of "Pay my bill": the simplified menu puts paying first.
PAY_KEY = {Mode.SIMPLE: "1"}


@pytest.mark.parametrize("mode", list(Mode))
@run_async
async def test_keypad_only_payment_in_every_mode(make_app, ui_store, mode: Mode) -> None:
    before = len(succeeded_payments(ui_store))
    app = make_app(mode)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        assert app.session.prompt.id == "menu"
        assert "Ava" in app.session.prompt.render(Register.STANDARD)
        await press(pilot, PAY_KEY.get(mode, "2"))  # pay my bill
        assert app.session.prompt.id == "pay_amount"
        await press(pilot, "1")  # the full balance
        await press(pilot, "1")  # by card
        assert app.session.prompt.id == "pay_review"
        await press(pilot, "down", "up", "enter")  # focus moves, Enter picks "1 Yes"
        assert app.session.prompt.id == "pay_result"
        number = app.session.prompt.big_value
        if mode in (Mode.LARGE, Mode.CONTRAST):
            assert app.screen.query_one("#big-value", Digits).value == number
        else:
            assert (("Confirmation", number)) in app.screen.query_one(DetailsTable).rows
        await press(pilot, "4")  # no more receipts
        await press(pilot, "2")  # nothing else
        assert app.session.prompt.end_of_session
    paid = succeeded_payments(ui_store)
    assert len(paid) == before + 1
    assert paid[-1].cents == 8499 and paid[-1].method is PaymentMethodKind.CARD


@run_async
async def test_payment_with_the_mouse(make_app, ui_store) -> None:
    before = len(succeeded_payments(ui_store))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:

        async def click_choice(key: str) -> None:
            button = next(b for b in app.screen.query(ChoiceButton) if b.raw == key)
            assert await pilot.click(button)
            await settled(pilot)

        async def enter(text: str) -> None:
            assert await pilot.click(EntryInput)
            field = app.screen.query_one(EntryInput)
            field.value = text  # what a touch keyboard or barcode scanner fills in
            await press(pilot, "enter")

        await click_choice("1")
        await enter(AVA["account"])
        await enter(AVA["zip"])
        await enter(AVA["pin"])
        await click_choice("2")
        await click_choice("1")
        await click_choice("1")
        assert app.session.prompt.id == "pay_review"
        await click_choice("1")
        assert app.session.prompt.id == "pay_result"
        assert await pilot.click("#key-f1")  # the key bar is clickable too: Help
        await pilot.pause()
        assert app.session.prompt.notice is not None
    assert len(succeeded_payments(ui_store)) == before + 1


@run_async
async def test_keys_pressed_while_paying_do_not_act_on_the_next_step(make_app, ui_store) -> None:
    """A key pressed while the card payment runs must not act on the review or the result."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await press(pilot, "2", "1", "1")
        assert app.session.prompt.id == "pay_review"
        conversation = app.session.conversation
        real_answer = conversation.answer

        calls: list[str] = []

        def slow_answer(raw: str):
            calls.append(raw)
            time.sleep(0.5)  # a card terminal taking its time
            return real_answer(raw)

        conversation.answer = slow_answer  # type: ignore[method-assign]
        driver = app._driver
        assert driver is not None
        app.clock.advance(1)
        driver.send_message(events.Key("1", "1"))  # pay
        driver.send_message(events.Key("2", "2"))  # an impatient press meanwhile
        for _ in range(100):
            await asyncio.sleep(0.05)
            if app.session.prompt.id != "pay_review":
                break
        await settled(pilot)
        await pilot.pause()
        await asyncio.sleep(0.6)  # a second answer, had it been sent, would be done now
        await pilot.pause()
        assert calls == ["1"]
        assert app.session.prompt.id == "pay_result"
