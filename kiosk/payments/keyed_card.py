"""Card-not-present (keyed) card payments: the caller keys the card's number, expiry and
security code, and they go to the processor with the charge.

The pay-by-phone line has no card reader, so a card is keyed as on any phone or web
payment. The number, expiry and security code live in a :class:`KeyedCard` only until
the charge: its ``repr`` shows the brand and last 4 and nothing more, and only those
two ever leave this module (in the :class:`ChargeResult`, the store, the journals). The
security code is never kept anywhere, as card rules require.

The checks (:func:`read_card_number`, :func:`read_expiry`, :func:`read_security_code`)
are the same for the conversation, which refuses a bad entry before the review, and
for the processor simulator, which declines a card that fails them. The Luhn check and
the brand come from ``pydantic_extra_types.payment`` (the pydantic project's card
number type).

:class:`KeyedCardSimulator` is a card-not-present sandbox. Like the card-present
terminal's test amounts, its test card numbers decline with a reason
(:data:`DECLINES_BY_NUMBER`); every other valid number is approved. It records its
charges in the processor journal the kiosk's other simulators share (one acquirer),
so ``kiosk admin reconcile`` looks its keys up there like any other card payment.
"""

from __future__ import annotations

import abc
import datetime as dt
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic_core import PydanticCustomError
from pydantic_extra_types.payment import PaymentCardBrand, PaymentCardNumber

from kiosk.clock import Clock, SystemClock
from kiosk.errors import InvalidInput
from kiosk.payments.card_terminal import (
    DECLINES_BY_CENTS,
    ISSUER_UNAVAILABLE,
    Decline,
    ProcessorRecords,
)
from kiosk.payments.journal import ProcessorJournal
from kiosk.payments.methods import (
    ChargeOutcomeUnknown,
    ChargeResult,
    PaymentMethod,
)
from kiosk.store.models import PaymentMethodKind

ACCEPTED_BRANDS: dict[PaymentCardBrand, str] = {
    PaymentCardBrand.visa: "VISA",
    PaymentCardBrand.mastercard: "MASTERCARD",
    PaymentCardBrand.amex: "AMERICAN EXPRESS",
    PaymentCardBrand.discover: "DISCOVER",
}
"""The brands taken, and the brand as the processor names it (kept with the payment)."""
ACCEPTED_NAMES = "Visa, Mastercard, American Express and Discover"
SHORTEST_NUMBER, LONGEST_NUMBER = 13, 19
"""The card numbers the brands taken have (pydantic-extra-types' lengths by brand): Visa
13, 16 or 19, Mastercard 16, American Express 15, Discover 16 to 19. Every message about
a number's length says these, and a keyed number shorter than the shortest is not over:
the phone line waits for more keys or # (``Prompt.min_digits``)."""
NUMBER_RULE = (
    f"A card number has {SHORTEST_NUMBER} to {LONGEST_NUMBER} numbers. "
    "Most have 16; American Express has 15."
)
AGAIN = "Please key it again."
EXPIRY_EXAMPLE = "For example, 0 8 2 7 for August 2027."
EXPIRY_RULE = "The expiry is 4 numbers: month then year, like 0 8 2 7."
YEARS_AHEAD = 20  # an expiry further off is a mistyped year (processors refuse it too)

_DECLINES = {decline.code: decline for decline in DECLINES_BY_CENTS.values()}
INCORRECT_CVC = Decline(
    "incorrect_cvc",
    "The card's security code was not right.",
    "Key the card again, with its security code, or use another card.",
)
INVALID_CARD = Decline(
    "invalid_card",
    "The card number, expiry date or security code is not valid.",
    "Key the card again, or use another card.",
)
DECLINES_BY_NUMBER: dict[str, Decline] = {
    "4000000000000002": _DECLINES["do_not_honor"],
    "4000000000009995": _DECLINES["insufficient_funds"],
    "4000000000000069": _DECLINES["expired_card"],
    "4000000000000127": INCORRECT_CVC,
}
"""Sandbox test cards (valid numbers, any future expiry and code) that decline, and why."""
NO_ANSWER_NUMBER = "4000000000000119"
"""A test card whose bank does not answer: the charge's outcome is unknown (and it is
declined as ``issuer_unavailable`` when looked up, so nothing was taken)."""
KEYED_DECLINES = (INCORRECT_CVC, INVALID_CARD)
"""The declines only a keyed card has (the payment core looks up how to fix them)."""


def brand_name(brand: str) -> str:
    """A processor's brand as the customer hears it: "VISA" -> "Visa"."""
    return brand.title()


@dataclass(frozen=True, repr=False)
class CardNumber:
    """A keyed card number that passed the checks, and its brand; ``repr`` is masked."""

    digits: str
    brand: str  # as the processor names it, e.g. "VISA"

    @property
    def last4(self) -> str:
        return self.digits[-4:]

    @property
    def description(self) -> str:
        """How the customer hears the card: "Visa ending 4242"."""
        return f"{brand_name(self.brand)} ending {self.last4}"

    @property
    def code_length(self) -> int:
        """How many numbers its security code has: 4 on American Express, else 3."""
        return 4 if self.brand == ACCEPTED_BRANDS[PaymentCardBrand.amex] else 3

    def __repr__(self) -> str:
        return f"CardNumber({self.description})"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class KeyedCard:
    """A whole keyed card, held only until it is charged. ``repr`` is masked."""

    number: CardNumber
    exp_month: int
    exp_year: int  # four digits
    security_code: str

    @property
    def brand(self) -> str:
        return self.number.brand

    @property
    def last4(self) -> str:
        return self.number.last4

    @property
    def description(self) -> str:
        return self.number.description

    def __repr__(self) -> str:
        return f"KeyedCard({self.description})"

    __str__ = __repr__


@dataclass(repr=False)
class CardEntry:
    """A keyed card as the customer enters it, part by part; the conversation holds it
    in memory until the charge and drops it then. ``repr`` is masked."""

    number: CardNumber | None = None
    exp_month: int = 0
    exp_year: int = 0
    security_code: str = ""

    def card(self) -> KeyedCard | None:
        """The whole card, or None while a part is missing."""
        if self.number is None or not self.exp_month or not self.security_code:
            return None
        return KeyedCard(self.number, self.exp_month, self.exp_year, self.security_code)

    def __repr__(self) -> str:
        return f"CardEntry({self.number.description if self.number else 'no number yet'})"

    __str__ = __repr__


def read_card_number(text: str) -> CardNumber:
    """Check a keyed card number: digits, its brand's length, the Luhn check digit, a
    brand taken here.

    Returns:
        The number and its brand.

    Raises:
        InvalidInput: what is wrong with it; the message never repeats the number.
    """
    digits = "".join(text.split()).replace("-", "")
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidInput("A card number has only numbers in it.", "", AGAIN)
    if len(digits) < SHORTEST_NUMBER:
        raise InvalidInput(
            f"That card number is too short: it has {len(digits)} numbers.", NUMBER_RULE, AGAIN
        )
    if len(digits) > LONGEST_NUMBER:
        raise InvalidInput(
            f"That card number is too long: it has {len(digits)} numbers.", NUMBER_RULE, AGAIN
        )
    try:
        brand = PaymentCardNumber.validate_brand(digits)  # the brand's own lengths
    except PydanticCustomError as error:
        context = error.context or {}
        named = context.get("brand")
        if named not in ACCEPTED_BRANDS:  # its length does not matter: it is not taken
            raise _not_taken() from None
        raise InvalidInput(
            f"{brand_name(ACCEPTED_BRANDS[named])} card numbers have "
            f"{_lengths(context.get('required_length', ()))} numbers, "
            f"and that has {len(digits)}.",
            "",
            AGAIN,
        ) from None
    try:
        PaymentCardNumber.validate_luhn_check_digit(digits)
    except PydanticCustomError:
        raise InvalidInput("That card number does not check out.", "", AGAIN) from None
    if brand not in ACCEPTED_BRANDS:
        raise _not_taken()
    return CardNumber(digits, ACCEPTED_BRANDS[brand])


def _not_taken() -> InvalidInput:
    return InvalidInput(
        "We cannot take that kind of card.",
        f"We take {ACCEPTED_NAMES}.",
        "Please use one of those, or pay another way.",
    )


def _lengths(lengths: Sequence[int]) -> str:
    """A brand's lengths as said: "15", "13, 16 or 19", "16 to 19" (a run of 3 or more)."""
    ordered = sorted(lengths)
    if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]} to {ordered[-1]}"
    if len(ordered) <= 1:
        return "".join(map(str, ordered))
    return ", ".join(map(str, ordered[:-1])) + f" or {ordered[-1]}"


class ExpiredCard(InvalidInput):
    """The keyed expiry date has passed."""

    code = "expired_card"


def read_expiry(text: str, today: dt.date) -> tuple[int, int]:
    """Read a keyed expiry, month then year ("MMYY"), and check it (:func:`check_expiry`).

    Returns:
        (month, four-digit year).

    Raises:
        InvalidInput: not 4 numbers, or not a month, or too far ahead.
        ExpiredCard: in the past.
    """
    digits = "".join(text.split()).replace("/", "").replace("-", "")
    if len(digits) != 4 or not (digits.isascii() and digits.isdigit()):
        raise InvalidInput(EXPIRY_RULE, "", EXPIRY_EXAMPLE)
    month, year = int(digits[:2]), 2000 + int(digits[2:])
    check_expiry(month, year, today)
    return month, year


def check_expiry(month: int, year: int, today: dt.date) -> None:
    """A real month, this month or later (a card is good through the last day of its
    month), and at most :data:`YEARS_AHEAD` years away.

    Raises:
        InvalidInput: not a month, or too far ahead (a mistyped year).
        ExpiredCard: in the past.
    """
    if not 1 <= month <= 12:
        raise InvalidInput(
            "That is not a month.", "The first 2 numbers are the month, 01 to 12.", EXPIRY_EXAMPLE
        )
    if (year, month) < (today.year, today.month):
        raise ExpiredCard(
            "That card has expired.", "", "Please use another card, or key the date again."
        )
    if year > today.year + YEARS_AHEAD:
        raise InvalidInput(
            "That date is too far ahead.",
            "The expiry date is on the front of the card.",
            AGAIN,
        )


def read_security_code(text: str, number: CardNumber) -> str:
    """Check a keyed security code: 3 numbers, or 4 on an American Express card.

    Returns:
        The code.

    Raises:
        InvalidInput: not numbers, or the wrong count for the card's brand.
    """
    digits = "".join(text.split())
    if len(digits) != number.code_length or not (digits.isascii() and digits.isdigit()):
        raise InvalidInput(*security_code_rule(number), AGAIN)
    return digits


def security_code_rule(number: CardNumber) -> tuple[str, str]:
    """What the card's security code is, and where it is: 3 numbers on the back, or 4 on
    the front of an American Express card."""
    need = number.code_length
    where = (
        "It is on the front of the card, above the card number."
        if need == 4
        else "It is on the back of the card, by the signature."
    )
    return f"The security code of a {brand_name(number.brand)} card has {need} numbers.", where


def card_decline(card: KeyedCard, today: dt.date) -> Decline | None:
    """Why a processor refuses this card's data (None: it passes every check)."""
    try:
        number = read_card_number(card.number.digits)
        check_expiry(card.exp_month, card.exp_year, today)
        read_security_code(card.security_code, number)
    except ExpiredCard:
        return _DECLINES["expired_card"]
    except InvalidInput:
        return INVALID_CARD
    return None


class CardNotPresent(PaymentMethod):
    """The contract of a card-not-present (keyed) card processor, on top of
    :class:`PaymentMethod`: the card's number, expiry and security code are sent with
    the charge. A method is made for one keyed card, or for none: a reconciler's,
    which only looks keys up (:meth:`lookup`, :meth:`list_since`, whichever card a key
    was sent with) and voids them."""

    kind = PaymentMethodKind.CARD

    @property
    @abc.abstractmethod
    def card(self) -> KeyedCard | None:
        """The keyed card this method charges; None for a method that only looks up."""

    @abc.abstractmethod
    def charge(self, cents: int, idempotency_key: str) -> ChargeResult:
        """Send the keyed card with a charge of ``cents``.

        Returns:
            The processor's answer, naming the card by brand and last 4 only; a decline
            says why (a test card's reason, a card that fails the checks) and how to fix
            it. A repeated key gets the first answer and never charges again, whatever
            card comes with it.

        Raises:
            ChargeOutcomeUnknown: no answer in time (the money may have been taken);
                ask :meth:`lookup` later.
            InvalidInput: the method has no card (a reconciler's); nothing was sent.
        """


class KeyedCardSimulator(ProcessorRecords, CardNotPresent):
    """A card-not-present sandbox over the shared processor journal.

    Args:
        card: the keyed card to charge (None: a method that only looks up and voids).
        journal: the processor's memory of charges (shared across processes if a file).
        clock: the kiosk's clock, for the expiry check (the month of the store's zone).
        timezone: the store's zone, for "this month".
        delay_seconds: time the processor takes, per charge.
    """

    def __init__(
        self,
        card: KeyedCard | None,
        journal: ProcessorJournal | None = None,
        *,
        clock: Clock | None = None,
        timezone: str = "UTC",
        delay_seconds: float = 0.0,
    ) -> None:
        self._card = card
        self.journal = journal or ProcessorJournal()
        self.clock = clock or SystemClock()
        self.timezone = timezone
        self.delay_seconds = delay_seconds

    @property
    def card(self) -> KeyedCard | None:
        return self._card

    @property
    def description(self) -> str:
        return self._card.description if self._card is not None else "card"

    def charge(self, cents: int, idempotency_key: str) -> ChargeResult:
        card = self._card
        if card is None:
            raise InvalidInput("No card was keyed for this payment.", "", "Key the card.")
        recorded = self.journal.get(idempotency_key)
        if recorded is not None:  # a retry: the first answer stands, nothing is sent
            return recorded
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        recorded = self.journal.record_once(idempotency_key, cents, self._outcome(card))
        if not recorded.approved and recorded.decline_code == ISSUER_UNAVAILABLE.code:
            raise ChargeOutcomeUnknown("the card's bank did not answer")
        return recorded

    def _outcome(self, card: KeyedCard) -> ChargeResult:
        today = self.clock.now().astimezone(ZoneInfo(self.timezone)).date()
        decline = card_decline(card, today) or DECLINES_BY_NUMBER.get(card.number.digits)
        if card.number.digits == NO_ANSWER_NUMBER:
            decline = ISSUER_UNAVAILABLE
        if decline is not None:
            return decline.result(card.brand, card.last4)
        return ChargeResult(
            approved=True,
            processor_ref=f"cnp_{uuid.uuid4().hex[:20]}",
            brand=card.brand,
            last4=card.last4,
        )
