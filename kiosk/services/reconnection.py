"""Disconnection dates from the policy, and turning a suspended service back on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.payments.methods import PaymentMethod
from kiosk.payments.service import PaymentResult, PaymentService
from kiosk.services import account_state
from kiosk.services.common import find_account, money, record, short_date
from kiosk.store.models import ArrangementKind, ServiceStatus
from kiosk.store.store import Store


@dataclass(frozen=True)
class ReconnectionInfo:
    """What it takes to turn service back on, in plain words."""

    suspended: bool
    past_due_cents: int  # what is due now (plan part due now when on a plan)
    fee_cents: int  # 0 when the plan already includes the fee
    total_cents: int  # pay this with ReconnectionService.pay to reconnect
    plan_possible: bool  # an installment plan with the fee is possible
    plan_today_cents: int  # its down payment (0 if not possible)
    explanation: str


@dataclass(frozen=True)
class DisconnectionSchedule:
    """The policy's dates for the oldest unpaid bill (stored notice dates win)."""

    oldest_unpaid_due_on: dt.date | None
    delinquent_on: dt.date | None  # issued + delinquent_after_days
    notice_on: dt.date | None
    disconnection_on: dt.date | None  # notice + disconnection_notice_days
    text: str


class ReconnectionService:
    """Turning a suspended service back on, and the policy's disconnection dates."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings
        self.payments = PaymentService(store)

    def _money(self, cents: int) -> str:
        return money(cents, self.store)

    def quote(self, account_number: str) -> ReconnectionInfo:
        """What reconnection needs now (past due + fee, or the plan part due now).

        Raises:
            NotFound: no such account.
        """
        from kiosk.services.arrangements import ArrangementService

        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number)
            quote = self.payments._reconnection_quote(session, account)
            suspended = account.status == ServiceStatus.SUSPENDED
            record(self.store, session, "reconnection.quoted", "success", account)
        plan_offer = None
        if suspended:
            offers = ArrangementService(self.store).eligibility(account_number)
            plan_offer = next(
                (o for o in offers if o.kind == ArrangementKind.INSTALLMENT and o.eligible), None
            )
        if not suspended:
            status = {
                ServiceStatus.RECONNECT_PENDING: "Your service is already being turned back on.",
            }.get(account.status, "Your service is on; there is nothing to reconnect.")
            explanation = status
        elif quote.fee_cents == 0:
            explanation = (
                f"Pay the plan payment of {self._money(quote.past_due_cents)} due now and your "
                "service will be turned back on; the reconnection fee is part of your plan."
            )
        else:
            explanation = (
                f"To turn your service back on, pay the past-due {self._money(quote.past_due_cents)}"
                f" plus the {self._money(quote.fee_cents)} reconnection fee: "
                f"{self._money(quote.total_cents)} in all."
            )
            if plan_offer is not None:
                explanation += (
                    f" Or start an installment plan that includes the fee with "
                    f"{self._money(plan_offer.today_cents)} today."
                )
        return ReconnectionInfo(
            suspended=suspended,
            past_due_cents=quote.past_due_cents,
            fee_cents=quote.fee_cents,
            total_cents=quote.total_cents if suspended else 0,
            plan_possible=plan_offer is not None,
            plan_today_cents=plan_offer.today_cents if plan_offer else 0,
            explanation=explanation,
        )

    def pay(
        self, account_number: str, cents: int, method: PaymentMethod, idempotency_key: str
    ) -> PaymentResult:
        """Pay and order reconnection in the payment's own transaction (reconnect=True).

        Works for the past-due + fee quote and for a plan's down payment that
        includes the fee. Raises what PaymentService.pay raises.
        """
        return self.payments.pay(account_number, cents, method, idempotency_key, reconnect=True)

    def disconnection_schedule(self, account_number: str) -> DisconnectionSchedule:
        """When the oldest unpaid (undisputed) bill leads to a notice and a disconnection.

        Raises:
            NotFound: no such account.
        """
        s = self.settings
        with self.store.sessions() as session:
            account = find_account(session, account_number)
            today = self.store.today()
            lines = [
                line for line in account_state.open_lines(session, account.id) if not line.disputed
            ]
            oldest = min(lines, key=lambda line: line.bill.issued_on, default=None)
            owed = account_state.owed(session, account, today)
            on_plan = account_state.active_plan(session, account.id) is not None
            status = account.status
            stored_notice, stored_cutoff = account.disconnection_notice_on, account.disconnection_on
        if oldest is None:
            return DisconnectionSchedule(
                None, None, None, None, "Nothing is unpaid, so no disconnection is planned."
            )
        delinquent = oldest.bill.issued_on + dt.timedelta(days=s.delinquent_after_days)
        notice = stored_notice or max(delinquent, oldest.bill.due_on + dt.timedelta(days=1))
        cutoff = stored_cutoff or notice + dt.timedelta(days=s.disconnection_notice_days)
        if status == ServiceStatus.SUSPENDED:
            text = f"Service was turned off on {short_date(cutoff)} for the unpaid bill."
        elif status == ServiceStatus.RECONNECT_PENDING:
            text = "Service is being turned back on."
        elif owed.due_now_cents <= 0 and (on_plan or owed.past_due_cents <= 0):
            text = (
                f"The bill is due on {short_date(oldest.bill.due_on)}. If it is not paid, it is "
                f"late {s.delinquent_after_days} days after the bill date ({short_date(delinquent)}),"
                f" a notice follows, and service may be turned off "
                f"{s.disconnection_notice_days} days after the notice."
            )
            if on_plan:
                text = "Your payment plan keeps service on as long as each payment is made."
        else:
            text = (
                f"The bill of {short_date(oldest.bill.issued_on)} is late. A notice "
                f"{'was' if notice <= today else 'will be'} sent on {short_date(notice)}, and "
                f"service may be turned off on {short_date(cutoff)} unless "
                f"{self._money(owed.due_now_cents)} is paid or a payment plan is set up."
            )
        return DisconnectionSchedule(oldest.bill.due_on, delinquent, notice, cutoff, text)
