"""Response-time policy for a step: how long, when to warn, how to extend.

Section 508 407.5 and WCAG 2.2.1: when a response is timed, the user is warned
and can ask for more time with one simple action, given at least 20 seconds to
do so, and may extend at least ten times. Simplified and TTY users get double
time (relay and TTY conversations are slow; COGA: no time pressure).

The clock is injected: :class:`MonotonicClock` in the kiosk, :class:`ManualClock`
in tests. It counts seconds and has nothing to do with ``kiosk.clock`` (dates).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.conversation.prompt import Register

MIN_WARNING_SECONDS = 20.0  # WCAG 2.2.1: at least 20 s to extend
MIN_EXTENSIONS = 10  # WCAG 2.2.1: extendable at least ten times
SLOW_REGISTERS = frozenset({Register.SIMPLE, Register.TTY})


class Clock(Protocol):
    """Seconds from an arbitrary origin, never going backwards."""

    def now(self) -> float: ...


class MonotonicClock:
    """The real clock: ``time.monotonic`` (immune to wall-clock changes)."""

    def now(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told; for tests and scripted demos."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go back")
        self._now += seconds


class ScaledClock:
    """The real clock run ``speed`` times faster: a minute's timer passes in a
    fraction of a second, for tests of channels that wait on real input."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.speed


class CallableClock:
    """A clock from a function of no arguments (a channel's own ``time.monotonic``)."""

    def __init__(self, read: Callable[[], float]) -> None:
        self.read = read

    def now(self) -> float:
        return self.read()


@dataclass(frozen=True)
class TimingPolicy:
    """How long each step may wait for an answer, and how it warns."""

    response_seconds: float = 60.0
    warning_seconds: float = MIN_WARNING_SECONDS
    max_extensions: int = MIN_EXTENSIONS
    slow_factor: float = 2.0

    def __post_init__(self) -> None:
        if self.warning_seconds < MIN_WARNING_SECONDS:
            raise ValueError(
                f"warning_seconds must be at least {MIN_WARNING_SECONDS:g} (WCAG 2.2.1)"
            )
        if self.max_extensions < MIN_EXTENSIONS:
            raise ValueError(f"max_extensions must be at least {MIN_EXTENSIONS} (WCAG 2.2.1)")
        if self.response_seconds <= 0 or self.slow_factor < 1:
            raise ValueError("response_seconds must be positive and slow_factor >= 1")

    @classmethod
    def from_settings(cls, settings: Any) -> TimingPolicy:
        """From ``kiosk.settings.Settings`` (response/warning seconds, extensions)."""
        return cls(
            response_seconds=float(settings.response_seconds),
            warning_seconds=float(settings.timeout_warning_seconds),
            max_extensions=int(settings.max_extensions),
        )

    def response_time(self, register: Register, step_seconds: float | None = None) -> float:
        """Seconds allowed on a step: the step's own time or the default, doubled
        for simplified and TTY users; never shorter than the warning period."""
        base = self.response_seconds if step_seconds is None else step_seconds
        if register in SLOW_REGISTERS:
            base *= self.slow_factor
        return max(base, self.warning_seconds)


class Phase(enum.StrEnum):
    RUNNING = "running"
    WARNING = "warning"  # tell the user, offer "more time"
    EXPIRED = "expired"  # end the session safely; nothing is charged


@dataclass(frozen=True)
class TimerState:
    phase: Phase
    seconds_left: float


class StepTimer:
    """The response timer of the current step.

    Call :meth:`poll` from the UI's tick (or read :meth:`state`): ``poll``
    returns a phase once, when it is entered, so the warning is spoken once.
    """

    def __init__(
        self,
        policy: TimingPolicy,
        clock: Clock,
        register: Register = Register.STANDARD,
        step_seconds: float | None = None,
        show_countdown: bool | None = None,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.register = register
        self.step_seconds = step_seconds
        self._show_countdown = (
            register is not Register.SIMPLE if show_countdown is None else show_countdown
        )
        self.restart()

    @property
    def duration(self) -> float:
        return self.policy.response_time(self.register, self.step_seconds)

    @property
    def extensions_used(self) -> int:
        return self._extensions

    @property
    def extensions_left(self) -> int:
        return self.policy.max_extensions - self._extensions

    @property
    def deadline(self) -> float:
        return self._deadline

    def restart(self, step_seconds: float | None = None, *, at: float | None = None) -> None:
        """A new step: full time again, extensions counted afresh. ``at``: from when
        (default now), e.g. the end of a prompt still being sent on a slow TTY line."""
        if step_seconds is not None:
            self.step_seconds = step_seconds
        self._deadline = max(self.clock.now(), at or 0.0) + self.duration
        self._extensions = 0
        self._reported = Phase.RUNNING

    def warned_until(self, at: float) -> None:
        """The warning reached the user only at ``at`` (a slow line): they still get the
        whole warning period from then to ask for more time."""
        self._deadline = max(self._deadline, at + self.policy.warning_seconds)

    def extend(self) -> bool:
        """ "More time": add a full response time. False when none are left or too late."""
        now = self.clock.now()
        if now >= self._deadline or self._extensions >= self.policy.max_extensions:
            return False
        self._deadline += self.duration
        self._extensions += 1
        self._reported = self._phase(now)
        return True

    def state(self) -> TimerState:
        now = self.clock.now()
        return TimerState(self._phase(now), max(0.0, self._deadline - now))

    def poll(self) -> Phase | None:
        """The phase just entered (WARNING or EXPIRED), once; otherwise None."""
        phase = self._phase(self.clock.now())
        if phase is self._reported or (phase, self._reported) == (Phase.RUNNING, Phase.WARNING):
            return None  # (back to running only after a late warning: still warned)
        self._reported = phase
        return None if phase is Phase.RUNNING else phase

    def seconds_to_next_phase(self) -> float | None:
        """When the phase next changes, so a UI can set one exact timer instead of
        polling (the warning then comes with the full warning period left)."""
        left = self._deadline - self.clock.now()
        if left <= 0:
            return None
        if left > self.policy.warning_seconds:
            return left - self.policy.warning_seconds
        return left

    @property
    def countdown_visible(self) -> bool:
        """Show a countdown only while warning, and never in simplified mode."""
        return self._show_countdown and self.state().phase is Phase.WARNING

    def _phase(self, now: float) -> Phase:
        left = self._deadline - now
        if left <= 0:
            return Phase.EXPIRED
        if left <= self.policy.warning_seconds:
            return Phase.WARNING
        return Phase.RUNNING
