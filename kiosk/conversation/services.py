"""The services a conversation calls, built once per kiosk from the store.

Channels never touch these: the engine's steps do, so business rules stay in
services and every channel gets the same behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from kiosk.store.store import Store

if TYPE_CHECKING:
    from kiosk.payments.cash import CashAcceptorSimulator
    from kiosk.payments.methods import PaymentMethod
    from kiosk.payments.service import PaymentService
    from kiosk.services.arrangements import ArrangementService
    from kiosk.services.assistance import AssistanceService
    from kiosk.services.billing import BillService
    from kiosk.services.disputes import DisputeService
    from kiosk.services.outbox import ReceiptOutbox
    from kiosk.services.reconnection import ReconnectionService
    from kiosk.services.representative import RepresentativeService
    from kiosk.services.verification import VerificationService


@dataclass
class Services:
    store: Store

    @cached_property
    def verification(self) -> VerificationService:
        from kiosk.services.verification import VerificationService

        return VerificationService(self.store)

    @cached_property
    def payments(self) -> PaymentService:
        from kiosk.payments.service import PaymentService

        return PaymentService(self.store)

    @cached_property
    def bills(self) -> BillService:
        from kiosk.services.billing import BillService

        return BillService(self.store)

    @cached_property
    def arrangements(self) -> ArrangementService:
        from kiosk.services.arrangements import ArrangementService

        return ArrangementService(self.store)

    @cached_property
    def disputes(self) -> DisputeService:
        from kiosk.services.disputes import DisputeService

        return DisputeService(self.store)

    @cached_property
    def reconnection(self) -> ReconnectionService:
        from kiosk.services.reconnection import ReconnectionService

        return ReconnectionService(self.store)

    @cached_property
    def assistance(self) -> AssistanceService:
        from kiosk.services.assistance import AssistanceService

        return AssistanceService(self.store)

    @cached_property
    def representative(self) -> RepresentativeService:
        from kiosk.services.representative import RepresentativeService

        return RepresentativeService(self.store)

    @cached_property
    def receipts(self) -> ReceiptOutbox:
        from kiosk.services.outbox import ReceiptOutbox

        return ReceiptOutbox(self.store)

    def card_terminal(self) -> PaymentMethod:
        from kiosk.payments.registry import card_terminal

        return card_terminal(self.store.settings)

    def bank_debit(self, routing: str, account_number: str) -> PaymentMethod:
        from kiosk.payments.registry import bank_debit

        return bank_debit(self.store.settings, routing, account_number)

    def cash_acceptor(self) -> CashAcceptorSimulator:
        from kiosk.payments.registry import cash_acceptor

        return cash_acceptor(self.store.settings)
