"""Every flow end to end over the demo accounts, through the real services and store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from kiosk.conversation.prompt import Register
from kiosk.services import ledger
from kiosk.store.models import (
    Account,
    Arrangement,
    ArrangementState,
    AttemptState,
    Dispute,
    OutboxMessage,
    PaymentAttempt,
    ServiceRequest,
    ServiceStatus,
)

VALID_ROUTING = "021000021"


def _attempts(services, number: str) -> list[PaymentAttempt]:
    with services.store.sessions() as session:
        account = session.scalar(select(Account).where(Account.number == number))
        return list(
            session.scalars(select(PaymentAttempt).where(PaymentAttempt.account_id == account.id))
        )


def _books_balanced(services) -> None:
    with services.store.sessions() as session:
        assert ledger.check(session) == []
        assert ledger.check_accounts(session) == []


def test_ava_pays_full_balance_by_card(driver, services):
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    assert d.prompt.id == "pay_amount"
    full = next(c for c in d.prompt.choices if "84.99" in c.label.standard)
    d.say(full.key)
    d.choose("card")
    assert d.prompt.id == "pay_review"
    assert "$84.99" in d.prompt.text.standard
    assert "eighty-four dollars and ninety-nine cents" in d.prompt.text.spoken
    assert _attempts(services, "40152270") == [], "nothing is charged before the review answer"
    d.say("yes")
    assert d.prompt.id == "pay_result"
    assert d.prompt.big_value.replace(" ", "").isdigit()
    attempts = [a for a in _attempts(services, "40152270") if a.state == AttemptState.SUCCEEDED]
    assert [a.cents for a in attempts] == [8499]
    assert attempts[0].confirmation_number.replace(" ", "") == d.prompt.big_value.replace(" ", "")
    d.choose("none")
    d.say("no")
    assert d.prompt.end_of_session
    assert d.conversation.ctx.customer is None
    _books_balanced(services)


def test_ben_pays_past_due_by_bank_account_and_notice_is_lifted(driver, services):
    d = driver()
    d.sign_in("ben")
    d.choose("pay")
    past_due = next(c for c in d.prompt.choices if "Past-due" in c.label.standard)
    d.say(past_due.key)
    d.choose("bank")
    d.say("123456789")  # bad checksum
    assert d.prompt.id == "bank_routing" and d.prompt.error is not None
    assert "routing number is not valid" in d.prompt.error.standard
    d.say(VALID_ROUTING, "000123456789")
    assert d.prompt.id == "pay_review"
    assert "ending 6789" in d.prompt.text.standard
    assert "000123456789" not in d.prompt.render(Register.STANDARD)
    d.say("1")
    assert d.prompt.id == "pay_result"
    (attempt,) = _attempts(services, "40152271")
    assert attempt.state == AttemptState.SUCCEEDED and attempt.cents == 9500
    assert attempt.method.value == "bank" and attempt.last4 == "6789"
    with services.store.sessions() as session:
        account = session.scalar(select(Account).where(Account.number == "40152271"))
        assert account.status == ServiceStatus.ACTIVE
    assert "000123456789" not in repr(d.conversation.ctx.values)


def test_ben_takes_an_extension(driver, services):
    d = driver()
    d.sign_in("ben")
    d.choose("plan")
    assert d.prompt.id == "plan_offers"
    d.choose("extension")
    assert d.prompt.id == "plan_review"
    d.say("yes")
    assert d.prompt.id == "confirmed"
    assert "extension" in d.prompt.text.standard.lower()
    with services.store.sessions() as session:
        plans = list(
            session.scalars(select(Arrangement).where(Arrangement.state == ArrangementState.ACTIVE))
        )
        assert any(p.kind.value == "extension" for p in plans)


def test_ben_installment_plan_then_down_payment(driver, services):
    d = driver()
    d.sign_in("ben")
    d.choose("plan")
    d.choose("installment")
    assert d.prompt.id == "plan_parts"
    d.choose("3")
    assert d.prompt.id == "plan_review"
    rows = dict(d.prompt.details)
    assert rows, "the schedule is shown"
    d.say("yes")
    assert d.prompt.id == "pay_method"
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_result"
    (attempt,) = [a for a in _attempts(services, "40152271") if a.state == AttemptState.SUCCEEDED]
    assert attempt.cents == 7180  # one third of $215.40 down
    _books_balanced(services)


def test_carmen_is_reconnected(driver, services):
    d = driver()
    d.sign_in("carmen")
    d.choose("reconnect")
    assert d.prompt.id == "reconnect_quote"
    assert "$345.00" in d.prompt.big_value
    d.choose("pay")
    d.choose("card")
    assert "turned back on" in d.prompt.text.standard
    d.say("yes")
    assert d.prompt.id == "pay_result"
    assert "turned back on" in d.prompt.text.standard
    with services.store.sessions() as session:
        account = session.scalar(select(Account).where(Account.number == "40152272"))
        assert account.status == ServiceStatus.RECONNECT_PENDING
        kinds = set(session.scalars(select(OutboxMessage.kind)))
        assert "service.reconnect" in kinds
    _books_balanced(services)


def test_dev_pays_his_next_plan_part_with_cash(driver, services):
    d = driver()
    d.sign_in("dev")
    d.choose("pay")
    part = next(c for c in d.prompt.choices if "plan payment" in c.label.standard.lower())
    assert "$40.00" in part.label.standard
    d.say(part.key)
    d.choose("cash")
    assert d.prompt.id == "cash_insert"
    d.say("20")
    assert d.prompt.id == "cash_insert" and "$20.00 to go" in d.prompt.text.standard
    d.say("7")  # not a note the machine takes
    assert d.prompt.error is not None
    d.say("$20")
    assert d.prompt.id == "pay_review"
    d.say("yes")
    assert d.prompt.id == "pay_result"
    succeeded = [a for a in _attempts(services, "40152273") if a.state == AttemptState.SUCCEEDED]
    assert sorted(a.cents for a in succeeded) == [4000, 4000]


def test_emma_disputes_a_charge_and_pays_the_rest(driver, services):
    d = driver()
    d.sign_in("emma")
    d.choose("dispute")
    internet = next(c for c in d.prompt.choices if "Internet" in c.label.standard)
    d.say(internet.key)
    d.choose("wrong_amount")
    d.say("yes")
    assert d.prompt.id == "confirmed"
    with services.store.sessions() as session:
        assert len(list(session.scalars(select(Dispute)))) == 2
    d.choose("menu")
    d.choose("pay")
    labels = [c.label.standard for c in d.prompt.choices]
    assert any("without the disputed" in label for label in labels), labels


def test_pay_another_amount_in_words_is_read_back(driver, services):
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.choose("other")
    d.say("twenty five fifty")  # typed words are not an amount
    assert d.prompt.id == "pay_other" and "not an amount" in d.prompt.error.standard
    d.speak("twenty five fifty")  # said, through the speech grammar
    d.choose("card")
    assert "$25.50" in d.prompt.text.standard
    assert "twenty-five dollars and fifty cents" in d.prompt.text.spoken


def test_bad_amounts_are_refused_with_a_reason(driver, services):
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.choose("other")
    for bad, reason in (
        ("0.00", "more than zero"),  # a lone 0 asks for a person (issue 16)
        ("12.345", "2 decimal"),
        ("banana", "not an amount"),
        ("99999", "more than"),
        # Issue 14: each was paid as another amount, or crashed back to the menu.
        ("-5", "cannot be negative"),
        ("5,00", "comma in the wrong place"),
        ("$1,00.00", "comma in the wrong place"),
        ("1" * 27, "27 digits"),
    ):
        d.say(bad)
        assert d.prompt.id == "pay_other"
        assert reason in d.prompt.error.standard, (bad, d.prompt.error.standard)
    assert _attempts(services, "40152270") == []


def test_declined_card_says_why_and_charges_nothing(driver, services):
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.choose("other")
    d.say("10.51")
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_failed"
    assert "not enough money" in d.prompt.text.standard
    (attempt,) = _attempts(services, "40152270")
    assert attempt.state == AttemptState.DECLINED


def test_review_no_then_cancel_charges_nothing(driver, services):
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.say("1")
    d.choose("card")
    d.say("no")
    assert d.prompt.id == "pay_change"
    d.choose("cancel")
    assert d.prompt.id == "menu"
    assert _attempts(services, "40152270") == []


def test_wrong_pin_three_times_locks_and_offers_a_person(driver, services):
    d = driver()
    d.choose("start")
    for _ in range(2):
        d.say("40152270", "72201", "0000")
        assert d.prompt.id == "verify_id"
        assert "could not match" in d.prompt.error.standard
        assert (
            "PIN" in d.prompt.error.standard and "ZIP" in d.prompt.error.standard
        )  # does not say which
    d.say("40152270", "72201", "0000")
    assert d.prompt.id == "locked"
    assert "locked" in d.prompt.text.standard
    d.choose("person")
    assert d.prompt.id == "person_contact"


def test_sign_in_with_phone_number_with_spaces_and_dashes(driver, services):
    d = driver()
    d.choose("start")
    d.say("501 555-0101", "72201", "2468")
    assert d.prompt.id == "menu"


def test_digit_fields_take_digits_spaces_and_dashes_only(driver, services):
    """Issue 14: digits were pulled out of junk ("abc12de34fg" became bank account
    1234, "12\\0 34" a PIN). Now anything else is refused and nothing is kept."""
    d = driver()
    d.choose("start")
    for junk, says in (
        ("ACCT 40152274", '"ACCT 40152274" has letters in it'),
        ("(501) 555-0101", "not a number, a space or a dash"),
        ("4015\x1b[2J2274", '"4015?[2J2274" has letters in it'),
    ):
        d.say(junk)
        assert d.prompt.id == "verify_id", junk
        assert says in d.prompt.error.standard, d.prompt.error.standard
        assert "\x1b" not in d.prompt.render(Register.STANDARD)
    d.say("40152270", "72201", "12\x00 34")
    assert d.prompt.id == "verify_pin"
    assert "That has a character that is not a number" in d.prompt.error.standard
    d.say("24x8")
    assert "That has letters in it" in d.prompt.error.standard  # a PIN is never quoted
    d.say("2468")
    assert d.prompt.id == "menu"
    d.choose("pay")
    d.choose("other")
    d.say("10.00")
    d.choose("bank")
    d.say(VALID_ROUTING, "abc12de34fg")
    assert d.prompt.id == "bank_account"
    assert "That has letters in it" in d.prompt.error.standard
    assert "abc12de34fg" not in d.prompt.render(Register.STANDARD)  # private: not quoted
    d.say("12-34")
    assert d.prompt.id == "pay_review" and "ending 1234" in d.prompt.text.standard


def test_assistance_is_explained_and_the_question_recorded(driver, services):
    d = driver()
    d.sign_in("ava")
    d.choose("assistance")
    assert "Lifeline" in d.prompt.text.standard
    d.choose("apply")
    assert d.prompt.id == "anything_else"
    assert "National Verifier" in d.prompt.notice.standard
    with services.store.sessions() as session:
        assert [r.kind for r in session.scalars(select(ServiceRequest))]


def test_person_call_back_is_recorded(driver, services):
    d = driver()
    d.sign_in("emma")
    d.choose("person")
    d.choose("tty")
    d.say("5125550105")
    assert d.prompt.id == "person_review"
    d.say("yes")
    assert d.prompt.id == "person_done"
    with services.store.sessions() as session:
        request = session.scalar(
            select(ServiceRequest).where(ServiceRequest.kind == "representative")
        )
        assert request is not None and request.contact_preference.startswith("tty")


def test_email_receipt_is_queued_after_payment(driver, services):
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.say("1")
    d.choose("card")
    d.say("yes")
    d.choose("email")
    d.say("not an email")
    assert d.prompt.id == "receipt_email" and d.prompt.error is not None
    d.say("someone@example.org")
    assert d.prompt.id == "anything_else"
    with services.store.sessions() as session:
        kinds = [m.kind for m in session.scalars(select(OutboxMessage))]
    assert kinds.count("receipt.email") >= 1


def test_simple_register_menu_has_at_most_four_choices(driver, services):
    d = driver(Register.SIMPLE)
    d.sign_in("carmen")
    assert len(d.prompt.choices) <= 4
    d.choose("more")
    assert len(d.prompt.choices) <= 4
    d.choose("reconnect")
    assert d.prompt.id == "reconnect_quote"


def _ava_pays_ten_dollars_by_card(driver):  # type: ignore[no-untyped-def]
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.choose("other")
    d.say("10.00")
    d.choose("card")
    d.say("yes")
    return d


def _reads_plainly(prompt) -> None:  # type: ignore[no-untyped-def]
    """The step's words pass the readability check, and its TTY text is Baudot-safe."""
    from kiosk.accessibility.plain_language import check

    from .test_every_step import TTY_SAFE

    for wording in (prompt.text, prompt.help):
        assert TTY_SAFE.match(wording.tty), wording.tty
        for register in (Register.STANDARD, Register.SIMPLE):
            text = wording.in_register(register)
            grade = [
                p for p in check(text, register, frozenset({"Ava"})) if p.kind.value == "grade"
            ]
            assert not grade, (register, text, grade)


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the probe closes


def test_a_receipt_that_cannot_print_is_cancelled_and_never_prints_later(driver, services):
    """Issue 14: with an unreachable printer Ava was told nothing, and her receipt (name,
    amount) printed ~30 s later during the next customer's session."""
    from kiosk.receipts import DeliveryRouter, EscposPrinter
    from kiosk.services.outbox import OutboxWorker
    from kiosk.store.models import OutboxState

    store = services.store
    store.settings = store.settings.model_copy(
        update={"printer_url": f"network:127.0.0.1:{_closed_port()}"}
    )
    d = _ava_pays_ten_dollars_by_card(driver)
    assert d.prompt.id == "pay_result"
    for register in (Register.STANDARD, Register.SIMPLE, Register.SPOKEN, Register.TTY):
        said = d.prompt.render(register).lower()
        assert "printer is not working" in said or "did not print" in said, (register, said)
        assert "email" in said and "text" in said, (register, said)
    assert "printing now" not in d.prompt.help.standard
    _reads_plainly(d.prompt)
    with store.sessions() as session:
        (message,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "receipt.print")
        )
        assert message.state == OutboxState.FAILED and "cancelled" in message.last_error
    d.choose("none")
    d.say("no")
    assert d.prompt.end_of_session
    # The next customer: the printer works again and the background pass runs.
    printer = EscposPrinter.from_url("dummy:")
    worker = OutboxWorker(store, DeliveryRouter({"print": printer}))
    worker.run_once(store.clock.now())
    store.clock.advance(dt.timedelta(minutes=5))
    worker.run_once(store.clock.now())
    assert printer.output == b"", "Ava's receipt printed in someone else's session"


def test_a_printed_receipt_not_printed_in_its_session_is_cancelled(services):
    """A payment whose session never printed (the kiosk stopped right after it): the
    background pass cancels its paper receipt once the session is surely over."""
    from kiosk.receipts import DeliveryRouter, EscposPrinter
    from kiosk.services.outbox import OutboxWorker
    from kiosk.store.models import OutboxState

    store = services.store
    result = services.payments.pay("40152270", 1000, services.card_terminal(), "no-session")
    printer = EscposPrinter.from_url("dummy:")
    worker = OutboxWorker(store, DeliveryRouter({"print": printer}))
    store.clock.advance(dt.timedelta(seconds=store.settings.receipt_print_within_seconds + 1))
    worker.run_once(store.clock.now())
    assert printer.output == b""
    with store.sessions() as session:
        state = session.scalar(
            select(OutboxMessage.state).where(
                OutboxMessage.dedupe_key == f"receipt.print:{result.attempt_id}"
            )
        )
    assert state == OutboxState.FAILED


def test_a_working_printer_prints_in_the_session(driver, services):
    d = _ava_pays_ten_dollars_by_card(driver)
    assert d.prompt.id == "pay_result" and "printing now" in d.prompt.help.standard
    with services.store.sessions() as session:
        states = set(
            session.scalars(
                select(OutboxMessage.state).where(OutboxMessage.kind == "receipt.print")
            )
        )
    assert states == {"sent"}


def test_paying_more_than_owed_tells_the_credit_in_every_register(driver, services):
    """An overpayment leaves a credit: the result says so (as the receipt does), never
    a bare "$0.00" that hides the customer's money."""
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.choose("other")
    d.say("100.00")
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_result"
    credit = "$15.01"  # 100.00 paid on 84.99 owed
    assert f"You have a credit of {credit}" in d.prompt.text.standard
    assert credit in d.prompt.text.simple
    assert f"CREDIT {credit}" in d.prompt.text.tty
    assert ("Credit balance", credit) in d.prompt.details
    d.choose("none")
    d.say("no")
    for register, told in (
        (Register.STANDARD, f"You have a credit of {credit}"),
        (Register.SIMPLE, f"You have {credit} extra"),
        (Register.TTY, f"CREDIT {credit}"),
    ):
        again = driver(register)
        again.sign_in("ava")
        assert told in again.prompt.notice.in_register(register), register  # the greeting


def test_back_after_a_payment_does_not_call_the_result_the_first_step(driver, services):
    """History is cleared once money moved (no way back into the review); Back on the
    result ("Step 4 of 4") used to answer "This is the first step."."""
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.say("1")
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_result"
    d.say("back")
    assert d.prompt.id == "pay_result"
    assert "first step" not in d.prompt.notice.standard
    assert "cannot go back" in d.prompt.notice.standard
    assert "CANNOT GO BACK" in d.prompt.notice.tty
    start = driver()
    start.say("back")
    assert "first step" in start.prompt.notice.standard


def test_back_from_asking_for_a_person_keeps_the_step_number(driver, services):
    """Person, then Back, at "Step 2 of 4" of a payment showed "Step 1 of 3"."""
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.say("1")
    assert d.prompt.id == "pay_method" and (d.prompt.step, d.prompt.total_steps) == (2, 4)
    d.say("person")
    assert d.prompt.id == "person_contact"
    d.say("back")
    assert d.prompt.id == "pay_method" and (d.prompt.step, d.prompt.total_steps) == (2, 4)


def test_bill_rows_of_two_bills_say_which_bill(driver, services):
    """Carmen owes two bills: the rows listed "Home phone line: $40.00" twice, and the
    simple and TTY text never say there are two bills."""
    for register in (Register.STANDARD, Register.SIMPLE, Register.TTY):
        d = driver(register)
        d.sign_in("carmen")
        d.choose("bill")
        labels = [label for label, _ in d.prompt.details]
        assert len(labels) == len(set(labels)), labels
        assert "Home phone line (last month)" in labels
        assert "Home phone line (two months ago)" in labels
