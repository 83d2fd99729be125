"""Property tests over every parser and validator a customer's input reaches.

Each must either return a clean value or raise its own error type with a
message that says what is wrong and how to fix it; never anything else. A
rejected payment amount must change nothing but the audit log.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, func, select

from kiosk.clock import FixedClock
from kiosk.errors import InvalidInput, KioskError
from kiosk.money import format_cents, parse_amount
from kiosk.payments.bank import validate_bank_account_number, validate_routing_number
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.service import PaymentService
from kiosk.receipts import InvalidContact, validate_email, validate_phone
from kiosk.services.confirmation import confirmation_number, is_valid_confirmation
from kiosk.services.verification import normalise_identifier, validate_pin, validate_zip
from kiosk.settings import Settings
from kiosk.store.models import AuditEntry
from kiosk.store.store import Store, open_store

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text a keyboard, a speech recogniser or a TTY could produce, plus digits of other scripts.
typed = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
) | st.from_regex(r"[\s$0-9,.\-+²٣４a-z]{0,20}", fullmatch=True)


def _explains(error: KioskError) -> None:
    assert error.what.strip(), error
    assert error.how_to_fix.strip(), error


def _validator_contract(validate: Callable[[str], Any], text: str, error_type: type) -> Any:
    try:
        return validate(text)
    except error_type as error:
        _explains(error)
        return None


# ----------------------------------------------------------------- amounts
@FUZZ
@given(typed)
def test_parse_amount_returns_cents_or_explains(text: str) -> None:
    cents = _validator_contract(parse_amount, text, InvalidInput)
    if cents is not None:
        assert isinstance(cents, int) and cents >= 0


@FUZZ
@given(st.integers(min_value=0, max_value=10**11 - 1))
def test_parse_amount_reads_back_what_the_kiosk_displays(cents: int) -> None:
    assert parse_amount(format_cents(cents)) == cents
    assert parse_amount(f"{cents // 100}.{cents % 100:02d}") == cents


# ------------------------------------------------------------ verification
@FUZZ
@given(typed)
def test_identifier_is_ascii_digits_of_an_account_or_phone(text: str) -> None:
    value = _validator_contract(normalise_identifier, text, InvalidInput)
    if value is not None:
        assert value.isascii() and value.isdigit() and len(value) in (8, 10)


@FUZZ
@given(typed)
def test_zip_and_pin_are_ascii_digits(text: str) -> None:
    zip5 = _validator_contract(validate_zip, text, InvalidInput)
    if zip5 is not None:
        assert zip5.isascii() and zip5.isdigit() and len(zip5) == 5
    pin = _validator_contract(validate_pin, text, InvalidInput)
    if pin is not None:
        assert pin.isascii() and pin.isdigit() and len(pin) == 4


def test_full_width_digits_mean_the_same_pin_and_superscripts_are_refused() -> None:
    """Regression: "²" passed ``isdigit`` and reached the PIN check and ``int()``."""
    assert validate_pin("２４６８") == "2468"
    assert normalise_identifier("４０１５２２７０") == "40152270"
    for bad in ("²²²²", "²²²²²"):
        with pytest.raises(InvalidInput):
            validate_pin(bad)
        with pytest.raises(InvalidInput):
            validate_zip(bad)


# -------------------------------------------------------------------- bank
@FUZZ
@given(typed)
def test_routing_and_bank_account_numbers(text: str) -> None:
    routing = _validator_contract(validate_routing_number, text, InvalidInput)
    if routing is not None:
        weights = (3, 7, 1) * 3
        assert sum(int(d) * w for d, w in zip(routing, weights, strict=True)) % 10 == 0
    account = _validator_contract(validate_bank_account_number, text, InvalidInput)
    if account is not None:
        assert account.isascii() and account.isdigit() and 4 <= len(account) <= 17


def test_superscript_digits_are_refused_not_crashed() -> None:
    """Regression: ``validate_routing_number("²" * 9)`` raised ValueError from ``int()``."""
    with pytest.raises(InvalidInput):
        validate_routing_number("²" * 9)
    with pytest.raises(InvalidInput):
        validate_bank_account_number("²" * 6)


# ---------------------------------------------------------- confirmations
@FUZZ
@given(st.integers(min_value=1, max_value=10**8 - 1))
def test_damm_digit_catches_every_typo_and_neighbour_swap(attempt_id: int) -> None:
    number = confirmation_number(attempt_id)
    assert is_valid_confirmation(number)
    for position, digit in itertools.product(range(len(number)), "0123456789"):
        if number[position] != digit:
            typo = number[:position] + digit + number[position + 1 :]
            assert not is_valid_confirmation(typo), typo
    for position in range(len(number) - 1):
        a, b = number[position], number[position + 1]
        if a != b:
            swapped = number[:position] + b + a + number[position + 2 :]
            assert not is_valid_confirmation(swapped), swapped


@FUZZ
@given(typed)
def test_is_valid_confirmation_never_raises(text: str) -> None:
    assume(not any(ch.isdigit() and not ch.isascii() for ch in text))
    assert is_valid_confirmation(text) in (True, False)


# ------------------------------------------------------------------ contacts
@FUZZ
@given(typed | st.emails())
def test_validate_email_is_clean_and_idempotent(text: str) -> None:
    try:
        address = validate_email(text)
    except InvalidContact as error:
        assert error.what.strip() and error.how_to_fix.strip()
        return
    assert validate_email(address) == address


@FUZZ
@given(
    typed | st.from_regex(r"\+?1?[ (]?[2-9][0-9]{2}[) -]?[2-9][0-9]{2}-?[0-9]{4}", fullmatch=True)
)
def test_validate_phone_is_e164_and_idempotent(text: str) -> None:
    try:
        phone = validate_phone(text)
    except InvalidContact as error:
        assert error.what.strip() and error.how_to_fix.strip()
        return
    assert phone.startswith("+") and phone[1:].isdigit()
    assert validate_phone(phone) == phone


# ------------------------------------------------------- payment amounts
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def payment_store(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'kiosk.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database("fuzz_payments")
    store = open_store(Settings(database_url=url, kiosk_id="FUZZ"), FixedClock(), seed=True)
    yield store
    store.dispose()


def _row_counts(store: Store) -> dict[str, int]:
    """Rows per table but the audit log, in one query."""
    metadata = MetaData()
    metadata.reflect(store.engine)
    counts = [
        select(func.count()).select_from(table).scalar_subquery().label(name)
        for name, table in metadata.tables.items()
        if name != "audit_log"
    ]
    with store.engine.connect() as connection:
        return dict(connection.execute(select(*counts)).one()._mapping)


_keys = itertools.count()
# Zero, negative, or beyond any demo account's balance plus the overpayment limit.
amounts = st.integers(-(2**70), 0) | st.integers(10**6, 2**70)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(cents=amounts, account=st.sampled_from(["40152270", "40152272", "99999999", ""]))
def test_rejected_amounts_change_nothing_but_the_audit_log(
    payment_store: Store, cents: int, account: str
) -> None:
    service = PaymentService(payment_store)
    before = _row_counts(payment_store)
    with payment_store.sessions() as session:
        audits_before = session.scalar(select(func.count(AuditEntry.id)))
    for call in (
        lambda: service.check_amount(account, cents),
        lambda: service.pay(account, cents, CardTerminalSimulator(), f"fuzz-{next(_keys)}"),
    ):
        try:
            call()
        except KioskError as error:
            _explains(error)
        else:
            pytest.fail(f"{cents} cents to {account!r} was accepted")
    assert _row_counts(payment_store) == before
    with payment_store.sessions() as session:
        audits = session.scalar(select(func.count(AuditEntry.id)))
    assert audits - audits_before <= 1  # one "payment.rejected" at most, never two
