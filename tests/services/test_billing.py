"""The bill in plain words over the demo accounts, and a statement that is always current."""

from __future__ import annotations

from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.services.billing import BillService
from kiosk.store.models import LineCategory, ServiceStatus
from kiosk.store.store import Store

from .conftest import AVA, BEN, CARMEN, DEV, EMMA, pay


def test_ben_bill_explains_past_due_notice_and_each_change(store: Store) -> None:
    bill = BillService(store).explain(BEN)
    assert (bill.name, bill.account_last4, bill.status) == ("Ben Carter", "2271", "notice")
    assert (bill.balance_cents, bill.past_due_cents, bill.current_due_cents) == (21540, 9500, 12040)
    assert bill.days_until_disconnection == 5
    assert "turned off in 5 days" in bill.status_text and "$95.00" in bill.status_text
    internet = next(line for line in bill.lines if line.description == "Internet 500")
    assert internet.why_changed.startswith("It went up $10.00 from $50.00")
    assert "faster plan" in internet.why_changed
    modem = next(line for line in bill.lines if line.description == "Modem rental")
    assert "new on this bill" in modem.why_changed
    late = next(line for line in bill.lines if line.category == LineCategory.LATE_FEE)
    assert "not paid on time" in late.what_it_is
    older = [line for line in bill.lines if line.bill_period == "last month"]
    assert older and all(line.text.startswith("From the bill for last month") for line in older)
    assert "$215.40" in bill.summary and "$95.00 of it is past due" in bill.summary


def test_emma_disputed_charge_is_held_not_due(store: Store) -> None:
    bill = BillService(store).explain(EMMA)
    assert bill.held_by_dispute_cents == 2999
    assert bill.past_due_cents == 0 and bill.current_due_cents == 9999
    disputed = [line for line in bill.lines if line.disputed]
    assert [line.description for line in disputed] == ["Wi-Fi extender rental"]
    assert "on hold" in disputed[0].text
    assert bill.disputes[0].state == "open" and "$29.99" in bill.disputes[0].text
    options = {o.kind: o.cents for o in BillService(store).payment_options(EMMA)}
    assert options == {"undisputed": 9999, "full": 12998}


def test_payment_options_per_account(store: Store) -> None:
    service = BillService(store)
    assert [(o.kind, o.cents) for o in service.payment_options(AVA)] == [("full", 8499)]
    assert [(o.kind, o.cents) for o in service.payment_options(BEN)] == [
        ("past_due", 9500),
        ("full", 21540),
    ]
    carmen = service.payment_options(CARMEN)
    assert (carmen[0].kind, carmen[0].cents, carmen[0].reconnect) == ("reconnect", 34500, True)
    assert "reconnection fee" in carmen[0].label
    assert [(o.kind, o.cents) for o in service.payment_options(DEV)][0] == ("plan_part", 4000)


def test_statement_reflects_a_payment_at_once(store: Store, card: CardTerminalSimulator) -> None:
    service = BillService(store)
    before = service.statement(AVA)
    assert before.balance_cents == 8499 and len(before.entries) == 1
    result = pay(store, AVA, 8499, card)
    after = service.statement(AVA)
    assert after.balance_cents == 0
    last = after.entries[-1]
    assert last.credit_cents == 8499 and last.balance_after_cents == 0
    assert result.confirmation_number and result.confirmation_number in last.description
    explained = service.explain(AVA)
    assert explained.payments[0].last4 == "4242"
    assert explained.payments[0].confirmation_number == result.confirmation_number
    assert explained.summary.startswith("Ava, you owe nothing")


def test_dev_statement_shows_plan(store: Store) -> None:
    statement = BillService(store).statement(DEV)
    assert statement.arrangement is not None
    assert statement.arrangement.next_part_cents == 4000
    # the plan's next part is what is due next, not the bills' own date it overrides
    assert statement.next_due_on == statement.arrangement.next_part_due_on is not None
    assert any("installment plan" in line for line in statement.text_lines)
    assert statement.entries[-1].balance_after_cents == statement.balance_cents == 12000


def test_carmen_status_says_how_to_reconnect(store: Store) -> None:
    bill = BillService(store).explain(CARMEN)
    assert bill.status == ServiceStatus.SUSPENDED
    assert "$310.00" in bill.status_text and "$35.00 reconnection fee" in bill.status_text
