"""Account PINs: argon2id hashes, constant-time verification (argon2-cffi)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's recommended parameters


def hash_pin(pin: str) -> str:
    return _hasher().hash(pin)


def pin_matches(pin_hash: str, pin: str) -> bool:
    """True if ``pin`` matches; the comparison inside argon2 is constant time."""
    try:
        return _hasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when an account is unknown, so timing does not reveal whether it exists.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$1cGyk9lNVUl8qbBbLXmvRPvPm1xu0R0TfMByzP3xJEA"
