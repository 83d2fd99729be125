"""Snapshots of each main step of a payment, in standard, large and high-contrast
modes, at 80x24 (the large modes must not clip). Update the baselines with
``.venv/bin/pytest tests/ui/test_snapshots.py --snapshot-update`` after a
deliberate change, and look at the SVGs before committing them."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from kiosk.accessibility.modes import Mode

from .conftest import AVA, fill_entry, press

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
MODES = (Mode.STANDARD, Mode.LARGE, Mode.CONTRAST)


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
    assert snap_compare(app, terminal_size=(80, 24), run_before=walk(STEPS[step]))
