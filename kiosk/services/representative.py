"""A request for a person, with how the customer wants to be reached."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kiosk.store.store import Store

ContactPreference = Literal["voice", "tty", "text", "associate_now"]


@dataclass(frozen=True)
class RepresentativeRequest:
    request_id: int
    contact_preference: ContactPreference
    phone_last4: str  # "" for associate_now
    text: str  # what happens next, in plain words


class RepresentativeService:
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
            InvalidInput: unknown preference, or a phone number that cannot be used.
            NotFound: an account number that does not exist.
        """
        raise NotImplementedError
