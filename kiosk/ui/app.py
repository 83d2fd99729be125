"""``KioskApp``: the full-screen kiosk, and ``run_app`` for ``kiosk run``.

The app owns the session (conversation, profile, timer, announcer) and turns
every key press, click and tick into a call on it; widgets only render the
prompt and post messages. All keys pass one gate (:meth:`KioskApp.on_event`)
so held-key repeats, describe-key mode and the keypad's commands apply to
every widget alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

from textual import events
from textual.app import App
from textual.widget import Widget

from kiosk.accessibility.announcer import (
    Announcer,
    CaptionLog,
    SpeechSink,
    Tone,
    ToneSink,
    is_personal,
)
from kiosk.accessibility.keypad import KeyDescriber, KeypadAction, RepeatFilter, keys_for
from kiosk.accessibility.modes import Mode, Profile
from kiosk.accessibility.themes import register_themes, theme_for
from kiosk.accessibility.timing import Clock, MonotonicClock
from kiosk.conversation.prompt import Prompt
from kiosk.conversation.services import Services
from kiosk.ui.choices import ChoiceButton
from kiosk.ui.countdown import Countdown
from kiosk.ui.entry import EntryInput
from kiosk.ui.keys import (
    CANCEL_WORD,
    CHARACTER_KEYS,
    command_word,
    describe_key,
    is_function_key,
    keypad_action,
)
from kiosk.ui.kiosk_screen import KioskScreen
from kiosk.ui.messages import AnswerRequested, KeyRequested
from kiosk.ui.session import GOODBYE_SECONDS, KioskSession, TickEvent

HELP_KEYS = frozenset(keys_for(KeypadAction.HELP))
CLEAR_KEYS = frozenset(keys_for(KeypadAction.CLEAR))
CLEAR_AGAIN = "Press Clear (Del) again to stop. Nothing has been charged."
DESCRIBE_ON = "Key information is on: press a key to hear what it does. Press F5 or Help to stop."
DESCRIBE_OFF = "Key information is off."
PLEASE_WAIT = "Please wait…"
HELP_AGAIN = "Press Help again to find out what any key does."
NO_SPEECH = "Speech is not available on this kiosk. Please ask a store worker (F9)."
SPEECH_STARTING = "Speech is starting. It will begin in a moment."
HEADSET_IN = "Headset connected. Speech is on, and private details are spoken only in the headset."
HEADSET_OUT = "Headset removed. Private details will not be spoken."
SPEECH_READY = "screen speech ready"  # logged once the output and the headset watch run


class KioskApp(App[int], inherit_bindings=False):
    """The kiosk screen over one :class:`Services`.

    ``inherit_bindings=False``: Textual's own Ctrl+Q (quit) and Ctrl+C (how to quit)
    are not kiosk keys: a customer's keyboard must never close the kiosk, least of all
    with their bills in the slot. Staff stop it with SIGTERM (the service manager)."""

    CSS_PATH = "kiosk.tcss"
    TITLE = "Bill payment kiosk"
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        services: Services,
        *,
        mode: Mode = Mode.STANDARD,
        speech_sink: SpeechSink | None = None,
        tone_sink: ToneSink | None = None,
        speech: bool = False,
        clock: Clock | None = None,
        tick_seconds: float = 0.25,
        goodbye_seconds: float = GOODBYE_SECONDS,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._on_ready = on_ready  # called once the first screen is drawn
        services.back_how = "press Esc"  # the key bar's Back (star is Repeat here)
        self.clock = clock or MonotonicClock()
        self.profile = Profile(start_mode=mode)
        self.profile.speech = speech
        self.captions = CaptionLog()
        self.announcer = Announcer(self.profile, self.captions, speech_sink, tone_sink)
        self.repeat_filter = RepeatFilter(self.clock)
        self.describer = KeyDescriber(self.repeat_filter)
        self.session = KioskSession(
            services,
            self.profile,
            self.announcer,
            self.clock,
            goodbye_seconds,
            speech_default=speech,
        )
        self.tick_seconds = tick_seconds
        self.kiosk_screen = KioskScreen(self.captions)
        self._clear_armed = False
        self._last_key = ""
        self.busy = False  # the conversation is working on an answer
        self._busy_until = 0.0  # keys and clicks from before this moment came while busy
        self.last_key_at = 0.0  # perf_counter of the last key, and of the last step shown:
        self.last_render_done = 0.0  # the benchmark's key-to-screen time
        self.shown_prompt: Prompt | None = None
        self.speech_requested = speech  # --speech: talk from the start, whatever the jack
        self.headset = False  # a headset is in the jack (the sound server says so)
        self.speech_starting = False  # run_app builds the speech output after the first screen

    # ------------------------------------------------------------ lifecycle
    async def on_mount(self) -> None:
        register_themes(self)
        await self.push_screen(self.kiosk_screen)
        await self.render_prompt()
        if self.tick_seconds > 0:
            self.set_interval(self.tick_seconds, self.tick)
        if _terminal_attached():
            self.set_interval(TERMINAL_CHECK_SECONDS, self._exit_if_terminal_gone)
        if self._on_ready is not None:
            self.call_after_refresh(self._on_ready)
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on this loop
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit, 0)

    async def on_unmount(self) -> None:
        """The kiosk is stopping (SIGTERM, the terminal gone): the session ends as a
        timed-out one does, so bills in the slot come back out and it is logged."""
        try:
            prompt = self.session.expire()
        except Exception:  # stopping anyway: never hide the stop behind this
            logging.getLogger(__name__).exception("ending the session at stop failed")
            return
        if prompt.notice is not None:
            logging.getLogger(__name__).info("kiosk stopping: %s", prompt.notice.standard)

    def _exit_if_terminal_gone(self) -> None:
        """End the kiosk when its terminal hangs up (its window closed, ``make run``'s
        tmux killed): Textual's input thread would otherwise spin on the dead terminal
        at full CPU forever. Textual's own shutdown writes to the terminal and can
        block on it, so the process ends regardless a few seconds later: nothing is
        lost, every payment step is committed as it happens (a crash is no worse)."""
        if not _terminal_attached():
            watchdog = threading.Timer(SHUTDOWN_GRACE_SECONDS, os._exit, args=(0,))
            watchdog.daemon = True
            watchdog.start()
            self.exit(0)

    # ------------------------------------------------------------- rendering
    def apply_mode(self) -> None:
        mode = self.profile.mode
        theme = theme_for(mode).name
        if self.theme != theme:
            self.theme = theme
        screen = self.kiosk_screen
        screen.set_class(self.profile.large_text, "-large")
        screen.set_class(self.profile.high_contrast, "-contrast")
        screen.set_class(mode is Mode.SIMPLE, "-simple")

    async def render_prompt(self, entry_value: str | None = None) -> None:
        """Show the session's prompt: new widgets, focus on the first control, speech."""
        prompt = self.session.prompt
        self.apply_mode()
        kept = entry_value is None  # an answer from an earlier visit (Back), not typing in progress
        if entry_value is None:
            entry_value = "" if prompt.private else prompt.entered
        view = await self.kiosk_screen.show(
            prompt,
            self.session.conversation.register,
            large=self.profile.large_text,
            icons=self.profile.mode is Mode.SIMPLE,
            entry_value=entry_value,
        )
        self.shown_prompt = prompt
        self._clear_armed = False
        if prompt.error is not None:
            self.announcer.sound(Tone.ERROR)
        self.announcer.prompt(prompt)
        first = next((w for w in view.query("ChoiceButton, EntryInput") if w.focusable), None)
        if first is not None:
            first.focus()
            if isinstance(first, EntryInput):
                first.cursor_position = len(first.value)
                if kept and first.value:
                    first.select_all()  # the first key typed replaces it: "2" + "20" is 20, not 220
        else:
            self.set_focus(None)
        self.last_render_done = time.perf_counter()

    def entry_value(self) -> str:
        found = self.kiosk_screen.query(EntryInput)
        return found.first().value if found else ""

    # --------------------------------------------------------------- answers
    async def send(self, raw: str, *, keep_entry: bool = False) -> None:
        """Give the conversation an answer or command and show what comes back.

        The engine runs in a worker thread (a PIN check or a card payment takes
        a while) with a "Please wait" line; keys are ignored meanwhile, so
        nothing is sent twice. The entry keeps what was typed when the same
        step comes back with an error, or after a command (help, a mode change).
        """
        if self.busy:
            return
        before = self.session.prompt.id
        typed = self.entry_value()
        if self.session.in_goodbye:
            self.session.new_session()
        else:
            self.busy = True
            self.kiosk_screen.show_key_info(PLEASE_WAIT)
            if self.profile.speech:  # heard at once, before the answer (a PIN check, a card)
                self.announcer.sound(Tone.KEY)
            try:
                await asyncio.to_thread(self.session.conversation.answer, raw)
            finally:
                self.busy = False
                self._busy_until = time.monotonic()
            self.session.settle()
        prompt = self.session.prompt
        same_step = prompt.id == before and not self.session.in_goodbye
        keep = same_step and (keep_entry or prompt.error is not None)
        await self.render_prompt(typed if keep else None)

    async def on_answer_requested(self, message: AnswerRequested) -> None:
        await self.send(message.raw)

    async def on_key_requested(self, message: KeyRequested) -> None:
        await self.handle_key(message.key, from_click=True)

    # ------------------------------------------------------------------ keys
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and event.time < self._busy_until:
            return  # pressed while "Please wait" showed: must not act on the next step
        is_key = isinstance(event, events.Key) and not event.is_forwarded
        if is_key and await self.handle_key(event.key):  # type: ignore[attr-defined]
            event.prevent_default()
            event.stop()
            return
        await super().on_event(event)

    async def handle_key(self, key: str, *, from_click: bool = False) -> bool:
        """Act on a key. True if the screen used it; False lets the focused widget have it."""
        self.last_key_at = time.perf_counter()
        self.announcer.interrupt()  # any key silences speech at once (ADA 707.5.1)
        if self.busy:
            return True  # one answer at a time: a second press must not pay twice
        is_command = command_word(key) is not None or key in CLEAR_KEYS or is_function_key(key)
        if not from_click and is_command and not self.repeat_filter.accept(key):
            # A held command key's repeat (508 407.4). Digits, letters and Enter pass:
            # a bill's barcode scanner types "40152270" faster than any hand, and a
            # repeated digit from it is data, not a held key (the launcher sets the
            # operating system's key-repeat delay to 2 s for held keys).
            return True
        last, self._last_key = self._last_key, key
        if await self._describe(key, repeated_help=last in HELP_KEYS):
            return True
        focused = self.focused
        in_entry = isinstance(focused, EntryInput)
        typing_field = in_entry and not focused.keypad_field  # type: ignore[union-attr]
        if key not in CLEAR_KEYS:
            self._clear_armed = False
        more = self.kiosk_screen.more_key
        if more is not None and key in (more, "pagedown"):
            self.session.activity()
            self.kiosk_screen.read_on()
            return True
        if key == "f2":
            self.session.cycle_display()
            await self.render_prompt(self.entry_value())
            return True
        if key == "f3":
            self.session.toggle_simple()
            await self.render_prompt(self.entry_value())
            return True
        if key == "f4":
            self.toggle_speech()
            return True
        if key in ("up", "down"):
            if not in_entry:
                self.screen.focus_previous() if key == "up" else self.screen.focus_next()
            return True
        if key in CHARACTER_KEYS and typing_field:
            return False
        word = command_word(key)
        if word is not None:
            await self.send(word, keep_entry=True)
            if key in HELP_KEYS:
                self.kiosk_screen.show_key_info(HELP_AGAIN)
            return True
        if key in CLEAR_KEYS:
            return await self._clear(key, focused if in_entry else None)
        action = keypad_action(key)
        if action is not None and action.digit and action.digit.isdigit():
            if in_entry:
                self.session.activity()
                prompt = self.session.prompt
                self.announcer.key(masked=prompt.private, echo="" if prompt.private else key)
                return False
            await self.send(action.digit)
            return True
        if in_entry:
            self.session.activity()
        return False

    def attach_speech(self, sink: SpeechSink, tones: ToneSink) -> None:
        """The speech output is ready (built after the first screen, off the UI thread):
        a kiosk started with speech on (or F4 pressed meanwhile) reads the step it shows."""
        self.speech_starting = False
        self.announcer.sink = sink
        self.announcer.tones = tones
        if self.profile.speech and self.shown_prompt is not None:
            self.announcer.prompt(self.shown_prompt)

    def headset_changed(self, present: bool) -> None:
        """The jack changed. Plugged in: speech turns on, privately, at the same step.
        Pulled out: private speech stops (the output does that) and the screen says so;
        speech the headset turned on goes off with it."""
        self.headset = present
        self.session.speech_default = self.speech_requested or present
        setter = getattr(self.announcer.sink, "headset", None)
        if callable(setter):
            setter(present)
        if present:
            self.kiosk_screen.show_key_info(HEADSET_IN)
            if self.profile.speech:
                self.announcer.say("Headset connected.", interrupt=True)
                if self.shown_prompt is not None:
                    self.announcer.prompt(self.shown_prompt)
            else:
                self.announcer.speech_on()
            return
        self.kiosk_screen.show_key_info(HEADSET_OUT)
        if self.speech_requested:
            self.announcer.say(HEADSET_OUT, interrupt=True)
        else:
            self.announcer.interrupt()
            self.profile.speech = False

    def speech_failed(self) -> None:
        """The speech output could not be built: a customer who asked for it is told."""
        self.speech_starting = False
        if self.profile.speech:
            self.profile.speech = False
            self.kiosk_screen.show_key_info(NO_SPEECH)

    def toggle_speech(self) -> None:
        """One key turns speech on (or off); said on screen too, as every sound is.
        While the output is still being built the choice is kept and applied when ready."""
        if self.announcer.sink is None:
            if not self.speech_starting:
                self.kiosk_screen.show_key_info(NO_SPEECH)
                return
            self.profile.speech = not self.profile.speech
            self.kiosk_screen.show_key_info(
                SPEECH_STARTING if self.profile.speech else "Speech is off."
            )
            return
        if self.profile.speech:
            self.announcer.speech_off()
            self.kiosk_screen.show_key_info("Speech is off.")
        else:
            self.announcer.speech_on()
            self.kiosk_screen.show_key_info("Speech is on.")

    async def _clear(self, key: str, field: Widget | None) -> bool:
        """Clear erases the entry; with nothing typed, a second press cancels."""
        if isinstance(field, EntryInput) and field.value:
            if key == "delete":
                field.value = ""
                return True
            return False  # backspace: the field deletes one character
        if self._clear_armed:
            self._clear_armed = False
            await self.send(CANCEL_WORD)
            return True
        self._clear_armed = True
        self.kiosk_screen.show_key_info(CLEAR_AGAIN)
        self.announcer.say(CLEAR_AGAIN, interrupt=True)
        return True

    async def _describe(self, key: str, *, repeated_help: bool) -> bool:
        """Describe-key mode: the key's function is shown and spoken, nothing happens."""
        latched = self.describer.latched
        if key == "f5" or (latched and key in HELP_KEYS) or (key in HELP_KEYS and repeated_help):
            self.describer.latched = not latched
            text = DESCRIBE_OFF if latched else DESCRIBE_ON
            self.kiosk_screen.show_key_info(text)
            self.announcer.say(text, interrupt=True)
            return True
        help_held = any(self.repeat_filter.is_held(name) for name in HELP_KEYS)
        if not (latched or (help_held and key not in HELP_KEYS)):
            return False
        text = describe_key(key, self._meaning(key)) or "That key does nothing on the kiosk."
        self.kiosk_screen.show_key_info(text)
        self.announcer.say(text, interrupt=True)
        return True

    def _meaning(self, key: str) -> str | None:
        """What a number key does on this step: the choice it picks, or reading on."""
        if key == self.kiosk_screen.more_key:
            return "Shows more of this step"
        for button in self.kiosk_screen.query(ChoiceButton):
            if button.raw == key:
                return f"Picks {button.spoken.split(', ', 1)[-1]}"
        return None

    # ------------------------------------------------------------ focus/time
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Speech follows focus: the focused control's label."""
        widget = event.widget
        label = getattr(widget, "spoken", "")
        prompt = self.shown_prompt
        if label and prompt is not None:
            self.announcer.focus(label, private=is_personal(prompt))

    async def tick(self) -> None:
        """Timer upkeep: warning, expiry, end of the goodbye."""
        if self.busy:
            return
        result = self.session.tick()
        if result.event in (TickEvent.EXPIRED, TickEvent.NEW_SESSION):
            await self.render_prompt()
            return
        countdown = self.kiosk_screen.query_one(Countdown)
        if result.event is TickEvent.WARNING:
            self.announcer.time_warning(self.session.warning(result.seconds_left).spoken)
        if result.seconds_left is not None:
            countdown.show_warning(self.session.warning_now(result))
        elif countdown.display:
            countdown.hide()


#: How often the kiosk checks that its terminal is still there (a cheap ioctl), and how
#: long its shutdown may take once the terminal is gone.
TERMINAL_CHECK_SECONDS = 2.0
SHUTDOWN_GRACE_SECONDS = 3.0


def _terminal_attached() -> bool:
    """Whether standard input is a live terminal (a hung-up one no longer answers)."""
    try:
        return os.isatty(sys.__stdin__.fileno()) if sys.__stdin__ is not None else False
    except (OSError, ValueError):
        return False


def run_app(mode: str = "standard", speech: bool = False) -> int:
    """``kiosk run``: the full-screen kiosk on the configured store; it talks when a
    headset is plugged in, when F4 is pressed, or from the start with ``speech``."""
    from kiosk.logging import log_to_data_dir
    from kiosk.runtime import KioskRuntime

    log_to_data_dir()
    runtime = KioskRuntime.start(upkeep_now=False)
    holder: list[Callable[[], None]] = []
    app: KioskApp

    def ready() -> None:
        runtime.begin_upkeep()
        app.speech_starting = True
        threading.Thread(target=_start_speech, args=(app, holder), daemon=True).start()

    try:
        app = KioskApp(runtime.services, mode=Mode.parse(mode), speech=speech, on_ready=ready)
        app.run()
        return app.return_code or 0
    finally:
        for stop in holder:
            stop()
        runtime.stop()


def _start_speech(app: KioskApp, stops: list[Callable[[], None]]) -> None:
    """Build the speech output and the headset watch after the first screen (PortAudio
    lists devices at import, which takes a while); without sound the screen carries on."""
    import logging

    from kiosk.channels.voice_devices import VoiceSettings
    from kiosk.speech.audio import AudioDeviceError
    from kiosk.speech.headset import HeadsetWatch
    from kiosk.speech.tts import SynthesisError
    from kiosk.ui.speech import build_screen_speech

    voice = VoiceSettings()
    try:
        speech = build_screen_speech(
            app.profile, voice.speaker_sink or None, voice.headset_sink or None
        )
    except (AudioDeviceError, SynthesisError, OSError) as error:
        logging.getLogger(__name__).warning("the screen kiosk cannot speak: %s", error)
        app.call_from_thread(app.speech_failed)
        return
    stops.append(speech.close)
    app.call_from_thread(app.attach_speech, speech, speech)

    def jack(present: bool) -> None:
        if not present:
            speech.headset(False)  # at once, from this thread: not a word more in the open
        app.call_from_thread(app.headset_changed, present)

    watch = HeadsetWatch(voice.headset_sink, jack)
    if watch.start():
        stops.append(watch.stop)
    logging.getLogger(__name__).info(SPEECH_READY)
