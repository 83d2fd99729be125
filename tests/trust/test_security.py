"""Privacy and security as tests: masked JSON logs, lockouts per account and per kiosk,
fraud signals, and an audit log that is append-only and hash-chained."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from kiosk import logging as kiosk_logging
from kiosk.clock import FixedClock
from kiosk.errors import AccountLocked, KioskError, VerificationFailed
from kiosk.payments.card_terminal import CardTerminalSimulator
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.service import PaymentService
from kiosk.services import audit
from kiosk.services.verification import VerificationService
from kiosk.settings import Settings
from kiosk.store.models import AuditEntry, IdentifierLock, OutboxMessage, PaymentAttempt
from kiosk.store.store import Store, open_store

from ..conftest import run_kiosk

START = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Open a fresh seeded store on each back end, with settings overrides."""
    opened: list[Store] = []

    def make(**overrides: Any) -> Store:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'kiosk{len(opened)}.sqlite3'}"
        else:
            server = request.getfixturevalue("postgres")
            # A fresh name each time: id(opened) came back for a later test once the
            # earlier list was freed, and its database was still there (DuplicateDatabase).
            url = server.create_database(f"security_{uuid.uuid4().hex}")
        store = open_store(
            Settings(database_url=url, kiosk_id="SEC-KIOSK", **overrides),
            FixedClock(START),
            seed=True,
        )
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.dispose()


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    kiosk_logging.configure(buffer)
    yield buffer
    kiosk_logging.configure()


# ------------------------------------------------------------------ logging
def test_log_processor_drops_secrets_and_masks_numbers(json_log: io.StringIO) -> None:
    log = kiosk_logging.get_logger("test")
    log.info(
        "careless",
        account="40152270",
        pin="2468",
        PIN="1357",
        card_number="4111111111111111",
        cvv="123",
        track="%B4111111111111111^DOE/J^2512",
        note="card 4111 1111 1111 1111, phone 501-555-0101",
        nested={"account_number": "40152271", "pin": "9999"},
        confirmation="000000123",
    )
    event = json.loads(json_log.getvalue())
    assert not {"pin", "PIN", "card_number", "cvv", "track"} & set(event)
    assert event["account"] == "****2270"
    assert event["note"] == "card ****1111, phone ****0101"
    assert event["nested"] == {"account_number": "****2271"}
    assert event["confirmation"] == "000000123"


def test_payments_and_verification_log_one_masked_json_line_each(
    make_store: Any, json_log: io.StringIO
) -> None:
    store = make_store()
    payments, journal = PaymentService(store), ProcessorJournal()
    payments.pay("40152270", 1000, CardTerminalSimulator(journal), "log-1")
    with pytest.raises(KioskError):
        payments.pay("40152270", 1005, CardTerminalSimulator(journal), "log-2")  # do not honour
    with pytest.raises(KioskError):  # no answer: unknown, then voided by the reconciler
        payments.pay("40152271", 1000, CardTerminalSimulator(journal, fault="no_answer"), "log-3")
    verification = VerificationService(store)
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            verification.verify("40152270", "72201", "9371")
    with pytest.raises(AccountLocked):
        verification.verify("40152270", "72201", "9371")
    lines = json_log.getvalue().splitlines()
    events = [json.loads(line) for line in lines]
    names = [event["event"] for event in events]
    for name in ("payment.succeeded", "payment.declined", "payment.unknown"):
        assert name in names
    assert names.count("verification.failed") == 2 and names.count("verification.lockout") == 1
    assert all(event["level"] in ("info", "warning") for event in events)
    logged = "\n".join(lines)
    assert "40152270" not in logged and "****2270" in logged
    # Timestamps are digits too: look for the PINs everywhere else.
    values = json.dumps([{k: v for k, v in e.items() if k != "timestamp"} for e in events])
    assert "9371" not in values and "2468" not in values


# ------------------------------------------------------------ rate limits
def test_account_locks_after_repeated_failures_even_with_the_right_pin(make_store: Any) -> None:
    store = make_store(pin_max_attempts=3, lockout_minutes=15)
    verification = VerificationService(store)
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            verification.verify("40152270", "72201", "0000")
    with pytest.raises(AccountLocked) as locked:
        verification.verify("40152270", "72201", "0000")
    assert "15 minutes" in locked.value.why
    with pytest.raises(AccountLocked):
        verification.verify("40152270", "72201", "2468")
    store.clock.advance(dt.timedelta(minutes=16))  # type: ignore[attr-defined]
    assert verification.verify("40152270", "72201", "2468").first_name == "Ava"


def test_kiosk_slows_checks_after_failures_across_accounts_but_stays_open(
    make_store: Any,
) -> None:
    """Issue 14: ten failures on any accounts paused the whole kiosk for 15 minutes.
    Now each check past the threshold waits, doubling up to the maximum, and then runs."""
    store = make_store(
        kiosk_throttle_after_failures=4,
        kiosk_failed_window_minutes=10,
        kiosk_throttle_base_seconds=2.0,
        kiosk_throttle_max_seconds=10.0,
    )
    waits: list[float] = []
    verification = VerificationService(store, sleep=waits.append)
    guesses = ["40152270", "40152271", "40152272", "99999999", "49999999", "59999999"]
    for number in guesses:  # one try each: no identifier lock
        with pytest.raises(VerificationFailed):
            verification.verify(number, "11111", "0000")
    assert waits == [2.0, 4.0]  # the 5th and 6th checks waited
    assert verification.throttle_seconds() == 8.0
    # The right details still work, after the wait: the kiosk is open to everyone.
    assert verification.verify("40152273", "50309", "9753").first_name == "Dev"
    assert waits[-1] == 8.0
    verification.verify("40152273", "50309", "9753")
    assert waits[-1] == 8.0  # a success is not a failure: no longer wait
    for number in ("69999999", "79999999"):
        with pytest.raises(VerificationFailed):
            verification.verify(number, "11111", "0000")
    assert waits[-2:] == [8.0, 10.0]  # capped at the maximum
    store.clock.advance(dt.timedelta(minutes=11))  # type: ignore[attr-defined]
    assert verification.throttle_seconds() == 0.0


def test_unknown_identifiers_lock_like_accounts_with_the_same_answers(
    make_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: an unknown account never locked while a real one said "locked" (account
    enumeration). Both now answer the same words after the same tries, with the same
    work: one PIN hash per check, none while locked."""
    from kiosk.services import verification as module

    store = make_store(pin_max_attempts=3, lockout_minutes=15)
    hashes: list[str] = []
    real = module.pin_matches
    monkeypatch.setattr(module, "pin_matches", lambda h, p: hashes.append(p) or real(h, p))
    verification = VerificationService(store, sleep=lambda _: None)

    def answers(identifier: str) -> list[tuple[str, str, int]]:
        seen = []
        for _ in range(5):
            hashes.clear()
            with pytest.raises(KioskError) as caught:
                verification.verify(identifier, "72201", "0000")
            seen.append((type(caught.value).__name__, caught.value.message, len(hashes)))
        return seen

    known, unknown, phone = answers("40152270"), answers("49999999"), answers("5015559999")
    assert known == unknown == phone
    assert [kind for kind, _, _ in known] == ["VerificationFailed"] * 2 + ["AccountLocked"] * 3
    assert [work for _, _, work in known] == [1, 1, 1, 0, 0]
    assert "15 minutes" in known[2][1]
    store.clock.advance(dt.timedelta(minutes=16))  # type: ignore[attr-defined]
    with pytest.raises(VerificationFailed):
        verification.verify("49999999", "72201", "0000")  # unlocked again, like an account
    with store.sessions() as session:
        keys = list(session.scalars(select(IdentifierLock.key)))
    assert keys and not any("9999" in key for key in keys)  # keyed digests, no numbers


def test_the_daily_job_forgets_only_spent_identifier_locks(make_store: Any) -> None:
    """Every number ever guessed kept a lock row for good. The daily job now deletes the
    rows whose lockout ran out (they act as no row); a row still counting failures or
    still locked stays, so the next guess is answered as before."""
    from kiosk.ops.daily import forget_spent_locks

    store = make_store(pin_max_attempts=3, lockout_minutes=15)
    verification = VerificationService(store, sleep=lambda _: None)

    def fail(identifier: str, times: int) -> None:
        for _ in range(times):
            with pytest.raises(KioskError):
                verification.verify(identifier, "72201", "0000")

    def rows() -> int:
        with store.sessions() as session:
            return len(list(session.scalars(select(IdentifierLock.key))))

    fail("49999991", 3)  # locked for 15 minutes
    store.clock.advance(dt.timedelta(minutes=16))  # type: ignore[attr-defined]
    fail("49999992", 3)  # locked now
    fail("49999993", 1)  # one failure counted
    assert rows() == 3
    assert forget_spent_locks(store) == 1 and rows() == 2
    assert forget_spent_locks(store) == 0  # the job can run twice
    with pytest.raises(AccountLocked):
        verification.verify("49999992", "72201", "0000")  # still locked
    fail("49999993", 1)
    with pytest.raises(AccountLocked):
        verification.verify("49999993", "72201", "0000")  # its earlier failure still counts


# ------------------------------------------------------------ fraud signals
def _flags(store: Store, attempt_id: int) -> tuple[bool, list[dict[str, Any]], int]:
    with store.sessions() as session:
        attempt = session.get(PaymentAttempt, attempt_id)
        assert attempt is not None
        signals = [
            entry.detail
            for entry in session.scalars(
                select(AuditEntry).where(AuditEntry.action == "fraud.signal")
            )
            if entry.detail.get("attempt") == attempt_id
        ]
        alerts = session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.dedupe_key == f"fraud.alert:{attempt_id}"
            )
        )
    return attempt.flagged, signals, int(alerts or 0)


def test_a_payment_far_above_the_usual_is_flagged_not_blocked(make_store: Any) -> None:
    store = make_store(fraud_multiple_of_usual=5.0)
    service, journal = PaymentService(store), ProcessorJournal()
    # Dev's usual payment is the $40.00 down payment; 5 x $40.00 = $200.00 is still usual.
    normal = service.pay("40152273", 4000, CardTerminalSimulator(journal), "usual-1")
    assert _flags(store, normal.attempt_id) == (False, [], 0)
    store.clock.advance(dt.timedelta(hours=1))  # type: ignore[attr-defined]
    at_limit = service.pay("40152273", 20000, CardTerminalSimulator(journal), "usual-2")
    assert _flags(store, at_limit.attempt_id)[0] is False
    store.clock.advance(dt.timedelta(hours=1))  # type: ignore[attr-defined]
    # The usual is now the median of $40, $40 and $200: $40. $200.01 is over 5 x $40.
    large = service.pay("40152273", 20001, CardTerminalSimulator(journal), "large-1")
    assert large.confirmation_number  # the payment went through
    flagged, signals, alerts = _flags(store, large.attempt_id)
    assert flagged and alerts == 1
    assert signals == [{"attempt": large.attempt_id, "too_large": True, "burst": False}]


def test_a_burst_of_payments_is_flagged_from_the_one_over_the_limit(make_store: Any) -> None:
    store = make_store(fraud_max_payments_in_window=3, fraud_window_minutes=10)
    service, journal = PaymentService(store), ProcessorJournal()
    results = []
    for index in range(4):
        results.append(service.pay("40152270", 500, CardTerminalSimulator(journal), f"b{index}"))
        store.clock.advance(dt.timedelta(minutes=2))  # type: ignore[attr-defined]
    assert [_flags(store, r.attempt_id)[0] for r in results] == [False, False, False, True]
    assert _flags(store, results[3].attempt_id)[1][0]["burst"] is True
    store.clock.advance(dt.timedelta(minutes=10))  # type: ignore[attr-defined]
    later = service.pay("40152270", 500, CardTerminalSimulator(journal), "b-later")
    assert _flags(store, later.attempt_id) == (False, [], 0)


# ---------------------------------------------------------------- audit log
def _audit_verify(store: Store, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``kiosk admin audit verify`` as staff run it on the kiosk: its id, its key file
    and its head file (kept outside the database)."""
    env = {
        **os.environ,
        "KIOSK_DATABASE_URL": store.settings.effective_database_url(),
        "KIOSK_CONFIG": str(tmp_path / "absent.toml"),
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "KIOSK_KIOSK_ID": store.settings.kiosk_id,
        "KIOSK_SECRET_KEY_FILE": store.settings.secret_key_file,
        "KIOSK_AUDIT_HEAD_FILE": store.settings.audit_head_file,
    }
    return run_kiosk(("admin", "audit", "verify"), env)  # as a fresh process runs it


def _drop_append_only_triggers(store: Store) -> None:
    """What an attacker with owner rights on the database does first."""
    with store.engine.begin() as connection:
        if store.dialect == "postgresql":
            connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def _audited_activity(store: Store) -> list[int]:
    verification = VerificationService(store)
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            verification.verify("40152270", "72201", "0000")
    verification.verify("40152270", "72201", "2468")
    payments, journal = PaymentService(store), ProcessorJournal()
    for index in range(6):
        payments.pay("40152270", 1000 + 100 * index, CardTerminalSimulator(journal), f"a{index}")
    with store.sessions() as session:
        return list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


def test_the_database_refuses_to_change_or_delete_audit_rows(make_store: Any) -> None:
    store = make_store()
    ids = _audited_activity(store)
    for statement in (
        "UPDATE audit_log SET outcome = 'success' WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
    ):
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as connection:
            connection.execute(text(statement), {"id": ids[1]})
    with store.sessions() as session:
        assert audit.verify_chain(session, store.settings) == []


def test_audit_verify_names_each_modified_deleted_or_inserted_entry(
    make_store: Any, tmp_path: Path
) -> None:
    store = make_store()
    ids = _audited_activity(store)
    assert len(ids) >= 8
    clean = _audit_verify(store, tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "intact" in clean.stdout
    _drop_append_only_triggers(store)
    modified, deleted, after_insert = ids[1], ids[3], ids[5]
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_log SET outcome = 'tampered' WHERE id = :id"), {"id": modified}
        )
    _assert_named(store, tmp_path, modified)
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": deleted})
    _assert_named(store, tmp_path, ids[4])  # the successor no longer links up
    with store.engine.begin() as connection:  # make room after entry 5, as a forger would
        connection.execute(
            text("UPDATE audit_log SET id = id + 100000 WHERE id > :id"), {"id": after_insert}
        )
    with store.sessions() as session, session.begin():
        forged = AuditEntry(
            id=after_insert + 1,
            kiosk_id=store.settings.kiosk_id,
            actor="admin",
            action="refund",
            resource="account:****2270",
            outcome="success",
            detail={"cents": 99999},
            prev_hash="f" * 64,
            at=START,
            keyed=True,
        )
        forged.hash = _recomputed(forged, b"not the kiosk's key")
        session.add(forged)
    _assert_named(store, tmp_path, after_insert + 1)


def _recomputed(entry: AuditEntry, key: bytes | None) -> str:
    """The hash a forger computes: plain SHA-256, or an HMAC with a key they guessed."""
    fields = {column: getattr(entry, column) for column in audit._HASHED_COLUMNS}
    return audit._digest_fields(fields, key)


def _rechain(store: Store, key: bytes | None, keep: int | None = None) -> None:
    """A forger's edit: change the first entry, delete entries past ``keep``, and
    recompute every hash and link after it (unkeyed, or with the wrong key)."""
    with store.sessions() as session, session.begin():
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        for entry in entries[keep:] if keep is not None else []:
            session.delete(entry)
        entries = entries[:keep]
        session.flush()
        entries[0].outcome = "tampered"
        previous = audit.GENESIS
        for index, entry in enumerate(entries):  # free the unique values while rewriting
            entry.prev_hash, entry.hash = f"p{index:063x}", f"h{index:063x}"
            entry.keyed = key is not None
        session.flush()
        for entry in entries:
            entry.prev_hash = previous
            entry.hash = _recomputed(entry, key)
            previous = entry.hash
            session.flush()


@pytest.mark.parametrize(
    "forgery",
    ["newest deleted", "all deleted", "recomputed unkeyed", "recomputed with another key"],
)
def test_audit_verify_catches_truncation_and_recomputed_chains(
    make_store: Any, tmp_path: Path, forgery: str
) -> None:
    """Issue 14: after dropping the triggers, deleting the last entries (or all of them)
    passed ``kiosk admin audit verify``; so did an edit whose unkeyed chain was
    recomputed. The chain is keyed now, and its head is kept outside the database."""
    store = make_store()
    ids = _audited_activity(store)
    assert _audit_verify(store, tmp_path).returncode == 0
    heads = Path(store.settings.audit_head_file).read_text().splitlines()
    assert len(heads) >= 8  # a head per committed transaction that audited
    _drop_append_only_triggers(store)
    if forgery == "newest deleted":
        with store.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": ids[-2]})
    elif forgery == "all deleted":
        with store.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))
    elif forgery == "recomputed unkeyed":
        _rechain(store, None)
    else:
        _rechain(store, b"a guessed key", keep=len(ids) - 1)
    result = _audit_verify(store, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    said = {
        "newest deleted": "the newest entries of the chain were deleted",
        "all deleted": "every entry of the chain were deleted",
        "recomputed unkeyed": "the newest entries of the chain were deleted",
        "recomputed with another key": "this entry was changed",
    }[forgery]
    assert said in result.stdout, result.stdout


def test_each_payment_journal_line_anchors_the_chain_too(make_store: Any) -> None:
    """With the head file gone as well, the payment journal's lines still hold heads."""
    store = make_store()
    ids = _audited_activity(store)
    Path(store.settings.audit_head_file).unlink()
    with store.sessions() as session:
        assert audit.verify_chain(session, store.settings) == []
    _drop_append_only_triggers(store)
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": ids[-4]})
    with store.sessions() as session:
        problems = audit.verify_chain(session, store.settings)
    assert [p.problem for p in problems if "newest entries" in p.problem], problems


def test_a_head_line_not_written_by_the_kiosk_is_reported(make_store: Any, tmp_path: Path) -> None:
    store = make_store()
    _audited_activity(store)
    head_file = Path(store.settings.audit_head_file)
    with head_file.open("a") as forged:
        forged.write(
            f'{{"kiosk": "{store.settings.kiosk_id}", "head": "{"0" * 64}", "mac": "x"}}\n'
        )
    result = _audit_verify(store, tmp_path)
    assert result.returncode == 1 and "was not written here" in result.stdout, result.stdout


def _assert_named(store: Store, tmp_path: Path, entry_id: int) -> None:
    result = _audit_verify(store, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"entry {entry_id}:" in result.stdout, result.stdout
