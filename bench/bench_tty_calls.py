"""Line time of whole TTY payments: the kiosk's turns and the caller's typing, as FSK.

Issue 16: a whole TTY payment must take at most 2 minutes of line time. Each scripted
caller (Ava's ordinary payment, Ben's past-due amount, Ben's $50 partial payment below
the amount that stops his disconnection, Carmen's reconnection) talks to the real TTY
channel (``TtyChannel``) over real FSK audio both ways: the kiosk's messages are
modulated by the project's modem (45.45 baud, 2 stop bits, a shift code re-sent after
each space) and decoded by the caller, the caller's lines ("2 GA") are modulated and
decoded by the channel. Line time is the length of all that audio (the caller's reading
and thinking pauses are not line time). Each row also gives the Baudot codes the kiosk
sent, and the call's longest message.

Run: ``.venv/bin/python bench/bench_tty_calls.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass

from kiosk.tty import baudot

TARGET_MINUTES = 2.0
SIGN_IN = {
    "ava": ["40152270 GA", "72201 GA", "2468 GA"],
    "ben": ["40152271 GA", "35203 GA", "1357 GA"],
    "carmen": ["40152272 GA", "27601 GA", "8642 GA"],
}
CALLS = {
    # menu 2 pay, the whole bill, card, yes, no receipt, nothing else
    "Ava, her bill": SIGN_IN["ava"] + ["2 GA", "1 GA", "1 GA", "Y GA", "4 GA", "N GA"],
    # menu 2 pay, the past-due amount (stops the cut-off), card, yes
    "Ben, past due $95.00": SIGN_IN["ben"] + ["2 GA", "1 GA", "1 GA", "Y GA", "4 GA", "N GA"],
    # another amount, $50 (below the $95 that stops the cut-off: warned twice), card
    "Ben, $50 partial": SIGN_IN["ben"] + ["2 GA", "3 GA", "50 GA", "1 GA", "Y GA", "4 GA", "N GA"],
    # menu 8 service back on, pay now, card, yes
    "Carmen, reconnection": SIGN_IN["carmen"] + ["8 GA", "1 GA", "1 GA", "Y GA", "4 GA", "N GA"],
}


@dataclass
class Call:
    name: str
    kiosk_s: float
    caller_s: float
    codes: int
    longest: str
    paid: bool

    @property
    def minutes(self) -> float:
        return (self.kiosk_s + self.caller_s) / 60


def run_call(name: str, lines: list[str]) -> Call:
    """One scripted call on a fresh seeded store (the tests' fixed clock)."""
    from kiosk.channels.tty import TtyChannel
    from kiosk.clock import FixedClock
    from kiosk.conversation.engine import Conversation
    from kiosk.conversation.prompt import Register
    from kiosk.conversation.services import Services
    from kiosk.devtools.tty_caller import ScriptedCaller
    from kiosk.settings import Settings
    from kiosk.store.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(
            Settings(database_url=f"sqlite:///{tmp}/k.sqlite3"), FixedClock(), seed=True
        )
        try:
            caller = ScriptedCaller(list(lines))
            sent: list[str] = []
            channel = TtyChannel(
                Conversation(Services(store), Register.TTY),
                caller,
                on_text=lambda side, text: sent.append(text) if side == "kiosk" else None,
            )
            channel.run()
        finally:
            store.dispose()
    heard = "\n".join(caller.heard)
    return Call(
        name,
        caller.kiosk_seconds,
        caller.caller_seconds,
        sum(len(baudot.encode(text + "\n")) for text in sent),
        max(sent, key=lambda text: len(baudot.encode(text))),
        "CONFIRMATION" in heard and not caller.lines,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each call's longest message")
    args = parser.parse_args(argv)
    calls = [run_call(name, lines) for name, lines in CALLS.items()]
    print(f"TTY payments, line time at 45.45 baud (target <= {TARGET_MINUTES:.1f} min)")
    print(f"{'call':24} {'kiosk s':>8} {'caller s':>9} {'codes':>6} {'min':>6}  target")
    missed = 0
    for call in calls:
        ok = call.paid and call.minutes <= TARGET_MINUTES
        missed += not ok
        print(
            f"{call.name:24} {call.kiosk_s:8.1f} {call.caller_s:9.1f} {call.codes:6d} "
            f"{call.minutes:6.2f}  {'ok' if ok else 'MISS'}{'' if call.paid else ' (not paid)'}"
        )
        if args.show:
            print("    longest: " + call.longest.replace("\n", " / "))
    print(f"targets missed: {missed}")
    return 0 if missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
