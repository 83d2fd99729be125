"""Crash points for fault-injection tests: SIGKILL this process at a named step.

The payment core calls :func:`crash_point` at every step where a crash could
lose or double money. Normally it costs one comparison against a module
constant read once at import. A crash test arms it either through the
environment of a fresh child (``KIOSK_CRASH_AT=name``, optionally
``KIOSK_CRASH_AFTER_N=3`` to die on the third time the point is reached) or,
in a forked child that already imported this module, with :func:`arm`.
SIGKILL is used because it skips every ``finally``, ``atexit`` and commit, just
like a power cut or the OOM killer.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

_CRASH_AT: str | None = os.environ.get("KIOSK_CRASH_AT") or None
_REMAINING: int = int(os.environ.get("KIOSK_CRASH_AFTER_N") or "1")
# Store faults armed with inject(): the action runs (once) when its point is reached.
_ACTIONS: dict[str, Callable[[], None]] = {}

# Every crash point the payment core and the outbox harness declare, in flow order.
CRASH_POINTS = (
    "attempt.before_commit",  # attempt row written, transaction not committed
    "attempt.after_commit",  # CREATED committed, terminal not yet asked
    "attempt.after_sent",  # SENT committed, terminal not yet asked
    "charge.after_approve",  # the processor charged; nothing recorded yet
    "charge.after_unknown",  # UNKNOWN committed after a lost answer
    "settle.before_commit",  # success/decline written, transaction not committed
    "settle.after_commit",  # success committed, customer not yet told
    "outbox.before_deliver",  # receipt picked up, not yet delivered
    "outbox.after_deliver",  # receipt delivered, not yet marked sent
)


def arm(name: str | None, after: int = 1) -> None:
    """Die at the ``after``-th pass through ``name`` (None disarms)."""
    global _CRASH_AT, _REMAINING
    _CRASH_AT = name
    _REMAINING = max(1, after)


def inject(name: str, action: Callable[[], None]) -> None:
    """Run ``action`` (e.g. lock, fill or delete the database) the next time ``name`` is reached.

    The payment goes on afterwards, into the broken store: how the kiosk copes
    is what the fault-injection tests measure.
    """
    _ACTIONS[name] = action


def clear_injections() -> None:
    _ACTIONS.clear()


def crash_point(name: str) -> None:
    """SIGKILL the current process if ``name`` is the armed crash point (or run its injected fault)."""
    global _REMAINING
    if _ACTIONS and name in _ACTIONS:
        _ACTIONS.pop(name)()
    if _CRASH_AT is None or name != _CRASH_AT:
        return
    _REMAINING -= 1
    if _REMAINING <= 0:
        os.kill(os.getpid(), signal.SIGKILL)
