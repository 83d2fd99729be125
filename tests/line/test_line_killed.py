"""`kiosk line` killed (SIGKILL) in the middle of a payment, then started again.

The process dies after the processor approved the caller's keyed card and before
anything was recorded or said (the crash point ``charge.after_approve``: the worst
moment, the money is taken). The line started again settles it at start-up, `kiosk
admin reconcile` finds nothing left, the account is paid once, the line's helper
processes did not outlive it, and the next caller is answered as usual.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.devtools.sip_caller import SippCaller, free_udp_port, sipp_available
from kiosk.line.keys import BURST_GAP

AVA, AVA_ZIP, AVA_PIN = "40152270", "72201", "2468"
CARD, EXPIRY, CODE = "4242424242424242", "1230", "737"
KIOSK = str(Path(sys.executable).with_name("kiosk"))


def _children(pid: int) -> set[int]:
    """Every process ``pid`` started (its threads' children), now."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(n) for n in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


class _Line:
    def __init__(self, tmp_path: Path, port: int, environment: dict[str, str], name: str):
        self.log = tmp_path / f"{name}.log"
        rtp = 31000 + (port % 200) * 10
        command = [KIOSK, "line", "--listen", f"127.0.0.1:{port}", "--max-calls", "1"]
        command += ["--rtp-ports", f"{rtp}-{rtp + 9}"]
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                command, env=environment, stdout=output, stderr=subprocess.STDOUT
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_listening(self) -> None:
        assert _wait_for(
            lambda: "line listening on" in self.text() or self.process.poll() is not None, 180
        ), self.text()[-3000:]
        assert self.process.poll() is None, self.text()[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _press(caller: SippCaller, *entries: str) -> None:
    for entry in entries:
        for key in entry:
            caller.rtp.key(key)
    caller.rtp.wait_sent()


def _when_next_said(caller: SippCaller, keys: str, after: float = 0.3) -> None:
    """Press ``keys`` once the line says its next step (sound from it ``after`` seconds
    past the keys sent last), and a moment more: a key typed before a menu or the
    review is being said is no answer to it (kiosk.line.keys)."""
    assert caller.rtp.wait_sound_after(time.perf_counter() + after, 60), "the line went quiet"
    time.sleep(BURST_GAP + 0.3)
    _press(caller, keys)


def _attempts(database: Path) -> list[tuple[str, int, str | None]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT a.state, a.cents, a.confirmation_number FROM payment_attempts a "
            "JOIN accounts c ON c.id = a.account_id WHERE c.number = ? ORDER BY a.id",
            (AVA,),
        ).fetchall()


def test_the_line_killed_mid_payment_pays_once_and_answers_again(tmp_path):
    pytest.importorskip("pjsua2", reason="the SIP stack (pjsua2-python) is not installed")
    if not sipp_available():
        pytest.skip("SIPp is not installed (make test installs sip-tester)")
    data = tmp_path / "data"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    environment |= {"KIOSK_DATA_DIR": str(data), "KIOSK_DEMO": "1", "KIOSK_KIOSK_ID": "LINE-K"}
    port = free_udp_port()
    line = _Line(tmp_path, port, environment | {"KIOSK_CRASH_AT": "charge.after_approve"}, "first")
    caller = SippCaller(("127.0.0.1", port), workdir=tmp_path / "sipp-1")
    try:
        line.wait_listening()
        caller.start()
        assert caller.wait_answered(15), line.text()[-3000:]
        helpers = _children(line.process.pid) - {caller.process.pid if caller.process else 0}
        assert helpers, "the line's helper processes (recognizer, speech) were not found"
        _when_next_said(caller, "1", after=1.5)  # the greeting, past the GA and listening
        _press(caller, AVA + "#", AVA_ZIP + "#", AVA_PIN + "#")
        for key in "211":  # pay, the whole bill, card: each once its menu is being said
            _when_next_said(caller, key)
        _press(caller, CARD + "#", EXPIRY, CODE)
        _when_next_said(caller, "1")  # ... and yes to the review: the card is charged
        line.process.wait(180)  # killed at the crash point
        assert line.process.returncode == -signal.SIGKILL, line.text()[-3000:]
        # Each of the call's log lines names the call (its SIP Call-ID); keys, never which.
        logged = line.text()
        for said in ("incoming call answered", "key pressed", "call state CONFIRMED"):
            assert f"call={caller.call_id} kiosk.line.sip: {said}" in logged, said
        assert AVA_PIN not in logged and CARD not in logged
        # Its helpers end with it (their socket to the line closes), none left running.
        assert _wait_for(lambda: not any(_alive(pid) for pid in helpers), 20), [
            pid for pid in helpers if _alive(pid)
        ]
    finally:
        caller.close()
        line.stop()
    database = next(data.rglob("*.sqlite3"))
    assert [state for state, _, _ in _attempts(database)] == ["sent"]  # open, charged

    line = _Line(tmp_path, port, environment, "second")
    caller = SippCaller(("127.0.0.1", port), workdir=tmp_path / "sipp-2")
    try:
        line.wait_listening()
        # Settled at start-up, from the processor's record of the key: paid, once.
        assert _wait_for(lambda: "reconciled at start-up" in line.text(), 60), line.text()[-3000:]
        (state, cents, confirmation), *more = _attempts(database)
        assert (state, cents, more) == ("succeeded", 8499, []) and confirmation
        reconciled = subprocess.run(
            [KIOSK, "admin", "reconcile", "--json"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert reconciled.returncode == 0, reconciled.stderr
        report = json.loads(reconciled.stdout)
        assert report["settled"] == {} and report["unknown"] == 0 and not report["problems"]
        checked = subprocess.run(
            [KIOSK, "admin", "ledger-check"], env=environment, capture_output=True, timeout=120
        )
        assert checked.returncode == 0, checked.stdout
        # The next caller is answered and greeted.
        caller.start()
        assert caller.wait_answered(15), line.text()[-3000:]
        assert caller.rtp.wait_quiet(1.0, timeout=60)
        caller.hang_up()
        assert caller.wait(30) == 0
    finally:
        caller.close()
        line.stop()
    assert line.process.returncode == 0, line.text()[-3000:]
