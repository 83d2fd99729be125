"""How the kiosk screen behaves for people: themes and modes, describe-key
mode, the time warning and expiry (manual clock), Back keeping what was typed,
inline errors, speech following focus, and the wipe after each customer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Static

from kiosk.accessibility.modes import Mode
from kiosk.accessibility.themes import TEXT_PAIRS, THEMES, theme_for, theme_variables
from kiosk.accessibility.timing import ManualClock
from kiosk.ui import app as app_module
from kiosk.ui.entry import EntryInput
from kiosk.ui.keys import is_function_key
from kiosk.ui.session import GOODBYE_SECONDS

from .conftest import press, run_async, sign_in, type_entry


class RecordingSink:
    def __init__(self) -> None:
        self.said: list[tuple[str, bool]] = []

    def say(self, text: str, private: bool = False) -> None:
        self.said.append((text, private))

    def stop(self) -> None:
        pass


class RecordingTones:
    """A tone output: the kiosk captions only sounds that it can really play."""

    def __init__(self) -> None:
        self.played: list[str] = []

    def tone(self, name: str) -> None:
        self.played.append(name)


def screen_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static) if w.display)


# ------------------------------------------------------------ themes, CSS
@pytest.mark.parametrize("mode", list(Mode))
@run_async
async def test_app_registers_and_uses_the_checked_themes(make_app, mode: Mode) -> None:
    app = make_app(mode)
    async with app.run_test(size=(80, 24)):
        names = {theme.name for theme in THEMES.values()}
        assert names <= set(app.available_themes)
        assert app.theme == theme_for(mode).name
        painted = app.get_css_variables()
        expected = theme_variables(theme_for(mode))
        for name in ("text", "background", "surface", "panel", "text-error", "primary"):
            assert painted[name].lower() == expected[name].lower(), name
        assert app.kiosk_screen.has_class("-large") is (mode in (Mode.LARGE, Mode.CONTRAST))


def test_screen_css_colours_text_only_with_contrast_checked_pairs() -> None:
    """The themes' contrast tests cover the screen only if its CSS uses their pairs."""
    css = (Path(app_module.__file__).parent / "kiosk.tcss").read_text()
    foregrounds = {spec.fg for spec in TEXT_PAIRS}
    grounds = {spec.bg for spec in TEXT_PAIRS}
    colours = re.findall(r"^\s*color:\s*\$([\w-]+)", css, re.MULTILINE)
    backgrounds = re.findall(r"^\s*background:\s*\$([\w-]+)", css, re.MULTILINE)
    assert colours and backgrounds
    assert set(colours) <= foregrounds, set(colours) - foregrounds
    assert set(backgrounds) <= grounds, set(backgrounds) - grounds


@run_async
async def test_mode_keys_switch_for_this_session_only(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "f2")
        assert app.theme == "kiosk-large" and app.kiosk_screen.has_class("-large")
        await press(pilot, "f2")
        assert app.theme == "kiosk-contrast"
        await press(pilot, "f3")
        assert app.profile.mode is Mode.SIMPLE
        assert app.session.conversation.register.value == "simple"
        assert "Pick one" in screen_text(app)  # the simplified wording
        await press(pilot, "f3")
        await press(pilot, "3")  # welcome: high contrast, and start
        assert app.theme == "kiosk-contrast"
        await press(pilot, "f9", "2")  # a person: call me back -> a phone step
        assert app.session.prompt.id == "person_phone"
        await press(pilot, "delete")  # Clear on an empty field asks first...
        assert app.session.prompt.id == "person_phone"
        assert "again" in str(app.screen.query_one("#key-info", Static).render())
        await press(pilot, "delete")  # ...and cancels on the second press
        assert app.session.prompt.id == "welcome"
        assert app.theme == "kiosk-contrast"  # the same customer, starting over
        await press(pilot, "f9", "1", "3")  # a store worker now; then finish
        assert app.session.prompt.id == "end"
        app.clock.advance(GOODBYE_SECONDS + 1)
        await app.tick()
        assert app.session.prompt.id == "welcome"
        assert app.theme == "kiosk-standard"  # the next customer starts fresh


# ------------------------------------------------------------ describe key
@run_async
async def test_describe_key_mode_shows_and_speaks_without_acting(make_app) -> None:
    sink = RecordingSink()
    app = make_app(speech_sink=sink, speech=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "f5")
        await press(pilot, "2")
        info = str(app.screen.query_one("#key-info", Static).render())
        assert info == "Number 2. Picks Large text."
        assert sink.said[-1][0] == info
        assert app.session.prompt.id == "welcome" and app.profile.mode is Mode.STANDARD
        await press(pilot, "number_sign")
        assert "more time" in str(app.screen.query_one("#key-info", Static).render()).lower()
        await press(pilot, "f5")  # off again: keys act
        await press(pilot, "2")
        assert app.session.prompt.id == "verify_id" and app.profile.mode is Mode.LARGE


@run_async
async def test_holding_help_describes_the_next_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "f1")  # Help: the step's help, as a notice
        assert app.session.prompt.notice is not None
        app.clock.advance(0.05)  # still held (terminals repeat a held key)
        await pilot.press("escape")
        assert app.session.prompt.id == "welcome"
        assert str(app.screen.query_one("#key-info", Static).render()).startswith("Back.")


# ----------------------------------------------------------------- timing
@pytest.mark.parametrize("mode", [Mode.STANDARD, Mode.SIMPLE])
@run_async
async def test_time_warning_more_time_and_expiry(make_app, mode: Mode) -> None:
    clock = ManualClock()
    tones = RecordingTones()
    app = make_app(mode, clock=clock, tone_sink=tones)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "1")
        await press(pilot, *"4015")  # typing, then the customer walks away
        limit = app.session.prompt.timeout_seconds
        warning = app.session.policy.warning_seconds
        clock.advance(limit - warning - 1)
        await app.tick()
        countdown = app.screen.query_one("#countdown", Static)
        assert not countdown.display  # calm: nothing before the last seconds
        clock.advance(2)
        await app.tick()
        assert countdown.display
        text = str(countdown.render())
        assert "Press # for more time" in text
        assert ("seconds" in text) is (mode is Mode.STANDARD)  # no countdown in simple mode
        assert app.captions.latest(1)[0].text == "[chime: time is running out]"
        assert tones.played[-1] == "warning"
        await press(pilot, "number_sign")  # more time, one key
        await app.tick()
        assert not countdown.display
        assert app.screen.query_one(EntryInput).value == "4015"  # nothing lost
        clock.advance(limit * 3)
        await app.tick()
        assert app.session.prompt.end_of_session
        assert "time ran out" in screen_text(app).lower()
        clock.advance(GOODBYE_SECONDS)
        await app.tick()
        assert app.session.prompt.id == "welcome"


# ------------------------------------------------------- entries and Back
@run_async
async def test_invalid_entry_shows_reason_inline_and_keeps_focus_and_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "1")
        await type_entry(pilot, "40152270")
        await type_entry(pilot, "722")
        error = app.screen.query_one("#error", Static)
        assert "has 3 numbers. A ZIP code has 5 numbers." in str(error.render())
        entry = app.screen.query_one(EntryInput)
        assert app.focused is entry and entry.value == "722"
        assert error.parent is entry.parent  # next to the field it is about
        await press(pilot, "0", "1")
        assert entry.value == "72201"
        await press(pilot, "enter")
        assert app.session.prompt.id == "verify_pin"


@run_async
async def test_back_keeps_what_was_typed(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await press(pilot, "2")  # pay
        await press(pilot, "2")  # another amount
        assert app.session.prompt.id == "pay_other"
        await type_entry(pilot, "20.00".replace(".", "")[:2])  # "20" dollars
        assert app.session.prompt.id == "pay_method"
        await press(pilot, "escape")
        assert app.session.prompt.id == "pay_other"
        assert app.screen.query_one(EntryInput).value == "20"


@run_async
async def test_typing_over_a_value_kept_by_back_replaces_it(make_app) -> None:
    """A kept "2" and a new "20" must make $20.00, never $220.00 (tester's 3 of 3)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await press(pilot, "2", "2")  # pay, another amount
        await type_entry(pilot, "2")
        assert app.session.prompt.id == "pay_method"
        await press(pilot, "escape")
        entry = app.screen.query_one(EntryInput)
        assert entry.value == "2" and entry.selected_text == "2"  # shown, and chosen to replace
        await type_entry(pilot, "20")
        assert app.session.prompt.id == "pay_method"
        said = screen_text(app)
        assert "$20.00" in said and "$220.00" not in said
        await press(pilot, "escape")  # the kept "20" can also be corrected, key by key
        await press(pilot, "end", "backspace", "5", "enter")
        assert app.session.prompt.id == "pay_method" and "$25.00" in screen_text(app)


@run_async
async def test_a_kept_routing_number_is_replaced_by_new_typing(make_app) -> None:
    """A full kept field took no more keys at all: retyping the number did nothing."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await press(pilot, "2", "1")  # pay, the full amount
        bank = next(c for c in app.session.prompt.choices if c.value == "bank")
        await press(pilot, bank.key)
        await type_entry(pilot, "011000015")  # a real routing number, but not the customer's
        assert app.session.prompt.id == "bank_account"
        await press(pilot, "escape")
        entry = app.screen.query_one(EntryInput)
        assert (entry.value, entry.selected_text) == ("011000015", "011000015")
        await type_entry(pilot, "021000021")
        assert app.session.prompt.id == "bank_account"
        assert app.session.conversation.ctx.values["bank_routing"] == "021000021"


@run_async
async def test_done_with_no_bills_names_the_screens_own_back_key(make_app) -> None:
    """It said "press star to go back"; on the screen star is Repeat and Esc is Back."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await press(pilot, "2", "1")  # pay, the full amount
        cash = next(c for c in app.session.prompt.choices if c.value == "cash")
        await press(pilot, cash.key)
        assert app.session.prompt.id == "cash_insert"
        await press(pilot, "d", "o", "n", "e", "enter")
        error = str(app.screen.query_one("#error", Static).render())
        assert "press Esc to go back" in error and "star" not in error
        await press(pilot, "escape")  # and Esc does go back
        assert app.session.prompt.id == "pay_method"


# ------------------------------------------------------- speech, privacy
@run_async
async def test_speech_follows_focus_and_pins_are_never_spoken(make_app) -> None:
    sink, tones = RecordingSink(), RecordingTones()
    app = make_app(speech_sink=sink, tone_sink=tones, speech=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert sink.said[0][0].startswith("Welcome.")
        await press(pilot, "down")
        assert sink.said[-1] == ("2, Large text", False)
        await press(pilot, "1")
        await type_entry(pilot, "40152270")
        await type_entry(pilot, "72201")
        start = len(sink.said)
        await press(pilot, *"2468")
        assert app.screen.query_one(EntryInput).password
        assert not any(text in "2468" for text, _ in sink.said[start:])
        assert [c.text for c in app.captions.latest(4)] == ["[beep: key pressed]"] * 4
        assert tones.played[-4:] == ["key"] * 4
        await press(pilot, "enter")
        assert app.session.prompt.id == "menu"
        text, private = sink.said[-1]
        assert "Ava" in text and private  # name and balance: headset only
        await press(pilot, "down")
        assert sink.said[-1] == ("2, Pay my bill", True)


@run_async
async def test_nothing_of_the_last_customer_is_left(make_app) -> None:
    sink = RecordingSink()
    app = make_app(speech_sink=sink, speech=True)
    async with app.run_test(size=(80, 24)) as pilot:
        first_conversation = app.session.conversation
        await sign_in(pilot)
        await press(pilot, "f2")
        assert "Ava" in screen_text(app)
        assert app.captions.entries
        await press(pilot, "7")  # I am done
        assert app.session.prompt.end_of_session
        assert "Goodbye" in screen_text(app)
        app.clock.advance(GOODBYE_SECONDS)
        await app.tick()
        assert app.session.prompt.id == "welcome"
        assert app.session.conversation is not first_conversation
        assert app.session.conversation.ctx.customer is None
        everything = screen_text(app)
        assert "Ava" not in everything and "84.99" not in everything
        assert [c.text for c in app.captions.entries] == [sink.said[-1][0]]  # welcome only
        assert app.profile.mode is Mode.STANDARD and app.theme == "kiosk-standard"
        assert not app.screen.query(EntryInput)


@run_async
async def test_one_key_turns_speech_on_and_reads_the_step(make_app) -> None:
    sink = RecordingSink()
    app = make_app(speech_sink=sink)
    async with app.run_test(size=(80, 24)) as pilot:
        assert sink.said == []  # speech starts off
        await press(pilot, "f4")
        assert sink.said[0] == ("Speech is on.", False)
        assert sink.said[1][0].startswith("Welcome.")
        assert app.captions.latest(1)[0].text == sink.said[1][0]  # captioned too
        await press(pilot, "f1", "f1")  # Help twice: describe-key mode
        await press(pilot, "1")
        assert sink.said[-1][0] == "Number 1. Picks Start."
        assert app.session.prompt.id == "welcome"


@run_async
async def test_without_a_speech_device_the_speech_key_says_so(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "f4")
        assert "not available" in str(app.screen.query_one("#key-info", Static).render())


@run_async
async def test_the_speech_key_while_speech_is_starting_is_kept(make_app) -> None:
    """`kiosk run` builds its speech output after the first screen (seconds under load):
    F4 then used to say "Speech is not available on this kiosk" and was lost."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.speech_starting = True  # as run_app sets it until the output is built
        await press(pilot, "f4")
        key_info = str(app.screen.query_one("#key-info", Static).render())
        assert "not available" not in key_info and "starting" in key_info
        sink = RecordingSink()
        app.attach_speech(sink, RecordingTones())
        assert sink.said and sink.said[0][0].startswith("Welcome.")  # read once ready
    failed = make_app()
    async with failed.run_test(size=(80, 24)) as pilot:
        failed.speech_starting = True
        await press(pilot, "f4")
        failed.speech_failed()  # no sound output after all: now it says so
        assert "not available" in str(failed.screen.query_one("#key-info", Static).render())
        assert not failed.profile.speech


# ------------------------------------------------------- the headset jack
class HeadsetSink(RecordingSink):
    """A speech output with a jack: what it said, and whether the headset was in."""

    def __init__(self) -> None:
        super().__init__()
        self.headset_present = False
        self.masked = 0

    def headset(self, present: bool) -> None:
        self.headset_present = present

    def echo_masked(self) -> None:
        self.masked += 1


@run_async
async def test_plugging_the_headset_mid_payment_keeps_the_step_and_speaks_it(make_app) -> None:
    sink = HeadsetSink()
    app = make_app(speech_sink=sink, tone_sink=RecordingTones())
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "1")
        await type_entry(pilot, "40152270")
        await press(pilot, *"722")  # half of the ZIP typed, then the headset goes in
        assert sink.said == []  # speech is off until then
        app.headset_changed(True)
        await pilot.pause()
        assert app.profile.speech and sink.headset_present
        assert app.session.prompt.id == "verify_zip"
        assert app.screen.query_one(EntryInput).value == "722"  # nothing typed is lost
        assert any("ZIP" in text for text, _ in sink.said)  # the same step, now spoken
        await type_entry(pilot, "01")
        before_pin = len(sink.said)
        await press(pilot, *"2468")
        assert sink.masked == 4 and sink.said[before_pin:] == []  # "digit" or a tone, never 2
        await press(pilot, "enter")
        assert app.session.prompt.id == "menu"
        assert sink.said[-1][1]  # Ava's name and balance: headset only
        app.headset_changed(False)
        await pilot.pause()
        assert not app.profile.speech and app.session.prompt.id == "menu"
        info = str(app.screen.query_one("#key-info", Static).render())
        assert info.startswith("Headset removed")
        said = len(sink.said)
        await press(pilot, "f4")  # speech on again by the key: the step is kept
        assert app.profile.speech and app.session.prompt.id == "menu"
        assert len(sink.said) > said


@pytest.mark.parametrize("mode", list(Mode))
@run_async
async def test_a_long_choice_is_shown_whole_at_80_columns(make_app, mode: Mode) -> None:
    """Carmen's first amount, "Past-due amount plus the $35.00 reconnection fee,
    $345.00, turns service back on", was cut after "fee," at 80x24: the amount she
    would pay and what it does were off the button."""
    from kiosk.ui.choices import ChoiceButton

    app = make_app(mode)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "1")
        for digits in ("40152272", "27601", "8642"):
            await type_entry(pilot, digits)
        await press(pilot, "1" if mode is Mode.SIMPLE else "2")
        assert app.session.prompt.id == "pay_amount"
        for button in app.screen.query(ChoiceButton):
            label = str(button.label)
            box = button.content_region
            assert box.width * box.height >= len(label), (label, box)
        first = str(next(iter(app.screen.query(ChoiceButton))).label)
        assert "$345.00" in first and "back on" in first


# --------------------------------------------------------------- captions
SPOKEN_CONFIRMATION = "zero zero zero, zero zero zero, zero two one"


@run_async
async def test_captions_start_at_sentences_and_never_split_a_number(make_app) -> None:
    """Issue 16: caption lines began in the middle of a sentence, in lower case, and the
    confirmation number broke across lines at 120 columns (the bar wrapped the whole
    utterance, and showed the older of two captions). The bar shows the newest caption
    laid out by sentence; a number, in figures or read out, stays on one line at every
    width."""
    from kiosk.ui.captions import CaptionBar, caption_lines

    app = make_app(speech_sink=RecordingSink(), speech=True)
    async with app.run_test(size=(120, 30)) as pilot:
        conversation = app.session.conversation
        for answer in ("1", "40152271", "35203", "1357", "2", "1", "1", "yes"):
            conversation.answer(answer)  # Ben pays $95.00 by card
        await app.render_prompt()
        await pilot.pause()
        assert app.session.prompt.id == "pay_result"
        bar = app.screen.query_one(CaptionBar)
        rows = app.screen._compositor.render_strips()[bar.region.y : bar.region.bottom]
        shown = [row.text.strip() for row in rows]
        assert shown[0].startswith("🔊 Step 4 of 4. Thank you. We received ninety-five dollars")
        assert shown[1] == (
            f"Your confirmation number is {SPOKEN_CONFIRMATION}. "
            "Say repeat or press star to hear it again."
        ), shown
        said = app.captions.entries[-1].text
    for width in range(60, 121, 4):  # the bar is 78 cells wide at 80 columns
        lines = caption_lines(said, width)
        assert all(len(line) <= width for line in lines), (width, lines)
        assert " ".join(lines) == " ".join(said.split())
        for number in (SPOKEN_CONFIRMATION, "000 000 021"):
            assert any(number in line for line in lines), (width, number, lines)
        for before, line in zip([".", *lines], lines, strict=False):
            # a line starts a sentence, cased as one, unless the sentence before ran on
            assert line[:1].isupper() or line[:1].isdigit() or before[-1:] not in ".?!", lines


@run_async
async def test_the_more_key_reads_on_and_is_described(make_app) -> None:
    """A bill longer than the screen (80x24, large) prints which key shows the rest; 9
    reads on without answering the step, and in describe-key mode 9 says so."""
    app = make_app(Mode.LARGE)
    async with app.run_test(size=(80, 24)) as pilot:
        for answer in ("1", "40152271", "35203", "1357", "1"):
            app.session.conversation.answer(answer)  # Ben's bill
        await app.render_prompt()
        for _ in range(10):
            await pilot.pause()
        assert app.session.prompt.id == "bill"
        assert "▼ More to read: press 9 (1 of " in screen_text(app)
        view = app.screen.query_one("#step")
        await press(pilot, "9")
        assert view.scroll_y > 0 and app.session.prompt.id == "bill"
        assert app.session.prompt.error is None
        await press(pilot, "f5", "9")
        assert "Number 9. Shows more of this step." in screen_text(app)


@run_async
async def test_no_customer_key_quits_and_a_stop_hands_the_bills_back(make_app) -> None:
    """Textual's Ctrl+Q quit and Ctrl+C hint closed the kiosk from the customer's
    keyboard with $70 in the bill slot (a tester's finding). No key quits now; when staff
    stop the kiosk, the session ends as a timed-out one does and the bills come out."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await press(pilot, "2")  # pay
        await press(pilot, "2")  # another amount
        await type_entry(pilot, "50")
        keys = {c.value: c.key for c in app.session.prompt.choices}
        await press(pilot, keys["cash"])
        assert app.session.prompt.id == "cash_insert"
        await type_entry(pilot, "20")  # a $20 bill into escrow
        acceptor = app.session.services.cash_acceptor()
        assert acceptor.escrow_cents == 2000
        for key in ("ctrl+q", "ctrl+c", "ctrl+d", "ctrl+backslash"):
            await press(pilot, key)
            assert app.is_running and app.return_code is None, key
        assert app.session.prompt.id == "cash_insert"  # $30.00 still to go
        assert acceptor.escrow_cents == 2000
        assert "quit" not in " ".join(str(n.message) for n in app._notifications).lower()
    # The test's exit is the staff's stop (SIGTERM calls the same App.exit).
    assert acceptor.escrow_cents == 0
    assert app.session.prompt.id == "end"


@run_async
async def test_brisk_typing_keeps_every_point_and_every_letter_f(make_app) -> None:
    """The held-key filter took every key whose name starts with "f" for a function key:
    "." (full_stop) and the letter f. A second point or f within its 0.12 s burst gap was
    dropped as a held key's repeat, so "50.5.0" typed briskly (or by a scanner) became
    $50.50 with no error, and "jeff" in an email address "jef"."""
    clock = ManualClock()
    app = make_app(clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await press(pilot, "2", "2")  # pay, another amount
        assert app.session.prompt.id == "pay_other"
        entry = app.screen.query_one(EntryInput)
        for key in ("5", "0", "full_stop", "5", "full_stop", "0"):
            clock.advance(0.05)  # brisk: within the burst gap of the point before
            await pilot.press(key)
        await pilot.pause()
        assert entry.value == "50.5.0"
        await press(pilot, "enter")
        assert app.session.prompt.id == "pay_other"  # an error, not $50.50
        assert app.session.prompt.error is not None
        assert "$50.50" not in screen_text(app)


@pytest.mark.parametrize(
    ("key", "function"),
    [("f1", True), ("f9", True), ("f12", True), ("f", False), ("full_stop", False)],
)
def test_only_f_and_a_number_is_a_function_key(key: str, function: bool) -> None:
    assert is_function_key(key) is function
