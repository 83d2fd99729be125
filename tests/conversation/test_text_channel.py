"""`kiosk text` as a user or a script meets it: a real process, a real database file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import select

from kiosk.accessibility.timing import ScaledClock
from kiosk.channels.text import LineReader, converse
from kiosk.conversation.prompt import Register
from kiosk.conversation.session import Session
from kiosk.store.models import AttemptState, PaymentAttempt

KIOSK = str(Path(sys.executable).with_name("kiosk"))
AVA_PAYS = "1\n40152270\n72201\n2468\n2\n1\n1\nyes\n4\nno\n"


def _env(tmp_path: Path) -> dict[str, str]:
    """A kiosk of its own: data directory, no configuration file, demo accounts."""
    env = dict(
        os.environ,
        KIOSK_DATA_DIR=str(tmp_path),
        KIOSK_CONFIG=str(tmp_path / "none.toml"),
        KIOSK_DEMO="1",
    )
    env.pop("KIOSK_DATABASE_URL", None)
    return env


def _run(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = _env(tmp_path)
    return subprocess.run(
        [KIOSK, "text", *args], input=script, text=True, capture_output=True, env=env, timeout=120
    )


def test_scripted_payment_through_the_text_channel(tmp_path):
    done = _run(tmp_path, AVA_PAYS)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Step 1 of 3: Sign in" in out
    assert "You will pay $84.99 by card" in out
    assert "Your confirmation number is" in out
    assert "Goodbye" in out
    assert "2468" not in out, "the PIN is never echoed"
    assert (tmp_path / "kiosk.sqlite3").exists()
    check = subprocess.run(
        [KIOSK, "admin", "payments", "--json"],
        env=dict(os.environ, KIOSK_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
    )
    assert '"state": "succeeded"' in check.stdout and '"cents": 8499' in check.stdout


def test_tty_register_is_upper_case_with_go_ahead(tmp_path):
    done = _run(tmp_path, "1\n40152270\n72201\n2468\n7\n", "--register", "tty")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip("> ").strip()]
    assert any(line.strip().endswith("GA") for line in lines)
    assert all(line.lstrip("> ") == line.lstrip("> ").upper() for line in lines), done.stdout
    assert "SK SK" in done.stdout


def test_simple_register_uses_short_words(tmp_path):
    done = _run(tmp_path, "1\n40152270\n72201\n2468\n4\n", "--register", "simple")
    assert done.returncode == 0, done.stderr
    assert "Type your account number. It is at the top of your bill." in done.stdout
    greeting = done.stdout.index("> Hi Ava.\n")  # greeted first, then the facts
    assert (
        greeting
        < done.stdout.index("You owe $84.99.")
        < done.stdout.index("What do you want to do?")
    )


def test_input_ending_mid_session_is_not_a_normal_end(tmp_path):
    done = _run(tmp_path, "1\n40152270\n")
    assert done.returncode == 3
    assert "Your details were cleared" in done.stdout


def test_bad_answer_is_reasked_with_a_reason(tmp_path):
    done = _run(tmp_path, "1\n123\n40152270\n72201\n2468\n7\n")
    assert done.returncode == 0
    assert "That is not an account or phone number." in done.stdout


def test_silence_warns_then_ends_the_session_safely(services):
    """A user who stops answering is warned, then the session ends and is wiped."""
    read_fd, write_fd = os.pipe()
    out = io.StringIO()
    session = Session(services, Register.STANDARD, clock=ScaledClock(100))
    conversation = session.conversation
    for answer in ("1", "40152270", "72201", "2468"):
        session.answer(answer)
    assert conversation.ctx.customer is not None
    result: list[int] = []
    worker = threading.Thread(
        target=lambda: result.append(converse(session, LineReader(read_fd), out, Register.STANDARD))
    )
    started = time.monotonic()
    worker.start()
    worker.join(timeout=10)
    os.close(write_fd)
    os.close(read_fd)
    assert result == [0]
    text = out.getvalue()
    assert "Are you still there?" in text and "more time" in text
    assert "The time ran out" in text
    assert conversation.ctx.customer is None
    assert time.monotonic() - started < 5
    with services.store.sessions() as session:
        assert not list(
            session.scalars(
                select(PaymentAttempt).where(PaymentAttempt.state != AttemptState.SUCCEEDED)
            )
        )


def test_more_time_after_the_warning_keeps_the_session(services):
    read_fd, write_fd = os.pipe()
    out = io.StringIO()
    session = Session(services, Register.STANDARD, clock=ScaledClock(20))
    session.answer("1")  # the welcome waits for ever; the account step is timed
    conversation = session.conversation
    worker = threading.Thread(
        target=converse, args=(session, LineReader(read_fd), out, Register.STANDARD)
    )
    worker.start()
    time.sleep((conversation.prompt.timeout_seconds - 10) / 20)  # warned, 10 s left
    assert "Are you still there?" in out.getvalue()
    os.write(write_fd, b"more time\n")
    time.sleep(0.5)  # 10 s of the session's time: it would have ended without more time
    assert "You have more time." in out.getvalue()
    assert conversation.prompt.id == "verify_id"
    assert "The time ran out" not in out.getvalue()
    os.close(write_fd)
    worker.join(timeout=10)
    os.close(read_fd)


def _at_the_pin(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``kiosk text`` on a real pty, Ava signed in up to her PIN prompt; and its screen."""
    import pexpect

    child = pexpect.spawn(KIOSK, ["text"], env=_env(tmp_path), encoding="utf-8", timeout=60)
    child.logfile_read = screen = io.StringIO()
    for answer in ("1", "40152270", "72201"):
        child.expect("\n> ")
        child.send(answer + "\r")
    child.expect("PIN")
    child.expect("\n> ")
    return child, screen


def test_pin_is_not_echoed_on_a_real_terminal(tmp_path):
    """Issue 14: on a terminal the PIN showed as typed, under "It will not be shown".
    Through a real pty: echo off for the PIN, one * per key, Backspace works, and the
    terminal echoes again afterwards."""
    import pexpect

    child, screen = _at_the_pin(tmp_path)
    try:
        child.send("24")
        child.expect(r"\*\*")
        child.send("9\x7f68\r")  # a slip, Backspace, the rest: the PIN is 2468
        child.expect("What would you like to do")
        child.expect("\n> ")
        child.send("7\r")
        child.expect("7\r\n")  # the menu answer is echoed: the terminal is itself again
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    shown = screen.getvalue()
    after_pin_prompt = shown[shown.rindex("\n> ", 0, shown.index("What would you like")) + 3 :]
    typed = after_pin_prompt.split("\r\n", 1)[0]
    assert typed == "***\b \b**", repr(typed)


def test_a_terminal_left_at_the_pin_gets_its_echo_back_on_sigterm(tmp_path):
    """Stopped while the PIN prompt has echo off, the kiosk puts the terminal back."""
    import signal
    import termios

    import pexpect

    child, _ = _at_the_pin(tmp_path)
    try:
        deadline = time.monotonic() + 10
        while termios.tcgetattr(child.child_fd)[3] & termios.ECHO:
            assert time.monotonic() < deadline, "echo never went off for the PIN"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGTERM)
        child.expect(pexpect.EOF)
        child.wait()
        flags = termios.tcgetattr(child.child_fd)[3]
    finally:
        child.close(force=True)
    assert child.exitstatus == 128 + signal.SIGTERM
    assert flags & termios.ECHO and flags & termios.ICANON


def test_a_huge_line_is_cut_not_gathered_whole():
    """A 2 MB pasted or piped line: the reader keeps its first MAX_LINE_BYTES (so the
    answer is still refused as too long) and the next line reads normally. Before the
    limit it was gathered whole: 5 MB took 9 s and 450 MB in ``kiosk text``."""
    from kiosk.channels.text import MAX_LINE_BYTES

    read_fd, write_fd = os.pipe()
    writer = threading.Thread(
        target=lambda: (os.write(write_fd, b"9" * 2_000_000 + b"\n42.50\n"), os.close(write_fd))
    )
    writer.start()
    reader = LineReader(read_fd)
    try:
        huge = reader.readline(10)
        assert huge is not None and len(huge) == MAX_LINE_BYTES + 1 and set(huge) == {"9"}
        assert len(reader.buffer) <= 2 * MAX_LINE_BYTES + 4096
        assert reader.readline(10) == "42.50"
    finally:
        writer.join()
        os.close(read_fd)


def test_a_pin_typed_ahead_is_not_echoed(services):
    """Keys that arrive while the kiosk still works on the answer before the PIN (a quick
    typist, a busy kiosk) were echoed by the terminal before the PIN prompt turned echo
    off. Through a real pty: the ZIP typed at its prompt shows, the PIN does not."""
    import select

    master, slave = os.openpty()
    session = Session(services, Register.STANDARD)
    for answer in ("1", "40152270"):
        session.answer(answer)
    answer = session.answer

    def typed_ahead(raw: str):  # type: ignore[no-untyped-def]
        if raw == "72201":
            os.write(master, b"2468\r7\r")  # typed while the ZIP is being taken
            time.sleep(0.2)  # the terminal echoes a key as it arrives, if echo is on
        return answer(raw)

    session.answer = typed_ahead  # type: ignore[method-assign]
    os.write(master, b"72201\r")
    try:
        assert converse(session, LineReader(slave), io.StringIO(), Register.STANDARD) == 0
        # The kernel passes a terminal's echo on from a work queue, late on a busy machine
        # (a loaded run saw none within 0.2 s): wait for the ZIP's echo, then for anything after it.
        echoed, deadline = b"", time.monotonic() + 10
        while b"72201" not in echoed and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                echoed += os.read(master, 4096)
        while select.select([master], [], [], 0.5)[0]:
            echoed += os.read(master, 4096)
    finally:
        os.close(master)
        os.close(slave)
    assert b"72201" in echoed and b"2468" not in echoed, echoed


def test_ctrl_c_ends_the_session_with_the_truth_not_a_traceback(tmp_path):
    """Ctrl-C at the PIN prompt printed a KeyboardInterrupt traceback on the customer's
    terminal. Now: the money sentence, details cleared, exit 130, echo back."""
    import pexpect

    child, screen = _at_the_pin(tmp_path)
    try:
        child.send("\x03")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    shown = screen.getvalue()
    assert "Traceback" not in shown and "KeyboardInterrupt" not in shown, shown[-600:]
    assert "Stopped. Nothing was charged. Your details were cleared." in shown
    assert child.exitstatus == 130
