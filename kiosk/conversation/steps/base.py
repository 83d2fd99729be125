"""How a step is written: a prompt builder and an answer handler, registered by id."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.conversation.answers import Invalid
from kiosk.conversation.context import Context
from kiosk.conversation.prompt import Answer, AnswerKind, Choice, Prompt, Wording
from kiosk.conversation.step_ids import StepId
from kiosk.conversation.wording import label, w


@dataclass(frozen=True)
class Go:
    """Where to go next. ``clear_history``: Back must not return past this point
    (after a payment, Back never leads to the review step again)."""

    step: StepId
    clear_history: bool = False
    notice: Wording | None = None  # told before the next step's question
    error: Wording | None = None  # why we came back here, shown as an error


Outcome = Go | Invalid
Builder = Callable[[Context], Prompt]
Handler = Callable[[Context, Answer], Outcome]


@dataclass(frozen=True)
class Step:
    """A registered step and what it is, declared once for the engine and every channel.

    ``public``: needs no verified customer (sign-in, a person, the goodbye); "cancel"
    there starts over instead of going to the menu. ``timed``: the response timer runs;
    a step that is not (the welcome: nobody's data yet) waits for a customer as long as
    it takes on a walk-up kiosk (a call or a script times it all the same). ``confirms_money``: a
    yes here moves money (a payment or a plan), so channels make it deliberate: voice
    waits for the full pause, a TTY is told to hold while the payment runs.
    """

    id: StepId
    task: str
    position: int | None  # "Step <position> of <task total>"; branches share a position
    build: Builder
    accept: Handler
    public: bool = False
    timed: bool = True
    confirms_money: bool = False


STEPS: dict[str, Step] = {}
# How many positions each task has, for "Step 2 of 4".
TASK_LENGTHS: dict[str, int] = {}
# Tasks a task's flow may go on into ("Payment plan" -> "Pay your bill" for the plan's
# first payment): the numbers run on, and such a flow shows no total, because its
# length depends on the customer's choices.
TASK_CONTINUES: dict[str, frozenset[str]] = {}


def step(
    step_id: StepId,
    task: str = "",
    position: int | None = None,
    *,
    public: bool = False,
    timed: bool = True,
    confirms_money: bool = False,
    continues_into: tuple[str, ...] = (),
) -> Callable[[Builder], Builder]:
    """Register a prompt builder and what the step is; pair it with :func:`handles`.
    ``continues_into``: other tasks this step can lead straight into (see
    :data:`TASK_CONTINUES`)."""

    def register(build: Builder) -> Builder:
        STEPS[step_id] = Step(
            step_id,
            task,
            position,
            build,
            _missing_handler,
            public=public,
            timed=timed,
            confirms_money=confirms_money,
        )
        if task and position:
            TASK_LENGTHS[task] = max(TASK_LENGTHS.get(task, 0), position)
        if continues_into:
            TASK_CONTINUES[task] = TASK_CONTINUES.get(task, frozenset()) | set(continues_into)
        return build

    return register


def handles(step_id: StepId) -> Callable[[Handler], Handler]:
    def register(accept: Handler) -> Handler:
        STEPS[step_id] = dataclasses.replace(STEPS[step_id], accept=accept)
        return accept

    return register


def _missing_handler(ctx: Context, answer: Answer) -> Outcome:  # pragma: no cover
    raise RuntimeError("step has no handler")


def prompt(
    text: Wording,
    kind: AnswerKind,
    help_text: Wording,
    choices: list[Choice] | tuple[Choice, ...] = (),
    **extra: object,
) -> Prompt:
    """A prompt with the engine's fields (id, task, step numbers) filled in later."""
    return Prompt(id="", text=text, kind=kind, help=help_text, choices=tuple(choices), **extra)  # type: ignore[arg-type]


def choice(
    value: str,
    key: str,
    standard: str,
    simple: str | None = None,
    *,
    synonyms: tuple[str, ...] = (),
    icon: str = "",
    tty_text: str | None = None,
) -> Choice:
    return Choice(value, label(standard, simple, tty_text), key, synonyms, icon)


def invalid(standard: str, simple: str | None = None, tty_text: str | None = None) -> Invalid:
    return Invalid(w(standard, simple, tty_text=tty_text))


def numbered(choices: list[Choice]) -> list[Choice]:
    """Give choices keys 1, 2, 3... in order (keys stay stable per list)."""
    return [
        Choice(c.value, c.label, str(index), c.synonyms, c.icon)
        for index, c in enumerate(choices, 1)
    ]
