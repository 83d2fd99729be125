"""Keyed (card-not-present) cards: the checks, the sandbox's declines, one charge per key,
and a payment killed between the processor's answer and the store, then reconciled."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from payment_kit import AVA, BEN, assert_books_clean, assert_charged_once_each, attempt_by_key
from sqlalchemy import select

from kiosk.clock import FixedClock
from kiosk.errors import InvalidInput, PaymentDeclined
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.keyed_card import (
    DECLINES_BY_NUMBER,
    NO_ANSWER_NUMBER,
    CardNotPresent,
    ExpiredCard,
    KeyedCard,
    KeyedCardSimulator,
    read_card_number,
    read_expiry,
    read_security_code,
)
from kiosk.payments.payment_journal import PaymentJournal
from kiosk.payments.service import PaymentService
from kiosk.settings import Settings
from kiosk.store.models import AttemptState, OutboxMessage, PaymentMethodKind
from kiosk.store.store import Store, open_store

from ..conftest import START, run_kiosk

VISA = "4242424242424242"
AMEX = "378282246310005"
TODAY = START.date()  # 2026-11-25


def card(number: str = VISA, expiry: str = "1228", code: str = "") -> KeyedCard:
    read = read_card_number(number)
    month, year = read_expiry(expiry, TODAY)
    return KeyedCard(read, month, year, code or "1234"[: read.code_length])


def keyed(journal: ProcessorJournal, **kwargs: object) -> KeyedCardSimulator:
    return KeyedCardSimulator(card(**kwargs), journal, clock=FixedClock(START))  # type: ignore[arg-type]


# ------------------------------------------------------------------ the checks
@pytest.mark.parametrize(
    ("number", "brand", "code_length"),
    [
        (VISA, "VISA", 3),
        ("4242 4242 4242 4242", "VISA", 3),
        ("5555555555554444", "MASTERCARD", 3),
        ("2223003122003222", "MASTERCARD", 3),
        (AMEX, "AMERICAN EXPRESS", 4),
        ("6011111111111117", "DISCOVER", 3),
    ],
)
def test_a_good_number_gives_its_brand_and_last_4(number: str, brand: str, code_length: int):
    read = read_card_number(number)
    assert (read.brand, read.last4, read.code_length) == (brand, number[-4:], code_length)
    assert number.replace(" ", "") not in repr(read) and number not in str(read)
    assert repr(read).endswith(f"ending {number[-4:]})")


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("4242424242424241", "That card number does not check out. Please key it again."),
        ("4242424242424", "does not check out"),  # a 13-digit Visa, wrong check digit
        ("42424242424", "too short: it has 11 numbers"),
        ("42424242424242424242", "too long"),
        ("424242424242424", "Visa card numbers have 13, 16 or 19 numbers, and that has 15"),
        ("3782822463100050", "American Express card numbers have 15 numbers"),
        ("3530111333300000", "We cannot take that kind of card"),  # JCB: not taken here
        ("4242-4242-abcd-4242", "only numbers"),
    ],
)
def test_a_bad_number_is_refused_and_never_repeated(number: str, says: str):
    with pytest.raises(InvalidInput) as caught:
        read_card_number(number)
    assert says in caught.value.message
    digits = "".join(ch for ch in number if ch.isdigit())
    assert digits not in caught.value.message


def test_expiry_is_month_then_year_and_not_before_this_month():
    assert read_expiry("1126", TODAY) == (11, 2026)  # good through the end of November
    assert read_expiry("08/27", TODAY) == (8, 2027)
    with pytest.raises(ExpiredCard, match="That card has expired"):
        read_expiry("1026", TODAY)
    for bad, says in [("1326", "not a month"), ("0026", "not a month"), ("126", "4 numbers")]:
        with pytest.raises(InvalidInput, match=says):
            read_expiry(bad, TODAY)
    with pytest.raises(InvalidInput, match="too far ahead"):
        read_expiry("0199", TODAY)


def test_security_code_is_3_numbers_or_4_on_american_express():
    assert read_security_code("123", read_card_number(VISA)) == "123"
    assert read_security_code("1234", read_card_number(AMEX)) == "1234"
    with pytest.raises(InvalidInput, match="Visa card has 3 numbers.*on the back"):
        read_security_code("1234", read_card_number(VISA))
    with pytest.raises(InvalidInput, match="American Express card has 4 numbers.*front"):
        read_security_code("123", read_card_number(AMEX))


# --------------------------------------------------------------- the processor
def test_the_simulator_meets_the_contract_and_keeps_brand_and_last_4_only(journal):
    method = keyed(journal)
    assert isinstance(method, CardNotPresent) and method.kind is PaymentMethodKind.CARD
    assert method.description == "Visa ending 4242" and VISA not in repr(vars(method))
    result = method.charge(8499, "k-1")
    assert result.approved and result.processor_ref.startswith("cnp_")
    assert (result.brand, result.last4) == ("VISA", "4242")
    assert method.lookup("k-1") == result
    assert [charge.key for charge in method.list_since(START - dt.timedelta(days=1))] == ["k-1"]
    # The same key again, even with another card, is the first answer: never a second charge.
    again = keyed(journal, number="5555555555554444").charge(8499, "k-1")
    assert again == result and journal.approved_charges() == {"k-1": 8499}


@pytest.mark.parametrize(
    ("number", "code", "why"),
    [
        ("4000000000009995", "insufficient_funds", "not enough money available"),
        ("4000000000000069", "expired_card", "The card has expired"),
        ("4000000000000002", "do_not_honor", "bank declined"),
        ("4000000000000127", "incorrect_cvc", "security code was not right"),
    ],
)
def test_test_cards_decline_with_a_reason(journal, number: str, code: str, why: str):
    assert DECLINES_BY_NUMBER[number].code == code
    result = keyed(journal, number=number).charge(1000, f"k-{code}")
    assert not result.approved and result.decline_code == code and why in result.decline_reason
    assert result.how_to_fix and (result.brand, result.last4) == ("VISA", number[-4:])


def test_the_processor_checks_the_card_itself(journal):
    """A card that reaches the processor without the conversation's checks is declined."""
    expired = KeyedCard(read_card_number(VISA), 10, 2026, "123")
    short_code = KeyedCard(read_card_number(AMEX), 12, 2028, "123")
    clock = FixedClock(START)
    result = KeyedCardSimulator(expired, journal, clock=clock).charge(100, "k-exp")
    assert result.decline_code == "expired_card"
    result = KeyedCardSimulator(short_code, journal, clock=clock).charge(100, "k-cvc")
    assert result.decline_code == "invalid_card"
    assert journal.approved_charges() == {}
    with pytest.raises(InvalidInput):
        KeyedCardSimulator(None, journal).charge(100, "k-none")


def test_a_keyed_payment_records_brand_last_4_and_no_card_data(
    sqlite_store: Store, journal: ProcessorJournal, tmp_path: Path
):
    payments = PaymentService(sqlite_store, PaymentJournal(tmp_path / "payments.jsonl"))
    result = payments.pay(AVA, 8499, keyed(journal, code="737"), "k-pay")
    assert result.state == AttemptState.SUCCEEDED and (result.brand, result.last4) == (
        "VISA",
        "4242",
    )
    attempt = attempt_by_key(sqlite_store, "k-pay")
    assert attempt.method == PaymentMethodKind.CARD and attempt.processor_ref.startswith("cnp_")
    assert_charged_once_each(sqlite_store, journal)
    assert_books_clean(sqlite_store)
    with pytest.raises(PaymentDeclined) as declined:
        payments.pay(BEN, 1000, keyed(journal, number="4000000000009995"), "k-declined")
    assert "not enough money" in declined.value.message
    assert "Use another card" in declined.value.message
    sqlite_store.dispose()
    journal.close()
    _assert_no_card_data(tmp_path)


def test_no_answer_is_never_charged_twice(sqlite_store: Store, journal: ProcessorJournal):
    payments = PaymentService(sqlite_store)
    with pytest.raises(PaymentDeclined) as caught:
        payments.pay(AVA, 1000, keyed(journal, number=NO_ANSWER_NUMBER), "k-lost")
    assert caught.value.decline_code == "issuer_unavailable"
    assert attempt_by_key(sqlite_store, "k-lost").state == AttemptState.DECLINED
    assert journal.approved_charges() == {}


def _assert_no_card_data(folder: Path, *numbers: str) -> None:
    """No file under ``folder`` holds a full card number (nor the security code's field)."""
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for number in numbers or (VISA, "4000000000009995"):
                assert number.encode() not in data, path


# -------------------------------------------------- a kill, then kiosk admin reconcile
KIOSK_ID = "KEYED-KIOSK"


def _settings(data: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{data / 'kiosk.sqlite3'}",
        kiosk_id=KIOSK_ID,
        payment_journal_path=str(data / f"payments-{KIOSK_ID}.jsonl"),
    )


def _pay_and_die(data: Path, point: str, key: str) -> None:
    """A kiosk process pays Ava's bill by keyed card and is SIGKILLed at ``point``."""
    from kiosk.devtools import faults

    pid = os.fork()
    if pid == 0:  # the child never returns into the test
        code = 70
        try:
            store = open_store(_settings(data), FixedClock(START), migrate=False, seed=False)
            journal = ProcessorJournal(data / f"processor-{KIOSK_ID}.sqlite3")
            method = KeyedCardSimulator(card(), journal, clock=FixedClock(START))
            faults.arm(point)
            PaymentService(store).pay(AVA, 8499, method, key)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


def test_killed_between_the_charge_and_the_store_then_reconciled(
    tmp_path: Path, seeded_sqlite_template: Path
):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(seeded_sqlite_template, data / "kiosk.sqlite3")
    # The processor charged and the journal has its answer; the store has only SENT.
    _pay_and_die(data, "charge.after_approve", f"{KIOSK_ID}-k1")
    store = open_store(_settings(data), FixedClock(START), migrate=False, seed=False)
    assert attempt_by_key(store, f"{KIOSK_ID}-k1").state == AttemptState.SENT
    lines = PaymentJournal(_settings(data).payment_journal_path).records()[f"{KIOSK_ID}-k1"]
    assert lines.events == ["sent", "outcome"] and lines.outcome and lines.outcome.approved

    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(KIOSK_DATA_DIR=str(data), KIOSK_KIOSK_ID=KIOSK_ID)
    env.update(KIOSK_CONFIG=str(data / "absent.toml"))
    env.update(KIOSK_PAYMENT_JOURNAL_PATH=_settings(data).payment_journal_path)
    done = run_kiosk(["admin", "reconcile", "--json"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sum(json.loads(done.stdout)["settled"].values()) == 1

    attempt = attempt_by_key(store, f"{KIOSK_ID}-k1")
    assert attempt.state == AttemptState.SUCCEEDED and (attempt.brand, attempt.last4) == (
        "VISA",
        "4242",
    )
    # Settled after its caller was gone: no paper receipt is queued for a kiosk's
    # printer to print for whoever stands there (the statement still updates).
    with store.sessions() as session:
        queued = {
            message.kind
            for message in session.scalars(select(OutboxMessage))
            if message.payload.get("attempt_id") == attempt.id
        }
    assert "statement.update" in queued and "receipt.print" not in queued, queued
    journal = ProcessorJournal(data / f"processor-{KIOSK_ID}.sqlite3")
    # The customer pays again with the same key (the kiosk restarted mid-payment): the
    # recorded payment, no second charge.
    again = PaymentService(store, PaymentJournal(_settings(data).payment_journal_path)).pay(
        AVA, 8499, KeyedCardSimulator(card(), journal, clock=FixedClock(START)), f"{KIOSK_ID}-k1"
    )
    assert again.attempt_id == attempt.id and again.confirmation_number
    assert journal.approved_charges() == {f"{KIOSK_ID}-k1": 8499}
    assert_charged_once_each(store, journal)
    assert_books_clean(store)
    second = run_kiosk(["admin", "reconcile", "--json"], env)
    assert second.returncode == 0 and json.loads(second.stdout)["settled"] == {}
    store.dispose()
    journal.close()
    _assert_no_card_data(data, VISA)
