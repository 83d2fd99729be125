"""Snapshots of each main step of a payment, in every mode (standard, large, high
contrast, simple), at 80x24 (the large modes must not clip, and every option is on
screen). Update the baselines with
``.venv/bin/pytest tests/ui/test_snapshots.py --snapshot-update`` after a
deliberate change, and look at the SVGs before committing them."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from kiosk.accessibility.modes import Mode

from .conftest import AVA, fill_entry, press, run_async

# Keys from the welcome screen to each step (standard menu: 2 = pay).
STEPS: dict[str, tuple[str, ...]] = {
    "welcome": (),
    "account": ("1",),
    "pin": ("1", f"={AVA['account']}", f"={AVA['zip']}"),
    "menu": ("1", f"={AVA['account']}", f"={AVA['zip']}", f"={AVA['pin']}"),
    "pay_amount": ("1", f"={AVA['account']}", f"={AVA['zip']}", f"={AVA['pin']}", "2"),
    "review": ("1", f"={AVA['account']}", f"={AVA['zip']}", f"={AVA['pin']}", "2", "1", "1"),
    "result": ("1", f"={AVA['account']}", f"={AVA['zip']}", f"={AVA['pin']}", "2", "1", "1", "1"),
}
MODES = (Mode.STANDARD, Mode.LARGE, Mode.CONTRAST, Mode.SIMPLE)


def keys_for(step: str, mode: Mode) -> tuple[str, ...]:
    """The simple menu puts paying first (1), the others second (2)."""
    keys = STEPS[step]
    if mode is Mode.SIMPLE and len(keys) > 4:
        keys = (*keys[:4], "1", *keys[5:])
    return keys


def walk(keys: tuple[str, ...]):
    async def run_before(pilot: Pilot) -> None:
        for key in keys:
            if key.startswith("="):
                await fill_entry(pilot, key[1:])
            else:
                await press(pilot, key)

    return run_before


@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@pytest.mark.parametrize("step", list(STEPS))
def test_step_snapshot(snap_compare, make_app, mode: Mode, step: str) -> None:
    app = make_app(mode)
    assert snap_compare(app, terminal_size=(80, 24), run_before=walk(keys_for(step, mode)))


BEN = ("1", "=40152271", "=35203", "=1357")
CROWDED = {  # the steps with the most to show: Ben's notice and menu, his plans, a result
    "menu": BEN,
    "plan_offers": (*BEN, "3"),
    "bill": (*BEN, "1"),
    "result": STEPS["result"],
    "review": STEPS["review"],
}


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@pytest.mark.parametrize("step", list(CROWDED))
@run_async
async def test_every_option_is_on_screen(make_app, mode: Mode, step: str, size) -> None:
    """Issue 16: at 80x24 and 100x30 in the large modes the options were below the
    screen with only a dim scrollbar as a hint. Every option lies inside the visible
    step area, without scrolling."""
    from kiosk.ui.choices import ChoiceButton
    from kiosk.ui.step_view import StepView

    keys = CROWDED[step]
    if mode is Mode.SIMPLE and step == "plan_offers":
        keys = (*BEN, "3", "1")  # simple menu: 3 Other help, then 1 a payment plan
    elif mode is Mode.SIMPLE and step == "bill":
        keys = (*BEN, "2")
    else:
        keys = keys_for(step, mode) if step in STEPS else keys
    app = make_app(mode)
    async with app.run_test(size=size) as pilot:
        await walk(keys)(pilot)
        view = app.screen.query_one(StepView)
        assert view.prompt.id == {"result": "pay_result", "review": "pay_review"}.get(step, step)
        buttons = list(app.screen.query(ChoiceButton))
        assert buttons
        visible = view.region
        for button in buttons:
            assert visible.contains_region(button.region), (
                f"{button.label} at {button.region} is outside {visible}"
            )
