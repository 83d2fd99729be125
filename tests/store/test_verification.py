"""Verification: account or phone + ZIP + PIN; lockout; every attempt audited, never the PIN."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.clock import FixedClock
from kiosk.errors import AccountLocked, InvalidInput, VerificationFailed
from kiosk.services.audit import verify_chain
from kiosk.services.verification import VerificationService
from kiosk.store.models import Account, AuditEntry
from kiosk.store.store import Store

AVA = ("40152270", "72201", "2468")
WRONG_PIN = "8317"  # a PIN that appears nowhere else in the demo data


def verify_audits(store: Store) -> list[AuditEntry]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == "verify").order_by(AuditEntry.id)
            )
        )


def failed_count(store: Store, number: str = AVA[0]) -> int:
    with store.sessions() as session:
        account = session.scalar(select(Account).where(Account.number == number))
        assert account is not None
        return account.failed_pin_attempts


def test_account_number_verifies(store: Store) -> None:
    customer = VerificationService(store).verify(*AVA)
    assert customer.account_number == "40152270"
    assert customer.name == "Ava Johnson" and customer.first_name == "Ava"
    audits = verify_audits(store)
    assert [a.outcome for a in audits] == ["success"]
    assert audits[0].resource == "account:****2270"


def test_phone_on_file_or_spaced_number_verifies(sqlite_store: Store) -> None:
    service = VerificationService(sqlite_store)
    for identifier in ["4015 2270", "(501) 555-0101", "+1 501 555 0101"]:
        assert service.verify(identifier, "72201", "2468").account_number == "40152270"


def test_failures_do_not_say_which_part_was_wrong(store: Store) -> None:
    service = VerificationService(store)
    messages = set()
    for identifier, zip_code, pin in [
        ("40152270", "72201", WRONG_PIN),  # wrong PIN
        ("40152271", "72201", "1357"),  # Ben's PIN, Ava's ZIP: wrong ZIP
        ("49999999", "72201", "2468"),  # no such account
    ]:
        with pytest.raises(VerificationFailed) as caught:
            service.verify(identifier, zip_code, pin)
        messages.add(caught.value.message)
    assert len(messages) == 1
    (message,) = messages
    assert "ZIP" in message and "PIN" in message  # names all parts, blames none


def test_lockout_after_three_failures_then_unlock(store: Store, clock: FixedClock) -> None:
    service = VerificationService(store)
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            service.verify(AVA[0], AVA[1], WRONG_PIN)
    assert failed_count(store) == 2
    with pytest.raises(AccountLocked) as third:
        service.verify(AVA[0], AVA[1], WRONG_PIN)
    assert "15 minutes" in third.value.message
    assert store.settings.support_phone in third.value.message
    # Locked: even the right PIN is refused, and the refusal is audited.
    clock.advance(dt.timedelta(minutes=14))
    with pytest.raises(AccountLocked) as refused:
        service.verify(*AVA)
    assert "1 minutes" in refused.value.message or "1 minute" in refused.value.message
    clock.advance(dt.timedelta(minutes=1, seconds=1))
    assert service.verify(*AVA).account_number == AVA[0]
    outcomes = [(a.outcome, a.detail.get("reason")) for a in verify_audits(store)]
    assert outcomes == [
        ("failure", "mismatch"),
        ("failure", "mismatch"),
        ("failure", "mismatch"),
        ("refused", "locked"),
        ("success", None),
    ]
    assert verify_audits(store)[2].detail["locked"] is True
    with store.sessions() as session:
        assert verify_chain(session, store.settings) == []


def test_success_resets_the_failure_count(sqlite_store: Store) -> None:
    service = VerificationService(sqlite_store)
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            service.verify(AVA[0], AVA[1], WRONG_PIN)
    service.verify(*AVA)
    assert failed_count(sqlite_store) == 0


def test_lockout_time_is_a_setting(sqlite_store: Store, clock: FixedClock) -> None:
    sqlite_store.settings = sqlite_store.settings.model_copy(
        update={"lockout_minutes": 2, "pin_max_attempts": 1}
    )
    service = VerificationService(sqlite_store)
    with pytest.raises(AccountLocked) as caught:
        service.verify(AVA[0], AVA[1], WRONG_PIN)
    assert "2 minutes" in caught.value.message
    clock.advance(dt.timedelta(minutes=2, seconds=1))
    assert service.verify(*AVA).first_name == "Ava"


@pytest.mark.parametrize(
    ("identifier", "zip_code", "pin", "says"),
    [
        ("4015227", "72201", "2468", "account or phone number"),
        ("", "72201", "2468", "account or phone number"),
        ("40152270", "7220", "2468", "ZIP code has 5 digits"),
        ("40152270", "ABCDE", "2468", "ZIP code has 5 digits"),
        ("40152270", "72201", "246", "PIN has 4 digits"),
        ("40152270", "72201", "24a8", "PIN has 4 digits"),
        ("40152270", "72201", "24680", "PIN has 4 digits"),
    ],
)
def test_malformed_input_is_refused_and_not_counted(
    sqlite_store: Store, identifier: str, zip_code: str, pin: str, says: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        VerificationService(sqlite_store).verify(identifier, zip_code, pin)
    assert not isinstance(caught.value, VerificationFailed)
    assert says in caught.value.message
    assert failed_count(sqlite_store) == 0


def test_zip_plus_four_is_accepted(sqlite_store: Store) -> None:
    assert VerificationService(sqlite_store).verify("40152270", "72201-1234", "2468").first_name


def test_pin_never_reaches_the_audit_log(store: Store) -> None:
    service = VerificationService(store)
    with pytest.raises(VerificationFailed):
        service.verify(AVA[0], AVA[1], WRONG_PIN)
    with pytest.raises(VerificationFailed):
        service.verify("49999999", AVA[1], WRONG_PIN)
    service.verify(*AVA)
    audits = verify_audits(store)
    assert len(audits) == 3
    for entry in audits:
        blob = json.dumps(entry.detail) + entry.resource + entry.actor + entry.action
        assert WRONG_PIN not in blob and AVA[2] not in blob
        assert AVA[0] not in blob and "49999999" not in blob  # account numbers are masked


def test_pin_never_reaches_the_database_file(sqlite_store: Store, tmp_path: Path) -> None:
    service = VerificationService(sqlite_store)
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            service.verify(AVA[0], AVA[1], WRONG_PIN)
    service.verify(*AVA)
    sqlite_store.dispose()  # checkpoint the WAL into the main file
    files = list(tmp_path.glob("kiosk.sqlite3*"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert not _standalone(WRONG_PIN, data), path.name
        assert not _standalone(AVA[2], data), path.name
        assert b'"2468"' not in data and b":2468" not in data, path.name


def _standalone(pin: str, data: bytes) -> bool:
    """True if ``pin`` appears in ``data`` other than inside a longer run of hex digits.

    Four digits turn up by chance inside hashes (hex) and timestamps (microseconds),
    so only an occurrence on its own counts as the PIN having been stored.
    """
    return re.search(rb"(?<![0-9A-Fa-f])" + pin.encode() + rb"(?![0-9A-Fa-f])", data) is not None
