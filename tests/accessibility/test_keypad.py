from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual.app import App
from textual.keys import Keys, _character_to_key

from kiosk.accessibility.keypad import (
    KEY_BINDINGS,
    KeyDescriber,
    KeypadAction,
    RepeatFilter,
    action_for_key,
    command_for,
    describe,
    keys_for,
)
from kiosk.accessibility.timing import ManualClock
from kiosk.conversation.prompt import Command

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")


def test_every_action_has_a_binding_and_a_description() -> None:
    for action in KeypadAction:
        assert keys_for(action), action
        text = describe(action)
        assert text.endswith(".") and len(text.split()) >= 3


def test_twelve_numeric_keys_plus_navigation() -> None:
    numeric = [a for a in KeypadAction if a.digit is not None]
    assert sorted(a.value for a in numeric) == sorted("0123456789*#")
    for name in ("up", "down", "enter", "escape", "f1", "backspace"):
        assert action_for_key(name) is not None
    assert action_for_key("x") is None


def test_no_chords() -> None:
    for key in KEY_BINDINGS:
        assert "+" not in key, f"{key} needs two keys at once"
        assert not any(key.startswith(mod) for mod in MODIFIERS), key


def test_key_names_are_textual_key_names() -> None:
    from textual._keyboard_protocol import FUNCTIONAL_KEYS

    known = {k.value for k in Keys} | set(FUNCTIONAL_KEYS.values())
    known |= {_character_to_key(c) for c in "*#?/+-"} | set("0123456789")
    assert set(KEY_BINDINGS) <= known


def test_real_key_presses_reach_every_action() -> None:
    seen: list[KeypadAction] = []

    class KeypadApp(App[None]):
        def on_key(self, event: events.Key) -> None:
            action = action_for_key(event.key)
            if action is not None:
                seen.append(action)

    async def run() -> None:
        app = KeypadApp()
        async with app.run_test() as pilot:
            for action in KeypadAction:
                await pilot.press(keys_for(action)[0])

    asyncio.run(run())
    assert seen == list(KeypadAction)


def test_default_commands() -> None:
    assert command_for(KeypadAction.HELP) is Command.HELP
    assert command_for(KeypadAction.BACK) is Command.BACK
    assert command_for(KeypadAction.HASH) is Command.MORE_TIME
    assert command_for(KeypadAction.DIGIT_5) is None


def test_describe_with_the_step_meaning() -> None:
    assert describe(KeypadAction.DIGIT_1, "Pay my bill") == "Number 1. Pay my bill."
    assert (
        describe(KeypadAction.HASH, "Ends the number")
        == "Hash key, also called pound. Ends the number."
    )


def hold(key: str, filt: RepeatFilter, clock: ManualClock, seconds: float, rate_hz: float = 30):
    """A held key as a terminal sends it: one event, then a stream of repeats."""
    accepted = 0
    steps = int(seconds * rate_hz)
    for _ in range(steps + 1):
        accepted += filt.accept(key)
        clock.advance(1 / rate_hz)
    return accepted


def test_held_key_repeats_no_faster_than_every_two_seconds() -> None:
    clock = ManualClock()
    filt = RepeatFilter(clock)
    assert hold("2", filt, clock, seconds=5.0) == 3  # at 0 s, 2 s, 4 s
    clock.advance(1)
    assert hold("2", filt, clock, seconds=1.5) == 1


def test_brisk_presses_of_the_same_key_all_count() -> None:
    clock = ManualClock()
    filt = RepeatFilter(clock)
    accepted = []
    for _ in range(4):  # PIN 1111 at about 6 presses a second
        accepted.append(filt.accept("1"))
        clock.advance(0.16)
    assert accepted == [True] * 4
    assert filt.accept("2") and filt.accept("3")


def test_repeat_delay_below_two_seconds_is_refused() -> None:
    with pytest.raises(ValueError, match="2 seconds"):
        RepeatFilter(ManualClock(), delay=0.5)


def test_hold_help_then_press_a_key_describes_it_and_does_nothing_else() -> None:
    clock = ManualClock()
    filt = RepeatFilter(clock)
    describer = KeyDescriber(filt)
    hold("f1", filt, clock, seconds=1.0)  # Help held: its repeats keep coming
    assert filt.accept("5")
    text = describer.intercept(KeypadAction.DIGIT_5)
    assert text == describe(KeypadAction.DIGIT_5)
    clock.advance(1.0)  # Help released long ago: keys act again
    filt.accept("5")
    assert describer.intercept(KeypadAction.DIGIT_5) is None


def test_latched_describe_mode() -> None:
    describer = KeyDescriber(RepeatFilter(ManualClock()))
    assert describer.intercept(KeypadAction.ENTER) is None
    describer.latched = True
    assert describer.intercept(KeypadAction.ENTER) == describe(KeypadAction.ENTER)
    assert describer.intercept(KeypadAction.HELP) is None  # Help still helps
