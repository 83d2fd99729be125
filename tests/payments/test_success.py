"""The success transaction: attempt, ledger, settlements, confirmation, outbox, audit, together."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from payment_kit import AVA, assert_books_clean, attempt_by_key, row_counts
from sqlalchemy import func, select

from kiosk.errors import PaymentOutcomeUnknown
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.service import PaymentService
from kiosk.services import ledger
from kiosk.services.confirmation import confirmation_number, damm_digit, is_valid_confirmation
from kiosk.store.models import (
    Account,
    AttemptState,
    AuditEntry,
    JournalEntry,
    LineCategory,
    LineItem,
    OutboxMessage,
    PaymentAttempt,
    Settlement,
)
from kiosk.store.store import Store


def test_success_writes_everything(
    store: Store, payments: PaymentService, terminal: CardTerminalSimulator
) -> None:
    result = payments.pay(AVA, 4000, terminal, "k-full")  # partial: $40 of $84.99
    assert result.new_balance_cents == 8499 - 4000
    with store.sessions() as session:
        attempt = session.get(PaymentAttempt, result.attempt_id)
        assert attempt is not None and attempt.state == AttemptState.SUCCEEDED
        assert attempt.confirmation_number == confirmation_number(attempt.id)
        assert attempt.confirmation_number == result.confirmation_number
        assert is_valid_confirmation(attempt.confirmation_number)

        entry = session.scalar(select(JournalEntry).where(JournalEntry.attempt_id == attempt.id))
        assert entry is not None and entry.kind == "payment"
        legs = sorted((p.ledger, p.cents, p.account_id) for p in entry.postings)
        assert legs == [("clearing:card", 4000, None), ("receivable", -4000, attempt.account_id)]

        # Basic service first: the $30.00 phone line, then $10.00 towards internet.
        settled = session.execute(
            select(LineItem.category, Settlement.cents)
            .join(LineItem)
            .where(Settlement.attempt_id == attempt.id)
            .order_by(Settlement.id)
        ).all()
        assert settled == [(LineCategory.BASIC, 3000), (LineCategory.INTERNET, 1000)]

        outbox = session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.dedupe_key.like(f"%:{attempt.id}"))
        ).all()
        assert sorted(outbox) == ["receipt.print", "statement.update"]  # no email unasked

        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "payment.succeeded")
        ).one()
        assert audit.detail["confirmation"] == attempt.confirmation_number
        assert audit.resource == "account:****2270" and AVA not in str(audit.detail)
    assert_books_clean(store)


def test_overpayment_becomes_a_credit(
    store: Store, payments: PaymentService, terminal: CardTerminalSimulator
) -> None:
    result = payments.pay(AVA, 10000, terminal, "k-over")
    assert result.new_balance_cents == 8499 - 10000
    with store.sessions() as session:
        applied = session.scalar(
            select(func.sum(Settlement.cents)).where(Settlement.attempt_id == result.attempt_id)
        )
    assert applied == 8499  # settlements never exceed what the lines owed
    assert_books_clean(store)


def test_a_failure_inside_the_success_transaction_writes_nothing(
    store: Store, payments: PaymentService, journal: ProcessorJournal
) -> None:
    """All or nothing: a failing outbox insert rolls back the ledger, settlements and state."""
    with store.sessions() as session, session.begin():
        next_id = int(session.scalar(select(func.max(PaymentAttempt.id))) or 0) + 1
        account = session.scalar(select(Account).where(Account.number == AVA))
        assert account is not None
        session.add(
            OutboxMessage(
                kind="blocker",
                dedupe_key=f"statement.update:{next_id}",
                account_id=account.id,
                payload={},
            )
        )
    before = row_counts(store)
    terminal = CardTerminalSimulator(journal)
    with pytest.raises(PaymentOutcomeUnknown, match="being checked") as told:
        payments.pay(AVA, 2000, terminal, "k-atomic")
    assert told.value.reference and told.value.reference in told.value.message
    attempt = attempt_by_key(store, "k-atomic")
    assert attempt.id == next_id and attempt.state == AttemptState.SENT
    after = row_counts(store)
    for table in ("entries", "postings", "settlements", "outbox"):
        assert after[table] == before[table], table
    assert journal.approved_charges() == {"k-atomic": 2000}  # the money was taken...
    assert_books_clean(store)
    with store.sessions() as session, session.begin():
        session.query(OutboxMessage).filter(OutboxMessage.kind == "blocker").delete()
    # ...and the reconciler records it exactly once.
    assert payments.reconcile({"card": terminal}).settled == {"succeeded": 1}
    assert attempt_by_key(store, "k-atomic").state == AttemptState.SUCCEEDED
    with store.sessions() as session:
        assert ledger.balance_cents(session, attempt.account_id) == 8499 - 2000
    assert_books_clean(store)


@given(st.integers(min_value=1, max_value=10**8))
def test_confirmation_numbers_carry_a_damm_check_digit(attempt_id: int) -> None:
    number = confirmation_number(attempt_id)
    assert number.isdigit() and len(number) >= 9
    assert int(number[:-1]) == attempt_id
    assert is_valid_confirmation(number)
    # Every single-digit typo and every swap of two different neighbours is caught.
    for position in range(len(number)):
        for digit in "0123456789":
            if digit != number[position]:
                typo = number[:position] + digit + number[position + 1 :]
                assert not is_valid_confirmation(typo)
    for position in range(len(number) - 1):
        a, b = number[position], number[position + 1]
        if a != b:
            swapped = number[:position] + b + a + number[position + 2 :]
            assert not is_valid_confirmation(swapped)


def test_damm_reference_value() -> None:
    assert damm_digit("572") == 4  # the worked example of the Damm algorithm
