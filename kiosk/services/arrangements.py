"""Payment arrangements: extension, deferred payment and installment plan, with reasons.

The eligibility engine answers every kind with a yes or a no in plain words,
and for a no it says what is possible instead. Figures come from settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.store.models import Arrangement, ArrangementKind, ArrangementState
from kiosk.store.store import Store


@dataclass(frozen=True)
class PlannedPart:
    sequence: int  # 1 is the down payment (or the part paid now)
    due_on: dt.date
    cents: int
    paid_cents: int = 0


@dataclass(frozen=True)
class Offer:
    """One kind of arrangement for one account: possible or not, and why, in plain words."""

    kind: ArrangementKind
    eligible: bool
    title: str  # "Extension", "Deferred payment", "Installment plan"
    explanation: str  # what it is and what it means for this account, or why not
    instead: str  # when not eligible: what is possible instead ("" otherwise)
    total_cents: int  # what the arrangement covers
    today_cents: int  # what to pay today to start it (0 for an extension)
    parts: tuple[PlannedPart, ...]
    new_due_on: dt.date | None  # extension: the new due date; others: last part's date
    includes_reconnection_fee: bool
    arrangement_id: int | None = None  # set once recorded by ArrangementService.offer


@dataclass(frozen=True)
class ArrangementSummary:
    arrangement_id: int
    kind: ArrangementKind
    state: ArrangementState
    total_cents: int
    paid_cents: int
    remaining_cents: int
    parts: tuple[PlannedPart, ...]
    next_part_cents: int  # 0 when nothing is left
    next_part_due_on: dt.date | None
    new_due_on: dt.date | None  # extension only
    text: str  # one or two plain sentences


@dataclass(frozen=True)
class PlanCheckReport:
    """What ``check_plans`` changed."""

    broken: tuple[int, ...]  # arrangement ids marked BROKEN
    kept: tuple[int, ...]  # arrangement ids marked KEPT
    disconnection_stopped: tuple[int, ...]  # account ids moved NOTICE -> ACTIVE
    notices_sent: tuple[int, ...]  # account ids moved to NOTICE after a broken plan


def summarize_arrangement(plan: Arrangement, store: Store) -> ArrangementSummary:
    """A plan or extension in plain words (needs its installments loaded)."""
    from kiosk.services.common import money, short_date

    parts = tuple(
        PlannedPart(p.sequence, p.due_on, p.cents, p.paid_cents) for p in plan.installments
    )
    paid = sum(p.paid_cents for p in parts)
    upcoming = next((p for p in parts if p.paid_cents < p.cents), None)
    next_cents = upcoming.cents - upcoming.paid_cents if upcoming else 0
    if plan.kind == ArrangementKind.EXTENSION:
        text = (
            f"You have an extension: the amount due may be paid by {short_date(plan.new_due_on)}."
            if plan.new_due_on
            else "You have an extension."
        )
    else:
        name = (
            "installment plan" if plan.kind == ArrangementKind.INSTALLMENT else "deferred payment"
        )
        text = (
            f"You are on an {name}" if name[0] in "aeiou" else f"You are on a {name}"
        ) + f" of {money(plan.total_cents, store)}; {money(paid, store)} is paid."
        if upcoming is not None:
            text += f" Next payment: {money(next_cents, store)} by {short_date(upcoming.due_on)}."
    return ArrangementSummary(
        arrangement_id=plan.id,
        kind=plan.kind,
        state=plan.state,
        total_cents=plan.total_cents,
        paid_cents=paid,
        remaining_cents=max(plan.total_cents - paid, 0),
        parts=parts,
        next_part_cents=next_cents,
        next_part_due_on=upcoming.due_on if upcoming else None,
        new_due_on=plan.new_due_on,
        text=text,
    )


class ArrangementService:
    """Offers, records and follows payment arrangements."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def eligibility(self, account_number: str) -> list[Offer]:
        """One Offer per kind (extension, deferred, installment), each explained."""
        raise NotImplementedError

    def offer(
        self,
        account_number: str,
        kind: ArrangementKind,
        *,
        parts: int | None = None,
        days: int | None = None,
        pay_now_cents: int | None = None,
        pay_rest_by: dt.date | None = None,
        include_reconnection_fee: bool | None = None,
    ) -> Offer:
        """Record an OFFERED arrangement with these terms; returns it with ``arrangement_id``.

        ``parts``: installment monthly parts after the down payment (default setting, max 12).
        ``days``: extension length (default and max ``extension_max_days``).
        ``pay_now_cents`` / ``pay_rest_by``: deferred payment terms.
        ``include_reconnection_fee``: for a suspended account (default yes).

        Raises:
            NotEligible: with why and what is possible instead; nothing recorded but the audit.
            InvalidInput: terms out of range.
            NotFound: no such account.
        """
        raise NotImplementedError

    def accept(self, account_number: str, arrangement_id: int) -> ArrangementSummary:
        """Make an offered arrangement ACTIVE (installments, or the moved due date).

        The customer then pays ``Offer.today_cents`` through PaymentService (or
        ReconnectionService.pay for a suspended account); it counts as part 1.
        """
        raise NotImplementedError

    def decline(self, account_number: str, arrangement_id: int) -> None:
        """The customer said no to an offer; recorded."""
        raise NotImplementedError

    def current(self, account_number: str) -> ArrangementSummary | None:
        """The active plan or extension, if any."""
        raise NotImplementedError

    def check_plans(self, on: dt.date | None = None) -> PlanCheckReport:
        """Daily job: missed parts break plans; kept plans stop disconnection."""
        raise NotImplementedError
