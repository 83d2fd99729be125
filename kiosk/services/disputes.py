"""Disputes: a customer questions one charge; its amount is held out of past due until resolved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kiosk.store.models import Dispute, DisputeState, LineItem
from kiosk.store.store import Store


@dataclass(frozen=True)
class DisputeSummary:
    dispute_id: int
    line_item_id: int
    description: str  # the charge, e.g. "Wi-Fi extender rental"
    cents: int  # the amount held (or credited)
    state: DisputeState
    reason: str
    opened_on: dt.date
    resolved_on: dt.date | None
    resolution_note: str
    text: str  # plain words


def summarize_dispute(session: Session, dispute: Dispute, store: Store) -> DisputeSummary:
    from kiosk.services.common import money, short_date

    item = session.get(LineItem, dispute.line_item_id)
    what = item.description if item else "a charge"
    amount = money(dispute.cents, store)
    if dispute.state == DisputeState.OPEN:
        text = (
            f"You disputed the {what} charge of {amount} on "
            f"{short_date(dispute.created_at.date())}. We are looking at it; until then "
            "you do not have to pay it and it cannot lead to a disconnection."
        )
    elif dispute.state == DisputeState.CREDITED:
        text = f"Your dispute of the {what} charge was accepted: {amount} was credited."
    else:
        text = f"Your dispute of the {what} charge was not accepted, so the {amount} is due again."
    if dispute.resolution_note and dispute.state != DisputeState.OPEN:
        text += f" Note: {dispute.resolution_note}"
    return DisputeSummary(
        dispute_id=dispute.id,
        line_item_id=dispute.line_item_id,
        description=what,
        cents=dispute.cents,
        state=dispute.state,
        reason=dispute.reason,
        opened_on=dispute.created_at.date(),
        resolved_on=dispute.resolved_at.date() if dispute.resolved_at else None,
        resolution_note=dispute.resolution_note,
        text=text,
    )


class DisputeService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def open(self, account_number: str, line_item_id: int, reason: str) -> DisputeSummary:
        """Dispute one charge; its open amount is held out of past due.

        Raises:
            NotEligible: the line already has an open dispute, or nothing on it is unpaid.
            InvalidInput: no reason given.
            NotFound: no such account, or the line is not on this account's bills.
        """
        raise NotImplementedError

    def status(self, account_number: str) -> list[DisputeSummary]:
        """All disputes of the account, newest first."""
        raise NotImplementedError

    def resolve(
        self, dispute_id: int, credit: bool, note: str, *, actor: str = "staff"
    ) -> DisputeSummary:
        """Credit the charge through the ledger, or deny and release the hold."""
        raise NotImplementedError
