"""Which heard answers must be confirmed before they are acted on: confirm by risk.

A choice that leads to a commitment (a payment plan, a dispute, which charge) is read
back and confirmed when it was heard by speech and the recognizer was not sure of it
(its N-best margin under :data:`CHOICE_MARGIN`): "Dispute the Internet 100 charge,
$45.00?". Navigation (help, repeat, back, the menu) is never confirmed: it is cheap to
undo. Payments are confirmed by their review step, where the amount and the way to pay
are read back before money moves; a spoken "yes" there moves money only when the
recognizer is very sure (:data:`MONEY_YES_MARGIN`), else the keypad's 1 is asked for;
the yes to a risky read-back is held to the same margin.
Any channel that hears speech uses this.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from kiosk.conversation.prompt import AnswerKind, Choice, Prompt, Wording
from kiosk.conversation.step_ids import StepId
from kiosk.conversation.wording import w

__all__ = [
    "CHOICE_MARGIN",
    "MONEY_YES_MARGIN",
    "NAVIGATION",
    "RISKY_CHOICES",
    "Check",
    "confirm_question",
    "needs_confirmation",
    "spoken_check",
]

#: Choices that commit the customer to something, by step; None: every choice there.
RISKY_CHOICES: dict[str, frozenset[str] | None] = {
    StepId.MENU: frozenset({"plan", "dispute"}),
    StepId.DISPUTE_PICK: None,
    StepId.DISPUTE_REASON: None,
    StepId.PLAN_OFFERS: None,
    StepId.PLAN_PARTS: None,
}

#: Choice values that only move around, on any step.
NAVIGATION = frozenset({"menu", "more", "back", "finish", "person"})


#: N-best margin (the recognizer's log score per frame of what it heard, minus that of
#: the best other path on the same speech: :meth:`Recognizer.margin`) above which a
#: risky choice is taken without a read-back. Placed by bench/bench_speech.py's margin
#: sweep (pocketsphinx, espeak-ng callers, clean / 10 dB white / babble 10 dB): the widest
#: margin of a wrong risky choice was 13.5 on the tuned voices ("the water charge" heard
#: as the home phone line) and 8.6 on the held-out ones; at 16 none is taken, and 38 % of
#: the right risky choices (tuned; 34 % held-out) skip the read-back.
CHOICE_MARGIN = 16.0
#: The margin a spoken "yes" that moves money (or confirms a risky read-back) needs;
#: at or below it the keypad's 1 is asked for. The bench heard one wrong "yes" (-2.3);
#: the choices' bound is used for want of more: 67 % (tuned) and 53 % (held-out) of the
#: right spoken yeses at the payment review pay without the keypad.
MONEY_YES_MARGIN = 16.0


class Check(enum.Enum):
    """What to do with an answer heard by speech before the engine sees it."""

    TAKE = "take"  # act on it
    CONFIRM = "confirm"  # read it back: "Dispute the Internet charge? Say yes or press 1"
    KEYPAD = "keypad"  # a yes that moves money, not heard surely: press 1 to confirm


def spoken_check(
    prompt: Prompt,
    value: str | bool,
    margin: Callable[[], float | None],
    choice_margin: float = CHOICE_MARGIN,
    money_margin: float = MONEY_YES_MARGIN,
) -> Check:
    """How to treat ``value`` (a choice's value, or True/False on a yes/no step) heard by
    speech on ``prompt``. ``margin`` gives the recognizer's N-best margin (None when it
    has none: then never sure); it is called only when the answer is risky, as it
    decodes the speech again. ``choice_margin`` / ``money_margin``: the margins needed
    (another engine or model needs its own, measured)."""
    if prompt.kind is AnswerKind.YES_NO:
        if value is not True or not prompt.confirms_money:
            return Check.TAKE
        return Check.TAKE if _above(margin(), money_margin) else Check.KEYPAD
    if not isinstance(value, str) or not needs_confirmation(prompt, value):
        return Check.TAKE
    return Check.TAKE if _above(margin(), choice_margin) else Check.CONFIRM


def _above(margin: float | None, needed: float) -> bool:
    """Strictly above: an infinite threshold is never met (a recognizer never trusted)."""
    return margin is not None and margin > needed


def needs_confirmation(prompt: Prompt, value: str) -> bool:
    """Whether choosing ``value`` (a choice's value) on ``prompt`` by speech must be
    confirmed before the engine sees it."""
    if value in NAVIGATION or prompt.id not in RISKY_CHOICES:
        return False
    risky = RISKY_CHOICES[prompt.id]
    return risky is None or value in risky


def confirm_question(prompt: Prompt, choice: Choice) -> Wording:
    """ "Dispute the Internet 100 charge, $45.00?", "Set up a payment plan?"."""
    label = choice.label.standard
    if prompt.id == StepId.DISPUTE_PICK:
        name, _, amount = label.partition(", ")
        text = f"Dispute the {name} charge{', ' + amount if amount else ''}?"
        return w(text, f"Dispute {choice.label.simple}?")
    return w(f"{label}?", f"{choice.label.simple}?")
