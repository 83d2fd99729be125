"""Disputes: a customer questions one charge; its amount is held out of past due until resolved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.errors import InvalidInput, NotEligible, NotFound
from kiosk.services import account_state, ledger
from kiosk.services.common import find_account, money, record, short_date
from kiosk.services.confirmation import reference_number
from kiosk.store.models import (
    Account,
    Bill,
    Dispute,
    DisputeState,
    LineItem,
    ServiceStatus,
    Settlement,
)
from kiosk.store.store import Store

DISPUTE_LEDGER = "adjustments:dispute"
MAX_REASON = 2000


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
    decision_due_on: dt.date | None = None  # while open: we answer by then

    @property
    def reference(self) -> str:
        """The number the customer keeps for this dispute (check digit included)."""
        return reference_number("dispute", self.dispute_id)


def summarize_dispute(session: Session, dispute: Dispute, store: Store) -> DisputeSummary:
    item = session.get(LineItem, dispute.line_item_id)
    what = item.description if item else "a charge"
    amount = money(dispute.cents, store)
    opened_on = store.day_of(dispute.created_at)
    decision_due = opened_on + dt.timedelta(days=store.settings.dispute_decision_days)
    if dispute.state == DisputeState.OPEN:
        text = (
            f"You disputed the {what} charge of {amount} on "
            f"{short_date(opened_on)}. We will answer by "
            f"{short_date(decision_due)}; until then you do not have to pay it and it "
            "cannot lead to a disconnection."
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
        opened_on=opened_on,
        resolved_on=store.day_of(dispute.resolved_at) if dispute.resolved_at else None,
        resolution_note=dispute.resolution_note,
        text=text,
        decision_due_on=decision_due if dispute.state == DisputeState.OPEN else None,
    )


class DisputeService:
    """Opens, shows and resolves disputes of single charges."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def open(self, account_number: str, line_item_id: int, reason: str) -> DisputeSummary:
        """Dispute one charge; its open amount is held out of past due.

        A notice whose past-due amount is now fully held (or paid) is stopped.

        Raises:
            NotEligible: the line already has an open dispute, or nothing on it is unpaid.
            InvalidInput: no reason given.
            NotFound: no such account, or the line is not on this account's bills.
        """
        reason = " ".join(reason.split())
        rejection: NotEligible | InvalidInput | None = None
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number, for_update=True)
            item = session.scalar(
                select(LineItem)
                .join(Bill)
                .where(LineItem.id == line_item_id, Bill.account_id == account.id)
            )
            if item is None:
                raise NotFound(
                    "We could not find that charge on this account.",
                    "",
                    "Choose the charge from the list on your bill.",
                )
            open_cents = item.cents - sum(
                session.scalars(select(Settlement.cents).where(Settlement.line_item_id == item.id))
            )
            already = session.scalar(
                select(Dispute).where(
                    Dispute.line_item_id == item.id, Dispute.state == DisputeState.OPEN
                )
            )
            if not reason:
                rejection = InvalidInput(
                    "Please tell us why you disagree with this charge.",
                    "We need a reason to look into it.",
                    'Say or type a short reason, like "I returned the modem in September."',
                )
            elif len(reason) > MAX_REASON:
                rejection = InvalidInput(
                    "The reason is too long.",
                    f"It can be up to {MAX_REASON} characters.",
                    "Please shorten it; a person can take more details later.",
                )
            elif already is not None:
                rejection = NotEligible(
                    f"The {item.description} charge is already disputed.",
                    f"You disputed it on {short_date(self.store.day_of(already.created_at))}; "
                    "it is on hold until we answer.",
                    "You can check the dispute's status, or ask for a person.",
                )
            elif open_cents <= 0:
                rejection = NotEligible(
                    f"The {item.description} charge is already paid.",
                    "A dispute holds an unpaid charge, and nothing of this one is unpaid.",
                    "Ask for a person to look into a refund.",
                )
            if rejection is not None:
                record(
                    self.store,
                    session,
                    "dispute.open",
                    "rejected",
                    account,
                    line_item=item.id,
                    reason=rejection.what,
                )
            else:
                dispute = Dispute(
                    account_id=account.id,
                    line_item_id=item.id,
                    cents=open_cents,
                    reason=reason,
                    created_at=self.store.clock.now(),
                )
                session.add(dispute)
                session.flush()
                self._stop_disconnection_if_current(session, account)
                record(
                    self.store,
                    session,
                    "dispute.opened",
                    "success",
                    account,
                    dispute=dispute.id,
                    line_item=item.id,
                    cents=open_cents,
                )
                summary = summarize_dispute(session, dispute, self.store)
        if rejection is not None:
            raise rejection
        return summary

    def status(self, account_number: str) -> list[DisputeSummary]:
        """All disputes of the account, newest first.

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session:
            account = find_account(session, account_number)
            disputes = session.scalars(
                select(Dispute).where(Dispute.account_id == account.id).order_by(Dispute.id.desc())
            ).all()
            return [summarize_dispute(session, d, self.store) for d in disputes]

    def resolve(
        self, dispute_id: int, credit: bool, note: str, *, actor: str = "staff"
    ) -> DisputeSummary:
        """Credit the charge through the ledger, or deny and release the hold.

        A credit posts receivable -cents / adjustments:dispute +cents and settles
        the line (the part of the credit the line no longer needs stays as credit).

        Raises:
            NotFound: no such dispute. NotEligible: it is already resolved.
        """
        with self.store.sessions() as session, session.begin():
            dispute = session.scalar(
                select(Dispute).where(Dispute.id == dispute_id).with_for_update()
            )
            if dispute is None:
                raise NotFound(f"Dispute {dispute_id} does not exist.", "", "Check the number.")
            account = session.get(Account, dispute.account_id)
            assert account is not None
            if dispute.state != DisputeState.OPEN:
                raise NotEligible(
                    "This dispute is already resolved.",
                    f"It was {dispute.state.value}.",
                    "Open a new dispute if the charge is still wrong.",
                )
            now = self.store.clock.now()
            dispute.resolved_at = now
            dispute.resolution_note = note.strip()
            if credit:
                dispute.state = DisputeState.CREDITED
                ledger.post(
                    session,
                    "dispute_credit",
                    [
                        ledger.Leg(ledger.RECEIVABLE, -dispute.cents, account.id),
                        ledger.Leg(DISPUTE_LEDGER, dispute.cents),
                    ],
                    memo=f"dispute {dispute.id} credited",
                )
                item = session.get(LineItem, dispute.line_item_id)
                assert item is not None
                open_cents = item.cents - sum(
                    session.scalars(
                        select(Settlement.cents).where(Settlement.line_item_id == item.id)
                    )
                )
                share = min(dispute.cents, max(open_cents, 0))
                if share:
                    session.add(
                        Settlement(
                            line_item_id=item.id,
                            cents=share,
                            dispute_id=dispute.id,
                            created_at=now,
                        )
                    )
            else:
                dispute.state = DisputeState.DENIED
            session.flush()
            record(
                self.store,
                session,
                f"dispute.{dispute.state.value}",
                "success",
                account,
                actor=actor,
                dispute=dispute.id,
                cents=dispute.cents,
            )
            if credit:
                self._stop_disconnection_if_current(session, account)
            return summarize_dispute(session, dispute, self.store)

    def _stop_disconnection_if_current(self, session: Session, account: Account) -> None:
        """No disconnection for a held amount: stop the notice once nothing else is due."""
        if account.status != ServiceStatus.NOTICE:
            return
        if account_state.owed(session, account, self.store.today()).due_now_cents:
            return
        account.status = ServiceStatus.ACTIVE
        account.disconnection_on = None
        record(self.store, session, "disconnection.stopped", "success", account, actor="system")
