"""Eight payers on one account at once never take it past the overpayment limit (issue 14 item 3).

Threads call ``PaymentService.pay`` with fresh keys, retrying on
PaymentInProgress as a customer pressing Pay again would. Before the account
row was locked, PostgreSQL let four $215.40 payments through on one account
($646.20 of credit against a $500 limit) while ledger-check said OK.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.errors import InvalidAmount, PaymentInProgress
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.payment_journal import PaymentJournal
from kiosk.payments.service import PaymentService
from kiosk.services import ledger
from kiosk.store.models import Account
from kiosk.store.store import Store

PAYERS = 8
CENTS = 21_540
ACCOUNT = "40152271"  # Ben


@pytest.mark.parametrize("round_", range(3))
def test_eight_payers_never_pass_the_overpayment_limit(
    store: Store, round_: int, tmp_path: Path
) -> None:
    """On both back ends (the ``store`` fixture: a copy of the seeded database)."""
    processor = ProcessorJournal(tmp_path / "processor.sqlite3")
    service = PaymentService(store, PaymentJournal(tmp_path / "payments.jsonl"))
    limit = store.settings.overpayment_limit_cents
    try:
        with store.sessions() as session:
            account_id = session.scalar(select(Account.id).where(Account.number == ACCOUNT))
            before = ledger.balance_cents(session, account_id)
        barrier = threading.Barrier(PAYERS)
        paid: list[int] = []
        errors: list[BaseException] = []

        def payer(index: int) -> None:
            terminal = CardTerminalSimulator(processor)
            barrier.wait()
            for attempt in range(400):
                try:
                    service.pay(ACCOUNT, CENTS, terminal, f"race-{round_}-{index}-{attempt}")
                    paid.append(index)
                except PaymentInProgress:
                    time.sleep(0.002)
                    continue
                except InvalidAmount:
                    return  # the account can take no more
                except BaseException as error:  # noqa: BLE001 - reported below
                    errors.append(error)
                    return

        threads = [threading.Thread(target=payer, args=(i,)) for i in range(PAYERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        with store.sessions() as session:
            after = ledger.balance_cents(session, account_id)
            assert ledger.check(session) == [] and ledger.check_accounts(session) == []
        assert after == before - len(paid) * CENTS
        assert -after <= limit, f"{len(paid)} payments left {-after} cents of credit"
        # Every payment that fitted went through: the limit, not luck, stopped the rest.
        assert len(paid) == (before + limit) // CENTS
    finally:
        processor.close()
