"""Account PINs: argon2id hashes, constant-time verification (argon2-cffi)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    # argon2id with OWASP's first recommended parameter set (19 MiB, 2 passes, 1 lane):
    # memory-hard enough for 4-digit PINs behind a lockout, and small enough that a
    # kiosk process stays well under its memory budget while checking a PIN.
    return PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def hash_pin(pin: str) -> str:
    return _hasher().hash(pin)


def pin_matches(pin_hash: str, pin: str) -> bool:
    """True if ``pin`` matches; the comparison inside argon2 is constant time."""
    try:
        return _hasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Checked when an account is unknown, so timing does not reveal whether it exists."""
    return hash_pin("not-a-pin")
