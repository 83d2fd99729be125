"""Which heard answers must be confirmed before they are acted on: confirm by risk.

A choice that leads to a commitment (a payment plan, a dispute, which charge) is read
back and confirmed when it was heard by speech: "Dispute the Internet 100 charge,
$45.00?". Navigation (help, repeat, back, the menu) is never confirmed: it is cheap to
undo. Payments are confirmed by their review step, where the amount and the way to pay
are read back before money moves. Any channel that hears speech uses this.
"""

from __future__ import annotations

from kiosk.conversation.prompt import Choice, Prompt, Wording
from kiosk.conversation.step_ids import StepId
from kiosk.conversation.wording import w

__all__ = ["NAVIGATION", "RISKY_CHOICES", "confirm_question", "needs_confirmation"]

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
