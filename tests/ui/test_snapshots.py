"""Snapshots of each main step of a payment, in every mode (standard, large, high
contrast, simple), at 80x24 (the large modes must not clip, and every option is on
screen). Update the baselines with
``.venv/bin/pytest tests/ui/test_snapshots.py --snapshot-update`` after a
deliberate change, and look at the SVGs before committing them."""

from __future__ import annotations

import re
import shutil

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from kiosk.accessibility.contrast import AA_TEXT, AAA_TEXT, contrast_ratio
from kiosk.accessibility.modes import Mode
from kiosk.clock import FixedClock
from kiosk.conversation.engine import Conversation
from kiosk.conversation.facts import grouped
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.services import Services
from kiosk.store.store import open_store
from kiosk.ui.app import KioskApp
from kiosk.ui.choices import ChoiceButton
from kiosk.ui.step_view import StepView

from .conftest import AVA, START, press, run_async, settings_for, succeeded_payments

# How each step is reached from the welcome: "@who" signs in, "=value" picks a choice by
# its value (through "Other help" in the simple menu), anything else is typed. The steps
# are reached through the conversation and drawn as after a key (the keys themselves are
# tests/ui/test_payment_flow.py's): a picture of each costs a second, not five.
STEPS: dict[str, tuple[str, ...]] = {
    "welcome": (),
    "account": ("=start",),
    "pin": ("=start", AVA["account"], AVA["zip"]),
    "menu": ("@ava",),
    "pay_amount": ("@ava", "=pay"),
    "review": ("@ava", "=pay", "1", "=card"),
    "result": ("@ava", "=pay", "1", "=card", "yes"),
    "bill": ("@ben", "=bill"),  # the longest text: read on with the "more" key
    "plan_offers": ("@ben", "=plan"),
}
MODES = (Mode.STANDARD, Mode.LARGE, Mode.CONTRAST, Mode.SIMPLE)
ACCOUNTS = {
    "ava": (AVA["account"], AVA["zip"], AVA["pin"]),
    "ben": ("40152271", "35203", "1357"),
    "carmen": ("40152272", "27601", "8642"),
    "emma": ("40152274", "73301", "1111"),
}


def _reach(conversation: Conversation, script: tuple[str, ...]) -> None:
    for action in script:
        if action.startswith("@"):
            conversation.answer("1")
            for answer in ACCOUNTS[action[1:]]:
                conversation.answer(answer)
        elif action.startswith("="):
            keys = {c.value: c.key for c in conversation.prompt.choices}
            if action == "=person" and "person" not in keys:  # the simple menu: say it
                conversation.answer("person")
                continue
            if action[1:] not in keys and "more" in keys:  # the simple menu
                conversation.answer(keys["more"])
                keys = {c.value: c.key for c in conversation.prompt.choices}
            conversation.answer(keys[action[1:]])
        else:
            conversation.answer(action)


async def settled_more(pilot: Pilot, app: KioskApp) -> None:
    """Wait for the step's layout and its "more" line (laid out after the step is drawn,
    and once more after the line takes its row)."""
    more = app.screen.query_one("#more", Static)
    shown = None
    for _ in range(40):
        await pilot.pause()
        view = app.screen.query_one(StepView)
        now = (more.display, str(more.render()), view.max_scroll_y)
        if more.display == (view.max_scroll_y > 0) and now == shown:
            return  # the same line and layout twice running: settled
        shown = now


def walk(script: tuple[str, ...]):
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, KioskApp)
        _reach(app.session.conversation, script)
        app.session.settle()
        await app.render_prompt()
        await settled_more(pilot, app)

    return run_before


@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@pytest.mark.parametrize("step", list(STEPS))
def test_step_snapshot(snap_compare, make_app, mode: Mode, step: str) -> None:
    app = make_app(mode)
    assert snap_compare(app, terminal_size=(80, 24), run_before=walk(STEPS[step]))


# The steps with the most to show, each in a fresh conversation on the same store (the
# payment last: it changes what Ben owes). "@who" signs in; "=value" picks a choice by
# its value, through "Other help" in the simple menu.
CROWDED: dict[str, tuple[str, ...]] = {
    "menu": ("@carmen",),  # suspended: eight options and the state of the service
    "bill": ("@ben", "=bill"),  # two bills, a notice, why it changed
    "plan_offers": ("@ben", "=plan"),
    "pay_other": ("@ben", "=pay", "=other", "abc"),  # an error over an empty field
    "pay_review": ("@ben", "=pay", "1", "=card"),
    "pay_result": ("@ben", "=pay", "1", "=card", "yes"),
}
FACT = re.compile(
    r"\$[\d,]+\.\d\d"  # amounts
    r"|(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December) \d{1,2}"  # dates
    r"|\b\d{3}(?: \d{3,4}){2}\b"  # confirmation and reference numbers, grouped
    r"|ending \d{4}"  # card and account endings
)
REFERENCE = re.compile(r"\b\d{3}(?: \d{3,4}){2}\b")
SCROLLBAR = "▁▂▃▄▅▆▇█▔"
BARS = {chr(c) for c in range(0x2580, 0x25A0)}  # block elements: bars, edges, scrollbars
LOW_VISION = (Mode.LARGE, Mode.CONTRAST)


def screen_lines(app: KioskApp) -> list[str]:
    """What the terminal shows, line by line, as text (the scrollbar's cells taken off)."""
    return [
        strip.text.rstrip().rstrip(SCROLLBAR) for strip in app.screen._compositor.render_strips()
    ]


def faint_cells(app: KioskApp, bar: float) -> list[tuple[str, float]]:
    """Text the terminal shows at under ``bar`` contrast, as painted (every character
    but spaces and the block elements that draw bars, edges and scrollbars)."""
    faint = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            text, style = segment.text, segment.style
            if not set(text) - BARS - {" "}:
                continue
            assert style is not None and style.color and style.bgcolor, text
            fg, bg = style.color.triplet, style.bgcolor.triplet
            assert fg is not None and bg is not None and not style.dim, text
            ratio = contrast_ratio(tuple(fg), tuple(bg))
            if ratio < bar:
                faint.append((text.strip(), round(ratio, 2)))
    return faint


async def read_whole_step(pilot: Pilot, app: KioskApp, step: str, bar: float) -> str:
    """Everything the step shows, reading on with the key its "more" line prints; on
    every screenful each option lies inside the step area, a reference number sits on
    one line, and every character is at ``bar`` contrast or more."""
    seen: list[str] = []
    for _page in range(6):
        lines = screen_lines(app)
        seen.append(" ".join(" ".join(lines).split()))
        assert not faint_cells(app, bar), (step, faint_cells(app, bar))
        view = app.screen.query_one(StepView)
        for button in app.screen.query(ChoiceButton):
            assert view.region.contains_region(button.region), (step, str(button.label))
        for number in REFERENCE.findall(" ".join(lines)):
            assert any(number in line for line in lines), (step, number, lines)
        more = app.screen.query_one("#more", Static)
        assert more.display == (view.max_scroll_y > 0), (step, lines)
        if not more.display or "That is all" in str(more.render()):
            return " ".join(seen)
        key = app.kiosk_screen.more_key
        assert key is not None
        assert f"press {'Down' if key == 'down' else key}" in " ".join(lines), (step, lines)
        await press(pilot, key)
    raise AssertionError(f"{step}: the 'more' line never said that is all")


def facts_of(prompt: Prompt, register: Register) -> set[str]:
    """Every amount, date, reference number and card ending the step states."""
    said = prompt.render(register) + "\n" + "\n".join(v for _, v in prompt.details)
    return set(FACT.findall(" ".join(said.split())))


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@run_async
async def test_every_fact_and_option_is_on_screen(make_app, ui_store, mode: Mode, size) -> None:
    """Issue 16: at 80x24 and 100x30 in the large modes, options and detail rows were
    below the screen with only a dim scrollbar as a hint. On the steps with the most to
    show, every option is on screen, and every amount, date and reference number the
    step states is on screen too: at once, or on the next screenful that the printed
    "more" line names the key for. A reference number is never split across lines.
    Every character painted is at 7:1 contrast or more in the low-vision modes (the
    high-contrast entry's example text was 6.0:1 once), 4.5:1 in the others."""
    bar = AAA_TEXT if mode in LOW_VISION else AA_TEXT
    app = make_app(mode)
    register = app.profile.register
    async with app.run_test(size=size) as pilot:
        for step, script in CROWDED.items():
            conversation = Conversation(Services(ui_store), register)
            _reach(conversation, script)
            assert conversation.prompt.id == step, conversation.prompt.render(register)
            app.session.conversation = conversation
            await app.render_prompt()
            await settled_more(pilot, app)
            shown = await read_whole_step(pilot, app, step, bar)
            facts = facts_of(conversation.prompt, register)
            assert facts or step == "pay_other", step  # "How much?" states none
            missing = sorted(fact for fact in facts if fact not in shown)
            assert not missing, (step, missing, shown)
    paid = max(succeeded_payments(ui_store), key=lambda attempt: attempt.id)  # Ben's, just now
    assert paid.cents == 9500
    confirmation = paid.confirmation_number
    assert confirmation and grouped(confirmation) in shown


# Every other step, each from a fresh copy of the demo store (some commit something).
EVERY_STEP: dict[str, tuple[str, ...]] = {
    **{step: STEPS[step] for step in ("welcome", "account", "pin")},
    "verify_zip": ("=start", AVA["account"]),
    "bill": ("@carmen", "=bill"),
    "pay_amount": ("@ben", "=pay"),
    "pay_method": ("@ben", "=pay", "1"),
    "bank_routing": ("@ben", "=pay", "1", "=bank"),
    "bank_account": ("@ben", "=pay", "1", "=bank", "021000021"),
    "cash_insert": ("@ben", "=pay", "1", "=cash"),
    "pay_review": ("@ben", "=pay", "1", "=bank", "021000021", "123456789"),
    "pay_change": ("@ben", "=pay", "1", "=card", "no"),
    "pay_failed": ("@ava", "=pay", "=other", "10.05", "=card", "yes"),
    "plan_parts": ("@ben", "=plan", "=installment"),
    "plan_review": ("@ben", "=plan", "=installment", "3"),
    "confirmed": ("@ben", "=plan", "=extension", "yes"),
    "dispute_pick": ("@emma", "=dispute"),
    "dispute_reason": ("@emma", "=dispute", "1"),
    "dispute_review": ("@emma", "=dispute", "1", "1"),
    "reconnect_quote": ("@carmen", "=reconnect"),
    "assistance_info": ("@ava", "=assistance"),
    "person_contact": ("@ava", "=person"),
    "person_phone": ("@ava", "=person", "=voice"),
    "person_review": ("@ava", "=person", "=voice", "5015550101"),
    "person_done": ("@ava", "=person", "=voice", "5015550101", "yes"),
    "anything_else": ("@ava", "=assistance", "=apply"),
}


@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@run_async
async def test_every_step_fits_80x24(make_app, template_db, tmp_path, mode: Mode) -> None:
    """Every option of every step is on screen at 80x24, and every fact it states is on
    screen or on a screenful the printed "more" key shows, in every mode."""
    bar = AAA_TEXT if mode in LOW_VISION else AA_TEXT
    app = make_app(mode)
    register = app.profile.register
    checked = []
    async with app.run_test(size=(80, 24)) as pilot:
        for step, script in EVERY_STEP.items():
            path = tmp_path / f"{step}.sqlite3"
            shutil.copy(template_db, path)
            store = open_store(settings_for(path), FixedClock(START))
            try:
                conversation = Conversation(Services(store), register)
                _reach(conversation, script)
                app.session.conversation = conversation
                await app.render_prompt()
                await settled_more(pilot, app)
                shown = await read_whole_step(pilot, app, step, bar)
                facts = facts_of(conversation.prompt, register)
                missing = sorted(fact for fact in facts if fact not in shown)
                assert not missing, (step, conversation.prompt.id, missing, shown)
                checked.append(conversation.prompt.id)
            finally:
                store.dispose()
    assert len(set(checked)) == len(EVERY_STEP), checked
