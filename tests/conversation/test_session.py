"""The session driver every channel runs on: timer, warning, more time, expiry,
goodbye, typed signals; and the steps' declared flags."""

from __future__ import annotations

import pytest

from kiosk.accessibility.modes import Mode
from kiosk.accessibility.timing import ManualClock
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.conversation.session import Session, SessionEvent, still_there
from kiosk.conversation.signals import AudioStep, DisplayMode
from kiosk.conversation.step_ids import StepId
from kiosk.conversation.steps import STEPS


def _signed_in(session: Session) -> None:
    for answer in ("1", "40152270", "72201", "2468"):
        session.answer(answer)
    assert session.prompt.id == StepId.MENU


def test_every_step_is_a_named_constant_with_its_flags() -> None:
    assert set(STEPS) == set(StepId)
    public = {step.id for step in STEPS.values() if step.public}
    assert StepId.VERIFY_PIN in public and StepId.MENU not in public
    assert {step.id for step in STEPS.values() if not step.timed} == {StepId.WELCOME}
    money = {step.id for step in STEPS.values() if step.confirms_money}
    assert money == {StepId.PAY_REVIEW, StepId.PLAN_REVIEW}


@pytest.mark.parametrize("register", list(Register))
def test_the_warning_is_worded_in_every_register(register: Register) -> None:
    text = still_there(20).in_register(register)
    if register is Register.TTY:
        assert text == "ARE YOU STILL THERE Q SESSION ENDS IN 20 SECONDS. TYPE MORE TIME GA"
    elif register is Register.SIMPLE:
        assert "seconds" not in text and "#" in text  # no countdown, one key named
    else:
        assert "20 seconds" in text and "more time" in text


def test_warning_more_time_then_expiry_wipes_the_customer(services: Services) -> None:
    clock = ManualClock()
    session = Session(services, clock=clock)
    _signed_in(session)
    limit = session.prompt.timeout_seconds
    assert limit is not None
    wait = session.seconds_to_next_event()
    assert wait == pytest.approx(limit - session.warning_seconds)
    clock.advance(wait)
    tick = session.tick()
    assert tick.event is SessionEvent.WARNING and tick.seconds_left == pytest.approx(20)
    session.answer("#")  # more time: one key
    assert session.prompt.id == StepId.MENU and session.tick().event is None
    clock.advance(limit - 1)  # the extension added a whole response time
    assert session.tick().event is None
    clock.advance(1)
    assert session.tick().event is SessionEvent.WARNING  # warned again before the end
    clock.advance(20)
    assert session.tick().event is SessionEvent.EXPIRED
    assert session.finished and session.conversation.ctx.customer is None
    assert "time ran out" in session.prompt.render(Register.STANDARD).lower()


def test_walk_up_kiosk_waits_at_the_welcome_and_starts_afresh_after_goodbye(
    services: Services,
) -> None:
    clock = ManualClock()
    kiosk = Session(services, clock=clock, goodbye_seconds=6, walk_up=True)
    assert kiosk.seconds_to_next_event() is None  # nobody there: no timer
    line = Session(services, clock=clock)
    assert line.seconds_to_next_event() is not None  # a caller is there: timed
    _signed_in(kiosk)
    kiosk.answer("finish")
    assert kiosk.finished and kiosk.in_goodbye
    clock.advance(6)
    assert kiosk.tick().event is SessionEvent.NEW_SESSION
    assert kiosk.prompt.id == StepId.WELCOME and not kiosk.in_goodbye


def test_signals_are_typed(services: Services) -> None:
    session = Session(services)
    session.answer("2")  # large text at the welcome
    assert session.take_signals() == [DisplayMode(Mode.LARGE)]
    session.answer("louder")
    session.answer("slower")
    assert session.take_signals() == [AudioStep.VOLUME_UP, AudioStep.RATE_DOWN]
    assert session.take_signals() == []
