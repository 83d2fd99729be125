from __future__ import annotations

import asyncio

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Button

from kiosk.accessibility.announcer import (
    TONE_CAPTIONS,
    Announcer,
    Caption,
    CaptionKind,
    CaptionLog,
    Tone,
)
from kiosk.accessibility.modes import VOLUME, Profile, Verbosity
from kiosk.conversation.prompt import AnswerKind, Choice, Prompt, Wording


class RecordingSink:
    """A speech sink that keeps what it was told, in order, with stops as events."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, bool]] = []

    def say(self, text: str, private: bool = False) -> None:
        self.events.append(("say", text, private))

    def stop(self) -> None:
        self.events.append(("stop", "", False))

    @property
    def said(self) -> list[str]:
        return [text for kind, text, _ in self.events if kind == "say"]


class RecordingTones:
    def __init__(self) -> None:
        self.played: list[str] = []

    def tone(self, name: str) -> None:
        self.played.append(name)


def words(text: str) -> Wording:
    return Wording(standard=text, simple=text, spoken=text, tty=text.upper() + " GA")


MENU = Prompt(
    id="menu",
    text=Wording("What do you want to do?", "What do you want?", "What would you like to do?", "Q"),
    kind=AnswerKind.CHOICE,
    help=words("Pick one."),
    choices=(
        Choice("pay", words("Pay my bill"), "1"),
        Choice("hear", words("Hear my bill"), "2"),
    ),
    step=1,
    total_steps=3,
)
BALANCE = Prompt(
    id="bill",
    text=words("Here is your bill."),
    kind=AnswerKind.NONE,
    help=words("Press Enter."),
    details=(("Balance", "two hundred fifteen dollars and forty cents"),),
)
PIN = Prompt(
    id="pin",
    text=words("Type your PIN."),
    kind=AnswerKind.DIGITS,
    help=words("4 numbers."),
    private=True,
)


def announcer(**profile: object) -> tuple[Announcer, RecordingSink, RecordingTones, CaptionLog]:
    sink, tones, log = RecordingSink(), RecordingTones(), CaptionLog()
    p = Profile()
    p.speech = True
    for name, value in profile.items():
        setattr(p, name, value)
    return Announcer(p, log, sink, tones), sink, tones, log


def test_new_prompt_is_spoken_in_the_spoken_register_with_its_choices() -> None:
    a, sink, _, log = announcer()
    a.prompt(MENU)
    assert sink.events[0][0] == "stop"  # new speech stops the old
    assert sink.said == [
        "Step 1 of 3. What would you like to do? For Pay my bill, press 1. "
        "For Hear my bill, press 2."
    ]
    assert [c.text for c in log.entries] == sink.said


def test_verbosity() -> None:
    a, sink, _, _ = announcer(verbosity=Verbosity.BRIEF)
    a.prompt(MENU)
    assert sink.said == ["What would you like to do?"]
    a, sink, _, _ = announcer(verbosity=Verbosity.DETAILED)
    a.prompt(MENU)
    assert sink.said[0].endswith("Press Help for help, or Back to go back.")


def test_speech_follows_focus_but_not_the_screens_own_first_focus() -> None:
    a, sink, _, _ = announcer()
    a.prompt(MENU)
    a.focus("1. Pay my bill")  # the screen focusing its first button
    assert len(sink.said) == 1
    a.key()  # the user presses Down
    a.focus("2. Hear my bill")
    assert sink.said[-1] == "2. Hear my bill"
    assert sink.events[-2][0] == "stop"  # the focus label cuts off the prompt


def test_any_key_interrupts_speech() -> None:
    a, sink, _, _ = announcer()
    a.prompt(MENU)
    a.key()
    assert sink.events[-1] == ("stop", "", False)


def test_errors_are_spoken_after_a_tone_and_captioned() -> None:
    a, sink, tones, log = announcer()
    a.error("The amount is too high. Type an amount up to 215 dollars.")
    assert tones.played == ["error"]
    assert sink.said == ["The amount is too high. Type an amount up to 215 dollars."]
    assert [c.kind for c in log.entries] == [CaptionKind.SOUND, CaptionKind.SPEECH]


def test_masked_keys_give_a_tone_never_the_digit() -> None:
    a, sink, tones, log = announcer()
    a.prompt(PIN)
    for _digit in "2468":
        a.key(masked=True)
    assert tones.played == ["key"] * 4
    assert not any(d in text for text in sink.said for d in "2468")
    assert [c.text for c in log.entries[-4:]] == [TONE_CAPTIONS[Tone.KEY]] * 4


def test_account_details_are_private_and_plain_prompts_are_not() -> None:
    a, sink, _, log = announcer()
    a.prompt(BALANCE)
    a.prompt(MENU)
    a.focus("Balance", private=True)
    privates = [
        (text.split(".")[0], private) for kind, text, private in sink.events if kind == "say"
    ]
    assert privates == [("Here is your bill", True), ("Step 1 of 3", False)]
    a.key()
    a.focus("Balance two hundred dollars", private=True)
    assert sink.events[-1] == ("say", "Balance two hundred dollars", True)
    assert log.entries[-1].private


def test_volume_and_rate_changes_are_announced() -> None:
    a, sink, _, _ = announcer()
    a.volume_changed(a.profile.volume_up())
    assert sink.said[-1] == f"Volume {VOLUME.default + 1} of {VOLUME.levels}."
    while a.profile.volume_up():
        pass
    a.volume_changed(a.profile.volume_up())
    assert sink.said[-1] == "Loudest volume."
    a.rate_changed(a.profile.rate_down())
    assert sink.said[-1] == "Speed 3 of 7."


def test_repeat_says_the_last_utterance_again() -> None:
    a, sink, _, _ = announcer()
    a.prompt(MENU)
    a.repeat()
    assert sink.said[0] == sink.said[1]


def test_speech_off_says_nothing_but_tones_are_still_captioned() -> None:
    a, sink, tones, log = announcer(speech=False)
    a.prompt(MENU)
    a.key(masked=True)
    assert sink.said == [] and tones.played == ["key"]
    a.speech_on()  # one action starts speech and reads the current step
    assert sink.said[0] == "Speech is on." and sink.said[1].startswith("Step 1 of 3.")


def test_captions_are_observable_bounded_and_wiped_at_session_end() -> None:
    log = CaptionLog(limit=3)
    seen: list[Caption] = []
    unsubscribe = log.subscribe(seen.append)
    a, _, _, _ = announcer()
    a.captions = log
    for n in range(5):
        a.say(f"line {n}")
    assert [c.text for c in log.entries] == ["line 2", "line 3", "line 4"]
    assert len(seen) == 5
    unsubscribe()
    a.end_session()
    assert log.entries == ()
    a.repeat()  # nothing of the last customer can be replayed
    assert len(seen) == 5


def test_focus_events_of_a_real_screen_drive_speech() -> None:
    a, sink, _, _ = announcer()

    class Menu(App[None]):
        def compose(self) -> ComposeResult:
            yield Button("1. Pay my bill", id="pay")
            yield Button("2. Hear my bill", id="hear")

        def on_mount(self) -> None:
            a.prompt(MENU)

        def on_key(self, event: events.Key) -> None:
            a.key()

        def on_descendant_focus(self, event: events.DescendantFocus) -> None:
            widget = event.widget
            if isinstance(widget, Button):
                a.focus(str(widget.label))

    async def run() -> None:
        async with Menu().run_test() as pilot:
            await pilot.pause()
            await pilot.press("tab")
            await pilot.pause()

    asyncio.run(run())
    assert sink.said[0].startswith("Step 1 of 3.")
    assert sink.said[-1] == "2. Hear my bill"
    assert "1. Pay my bill" not in sink.said


def test_voice_captions_on_a_terminal_keep_sentences_and_numbers_whole(monkeypatch) -> None:
    """Issue 16: ``kiosk voice`` printed each caption as one line, which a 120-column
    terminal cut anywhere, the confirmation number included. On a terminal (a real
    pseudo-terminal here) the printer lays a caption out by sentence, continuation lines
    indented, numbers whole; to a pipe it stays one line a caption."""
    import io
    import os

    from kiosk.channels.voice_devices import CaptionPrinter

    said = (
        "Thank you. We received ninety-five dollars paid by Visa ending 4242 on "
        "November 25, 2026. Your confirmation number is zero zero zero, zero zero zero, "
        "zero two one. Your balance is now one hundred and twenty dollars and forty cents."
    )
    monkeypatch.setenv("COLUMNS", "120")
    leader, follower = os.openpty()
    with os.fdopen(follower, "w", closefd=True) as terminal:
        CaptionPrinter(stream=terminal).add(said, private=True)
    printed = os.read(leader, 4096).decode().replace("\r\n", "\n").rstrip("\n").split("\n")
    os.close(leader)
    assert printed[0].startswith("[caption] (headset) Thank you. We received")
    assert all(len(line) <= 120 for line in printed), printed
    assert any("zero zero zero, zero zero zero, zero two one." in line for line in printed)
    assert all(line.startswith(" " * 20) for line in printed[1:]), printed
    assert " ".join(" ".join(printed).split()) == "[caption] (headset) " + said
    piped = io.StringIO()
    CaptionPrinter(stream=piped).add(said)
    assert piped.getvalue() == f"[caption] {said}\n"
