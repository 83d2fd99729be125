"""How a step is written: a prompt builder and an answer handler, registered by id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk.conversation.answers import Invalid
from kiosk.conversation.context import Context
from kiosk.conversation.prompt import Answer, AnswerKind, Choice, Prompt, Wording
from kiosk.conversation.wording import label, w


@dataclass(frozen=True)
class Go:
    """Where to go next. ``clear_history``: Back must not return past this point
    (after a payment, Back never leads to the review step again)."""

    step: str
    clear_history: bool = False
    notice: Wording | None = None  # told before the next step's question
    error: Wording | None = None  # why we came back here, shown as an error


Outcome = Go | Invalid
Builder = Callable[[Context], Prompt]
Handler = Callable[[Context, Answer], Outcome]


@dataclass(frozen=True)
class Step:
    id: str
    task: str
    position: int | None  # "Step <position> of <task total>"; branches share a position
    build: Builder
    accept: Handler


STEPS: dict[str, Step] = {}
# How many positions each task has, for "Step 2 of 4".
TASK_LENGTHS: dict[str, int] = {}


def step(step_id: str, task: str = "", position: int | None = None) -> Callable[[Builder], Builder]:
    """Register a prompt builder; pair it with :func:`handles`."""

    def register(build: Builder) -> Builder:
        STEPS[step_id] = Step(step_id, task, position, build, _missing_handler)
        if task and position:
            TASK_LENGTHS[task] = max(TASK_LENGTHS.get(task, 0), position)
        return build

    return register


def handles(step_id: str) -> Callable[[Handler], Handler]:
    def register(accept: Handler) -> Handler:
        existing = STEPS[step_id]
        STEPS[step_id] = Step(existing.id, existing.task, existing.position, existing.build, accept)
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
