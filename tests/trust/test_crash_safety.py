"""SIGKILL the payment core at every step, on SQLite and PostgreSQL, and prove nothing is lost.

Each back end gets a campaign of forked kiosk lives killed at a crash point
(see kiosk.devtools.crash_harness). After the last kill the kiosk restarts,
reconciles and delivers; then the processor's own journal must agree with
the kiosk's books to the cent. The same artefacts (database, JSON logs,
receipts of the real attempts) are then searched for card numbers and PINs.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import MetaData, select

from kiosk.devtools import faults
from kiosk.devtools.crash_harness import ACCOUNTS, Campaign, check_invariants
from kiosk.receipts import (
    PaymentMethod,
    Receipt,
    render_email,
    render_screen,
    render_sms,
    render_spoken,
    render_tty,
)
from kiosk.services import ledger
from kiosk.store.models import Account, AttemptState, PaymentAttempt
from kiosk.store.seed import DEMO_ACCOUNTS
from kiosk.store.store import Store

KILLS_PER_BACKEND = int(os.environ.get("KIOSK_TRUST_KILLS", "100"))


@dataclass
class Finished:
    backend: str
    campaign: Campaign
    store: Store


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def finished(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Finished]:
    workdir = tmp_path_factory.mktemp(f"crash-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'kiosk.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database("crash_campaign")
    campaign = Campaign(url, workdir, seed=7, log_path=workdir / "kiosk-log.jsonl")
    campaign.prepare()
    campaign.run(KILLS_PER_BACKEND)
    store = campaign.finish()
    yield Finished(request.param, campaign, store)
    store.dispose()


def test_a_campaign_forks_with_no_checkpoint_thread_in_the_parent(tmp_path) -> None:
    """A thread inside SQLite at a fork leaves its mutex locked in the child for ever: the
    WAL checkpoint thread, running in the parent, once hung the SQLite campaign until the
    test timed out (the child blocked in sqlite3WalBeginReadTransaction)."""
    campaign = Campaign(f"sqlite:///{tmp_path / 'campaign.sqlite3'}", tmp_path, seed=3)
    campaign.prepare(warm_up_payments=1)
    try:
        assert campaign.store.checkpointer is None
        assert not [t for t in threading.enumerate() if t.name == "wal-checkpoint:campaign.sqlite3"]
        campaign.run(len(faults.CRASH_POINTS))  # the children (with their own thread) still pay
        assert campaign.errors == []
        assert sum(campaign.kills.values()) >= len(faults.CRASH_POINTS)
    finally:
        campaign.store.dispose()


def test_children_were_killed_at_every_crash_point(finished: Finished) -> None:
    campaign = finished.campaign
    assert campaign.errors == []
    assert sum(campaign.kills.values()) >= KILLS_PER_BACKEND
    assert set(campaign.kills) == set(faults.CRASH_POINTS), campaign.kills


def test_every_charge_is_recorded_exactly_once(finished: Finished) -> None:
    campaign = finished.campaign
    problems = check_invariants(finished.store, campaign.journal_path, campaign.sink_path)
    assert problems == []


def test_the_campaign_really_paid_declined_and_recovered(finished: Finished) -> None:
    """Guard against a vacuous pass: the kills hit a busy payment core."""
    with finished.store.sessions() as session:
        states = list(session.scalars(select(PaymentAttempt.state)))
        assert ledger.check(session) == []
    assert states.count(AttemptState.SUCCEEDED) >= KILLS_PER_BACKEND // 4
    assert AttemptState.DECLINED in states
    assert AttemptState.CANCELED in states  # keys voided by the reconciler


# ---------------------------------------------------------------- privacy
def _all_rows_as_text(store: Store) -> str:
    metadata = MetaData()
    metadata.reflect(store.engine)
    parts = []
    with store.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()):
                parts.append(" | ".join(str(value) for value in row))
    return "\n".join(parts)


def test_no_card_number_in_the_database(
    finished: Finished, find_card_numbers: Callable[..., list[str]]
) -> None:
    text = _all_rows_as_text(finished.store)
    assert "VISA" in text  # the scan sees the payment rows
    assert find_card_numbers(text) == []
    if finished.backend == "sqlite":
        workdir = finished.campaign.workdir
        for path in workdir.glob("*.sqlite3*"):
            raw = path.read_bytes().decode("latin-1")
            assert find_card_numbers(raw, grouped=False) == [], path.name


def test_no_card_number_pin_or_account_number_in_the_logs(
    finished: Finished, find_card_numbers: Callable[..., list[str]]
) -> None:
    assert finished.campaign.log_path is not None
    lines = finished.campaign.log_path.read_text().splitlines()
    events = [json.loads(line) for line in lines]
    names = {event["event"] for event in events}
    assert {"payment.succeeded", "payment.declined", "payment.unknown"} <= names
    text = "\n".join(lines)
    assert find_card_numbers(text) == []
    for number in ACCOUNTS:
        assert number not in text
    for event in events:
        assert not {"pin", "card_number", "cvv", "track"} & set(event)
    pins = {demo.pin for demo in DEMO_ACCOUNTS}
    for event in events:
        for value in event.values():
            assert str(value) not in pins


def _receipts(store: Store) -> list[Receipt]:
    receipts = []
    with store.sessions() as session:
        rows = session.execute(
            select(PaymentAttempt, Account)
            .join(Account, Account.id == PaymentAttempt.account_id)
            .where(
                PaymentAttempt.state == AttemptState.SUCCEEDED,
                PaymentAttempt.confirmation_number.is_not(None),
            )
        ).all()
        for attempt, account in rows:
            method = PaymentMethod(attempt.method.value)
            receipts.append(
                Receipt(
                    confirmation_number=attempt.confirmation_number or "",
                    kiosk_id=attempt.kiosk_id,
                    store_id=store.settings.store_id,
                    timestamp=attempt.updated_at,
                    customer_name=account.customer.name,
                    account_number=account.number,
                    amount_cents=attempt.cents,
                    method=method,
                    new_balance_cents=ledger.balance_cents(session, account.id),
                    card_brand=attempt.brand if method is PaymentMethod.CARD else None,
                    card_last4=attempt.last4 if method is PaymentMethod.CARD else None,
                    bank_last4=attempt.last4 if method is PaymentMethod.BANK else None,
                )
            )
    return receipts


def test_receipts_of_real_attempts_show_no_card_or_account_number(
    finished: Finished, find_card_numbers: Callable[..., list[str]]
) -> None:
    receipts = _receipts(finished.store)
    assert len(receipts) >= KILLS_PER_BACKEND // 4
    for receipt in receipts:
        email = render_email(receipt)
        for text in (
            render_screen(receipt),
            render_spoken(receipt),
            render_tty(receipt),
            render_sms(receipt),
            email.subject,
            email.body,
        ):
            assert find_card_numbers(text) == []
            assert not any(number in text.replace(" ", "") for number in ACCOUNTS)
