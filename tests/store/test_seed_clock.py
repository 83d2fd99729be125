"""The demo store is seeded on its own clock."""

from __future__ import annotations

import datetime as dt

from kiosk.conversation.services import Services
from kiosk.store.store import Store


def test_a_fixed_clock_demo_store_stamps_its_dispute_and_plan_payment_on_that_clock(
    sqlite_store: Store,
) -> None:
    """The seed stamped Emma's dispute and Dev's paid plan part with the real time
    (the columns' default), so on the tests' fixed clock (November 25) her dispute was
    "made" weeks later than today, and its answer date moved with the real calendar.
    Dev's plan part was paid on its due day, 25 days ago: stamped "now", it showed in
    the day's report as a cash payment taken today."""
    bills = Services(sqlite_store).bills
    [dispute] = bills.explain("40152274").disputes
    assert dispute.opened_on == sqlite_store.today()
    [paid] = bills.explain("40152273").payments
    assert sqlite_store.day_of(paid.at) == sqlite_store.today() - dt.timedelta(days=25)
