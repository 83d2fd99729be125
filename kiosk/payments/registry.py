"""Which payment methods this kiosk has, built from settings.

The simulators of the demo kiosk share one processor journal file in the data
directory, like one acquirer behind the card terminal, the phone line's keyed
(card-not-present) cards, the bank debit and the cash acceptor; so the reconciler,
even in another process, can look up any key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.payments.bank import BankDebitSimulator
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.cash import CashAcceptorSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.keyed_card import KeyedCard, KeyedCardSimulator
from kiosk.payments.methods import PaymentMethod
from kiosk.settings import Settings, data_dir

if TYPE_CHECKING:
    from kiosk.clock import Clock

_journals: dict[str, ProcessorJournal] = {}


def processor_journal(settings: Settings) -> ProcessorJournal:
    path = str(data_dir() / f"processor-{settings.kiosk_id}.sqlite3")
    if path not in _journals:
        data_dir().mkdir(parents=True, exist_ok=True)
        _journals[path] = ProcessorJournal(path)
    return _journals[path]


def card_terminal(settings: Settings) -> CardTerminalSimulator:
    return CardTerminalSimulator(
        processor_journal(settings),
        delay_seconds=settings.terminal_delay_seconds,
        brand=settings.terminal_card_brand,
        last4=settings.terminal_card_last4,
    )


def bank_debit(settings: Settings, routing: str, account_number: str) -> BankDebitSimulator:
    return BankDebitSimulator(routing, account_number, processor_journal(settings))


def keyed_card(settings: Settings, card: KeyedCard, clock: Clock) -> KeyedCardSimulator:
    """A card-not-present charge of one keyed card (the phone line's card payments),
    checked against ``clock`` (the kiosk's) in the store's time zone."""
    return KeyedCardSimulator(
        card,
        processor_journal(settings),
        clock=clock,
        timezone=settings.timezone,
        delay_seconds=settings.terminal_delay_seconds,
    )


def cash_acceptor(settings: Settings) -> CashAcceptorSimulator:
    """This kiosk's bill acceptor: one per kiosk, named by the kiosk's id, so bills a
    crash left in its escrow are found again when the kiosk starts."""
    return CashAcceptorSimulator(
        processor_journal(settings),
        gives_change=settings.cash_gives_change,
        acceptor=f"{settings.kiosk_id}-cash",
    )


def reconciliation_methods(settings: Settings) -> dict[str, PaymentMethod]:
    """A method per kind that can look up and void keys in the shared journal."""
    terminal = card_terminal(settings)
    return {"card": terminal, "bank": terminal, "cash": terminal}
