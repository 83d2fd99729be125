"""Bank-debit authorizations: what the customer agreed to, kept with the payment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kiosk.services.common import find_account, record
from kiosk.store.models import DebitAuthorization
from kiosk.store.store import Store


@dataclass(frozen=True)
class Authorization:
    idempotency_key: str
    cents: int
    account_last4: str
    text: str


class DebitAuthorizations:
    """Records the authorization text before the bank is asked; one per payment key."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self, idempotency_key: str, account_number: str, cents: int, last4: str, text: str
    ) -> None:
        """Keep the words agreed to for the payment with this key (a retry of the same
        payment keeps the first words: they are what the customer saw).

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number)
            exists = session.scalar(
                select(DebitAuthorization.id).where(
                    DebitAuthorization.idempotency_key == idempotency_key
                )
            )
            if exists is not None:
                return
            session.add(
                DebitAuthorization(
                    idempotency_key=idempotency_key,
                    account_id=account.id,
                    cents=cents,
                    account_last4=last4,
                    text=text,
                    kiosk_id=self.store.settings.kiosk_id,
                    created_at=self.store.clock.now(),
                )
            )
            record(
                self.store,
                session,
                "debit.authorized",
                "success",
                account,
                cents=cents,
                account_last4=last4,
            )

    def for_payment(self, idempotency_key: str) -> Authorization | None:
        """The authorization kept for a payment, if it was a bank debit."""
        with self.store.sessions() as session:
            row = session.scalar(
                select(DebitAuthorization).where(
                    DebitAuthorization.idempotency_key == idempotency_key
                )
            )
            if row is None:
                return None
            return Authorization(row.idempotency_key, row.cents, row.account_last4, row.text)
