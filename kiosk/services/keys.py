"""The kiosk's secret key, kept outside the database.

It keys the audit chain (HMAC), so someone who can write the database cannot
recompute the chain after an edit, and it turns identifiers that match no account
into keyed digests for their lockout rows, so the database never holds a raw phone
or account number that someone only guessed. A fleet that shares one database sets
the same key on every kiosk (``secret_key``); otherwise each kiosk makes its own
key file in its data directory (``secret_key_file`` names another place).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from contextlib import suppress
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.settings import Settings, data_dir

KEY_FILE = "kiosk.key"
_loaded: dict[str, bytes] = {}


class KeyUnavailable(KioskError):
    """The key file can be neither read nor made: nothing is audited without it."""

    code = "key_unavailable"


def audit_head_path(settings: Settings) -> Path:
    """Where this kiosk's audit chain heads are appended: ``audit_head_file``, or one
    file per kiosk in the data directory."""
    if settings.audit_head_file:
        return Path(settings.audit_head_file)
    return data_dir() / f"audit-head-{settings.kiosk_id}.jsonl"


def pin_paths(settings: Settings) -> Settings:
    """``settings`` with the key file and the head file named, not left to the data
    directory of the moment: a store keeps one key and one head file for its life."""
    update: dict[str, str] = {}
    if not settings.secret_key and not settings.secret_key_file:
        update["secret_key_file"] = str(key_path(settings))
    if not settings.audit_head_file:
        update["audit_head_file"] = str(audit_head_path(settings))
    return settings.model_copy(update=update) if update else settings


def key_path(settings: Settings) -> Path:
    return Path(settings.secret_key_file) if settings.secret_key_file else data_dir() / KEY_FILE


def kiosk_key(settings: Settings) -> bytes:
    """The key: the ``secret_key`` setting, else the key file (made on first use, 0600).

    Raises:
        KeyUnavailable: the file cannot be read or made.
    """
    if settings.secret_key:
        return settings.secret_key.encode()
    path = key_path(settings)
    cached = _loaded.get(str(path))
    if cached is not None:
        return cached
    try:
        key = _read_or_make(path)
    except OSError as error:
        raise KeyUnavailable(
            "The kiosk's secret key cannot be read or made.",
            f"{path}: {error.strerror or error}",
            "Staff: make the data directory writable, or set secret_key_file or secret_key.",
        ) from error
    _loaded[str(path)] = key
    return key


def _read_or_make(path: Path) -> bytes:
    """Read the key, or make it atomically: a second kiosk process racing this one
    reads the same key, never a half-written file."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with suppress(FileExistsError):  # another process made it first: theirs it is
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def keyed_digest(settings: Settings, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` for one ``purpose`` ("identifier", "audit"), as hex."""
    message = f"{purpose}\0{value}".encode()
    return hmac.new(kiosk_key(settings), message, hashlib.sha256).hexdigest()
