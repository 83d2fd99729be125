"""One customer's session, for every channel: the engine, the clock, the goodbye.

Every channel (screen, voice, TTY, text) runs its conversation through a
:class:`Session`. It owns what they all share, so none keeps its own copy:

- the conversation engine and the prompt it shows now;
- the step's response timer (WCAG 2.2.1, 508 407.5): the "are you still there?"
  warning (:func:`still_there`, a :class:`Wording` in every register, TTY too), one
  action for more time, and the safe end when the time runs out;
- the goodbye: after the last prompt, a pause, then a fresh conversation (the
  walk-up kiosk) or the end (a phone call, a script);
- the conversation's typed signals (display mode, volume and rate steps), collected
  after each answer for the channel to apply.

Channels render prompts, read input, and call :meth:`Session.answer` and
:meth:`Session.tick`; time comes from an injected :class:`Clock`, so a test or a
TTY line (whose clock is the audio it has read) drives it without waiting.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.accessibility.timing import Clock, MonotonicClock, Phase, StepTimer, TimingPolicy
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Command, Prompt, Register, Wording
from kiosk.conversation.services import Services
from kiosk.conversation.signals import Signal
from kiosk.conversation.wording import w

__all__ = ["Session", "SessionEvent", "Tick", "still_there"]


class SessionEvent(enum.StrEnum):
    WARNING = "warning"  # "are you still there?": show and say :meth:`Session.warning`
    EXPIRED = "expired"  # the time ran out: the session ended safely; show its prompt
    NEW_SESSION = "new_session"  # the goodbye is over: a fresh conversation is on


@dataclass(frozen=True)
class Tick:
    event: SessionEvent | None  # what just happened, once
    seconds_left: float | None  # while warning: the seconds before the session ends


def still_there(seconds: float | None) -> Wording:
    """The time warning in every register; ``seconds`` left, or None for no number.

    The simplified register never counts down (COGA: no time pressure); the spoken one
    names the key by its sound; the TTY one is what a TTY user can type.
    """
    left = f" The session ends in {seconds:.0f} seconds." if seconds is not None else ""
    return w(
        f"Are you still there?{left} Press # for more time.",
        "Are you still there? Press # for more time.",
        spoken_text=f"Are you still there?{left} Say more time, or press the hash key, "
        "to get more time.",
        tty_text=f"ARE YOU STILL THERE?{left.upper().replace(' THE SESSION', ' SESSION')} "
        "TYPE MORE TIME",
    )


class Session:
    """The conversation and its clock, for any channel.

    Args:
        services: the kiosk's services (the engine's business side).
        register: the wording the conversation starts in.
        clock: seconds, never going back (the channel's own: audio read, a test's).
        goodbye_seconds: after the last prompt, how long until a fresh conversation
            starts (the walk-up kiosk); None: the session just ends (``finished``).
        walk_up: a kiosk waiting for whoever walks up: its steps that are not timed
            (the welcome) wait as long as it takes. Elsewhere someone is already there
            (a call, a script), so every step is timed and no line is held open.
    """

    def __init__(
        self,
        services: Services,
        register: Register = Register.STANDARD,
        *,
        clock: Clock | None = None,
        goodbye_seconds: float | None = None,
        walk_up: bool = False,
        conversation: Conversation | None = None,
    ) -> None:
        self.services = services
        self.walk_up = walk_up
        self.clock = clock or MonotonicClock()
        self.goodbye_seconds = goodbye_seconds
        self.policy = TimingPolicy.from_settings(services.settings)
        self.conversation = conversation or Conversation(services, register)
        self.timer: StepTimer | None = None
        self._goodbye_at: float | None = None
        self._signals: list[Signal] = []
        self.on_new_session: list[Callable[[], None]] = []  # e.g. the screen resets its profile
        self._started(self.conversation.prompt)

    # ------------------------------------------------------------ the prompt
    @property
    def prompt(self) -> Prompt:
        return self.conversation.prompt

    @property
    def register(self) -> Register:
        return self.conversation.register

    @property
    def finished(self) -> bool:
        """The last prompt is out (a one-shot channel ends once it has shown it)."""
        return self.prompt.end_of_session

    @property
    def in_goodbye(self) -> bool:
        return self._goodbye_at is not None

    def set_register(self, register: Register) -> Prompt:
        """Reword the current step (a mode change, a TTY heard); the step stays."""
        if self.conversation.register is not register:
            self.conversation.set_register(register)
        return self.prompt

    # ------------------------------------------------------------- answers
    def answer(self, raw: str) -> Prompt:
        """What the customer typed, said or pressed. During the goodbye, any answer
        starts the next customer's session (on a kiosk that has one)."""
        if self._goodbye_at is not None and self.goodbye_seconds is not None:
            return self.new_session()
        self.conversation.answer(raw)
        return self.settle()

    def missed(self) -> Prompt:
        """Speech was heard but not understood (:meth:`Conversation.missed`: every
        option again, then the keypad and a person, then a person called)."""
        if self._goodbye_at is not None and self.goodbye_seconds is not None:
            return self.prompt
        self.conversation.missed()
        return self.settle()

    def settle(self) -> Prompt:
        """After the conversation took an answer (maybe in a worker thread, as a PIN
        check or a card payment takes time): collect its signals, then time the step.
        "More time" extends the step's time; any other answer starts it afresh."""
        self._signals.extend(self.conversation.take_signals())
        if self.conversation.last_command is Command.MORE_TIME and self.timer is not None:
            self.timer.extend()
        else:
            self._started(self.prompt)
        return self.prompt

    def take_signals(self) -> list[Signal]:
        """Display and audio signals since last asked, once each."""
        signals, self._signals = self._signals, []
        return signals

    def activity(self) -> None:
        """The customer is there (a key typed into a field): the step's time starts again."""
        if self.timer is not None:
            self.timer.restart()

    def delivered(self, at: float) -> None:
        """The prompt reached the customer only at ``at`` on the clock (a TTY line sends
        a long prompt for many seconds): time the step from then."""
        if self.timer is not None:
            self.timer.restart(at=at)

    def warning_delivered(self, at: float) -> None:
        """The warning reached the customer only at ``at``: the whole warning period
        for asking for more time counts from then."""
        if self.timer is not None:
            self.timer.warned_until(at)

    def expire(self) -> Prompt:
        """End now, safely (time ran out, the line closed): wipe the customer."""
        self.timer = None
        prompt = self.conversation.expire()
        self._started(prompt)
        return prompt

    # ---------------------------------------------------------------- time
    def tick(self) -> Tick:
        """Move the session on by the clock; call it often (a UI tick, an input poll)."""
        if self._goodbye_at is not None:
            if self.goodbye_seconds is not None and self.clock.now() >= self._goodbye_at:
                self.new_session()
                return Tick(SessionEvent.NEW_SESSION, None)
            return Tick(None, None)
        if self.timer is None:
            return Tick(None, None)
        phase = self.timer.poll()
        if phase is Phase.EXPIRED:
            self.expire()
            return Tick(SessionEvent.EXPIRED, None)
        state = self.timer.state()
        left = state.seconds_left if state.phase is Phase.WARNING else None
        return Tick(SessionEvent.WARNING if phase is Phase.WARNING else None, left)

    def seconds_to_next_event(self) -> float | None:
        """How long a channel may wait for input before calling :meth:`tick` (None: no
        deadline, as on a walk-up kiosk's welcome)."""
        if self._goodbye_at is not None:
            if self.goodbye_seconds is None:
                return None
            return max(0.0, self._goodbye_at - self.clock.now())
        if self.timer is None:
            return None
        left = self.timer.seconds_to_next_phase()
        return 0.0 if left is None else left

    @property
    def warning_seconds(self) -> float:
        return self.policy.warning_seconds

    def warning(self, seconds_left: float | None = None) -> Wording:
        """The time warning to show and say now, counting ``seconds_left`` (default: the
        whole warning period)."""
        return still_there(self.warning_seconds if seconds_left is None else seconds_left)

    @property
    def warning_shown(self) -> bool:
        return self.timer is not None and self.timer.state().phase is Phase.WARNING

    # ------------------------------------------------------------ sessions
    def new_session(self) -> Prompt:
        """Nothing of the last customer stays: a fresh conversation in the starting
        register; listeners (the screen's profile, the speech) reset first."""
        self.conversation.ctx.wipe()
        self._signals.clear()
        register = self.conversation.initial_register
        for listener in list(self.on_new_session):
            listener()
        self.conversation = Conversation(self.services, register)
        self._started(self.prompt)
        return self.prompt

    def _started(self, prompt: Prompt) -> None:
        """A prompt is out: start its response time, or the goodbye."""
        if prompt.end_of_session:
            self.timer = None
            self._goodbye_at = self.clock.now() + (self.goodbye_seconds or 0.0)
            return
        self._goodbye_at = None
        if (self.walk_up and not prompt.timed) or not prompt.timeout_seconds:
            self.timer = None
            return
        self.timer = StepTimer(
            self.policy,
            self.clock,
            Register.STANDARD,  # the prompt's time already allows for the register
            step_seconds=prompt.timeout_seconds,
        )
