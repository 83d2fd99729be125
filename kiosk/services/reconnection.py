"""Disconnection dates from the policy, and turning a suspended service back on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.payments.methods import PaymentMethod
from kiosk.payments.service import PaymentResult
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
    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def quote(self, account_number: str) -> ReconnectionInfo:
        """What reconnection needs now (past due + fee, or the plan part due now)."""
        raise NotImplementedError

    def pay(
        self, account_number: str, cents: int, method: PaymentMethod, idempotency_key: str
    ) -> PaymentResult:
        """Pay and order reconnection in the payment's own transaction (reconnect=True).

        Works for the past-due + fee quote and for a plan's down payment that
        includes the fee. Raises what PaymentService.pay raises.
        """
        raise NotImplementedError

    def disconnection_schedule(self, account_number: str) -> DisconnectionSchedule:
        raise NotImplementedError
