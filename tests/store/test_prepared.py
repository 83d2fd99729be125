"""The driver fast path gives the same values and errors as SQLAlchemy's own execute."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from kiosk.store.models import Account, OutboxMessage, OutboxState
from kiosk.store.prepared import run, run_many
from kiosk.store.store import Store

INSERT_OUTBOX = insert(OutboxMessage)
OUTBOX_BY_KEY = select(
    OutboxMessage.id,
    OutboxMessage.kind,
    OutboxMessage.payload,
    OutboxMessage.state,
    OutboxMessage.created_at,
    OutboxMessage.next_attempt_at,
).where(OutboxMessage.dedupe_key.like(bindparam("pattern")))
SET_STATE = (
    update(OutboxMessage)
    .where(OutboxMessage.kind == bindparam("which"))
    .values(state=bindparam("new_state", type_=OutboxMessage.state.type))
)
ACCOUNTS_IN = select(Account.id).where(Account.number.in_(bindparam("numbers", expanding=True)))

WHEN = dt.datetime(2026, 11, 25, 15, 30, tzinfo=dt.UTC)


def _message(n: int) -> dict[str, object]:
    return {
        "kind": "receipt.email",
        "dedupe_key": f"prepared-test:{n}",
        "account_id": None,
        "payload": {"attempt_id": n, "note": "ünïcode ✓"},
        "next_attempt_at": WHEN,
    }


def test_values_round_trip_as_sqlalchemy_reads_them(store: Store) -> None:
    with store.engine.begin() as connection:
        run_many(connection, INSERT_OUTBOX, [_message(1), _message(2)])
    with store.engine.connect() as connection:
        fast = run(connection, OUTBOX_BY_KEY, {"pattern": "prepared-test:%"}).all()
        reference = [
            tuple(row) for row in connection.execute(OUTBOX_BY_KEY, {"pattern": "prepared-test:%"})
        ]
    assert fast == reference
    assert len(fast) == 2
    _, kind, payload, state, created_at, next_attempt_at = fast[0]
    assert (kind, payload, state) == ("receipt.email", _message(1)["payload"], OutboxState.PENDING)
    assert next_attempt_at == WHEN
    # created_at was not given: the column's Python default filled it, in UTC.
    assert created_at.tzinfo is not None
    assert abs(dt.datetime.now(dt.UTC) - created_at) < dt.timedelta(minutes=5)


def test_update_reports_the_rows_it_changed(store: Store) -> None:
    with store.engine.begin() as connection:
        run_many(connection, INSERT_OUTBOX, [_message(3)])
        changed = run(
            connection, SET_STATE, {"which": "receipt.email", "new_state": OutboxState.SENT}
        )
        untouched = run(
            connection, SET_STATE, {"which": "no.such.kind", "new_state": OutboxState.SENT}
        )
    assert changed.rowcount >= 1
    assert untouched.rowcount == 0
    with store.sessions() as session:
        states = session.scalars(
            select(OutboxMessage.state).where(OutboxMessage.dedupe_key == "prepared-test:3")
        ).all()
    assert states == [OutboxState.SENT]


def test_a_driver_error_is_sqlalchemys_and_the_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(IntegrityError) as raised, store.engine.begin() as connection:
        run_many(connection, INSERT_OUTBOX, [_message(4)])
        run_many(connection, INSERT_OUTBOX, [_message(4)])  # the same dedupe key again
    assert "dedupe_key" in str(raised.value) or "unique" in str(raised.value).lower()
    with store.engine.connect() as connection:
        assert run(connection, OUTBOX_BY_KEY, {"pattern": "prepared-test:4"}).all() == []


def test_statements_rendered_per_execution_are_refused_with_the_reason(store: Store) -> None:
    with store.engine.connect() as connection, pytest.raises(ValueError, match="expanding IN"):
        run(connection, ACCOUNTS_IN, {"numbers": ["40152270"]})
