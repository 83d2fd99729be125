"""Bank debits (routing checksum, last 4 only) and the cash acceptor."""

from __future__ import annotations

from pathlib import Path

import pytest
from payment_kit import AVA, assert_books_clean, assert_charged_once_each, attempt_by_key

from kiosk.errors import InvalidInput, PaymentDeclined
from kiosk.payments.bank import (
    BankDebitSimulator,
    validate_bank_account_number,
    validate_routing_number,
)
from kiosk.payments.cash import CashAcceptorSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.service import PaymentService
from kiosk.store.models import AttemptState, PaymentMethodKind
from kiosk.store.store import Store

VALID_ROUTING = ["011000015", "021000021", "111000025", "0110 0001 5"]


@pytest.mark.parametrize("routing", VALID_ROUTING)
def test_valid_routing_numbers(routing: str) -> None:
    assert validate_routing_number(routing) == routing.replace(" ", "")


@pytest.mark.parametrize(
    ("routing", "says"),
    [
        ("011000016", "not valid"),  # checksum off by one
        ("021000012", "not valid"),  # neighbours swapped
        ("01100001", "exactly 9 digits"),
        ("0110000155", "exactly 9 digits"),
        ("01100001A", "exactly 9 digits"),
        ("", "exactly 9 digits"),
    ],
)
def test_invalid_routing_numbers(routing: str, says: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_routing_number(routing)
    assert says in caught.value.message and "bottom left of a check" in caught.value.message


@pytest.mark.parametrize("number", ["1234", "000123456789", "12345678901234567"])
def test_valid_bank_account_numbers(number: str) -> None:
    assert validate_bank_account_number(number) == number


@pytest.mark.parametrize("number", ["123", "123456789012345678", "12-34", "abcd"])
def test_invalid_bank_account_numbers(number: str) -> None:
    with pytest.raises(InvalidInput):
        validate_bank_account_number(number)


def test_bank_payment_keeps_only_the_last_four(
    sqlite_store: Store, journal: ProcessorJournal, tmp_path: Path
) -> None:
    full_number = "000987654321"
    method = BankDebitSimulator("021000021", full_number, journal)
    assert method.description == "bank account ending 4321"
    result = PaymentService(sqlite_store).pay(AVA, 8499, method, "k-bank")
    assert result.state == AttemptState.SUCCEEDED and result.last4 == "4321"
    attempt = attempt_by_key(sqlite_store, "k-bank")
    assert attempt.method == PaymentMethodKind.BANK and attempt.brand == "BANK"
    sqlite_store.dispose()
    journal.close()
    for path in tmp_path.glob("*.sqlite3*"):
        assert full_number.encode() not in path.read_bytes(), path.name
    assert "987654321" not in repr(vars(method))


def test_bank_payment_on_both_back_ends(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    method = BankDebitSimulator("011000015", "12345678", journal)
    assert payments.pay(AVA, 2000, method, "k-bank-both").state == AttemptState.SUCCEEDED
    assert_charged_once_each(store, journal)
    assert_books_clean(store)


def cash_with(journal: ProcessorJournal, *bills: int) -> CashAcceptorSimulator:
    cash = CashAcceptorSimulator(journal)
    for bill in bills:
        cash.insert(bill)
    return cash


def test_cash_exact_amount(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    cash = cash_with(journal, 2000, 2000, 500)
    result = payments.pay(AVA, 4500, cash, "k-cash-exact")
    assert result.state == AttemptState.SUCCEEDED and result.brand == "CASH"
    assert result.new_balance_cents == 8499 - 4500
    assert cash.inserted_cents == 0  # the bills went into the cash box
    assert_charged_once_each(store, journal)
    assert_books_clean(store)


def test_cash_over_insertion_becomes_credit(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    cash = cash_with(journal, 5000, 5000)  # $100 for an $84.99 bill; no change given
    result = payments.pay(AVA, cash.inserted_cents, cash, "k-cash-credit")
    assert result.new_balance_cents == 8499 - 10000  # $15.01 credit on the account
    assert cash.change_due_cents == 0
    assert_books_clean(store)


def test_cash_that_would_vanish_is_refused(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    """$100 in, $84.99 asked, no change: the extra must not be swallowed; bills go back."""
    cash = cash_with(journal, 5000, 5000)
    with pytest.raises(PaymentDeclined) as caught:
        payments.pay(AVA, 8499, cash, "k-cash-vanish")
    assert caught.value.decline_code == "cash_over_amount"
    assert "$100.00" in caught.value.message and "credit" in caught.value.message
    assert "Put in more bills" not in caught.value.message
    assert cash.inserted_cents == 0  # returned to the customer
    assert journal.approved_charges() == {}
    assert_books_clean(store)


def test_cash_with_change_configured(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    cash = CashAcceptorSimulator(journal, gives_change=True)
    cash.insert(10000)
    result = payments.pay(AVA, 8499, cash, "k-cash-change")
    assert result.new_balance_cents == 0
    assert cash.change_due_cents == 1501
    assert_books_clean(store)


def test_not_enough_cash_is_declined(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    cash = cash_with(journal, 2000)
    with pytest.raises(PaymentDeclined) as caught:
        payments.pay(AVA, 4500, cash, "k-cash-short")
    assert caught.value.decline_code == "not_enough_cash"
    assert "$20.00" in caught.value.message and "Put in more bills" in caught.value.message
    assert attempt_by_key(store, "k-cash-short").state == AttemptState.DECLINED
    assert journal.approved_charges() == {}


@pytest.mark.parametrize("note", [200, 1, 0, -100, 100000])
def test_unaccepted_note(note: int) -> None:
    cash = CashAcceptorSimulator()
    with pytest.raises(InvalidInput) as caught:
        cash.insert(note)
    assert "$1, $5, $10, $20, $50 or $100" in caught.value.message
    assert cash.inserted_cents == 0
