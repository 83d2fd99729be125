"""Confirmation numbers derived from the payment attempt id, with a Damm check digit.

Derived, not random, so a reprint or a retry always shows the same number;
the Damm digit catches every single-digit typo and every swap of neighbours
when a customer reads the number to an agent.
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
