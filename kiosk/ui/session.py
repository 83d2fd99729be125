"""The screen's side of a session: display modes and speech from the session's signals.

The conversation, its timer and the goodbye are the shared :class:`Session` (one
driver for every channel); this adds what only the walk-up screen has: the
accessibility profile (display mode, volume, rate), applied from the session's typed
signals, and reset with the announcer for every new customer. No Textual here, so a
test drives it with a manual clock.
"""

from __future__ import annotations

from kiosk.accessibility.announcer import Announcer
from kiosk.accessibility.modes import Mode, Profile
from kiosk.accessibility.timing import Clock
from kiosk.conversation.prompt import Prompt
from kiosk.conversation.services import Services
from kiosk.conversation.session import Session, SessionEvent, Tick
from kiosk.conversation.signals import AudioStep, DisplayMode

__all__ = ["GOODBYE_SECONDS", "KioskSession", "Tick", "TickEvent"]

GOODBYE_SECONDS = 6.0
# F2 cycles the display; F3 turns the simplified mode on and off.
DISPLAY_CYCLE = (Mode.STANDARD, Mode.LARGE, Mode.CONTRAST)
TickEvent = SessionEvent  # the screen's name for the session's events


class KioskSession(Session):
    """The session of the kiosk screen: a :class:`Session` that goes on to the next
    customer after the goodbye, with the profile the screen shows."""

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
        self.profile = profile
        self.announcer = announcer
        self.speech_default = speech_default  # a kiosk set up to talk from the start
        super().__init__(
            services, profile.register, clock=clock, goodbye_seconds=goodbye_seconds, walk_up=True
        )
        self.on_new_session.append(self._reset_profile)

    def settle(self) -> Prompt:
        """After the conversation took an answer: time the step, apply its signals."""
        super().settle()
        self._apply_signals()
        return self.prompt

    def _apply_signals(self) -> None:
        steps = {
            AudioStep.VOLUME_UP: (self.profile.volume_up, self.announcer.volume_changed),
            AudioStep.VOLUME_DOWN: (self.profile.volume_down, self.announcer.volume_changed),
            AudioStep.RATE_UP: (self.profile.rate_up, self.announcer.rate_changed),
            AudioStep.RATE_DOWN: (self.profile.rate_down, self.announcer.rate_changed),
        }
        for signal in self.take_signals():
            if isinstance(signal, DisplayMode):
                self.profile.mode = signal.mode
            else:
                change, announce = steps[signal]
                announce(change())

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
        return self.set_register(self.profile.register)

    @property
    def countdown_visible(self) -> bool:
        return self.warning_shown and self.profile.show_countdown

    def warning_now(self, tick: Tick) -> str:
        """The warning line as the screen shows it (no number in simplified mode)."""
        return self.warning(tick.seconds_left).in_register(self.register)

    # -------------------------------------------------------------- sessions
    def _reset_profile(self) -> None:
        """Nothing of the last customer stays: default profile, speech as configured."""
        self.profile.reset()
        self.profile.speech = self.speech_default
        self.announcer.end_session()
