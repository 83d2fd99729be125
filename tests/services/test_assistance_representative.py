"""Assistance programs inform and refer (never decide); a person is one request away."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.errors import InvalidInput, NotFound
from kiosk.services.assistance import AssistanceService
from kiosk.services.representative import RepresentativeService
from kiosk.store.models import AuditEntry, ServiceRequest
from kiosk.store.store import Store

from .conftest import AVA


def test_lifeline_facts_in_every_register(store: Store) -> None:
    info = AssistanceService(store).lifeline()
    assert "$9.25" in info.benefit.standard and "$34.25" in info.benefit.standard
    assert "each home can get only one lifeline benefit" in info.benefit.standard.lower()
    assert "nine dollars and twenty-five cents" in info.benefit.spoken
    assert info.benefit.tty == info.benefit.tty.upper() and len(info.benefit.tty) < 120
    for program in ("snap", "medicaid", "ssi", "public housing", "veterans pension", "tribal"):
        assert program in info.who_qualifies.standard.lower()
    assert "135%" in info.who_qualifies.standard
    assert "cannot" in info.who_qualifies.standard  # the kiosk never decides
    assert (
        "National Verifier" in info.how_to_apply.standard and "mail" in info.how_to_apply.standard
    )
    assert "kiosk does not decide" in info.decides
    assert len(info.benefit.simple) < len(info.benefit.standard)


def test_programs_and_inquiries_are_recorded(store: Store) -> None:
    service = AssistanceService(store)
    keys = [p.key for p in service.programs()]
    assert keys[0] == "lifeline" and "211" in keys
    request_id = service.record_inquiry(AVA, "lifeline")
    anonymous = service.record_inquiry(None, "211")
    with store.sessions() as session:
        rows = session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
        kinds = {(r.id, r.kind, r.account_id is None) for r in rows}
        assert (request_id, "assistance_inquiry", False) in kinds
        assert (anonymous, "assistance_inquiry", True) in kinds
    with pytest.raises(NotFound):
        service.record_inquiry(AVA, "no-such-program")


def test_representative_requests(store: Store) -> None:
    service = RepresentativeService(store)
    callback = service.request(AVA, "voice", "Question about my internet speed")
    assert callback.phone_last4 == "0101" and "ending 0101" in callback.text
    tty = service.request(None, "tty", "Billing question", phone="(205) 555-0199")
    assert tty.phone_last4 == "0199"
    now = service.request(None, "associate_now", "")
    assert now.phone_last4 == "" and "store associate" in now.text
    with store.sessions() as session:
        requests = session.scalars(
            select(ServiceRequest).where(ServiceRequest.kind == "representative")
        ).all()
        assert {r.contact_preference for r in requests} == {
            "voice:+15015550101",
            "tty:+12055550199",
            "associate_now",
        }
        assert session.scalar(
            select(AuditEntry).where(AuditEntry.action == "representative.requested")
        )


def test_bad_phone_or_preference_is_rejected_clearly(store: Store) -> None:
    service = RepresentativeService(store)
    with pytest.raises(InvalidInput) as raised:
        service.request(None, "text", "help", phone="555-12")
    # what was typed is never said back (it may be a card number or PIN keyed late)
    assert "555-12" not in raised.value.message and "area code" in raised.value.how_to_fix
    assert raised.value.what == "That phone number cannot be used."
    with pytest.raises(InvalidInput, match="need a phone number"):
        service.request(None, "voice", "help")
    with pytest.raises(InvalidInput, match="how you want to be reached"):
        service.request(AVA, "carrier pigeon", "help")
    with store.sessions() as session:
        assert session.scalar(select(ServiceRequest)) is None
