from __future__ import annotations

from types import SimpleNamespace

import pytest

from kiosk.accessibility.timing import (
    ManualClock,
    MonotonicClock,
    Phase,
    StepTimer,
    TimingPolicy,
)
from kiosk.conversation.prompt import Register


def run_until_expired(timer: StepTimer, clock: ManualClock, tick: float = 0.25) -> list:
    """Tick like a UI would; record (time, phase) of each phase change."""
    events = []
    while True:
        phase = timer.poll()
        if phase is not None:
            events.append((clock.now(), phase, timer.state().seconds_left))
            if phase is Phase.EXPIRED:
                return events
        clock.advance(tick)


def test_warning_comes_at_least_20_seconds_before_expiry() -> None:
    clock = ManualClock()
    timer = StepTimer(TimingPolicy(), clock)
    events = run_until_expired(timer, clock)
    assert [phase for _, phase, _ in events] == [Phase.WARNING, Phase.EXPIRED]
    (warned_at, _, left_at_warning), (expired_at, _, _) = events
    assert expired_at == pytest.approx(60.0)
    assert expired_at - warned_at >= 20.0 - 1e-9
    assert left_at_warning == pytest.approx(20.0)


def test_exact_timer_gives_the_full_warning_period() -> None:
    clock = ManualClock()
    timer = StepTimer(TimingPolicy(), clock)
    clock.advance(timer.seconds_to_next_phase() or 0)
    assert timer.poll() is Phase.WARNING
    assert timer.state().seconds_left == pytest.approx(20.0)
    assert timer.countdown_visible


@pytest.mark.parametrize(
    ("register", "seconds"),
    [
        (Register.STANDARD, 60.0),
        (Register.SPOKEN, 60.0),
        (Register.SIMPLE, 120.0),
        (Register.TTY, 120.0),
    ],
)
def test_simplified_and_tty_get_double_time(register: Register, seconds: float) -> None:
    clock = ManualClock()
    timer = StepTimer(TimingPolicy(), clock, register)
    assert timer.duration == seconds
    clock.advance(seconds - 20.0 - 0.01)
    assert timer.state().phase is Phase.RUNNING
    clock.advance(0.02)
    assert timer.state().phase is Phase.WARNING


def test_step_time_and_settings() -> None:
    policy = TimingPolicy.from_settings(
        SimpleNamespace(response_seconds=90, timeout_warning_seconds=30, max_extensions=12)
    )
    assert policy.response_time(Register.STANDARD) == 90
    assert policy.response_time(Register.TTY, step_seconds=45) == 90
    assert policy.response_time(Register.STANDARD, step_seconds=5) == 30  # never below warning


def test_more_time_extends_and_nothing_is_lost() -> None:
    clock = ManualClock()
    timer = StepTimer(TimingPolicy(), clock)
    clock.advance(45)
    assert timer.poll() is Phase.WARNING
    assert timer.extend()
    state = timer.state()
    assert state.phase is Phase.RUNNING and state.seconds_left == pytest.approx(75.0)
    assert timer.poll() is None  # back to running is not an event
    clock.advance(55.5)
    assert timer.poll() is Phase.WARNING  # warned again before the new deadline


def test_more_time_can_be_asked_ten_times_then_expires() -> None:
    clock = ManualClock()
    timer = StepTimer(TimingPolicy(), clock)
    for _ in range(10):
        clock.advance(timer.seconds_to_next_phase() or 0)
        assert timer.poll() is Phase.WARNING
        assert timer.extend()
    assert timer.extensions_left == 0
    clock.advance(timer.seconds_to_next_phase() or 0)
    assert timer.poll() is Phase.WARNING
    assert not timer.extend()
    clock.advance(20)
    assert timer.poll() is Phase.EXPIRED
    assert clock.now() == pytest.approx(60 * 11)


def test_extend_after_expiry_is_refused_and_restart_resets() -> None:
    clock = ManualClock()
    timer = StepTimer(TimingPolicy(), clock)
    clock.advance(61)
    assert timer.state().phase is Phase.EXPIRED and timer.state().seconds_left == 0
    assert not timer.extend()
    timer.restart()
    assert timer.state().phase is Phase.RUNNING and timer.extensions_used == 0


def test_no_visible_countdown_in_simple_mode_but_the_warning_still_comes() -> None:
    clock = ManualClock()
    timer = StepTimer(TimingPolicy(), clock, Register.SIMPLE)
    assert not timer.countdown_visible
    clock.advance(101)
    assert timer.poll() is Phase.WARNING
    assert not timer.countdown_visible


def test_policy_refuses_less_than_wcag() -> None:
    with pytest.raises(ValueError, match="20"):
        TimingPolicy(warning_seconds=10)
    with pytest.raises(ValueError, match="ten|10"):
        TimingPolicy(max_extensions=3)


def test_clocks() -> None:
    real = MonotonicClock()
    assert real.now() <= real.now()
    manual = ManualClock(5)
    with pytest.raises(ValueError):
        manual.advance(-1)
