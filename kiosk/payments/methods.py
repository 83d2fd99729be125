"""The one contract every payment method meets, so the payment core treats them alike.

A method takes money for an idempotency key. Asking twice with the same key
never takes money twice; :meth:`PaymentMethod.lookup` tells what happened to
a key after a timeout or a crash, and :meth:`PaymentMethod.void` makes sure a
key can no longer be charged before the kiosk gives up on it.
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass

from kiosk.store.models import PaymentMethodKind


@dataclass(frozen=True)
class ChargeResult:
    """What the processor says about one key. Never holds a card number."""

    approved: bool
    processor_ref: str = ""
    brand: str = ""
    last4: str = ""
    decline_code: str = ""
    decline_reason: str = ""
    how_to_fix: str = ""


@dataclass(frozen=True)
class ProcessorCharge:
    """One key as the processor recorded it (``list_since``): what it took, and when."""

    key: str
    cents: int
    at: dt.datetime
    result: ChargeResult


class ChargeOutcomeUnknown(Exception):
    """The processor did not answer: the money may or may not have been taken."""


class PaymentMethod(abc.ABC):
    """A way to pay: card terminal, bank account debit, cash acceptor."""

    kind: PaymentMethodKind

    @abc.abstractmethod
    def charge(self, cents: int, idempotency_key: str) -> ChargeResult:
        """Take ``cents`` for ``idempotency_key``.

        Returns:
            The processor's answer; the same answer for a repeated key.

        Raises:
            ChargeOutcomeUnknown: no answer in time; ask :meth:`lookup` later.
        """

    @abc.abstractmethod
    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        """What happened to a key.

        Returns:
            The recorded answer, or None if the processor never charged it.

        Raises:
            ChargeOutcomeUnknown: the processor cannot be reached now.
        """

    def list_since(self, since: dt.datetime) -> list[ProcessorCharge]:
        """Every key the processor recorded at or after ``since`` (UTC), oldest first.

        Lets the reconciler find a charge that the kiosk's database and journal
        both lost. A method whose processor cannot list raises NotImplementedError.

        Raises:
            ChargeOutcomeUnknown: the processor cannot be reached now.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot list its charges")

    @abc.abstractmethod
    def void(self, idempotency_key: str) -> None:
        """Make sure ``idempotency_key`` can never be charged from now on.

        Raises:
            ChargeOutcomeUnknown: the processor cannot be reached now.
        """

    @property
    def description(self) -> str:
        """How the method is named to the customer (e.g. "card ending 4242")."""
        return self.kind.value
