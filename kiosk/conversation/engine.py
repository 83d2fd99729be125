"""The conversation engine: one state machine of steps for every channel.

A channel calls :meth:`Conversation.answer` with whatever the user typed,
said or pressed, and renders the :class:`Prompt` it gets back. Global
commands (help, repeat, back, start over, cancel, more time, person, volume
and rate) work on every step. Nothing a user types can crash the engine: an
unexpected error ends in a safe step that says what is true of the customer's
money (nothing charged only when no payment reached a terminal); a store that
fails (locked, full, lost, server down) takes the kiosk out of service.
"""

from __future__ import annotations

import dataclasses
import logging

from kiosk.accessibility.timing import TimingPolicy
from kiosk.conversation.answers import ENTRY_KINDS, Invalid, parse, person_key_wording
from kiosk.conversation.context import Context
from kiosk.conversation.misses import (
    CALLING,
    NOT_UNDERSTOOD_ON_A_CALL,
    PERSON_AFTER,
    not_caught,
)
from kiosk.conversation.prompt import Answer, Command, Prompt, Register, Wording
from kiosk.conversation.services import Services
from kiosk.conversation.signals import AudioStep, Signal
from kiosk.conversation.step_ids import START, StepId
from kiosk.conversation.steps import STEPS, TASK_CONTINUES, TASK_LENGTHS
from kiosk.conversation.steps.base import Go
from kiosk.conversation.steps.service_state import cash_from_earlier, money_status, return_bills
from kiosk.conversation.wording import join, w
from kiosk.store.health import is_store_failure

log = logging.getLogger(__name__)

MAX_INVALID = 3
AUDIO_COMMANDS = {
    Command.VOLUME_UP: AudioStep.VOLUME_UP,
    Command.VOLUME_DOWN: AudioStep.VOLUME_DOWN,
    Command.RATE_UP: AudioStep.RATE_UP,
    Command.RATE_DOWN: AudioStep.RATE_DOWN,
}
# Steps of the person task that "person" does not push onto the history again.
PERSON_STEPS = (StepId.PERSON_CONTACT, StepId.PERSON_PHONE, StepId.PERSON_REVIEW)


class Conversation:
    """One customer's session, from welcome to goodbye."""

    def __init__(self, services: Services, register: Register = Register.STANDARD) -> None:
        self.ctx = Context(services, register)
        self.initial_register = register
        self.history: list[StepId] = []
        self.trail: list[StepId] = []  # numbered steps of the task being done, for "Step 2 of 3"
        self.current: StepId = START
        self.last_command: Command | None = None  # the command the last answer was
        self.invalid_count = 0
        self.extensions = 0
        self.finished = False
        self._prompt = self._build()
        self._past_tty_welcome()
        earlier = cash_from_earlier(self.ctx)  # bills a crashed session left came out
        if earlier is not None:
            self._prompt = dataclasses.replace(
                self._prompt, notice=join(earlier, self._prompt.notice)
            )

    # ------------------------------------------------------------ public API
    @property
    def prompt(self) -> Prompt:
        return self._prompt

    @property
    def register(self) -> Register:
        return self.ctx.register

    def render(self, register: Register | None = None) -> str:
        return self._prompt.render(register or self.ctx.register)

    def answer(self, raw: str) -> Prompt:
        """Handle what the user typed, said or pressed."""
        parsed = parse(self._prompt, raw, self.ctx.services.settings.locale)
        if isinstance(parsed, Invalid):
            self.last_command = None
            return self._reject(parsed)
        return self.handle(parsed)

    def handle(self, answer: Answer) -> Prompt:
        """Handle a typed answer (channels that already know the answer's type)."""
        self.last_command = answer.command
        if answer.command is not None:
            return self._command(answer.command)
        step = STEPS[self.current]
        try:
            outcome = step.accept(self.ctx, answer)
        except Exception as error:  # a bug must never strand or charge a customer
            if is_store_failure(error):
                log.error("step %s: the store failed: %s", self.current, _first_line(error))
                return self._go(Go(StepId.OUT_OF_SERVICE, clear_history=True))
            log.exception("step %s failed", self.current)
            return self._go(
                Go(
                    StepId.MENU if self.ctx.customer else START,
                    clear_history=True,
                    notice=join(_TROUBLE, money_status(self.ctx), _TRY_AGAIN),
                )
            )
        if isinstance(outcome, Invalid):
            return self._reject(outcome)
        return self._go(outcome)

    def missed(self) -> Prompt:
        """Speech was heard on this step but not understood: say so with every way to
        answer; from the second miss offer the keypad and a person; at the third call
        a store worker (:mod:`kiosk.conversation.misses`). Misses and rejected typed
        answers share one count per step."""
        self.invalid_count += 1
        if self.invalid_count >= PERSON_AFTER and self.current not in (
            StepId.PERSON_DONE,
            StepId.END,
        ):
            return self._call_person()
        error = not_caught(self._prompt, self.invalid_count)
        self._prompt = dataclasses.replace(self._build(), error=error)
        return self._prompt

    def _call_person(self) -> Prompt:
        if self.ctx.services.on_a_call:  # no store worker can come to a phone
            return self._go(Go(StepId.PERSON_CONTACT, notice=NOT_UNDERSTOOD_ON_A_CALL))
        if self.current != StepId.PERSON_CONTACT:
            self.history.append(self.current)
        self.current = StepId.PERSON_CONTACT
        called = self.handle(Answer(choice="associate_now", raw="(not understood)"))
        if called.id == "person_done":
            self._prompt = dataclasses.replace(called, notice=join(CALLING, called.notice))
        return self._prompt

    def expire(self) -> Prompt:
        """The response time ran out: end safely, wipe the customer (told of their money first)."""
        notice = join(_TIMED_OUT, money_status(self.ctx))
        self.ctx.wipe()
        return self._go(Go(StepId.END, clear_history=True, notice=notice))

    def take_signals(self) -> list[Signal]:
        """Signals for the channel (a display mode, an audio step), cleared once read."""
        signals = list(self.ctx.signals)
        self.ctx.signals.clear()
        return signals

    def set_register(self, register: Register) -> Prompt:
        self.ctx.register = register
        self._prompt = self._build()
        self._past_tty_welcome()
        return self._prompt

    def _past_tty_welcome(self) -> None:
        """A TTY has no screen to set up, so its welcome ("BILL PAY. TYPE 1 TO START",
        then the caller's "1 GA") was a round trip of line time with no fact in it: on
        a TTY the kiosk greets in the first question (account or phone number) instead."""
        if self.ctx.register is not Register.TTY or self.current != StepId.WELCOME:
            return
        outcome = STEPS[StepId.WELCOME].accept(self.ctx, Answer(choice="start", raw=""))
        if isinstance(outcome, Go):
            greeting = _TTY_GREETING if outcome.step == StepId.VERIFY_ID else None
            said = [part for part in (greeting, outcome.notice) if part is not None]
            notice = join(*said) if said else None
            self._go(dataclasses.replace(outcome, clear_history=True, notice=notice))

    # ------------------------------------------------------------- internals
    def _command(self, command: Command) -> Prompt:
        if command == Command.HELP:
            return self._rebuild(notice=self._prompt.help)
        if command == Command.REPEAT:
            return self._rebuild()
        if command == Command.BACK:
            if not self.history and self.current == START:
                return self._rebuild(notice=w("This is the first step.", "You are at the start."))
            if not self.history:  # cleared on purpose, e.g. once a payment was made
                return self._rebuild(
                    notice=w("You cannot go back from here.", "You cannot go back now.")
                )
            self.current = self.history.pop()
            self.invalid_count = 0
            return self._rebuild()
        if command == Command.START_OVER:
            bills = return_bills(self.ctx)  # never left in escrow for the next customer
            self.ctx.wipe()
            self.ctx.register = self.initial_register
            return self._go(Go(START, clear_history=True, notice=bills))
        if command == Command.CANCEL:
            public = STEPS[self.current].public
            target = StepId.MENU if self.ctx.customer and not public else START
            notice = join(w("Canceled.", "Stopped.", tty_text="CANCELED"), money_status(self.ctx))
            if target == START:
                self.ctx.wipe()
            return self._go(Go(target, clear_history=True, notice=notice))
        if command == Command.MORE_TIME:
            limit = self.ctx.services.settings.max_extensions
            if self.extensions >= limit:
                return self._rebuild(
                    notice=w(
                        "You have had the most extra time we can give. A person can help.",
                        "A person can help you.",
                    )
                )
            self.extensions += 1
            return self._rebuild(notice=w("You have more time.", "Take your time."))
        if command == Command.PERSON:
            if self.current not in PERSON_STEPS:
                self.history.append(self.current)
            self.current = StepId.PERSON_CONTACT
            return self._rebuild()
        if command in AUDIO_COMMANDS:
            self.ctx.signals.append(AUDIO_COMMANDS[command])
            return self._rebuild()
        return self._rebuild()  # pragma: no cover - every command is handled above

    def _reject(self, invalid: Invalid) -> Prompt:
        self.invalid_count += 1
        notice = None
        if self.invalid_count >= MAX_INVALID:
            notice = join(
                w("You can type help to hear more.", "Type help.", tty_text="TYPE HELP"),
                person_key_wording(self._prompt.kind),
            )
        self._prompt = dataclasses.replace(self._build(), error=invalid.reason, notice=notice)
        return self._prompt

    def _go(self, go: Go) -> Prompt:
        if go.clear_history:
            self.history.clear()
        elif go.step != self.current:
            self.history.append(self.current)
        self.current = go.step
        self.invalid_count = 0
        self._prompt = self._build_safely(go.notice)
        if go.error is not None:
            self._prompt = dataclasses.replace(self._prompt, error=go.error)
        if self._prompt.end_of_session:
            self.finished = True
            bills = return_bills(self.ctx)  # a session never ends with bills in escrow
            if bills is not None:
                self._prompt = dataclasses.replace(
                    self._prompt, notice=join(self._prompt.notice, bills)
                )
            self.ctx.wipe()
            self.ctx.register = self.initial_register
            self.history.clear()
        else:
            self.finished = False
            self._past_tty_welcome()  # start over, or the next caller
        return self._prompt

    def _rebuild(self, notice: Wording | None = None) -> Prompt:
        self._prompt = self._build_safely(notice)
        return self._prompt

    def _build_safely(self, notice: Wording | None = None) -> Prompt:
        try:
            built = self._build()
        except Exception as error:
            self.history.clear()
            if is_store_failure(error) and self.current != StepId.OUT_OF_SERVICE:
                log.error(
                    "building step %s: the store failed: %s", self.current, _first_line(error)
                )
                self.current = StepId.OUT_OF_SERVICE
            else:
                log.exception("building step %s failed", self.current)
                menu = StepId.MENU
                self.current = menu if self.ctx.customer and self.current != menu else START
                notice = join(_TROUBLE, money_status(self.ctx), _TRY_AGAIN, notice)
            built = self._fallback()
        if notice is not None:
            built = dataclasses.replace(
                built, notice=join(built.notice, notice) if built.notice else notice
            )
        return built

    def _fallback(self) -> Prompt:
        try:
            return self._build()
        except Exception as error:
            if is_store_failure(error) and self.current != StepId.OUT_OF_SERVICE:
                self.current = StepId.OUT_OF_SERVICE  # the menu or welcome needed the broken store
                return self._fallback()
            self.current = StepId.END
            return self._build()

    def _numbering(self, step_id: StepId) -> tuple[int | None, int | None]:
        """("Step n", "of m") counted along the way actually taken, so a number never
        jumps: a branch that skips a step (an extension has no parts to choose) does not
        skip a number, and a task a flow goes on into (a plan's first payment, a
        reconnection's payment) carries on the flow's numbers. A flow that can go on
        into another task has no fixed length, so it shows no total ("Step 4")."""
        step = STEPS[step_id]
        if not step.task or not step.position:
            self.trail = []
            return None, None
        if not self.trail or STEPS[self.trail[-1]].task != step.task:
            # Entering a task: the steps of this flow that lead here (Back from a detour
            # such as asking for a person keeps "Step 2 of 4"; none on a new start).
            self.trail = []
            following = step.task
            for earlier_id in reversed(self.history):
                task = STEPS[earlier_id].task
                if not STEPS[earlier_id].position:
                    break
                if task != following and following not in TASK_CONTINUES.get(task, ()):
                    break
                following = task
                self.trail.insert(0, earlier_id)
        if step_id not in self.trail:
            self.trail.append(step_id)
        segments: list[tuple[str, set[int]]] = []  # the trail's tasks, in order
        for taken in self.trail:
            task, position = STEPS[taken].task, STEPS[taken].position or 0
            if segments and segments[-1][0] == task:
                segments[-1][1].add(position)
            else:
                segments.append((task, {position}))
        *before, (_, here) = segments
        number = 1 + sum(len(positions) for _, positions in before)
        number += len({p for p in here if p < step.position})
        first = STEPS[self.trail[0]].task
        if first in TASK_CONTINUES:
            return number, None
        return number, number + TASK_LENGTHS.get(step.task, step.position) - step.position

    def _build(self) -> Prompt:
        step = STEPS[self.current]
        built = step.build(self.ctx)
        number, total = self._numbering(step.id)
        timing = TimingPolicy.from_settings(self.ctx.services.settings).response_time(
            self.ctx.register
        )
        return dataclasses.replace(
            built,
            help=_with_person_key(built),
            id=step.id,
            task=step.task,
            step=number,
            total_steps=total,
            timeout_seconds=timing,
            timed=step.timed,
            confirms_money=step.confirms_money,
        )


# Each is followed by money_status(): what is true of the customer's money.
_TROUBLE = w(
    "Sorry, something went wrong on our side.",
    "Sorry, something went wrong.",
    tty_text="SORRY, PROBLEM ON OUR SIDE",
)
_TRY_AGAIN = w(
    "You can try again or ask for a person.",
    "Try again, or ask for a person.",
    tty_text="TRY AGAIN OR TYPE 0 FOR A PERSON",
)
_TTY_GREETING = w(
    "Welcome. Here you can pay your bill and get help with your account.",
    "Hello. You can pay your bill here.",
    tty_text="BILL PAY",
    go_ahead=False,
)
_TIMED_OUT = w(
    "The time ran out, so we ended your session to keep your account safe.",
    "Time ran out. We closed it to keep you safe.",
    tty_text="TIME RAN OUT. SESSION ENDED",
)


def _with_person_key(prompt: Prompt) -> Wording:
    """A step that types into a field says in its help how to reach a person there: a
    0 is typed into the field, so it is "0, then Enter" (issue 16)."""
    if prompt.kind not in ENTRY_KINDS or "press 0" in prompt.help.standard.lower():
        return prompt.help
    return join(prompt.help, person_key_wording(prompt.kind))


def _first_line(error: BaseException) -> str:
    """An error's type and first line (a driver error's later lines hold SQL and values)."""
    text = str(error)
    return f"{type(error).__name__}: {text.splitlines()[0][:200] if text else ''}"
