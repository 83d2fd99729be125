"""Confirmation and reference numbers derived from record ids, with a Damm check digit.

Derived, not random, so a reprint or a retry always shows the same number;
the Damm digit catches every single-digit typo and every swap of neighbours
when a customer reads the number to an agent. Payments have nine digits; a
plan, a dispute or a call-back request has ten (its kind digit first), so no
reference can be taken for a payment's number or for another kind's.
"""

from __future__ import annotations

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> int:
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return interim


def confirmation_number(attempt_id: int) -> str:
    """Nine digits: the attempt id padded to eight, then the check digit."""
    body = f"{attempt_id:08d}"
    return body + str(damm_digit(body))


def is_valid_confirmation(number: str) -> bool:
    return number.isdigit() and len(number) >= 2 and damm_digit(number) == 0


def payment_reference(idempotency_key: str) -> str:
    """Eight digits (four, a space, four) a customer quotes for a payment still being checked.

    Derived from the idempotency key, not the attempt id, so it stays the same
    when the attempt's database row is lost and rebuilt from the payment journal.
    """
    import hashlib

    number = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    digits = f"{number % 10**8:08d}"
    return f"{digits[:4]} {digits[4:]}"


REFERENCE_KINDS = {"plan": "1", "dispute": "2", "callback": "3"}


def reference_number(kind: str, record_id: int) -> str:
    """Ten digits: the kind's digit, the record id padded to eight, then the check digit.

    Raises:
        KeyError: an unknown kind.
    """
    body = f"{REFERENCE_KINDS[kind]}{record_id:08d}"
    return body + str(damm_digit(body))


def parse_reference(number: str) -> tuple[str, int] | None:
    """(kind, record id) of a valid reference number, or None (typo, or not a reference)."""
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) != 10 or not is_valid_confirmation(digits):
        return None
    kinds = {digit: kind for kind, digit in REFERENCE_KINDS.items()}
    kind = kinds.get(digits[0])
    return (kind, int(digits[1:9])) if kind else None


def digit_groups(number: str) -> list[str]:
    """How a number is shown and read: groups of three, a last group of four for ten digits
    (a phone number's rhythm), so no group is a single digit."""
    if len(number) == 10:
        return [number[:3], number[3:6], number[6:]]
    return [number[i : i + 3] for i in range(0, len(number), 3)]
