"""What every channel starts with: the store, the services, and background upkeep.

At start-up the reconciler settles this kiosk's unfinished payments (a crash
never leaves a charge unrecorded); the outbox worker delivers receipts in a
background thread so a slow printer or mail server never blocks a customer.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kiosk.conversation.services import Services
from kiosk.settings import Settings, get_settings

if TYPE_CHECKING:
    from kiosk.payments.cash import HandedBack
    from kiosk.receipts import DeliveryRouter
    from kiosk.store.store import Store

log = logging.getLogger(__name__)
RECOVERY_EVERY_PASSES = 15  # of the 2 s upkeep loop: every 30 s


def _open(settings: Settings) -> Store:
    from kiosk.store.store import open_store

    return open_store(settings)


@dataclass
class KioskRuntime:
    services: Services
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    started_at: datetime | None = None  # attempts from before this were left by a crash
    _handed_back: HandedBack | None = None  # what start-up did with stranded bills

    @classmethod
    def start(
        cls,
        settings: Settings | None = None,
        *,
        background: bool = True,
        upkeep_now: bool = True,
        takes_cash: bool = True,
        keyed_card: bool = False,
        has_printer: bool = True,
    ) -> KioskRuntime:
        """Start the kiosk's services.

        With ``background`` the database opens (and migrates, and seeds on first
        use) in the upkeep thread while the channel already greets the customer;
        the first step that needs data waits for it. A channel that draws a
        screen first passes ``upkeep_now=False`` and calls :meth:`begin_upkeep`
        once the screen is up, so the two do not compete for the interpreter.
        """
        settings = settings or get_settings()
        runtime = cls(
            Services.deferred(
                lambda: _open(settings),
                settings,
                takes_cash=takes_cash,
                keyed_card=keyed_card,
                has_printer=has_printer,
            )
        )
        runtime.started_at = datetime.now(UTC)
        try:  # before any greeting, so the first prompt can say what came out
            runtime.return_stranded_cash()
        except Exception:  # never keep the kiosk from starting
            log.exception("returning cash left in escrow failed")
        if not background:
            runtime.services.store  # noqa: B018 - open it now
        elif upkeep_now:
            runtime.begin_upkeep()
        return runtime

    def begin_upkeep(self) -> None:
        """Open the store and start reconciling and delivering in the background (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._upkeep, name="kiosk-upkeep", daemon=True)
            self._thread.start()

    @property
    def store(self) -> Store:
        return self.services.store

    def reconcile_own_payments(self) -> None:
        from kiosk.payments.registry import reconciliation_methods

        report = self.services.payments.reconcile(
            reconciliation_methods(self.store.settings),
            only_this_kiosk=True,
            created_before=self.started_at,
        )
        if report.settled:
            log.info("reconciled at start-up: %s", report.settled)

    def recover_own_payments(self) -> None:
        """Settle this kiosk's payments the store failed to record, from its payment journal.

        Run on a timer, so a payment told "being checked" while the database was
        locked or down is recorded once the database works again, without a restart.
        Attempts touched in the last two minutes may be in flight and are left alone.
        """
        from datetime import timedelta

        from kiosk.payments.recovery import recover
        from kiosk.payments.registry import reconciliation_methods

        payments = self.services.payments
        report = recover(
            payments,
            payments.journal,
            reconciliation_methods(self.store.settings),
            older_than=timedelta(minutes=2),
        )
        done = {
            k: v for k, v in report.outcomes.items() if k not in ("already_recorded", "in_flight")
        }
        if done:
            log.info("recovered from the payment journal: %s", done)

    def deliver_pending(self) -> None:
        """One pass of the outbox worker (receipts, emails, follow-up work).

        A store that cannot be used (missing, locked, down) is logged, not raised:
        channels call this as a session ends, and the customer has been told already.
        """
        from kiosk.services.outbox import OutboxWorker
        from kiosk.store.health import is_store_failure

        try:
            OutboxWorker(self.store, delivery_router(self.store.settings)).run_once()
        except Exception as error:
            if not is_store_failure(error):
                raise
            log.error("outbox pass skipped, the store failed: %s", str(error).splitlines()[0][:200])

    def return_stranded_cash(self) -> HandedBack:
        """Bills a crashed kiosk process left in the acceptor's escrow go back out (logged).

        The first customer prompt says what came out (it may not be theirs), and the
        upkeep asks a store worker to see to it (:meth:`call_worker_for_stranded_cash`).
        """
        from kiosk.payments.cash import HandedBack, hand_back_stranded

        if not self.services.takes_cash:  # the phone line has no bill acceptor
            return HandedBack()
        handed = hand_back_stranded(self.services.cash_acceptor())
        self.services.cash_from_earlier += handed.returned_cents
        self._handed_back = handed
        return handed

    def call_worker_for_stranded_cash(self) -> None:
        """A staff request (as for a jam) with what the start-up hand-back did: bills
        that came out of the slot with nobody there, or bills stuck in it."""
        handed = self._handed_back
        if handed:
            self.services.representative.request(None, "associate_now", handed.staff_reason)
            self._handed_back = None

    def _upkeep(self) -> None:
        try:
            self.call_worker_for_stranded_cash()
        except Exception:  # the acceptor's log line still has it
            log.exception("calling a worker for cash left in escrow failed")
        try:
            self.services.store  # noqa: B018 - open the database first
            self.reconcile_own_payments()
        except Exception:  # never take the kiosk down from the background
            log.exception("start-up reconciliation failed")
        passes = 0
        while not self._stop.wait(2.0):
            try:
                self.deliver_pending()
            except Exception as error:
                log.error("outbox pass failed: %s: %s", type(error).__name__, str(error)[:200])
            if passes % RECOVERY_EVERY_PASSES == 0:
                try:
                    self.recover_own_payments()
                except Exception as error:
                    log.error(
                        "payment recovery failed: %s: %s", type(error).__name__, str(error)[:200]
                    )
            passes += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:  # a session shorter than the upkeep's start: the worker is still called
            self.call_worker_for_stranded_cash()
        except Exception:
            log.exception("calling a worker for cash left in escrow failed")
        self.services.close()


def delivery_router(settings: Settings) -> DeliveryRouter:
    """Receipt adapters from settings: the printer, SMTP email, and SMS if configured."""
    from kiosk.receipts import (
        DeliveryRouter,
        EmailToSmsGateway,
        EscposPrinter,
        SmtpSender,
        WebhookSmsGateway,
    )

    smtp = SmtpSender(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_sender,
        starttls=settings.smtp_starttls,
        timeout=5.0,
    )
    router = DeliveryRouter({"print": EscposPrinter.from_url(settings.printer_url), "email": smtp})
    if settings.sms_gateway_url:
        router.register("sms", WebhookSmsGateway(settings.sms_gateway_url))
    elif settings.sms_email_domain:
        router.register("sms", EmailToSmsGateway(smtp, settings.sms_email_domain))
    return router
