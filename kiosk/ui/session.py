"""One screen session: the conversation, the display mode, the step timer.

No Textual here, so what the screen does between key presses (modes from
signals, timeouts, the goodbye pause, the wipe for the next customer) is
plain Python the app calls and a test can drive with a manual clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.accessibility.announcer import Announcer
from kiosk.accessibility.modes import Mode, Profile
from kiosk.accessibility.timing import Clock, Phase, StepTimer, TimingPolicy
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.services import Services

GOODBYE_SECONDS = 6.0
# F2 cycles the display; F3 turns the simplified mode on and off.
DISPLAY_CYCLE = (Mode.STANDARD, Mode.LARGE, Mode.CONTRAST)
UNTIMED_STEPS = frozenset({"welcome"})  # nobody's data to protect yet: wait for a customer


class TickEvent(enum.StrEnum):
    WARNING = "warning"  # show the calm countdown, chime, say it
    EXPIRED = "expired"  # the conversation was ended; show its prompt
    NEW_SESSION = "new_session"  # the goodbye is over: a fresh conversation


@dataclass(frozen=True)
class Tick:
    event: TickEvent | None
    seconds_left: float | None  # while warning: for the countdown line


class KioskSession:
    """What the screen shows now, and how it moves on."""

    def __init__(
        self,
        services: Services,
        profile: Profile,
        announcer: Announcer,
        clock: Clock,
        goodbye_seconds: float = GOODBYE_SECONDS,
        *,
        speech_default: bool = False,
    ) -> None:
        self.services = services
        self.profile = profile
        self.announcer = announcer
        self.clock = clock
        self.goodbye_seconds = goodbye_seconds
        self.speech_default = speech_default  # a kiosk set up to talk from the start
        self.policy = TimingPolicy.from_settings(services.settings)
        self.conversation = Conversation(services, profile.register)
        self.timer: StepTimer | None = None
        self._goodbye_at: float | None = None
        self._shown_id = ""
        self._started(self.conversation.prompt)

    @property
    def prompt(self) -> Prompt:
        return self.conversation.prompt

    # ---------------------------------------------------------------- answers
    def answer(self, raw: str) -> Prompt:
        """Send what the user pressed or typed; apply mode and audio signals."""
        if self._goodbye_at is not None:
            return self.new_session()
        self.conversation.answer(raw)
        return self.settle(raw)

    def settle(self, raw: str) -> Prompt:
        """After the conversation took ``raw`` (maybe in a worker thread, as a PIN
        check or a card payment takes time): signals, then the step's timer."""
        prompt = self.conversation.prompt
        self._apply_signals()
        if raw.strip().lower() == "more time" and self.timer is not None:
            self.timer.extend()
        else:
            self._started(prompt)
        return self.conversation.prompt

    def activity(self) -> None:
        """A key was typed into a field: the customer is there, the time starts again."""
        if self.timer is not None:
            self.timer.restart()

    def _apply_signals(self) -> None:
        for signal in self.conversation.take_signals():
            if signal.startswith("mode:"):
                self.profile.mode = Mode(signal.removeprefix("mode:"))
            elif signal == "volume_up":
                self.announcer.volume_changed(self.profile.volume_up())
            elif signal == "volume_down":
                self.announcer.volume_changed(self.profile.volume_down())
            elif signal == "rate_up":
                self.announcer.rate_changed(self.profile.rate_up())
            elif signal == "rate_down":
                self.announcer.rate_changed(self.profile.rate_down())

    # ------------------------------------------------------------------ modes
    def cycle_display(self) -> Prompt:
        """Standard -> large -> high contrast -> standard (simplified mode ends)."""
        current = self.profile.mode
        index = DISPLAY_CYCLE.index(current) if current in DISPLAY_CYCLE else -1
        return self.set_mode(DISPLAY_CYCLE[(index + 1) % len(DISPLAY_CYCLE)])

    def toggle_simple(self) -> Prompt:
        return self.set_mode(Mode.STANDARD if self.profile.mode is Mode.SIMPLE else Mode.SIMPLE)

    def set_mode(self, mode: Mode) -> Prompt:
        """Switch the display for this session only; the wording follows."""
        self.profile.mode = mode
        if self.conversation.register is not self.profile.register:
            self.conversation.set_register(self.profile.register)
        return self.conversation.prompt

    # --------------------------------------------------------------- timing
    def _started(self, prompt: Prompt) -> None:
        """A prompt is on screen: start its response time, or the goodbye pause."""
        self._shown_id = prompt.id
        if prompt.end_of_session:
            self.timer = None
            self._goodbye_at = self.clock.now() + self.goodbye_seconds
            return
        self._goodbye_at = None
        if prompt.id in UNTIMED_STEPS or not prompt.timeout_seconds:
            self.timer = None
            return
        self.timer = StepTimer(
            self.policy,
            self.clock,
            Register.STANDARD,  # the prompt's time already allows for the register
            step_seconds=prompt.timeout_seconds,
            show_countdown=self.profile.show_countdown,
        )

    def tick(self) -> Tick:
        """Called a few times a second by the screen (and by tests after moving the clock)."""
        if self._goodbye_at is not None:
            if self.clock.now() >= self._goodbye_at:
                self.new_session()
                return Tick(TickEvent.NEW_SESSION, None)
            return Tick(None, None)
        if self.timer is None:
            return Tick(None, None)
        phase = self.timer.poll()
        if phase is Phase.EXPIRED:
            self._started(self.conversation.expire())
            return Tick(TickEvent.EXPIRED, None)
        state = self.timer.state()
        left = state.seconds_left if state.phase is Phase.WARNING else None
        return Tick(TickEvent.WARNING if phase is Phase.WARNING else None, left)

    @property
    def countdown_visible(self) -> bool:
        return self.timer is not None and self.timer.countdown_visible

    @property
    def in_goodbye(self) -> bool:
        return self._goodbye_at is not None

    # -------------------------------------------------------------- sessions
    def new_session(self) -> Prompt:
        """Nothing of the last customer stays: new conversation, default profile."""
        self.conversation.ctx.wipe()
        self.profile.reset()
        self.profile.speech = self.speech_default
        self.announcer.end_session()
        self.conversation = Conversation(self.services, self.profile.register)
        self._started(self.conversation.prompt)
        return self.conversation.prompt
