"""Out of service, then back: "Try again" must find a store that works again.

The check behind it once raised on every store (it began a second transaction on a
connection that had already begun one), so a kiosk that went out of service stayed
there until restarted. Real stores on both back ends; a table renamed away and back
stands in for a store that breaks and is repaired.
"""

from __future__ import annotations

from sqlalchemy import text

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.store.store import Store


def _rename(store: Store, old: str, new: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))


def test_a_kiosk_out_of_service_comes_back_when_its_store_does(store: Store) -> None:
    services = Services(store)
    assert services.usable()  # a healthy store passes the check
    conversation = Conversation(services, Register.STANDARD)

    _rename(store, "accounts", "accounts_away")
    assert not services.usable()
    told = conversation.answer("1")  # Start
    assert told.id == "out_of_service", told.id
    assert "out of service" in told.render(Register.STANDARD)
    assert conversation.answer("1").id == "out_of_service"  # try again: still broken

    _rename(store, "accounts_away", "accounts")
    back = conversation.answer("1")  # try again: repaired
    assert back.id in ("welcome", "verify_id"), back.id
    if back.id == "welcome":
        back = conversation.answer("1")
    assert back.id == "verify_id", back.id
