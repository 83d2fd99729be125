"""A request for a person, with how the customer wants to be reached."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kiosk.errors import InvalidInput
from kiosk.receipts import InvalidContact, validate_phone
from kiosk.services.common import find_account, record
from kiosk.services.confirmation import reference_number
from kiosk.store.models import ServiceRequest
from kiosk.store.store import Store

PREFERENCES: dict[str, str] = {
    "voice": "call you back",
    "tty": "call you back by TTY",
    "text": "send you a text message",
    "associate_now": "come to the kiosk now",
}
MAX_REASON = 1000

ContactPreference = Literal["voice", "tty", "text", "associate_now"]


@dataclass(frozen=True)
class RepresentativeRequest:
    request_id: int
    contact_preference: ContactPreference
    phone_last4: str  # "" for associate_now
    text: str  # what happens next, in plain words

    @property
    def reference(self) -> str:
        """The number the customer keeps for this request (check digit included)."""
        return reference_number("callback", self.request_id)


class RepresentativeService:
    """Records a request for a person with the customer's preferred way to be reached."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def request(
        self,
        account_number: str | None,
        contact_preference: str,
        reason: str,
        phone: str | None = None,
    ) -> RepresentativeRequest:
        """Record the request. A call back (voice, tty, text) needs a phone: the one
        given, else the account's number on file.

        Raises:
            InvalidInput: unknown preference, no phone to call back, or a phone number
                that cannot be used.
            NotFound: an account number that does not exist.
        """
        if contact_preference not in PREFERENCES:
            raise InvalidInput(
                "We did not understand how you want to be reached.",
                "",
                "Choose a call back, a TTY call, a text message, or a store associate now.",
            )
        reason = " ".join(reason.split())[:MAX_REASON] or "no reason given"
        number = ""
        if phone and phone.strip():
            number = self._phone(phone)
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number) if account_number else None
            if contact_preference != "associate_now" and not number:
                if account is None or not account.phone:
                    raise InvalidInput(
                        "We need a phone number to reach you.",
                        "",
                        "Type the 10-digit number with its area code, or ask for a store "
                        "associate now.",
                    )
                number = self._phone(account.phone)
            if contact_preference == "associate_now":
                number = ""
            preference = contact_preference
            request = ServiceRequest(
                account_id=account.id if account else None,
                kind="representative",
                contact_preference=preference if not number else f"{preference}:{number}",
                reason=reason,
                kiosk_id=self.settings.kiosk_id,
                created_at=self.store.clock.now(),
            )
            session.add(request)
            session.flush()
            record(
                self.store,
                session,
                "representative.requested",
                "success",
                account,
                contact=preference,
                phone_last4=number[-4:],
            )
            request_id = request.id
        if preference == "associate_now":
            text = "A store associate has been called and will come to this kiosk."
        else:
            text = (
                f"A person will {PREFERENCES[preference]} at the number ending "
                f"{number[-4:]}, as soon as one is free."
            )
        return RepresentativeRequest(
            request_id=request_id,
            contact_preference=preference,  # type: ignore[arg-type]
            phone_last4=number[-4:],
            text=text,
        )

    def _phone(self, phone: str) -> str:
        try:
            return validate_phone(phone)
        except InvalidContact as error:
            raise InvalidInput(
                error.what.rstrip(".") + ".",
                error.why[:1].upper() + error.why[1:].rstrip(".") + ".",
                error.how_to_fix.rstrip(".") + ".",
            ) from None
