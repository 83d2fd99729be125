"""Errors of receipt delivery: each says what failed, why, and how to fix it.

Messages are written in plain words because the kiosk shows or speaks them to the
customer (an invalid email address) or to staff (a printer out of paper). They never
contain a card number or a full account number.
"""

from __future__ import annotations


class ReceiptError(Exception):
    """Base of receipt errors: three plain-language parts joined into one sentence."""

    def __init__(self, what: str, why: str, how_to_fix: str) -> None:
        self.what = what
        self.why = why
        self.how_to_fix = how_to_fix
        super().__init__(str(self))

    def __str__(self) -> str:
        """One sentence: "<what> because <why>; <how to fix>."."""
        what = self.what.rstrip(". ")
        why = self.why.rstrip(". ")
        fix = self.how_to_fix.rstrip(". ")
        sentence = f"{what} because {why}" if why else what
        if fix:
            sentence += f"; {fix[:1].lower()}{fix[1:]}"
        return sentence + "."


class InvalidContact(ReceiptError):
    """An email address or phone number typed or said by the customer cannot be used.

    Attributes:
        field: "email" or "phone", so a channel can ask again for the right thing.
    """

    def __init__(self, what: str, why: str, how_to_fix: str, *, field: str) -> None:
        self.field = field
        super().__init__(what, why, how_to_fix)


class DeliveryError(ReceiptError):
    """One delivery attempt failed.

    Attributes:
        retryable: True when the same attempt may succeed later (server down, timeout,
            printer offline); False when retrying cannot help until someone changes
            something (address refused, bad configuration, missing driver).
        channel: "print", "email" or "sms" (empty when not known yet).
    """

    def __init__(
        self,
        what: str,
        why: str,
        how_to_fix: str,
        *,
        retryable: bool,
        channel: str = "",
    ) -> None:
        self.retryable = retryable
        self.channel = channel
        super().__init__(what, why, how_to_fix)
