"""Everything a call needs, made before the line answers its first call.

All the calls of a line share one interpreter with PJSIP's media clock, which needs
the interpreter every 20 ms for every call's audio. Anything that holds it for long
(importing a module, loading an acoustic model, Babel reading its locale data, a
full garbage collection over everything loaded) stalls the audio of every call at
once: the first calls after start-up had 1.2 s gaps in their RTP. So all of it is
done here, once, before the line listens; then what is loaded is frozen out of the
garbage collector's reach.
"""

from __future__ import annotations

import gc
import logging
import sys
import time

import numpy as np

from kiosk.conversation.prompt import Register
from kiosk.line.session import LineConversation, SessionParts
from kiosk.line.who_calls import GREETING_TTY

log = logging.getLogger(__name__)

# The interpreter's thread switch interval (default 5 ms): a thread waiting for it (the
# media clock, for each call's frame) waits at most this long for a busy thread to let go,
# and the clock takes it twice a call every 20 ms (8 times with 4 calls).
SWITCH_INTERVAL = 0.0002
SERVICES = (
    "verification",
    "payments",
    "bills",
    "arrangements",
    "disputes",
    "reconnection",
    "assistance",
    "representative",
    "debit_authorizations",
    "receipts",
)


def warm_up(parts: SessionParts) -> float:
    """Open the store, load the recognizers and every module a call uses; returns seconds."""
    started = time.monotonic()
    services = parts.services
    services.store  # noqa: B018 - opened (and migrated) now, not during a call
    for name in SERVICES:  # each imports its module (and theirs) on first use
        getattr(services, name)
    if parts.recognizers is not None:
        parts.recognizers.fill()
    # The modules a call imports on its way, and the data they load on first use.
    import kiosk.channels.tty  # noqa: F401
    import kiosk.channels.voice  # noqa: F401
    from kiosk.tty.demodulator import StreamingDecoder
    from kiosk.tty.detect import TtyToneDetector
    from kiosk.tty.modulator import modulate

    tones = modulate(GREETING_TTY + "\n", rate=8000)
    TtyToneDetector(8000).feed(tones[:1600])
    TtyToneDetector(16000).feed(np.zeros(320, dtype=np.float32))
    # Words, not only the GA: the decoder loads its word list (pocketsphinx's dictionary,
    # 220 ms of the interpreter) at the first word it checks, a TTY caller's first word.
    StreamingDecoder(8000).feed(modulate(f"HELLO THIS IS THE KIOSK {GREETING_TTY}\n", rate=8000))
    import kiosk.payments.recovery  # noqa: F401 - the upkeep thread's, every 30 s
    from kiosk.payments.keyed_card import read_card_number
    from kiosk.payments.registry import keyed_card  # noqa: F401 - a caller's card payment

    read_card_number("4242424242424242")  # pydantic-extra-types' card checks, loaded
    import kiosk.receipts.email  # noqa: F401
    from kiosk.money import format_cents, parse_amount
    from kiosk.receipts.email import EmailMessage
    from kiosk.receipts.printer import _escpos
    from kiosk.services.outbox import OutboxWorker  # noqa: F401

    EmailMessage()["To"] = "warm@example.org"  # the e-mail header classes, on first use

    _escpos()  # a receipt's first delivery imports the printer library (and PIL, qrcode)

    format_cents(12345)  # Babel reads its locale data once
    parse_amount("$123.45")
    for register in (Register.SPOKEN, Register.TTY):
        conversation = LineConversation(parts.services, register, transfer=False)
        conversation.prompt.render(register)
        conversation.expire()
    gc.collect()
    gc.freeze()  # what is loaded now lives as long as the line: never scanned again
    sys.setswitchinterval(SWITCH_INTERVAL)
    seconds = time.monotonic() - started
    log.info("line ready in %.1f s (store, recognizers, modules)", seconds)
    return seconds


__all__ = ["SWITCH_INTERVAL", "warm_up"]
