"""The services a conversation calls, built once per kiosk from the store.

Channels never touch these: the engine's steps do, so business rules stay in
services and every channel gets the same behaviour.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.payments.cash import CashAcceptorSimulator
    from kiosk.payments.keyed_card import KeyedCard
    from kiosk.payments.methods import PaymentMethod
    from kiosk.payments.service import PaymentService
    from kiosk.services.arrangements import ArrangementService
    from kiosk.services.assistance import AssistanceService
    from kiosk.services.authorizations import DebitAuthorizations
    from kiosk.services.billing import BillService
    from kiosk.services.disputes import DisputeService
    from kiosk.services.outbox import ReceiptOutbox
    from kiosk.services.reconnection import ReconnectionService
    from kiosk.services.representative import RepresentativeService
    from kiosk.services.verification import VerificationService
    from kiosk.settings import Settings
    from kiosk.store.store import Store


class Services:
    """Lazily built services over one store.

    The store may be handed over already open, or as a function that opens it
    (``Services.deferred``): a channel can then greet the customer while the
    database opens in the background, since the first step needs no data.
    """

    def __init__(
        self,
        store: Store | Callable[[], Store],
        settings: Settings | None = None,
        *,
        takes_cash: bool = True,
        keyed_card: bool = False,
        has_printer: bool = True,
    ) -> None:
        # A walk-up kiosk has one bill acceptor; the phone line has none (its calls
        # share these services, and no caller can put a bill in).
        self.takes_cash = takes_cash
        # A walk-up kiosk has a card reader; on the phone line the card is not present:
        # the caller keys its number, expiry and security code (card-not-present).
        self.keyed_card = keyed_card
        self._has_printer = has_printer
        # How this channel goes back a step, for messages that must name it: the
        # screen's key is Esc (its star is Repeat), the voice channel's is "go back".
        self.back_how = "type back"
        if not callable(store):  # an open Store (imported lazily: it pulls in SQLAlchemy)
            self._store: Store | None = store
            self._open: Callable[[], Store] | None = None
            self.settings = settings or store.settings
        else:
            if settings is None:
                raise ValueError("a deferred store needs its settings up front")
            self._store, self._open = None, store
            self.settings = settings
        self._lock = threading.Lock()
        # Bills a crashed session left in escrow, handed back at start-up: the first
        # customer prompt says so once (the runtime sets it, a Conversation takes it).
        self.cash_from_earlier: int = 0

    @property
    def on_a_call(self) -> bool:
        """The customer is on the phone line (only there is a card keyed): no store
        worker can come to them, so nothing may offer or promise one."""
        return self.keyed_card

    @property
    def has_printer(self) -> bool:
        """A walk-up kiosk prints the receipt; a caller has no printer: a payment on the
        line queues no paper receipt and its result offers email, a text message or
        hearing the confirmation number again, never paper."""
        return self._has_printer

    @has_printer.setter
    def has_printer(self, value: bool) -> None:
        self._has_printer = value
        if "payments" in self.__dict__:  # already built: it queues receipts by this too
            self.payments.prints_receipts = value

    def take_cash_from_earlier(self) -> int:
        """The cents handed back at start-up not yet told to anyone (0 after the first call)."""
        with self._lock:
            cents, self.cash_from_earlier = self.cash_from_earlier, 0
        return cents

    @classmethod
    def deferred(
        cls,
        open_store: Callable[[], Store],
        settings: Settings,
        *,
        takes_cash: bool = True,
        keyed_card: bool = False,
        has_printer: bool = True,
    ) -> Services:
        return cls(
            open_store,
            settings,
            takes_cash=takes_cash,
            keyed_card=keyed_card,
            has_printer=has_printer,
        )

    @property
    def store(self) -> Store:
        """The open store; waits for it the first time if it is still opening.

        Raises:
            StoreUnavailable: it cannot be opened (missing, read-only, corrupted,
                server down); the next call tries again.
        """
        if self._store is None:
            with self._lock:
                if self._store is None:
                    assert self._open is not None
                    try:
                        self._store = self._open()
                    except Exception as error:
                        raise _unavailable(error) from None
        return self._store

    def usable(self) -> bool:
        """Whether the store can serve a customer now (opens it if needed); never raises."""
        from kiosk.store import health

        try:
            health.check(self.store)
        except Exception as error:
            if not health.is_store_failure(error):
                raise
            return False
        return True

    def close(self) -> None:
        """Release the database connections, if the store was ever opened."""
        if self._store is not None:
            self._store.dispose()

    @cached_property
    def verification(self) -> VerificationService:
        from kiosk.services.verification import VerificationService

        return VerificationService(self.store)

    @cached_property
    def payments(self) -> PaymentService:
        from kiosk.payments.service import PaymentService

        return PaymentService(self.store, prints_receipts=self.has_printer)

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
    def debit_authorizations(self) -> DebitAuthorizations:
        from kiosk.services.authorizations import DebitAuthorizations

        return DebitAuthorizations(self.store)

    @cached_property
    def receipts(self) -> ReceiptOutbox:
        from kiosk.services.outbox import ReceiptOutbox

        return ReceiptOutbox(self.store)

    def print_receipt(self, attempt_id: int) -> bool:
        """Print a payment's receipt now, in its customer's session; False when the
        printer could not (the receipt is then cancelled, never printed later)."""
        from kiosk.runtime import delivery_router
        from kiosk.services.outbox import OutboxWorker

        worker = OutboxWorker(self.store, delivery_router(self.store.settings))
        return worker.print_now(attempt_id)

    def card_terminal(self) -> PaymentMethod:
        from kiosk.payments.registry import card_terminal

        return card_terminal(self.store.settings)

    def keyed_card_method(self, card: KeyedCard) -> PaymentMethod:
        """A card-not-present charge of ``card``, checked against the kiosk's clock."""
        from kiosk.payments.registry import keyed_card

        return keyed_card(self.store.settings, card, self.store.clock)

    def bank_debit(self, routing: str, account_number: str) -> PaymentMethod:
        from kiosk.payments.registry import bank_debit

        return bank_debit(self.store.settings, routing, account_number)

    def cash_acceptor(self) -> CashAcceptorSimulator:
        """The kiosk's one bill acceptor (its escrow is the same for every step)."""
        return self._cash_acceptor

    @cached_property
    def _cash_acceptor(self) -> CashAcceptorSimulator:
        from kiosk.payments.registry import cash_acceptor

        return cash_acceptor(self.settings)


def _unavailable(error: Exception) -> Exception:
    """The store could not open: logged for staff, a StoreUnavailable for the customer."""
    import logging

    from kiosk.errors import KioskError, StoreUnavailable

    logging.getLogger(__name__).error(
        "the store could not be opened: %s: %s", type(error).__name__, str(error)[:300]
    )
    if isinstance(error, KioskError | StoreUnavailable):
        return error
    return StoreUnavailable(
        "This kiosk cannot reach its records right now.", "", "Please use another kiosk."
    )
