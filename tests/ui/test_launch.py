"""The kiosk starts from the repository root the way the README says
(``.venv/bin/kiosk run``), in a real terminal (tmux), and shows the welcome
step. Also proves the standard library's ``tty`` (imported by Textual's
driver) is not shadowed by the project's ``tty/`` folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KIOSK = Path(sys.executable).parent / "kiosk"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def capture(socket: str, target: str) -> str:
    return subprocess.run(
        ["tmux", "-L", socket, "capture-pane", "-p", "-t", target],
        capture_output=True,
        text=True,
        check=False,
    ).stdout


def wait_for(socket: str, target: str, text: str, timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(socket, target)
        if text in screen:
            return screen
        time.sleep(0.25)
    raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")


def start_in_tmux(command: str) -> tuple[str, str]:
    socket = (
        f"kiosk-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # our own server, stopped by the test
    )
    target = "kiosk"
    subprocess.run(
        ["tmux", "-L", socket, "new-session", "-d", "-s", target, "-x", "100", "-y", "30"]
        + ["-c", str(REPO), command],
        check=True,
    )
    return socket, target


def test_kiosk_run_from_the_repository_root_shows_welcome(tmp_path: Path) -> None:
    socket, target = start_in_tmux(f"env KIOSK_DEMO=1 KIOSK_DATA_DIR={tmp_path} {KIOSK} run")
    try:
        screen = wait_for(socket, target, "Welcome. Here you can pay your bill")
        assert "1  Start" in screen and "F1 ? Help" in screen
        for _attempt in range(3):  # as a person would, press again if nothing happened
            subprocess.run(["tmux", "-L", socket, "send-keys", "-t", target, "1"], check=True)
            try:
                screen = wait_for(socket, target, "Enter your account number", timeout=10)
                break
            except AssertionError:
                continue
        screen = wait_for(socket, target, "Step 1 of 3 — Sign in", timeout=10)
        assert "Traceback" not in screen
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)


def test_launcher_script_starts_the_kiosk_in_large_mode(tmp_path: Path) -> None:
    """Outside a Linux console or X display the launcher says what it skipped and starts."""
    launcher = REPO / "scripts" / "kiosk-launcher.sh"
    command = f"env -u DISPLAY KIOSK_DATA_DIR={tmp_path} KIOSK_BIN={KIOSK} {launcher} --mode large"
    socket, target = start_in_tmux(command)
    try:
        screen = wait_for(socket, target, "Welcome. Here you can pay your bill")
        # Large mode: each button marked with a bar and a blank row apart (at 100x30 the
        # tall buttons shrink to one row, so every option stays on screen).
        assert "█   1  Start" in screen and "█   4  Simple mode" in screen
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)


def test_the_kiosk_ends_when_its_terminal_goes_away(tmp_path: Path) -> None:
    """Its window closed under a parent that keeps the hang-up signal from it (as ``make
    run`` does, or ``nohup``): the kiosk must end, not spin on the dead terminal."""
    pid_file = tmp_path / "kiosk.pid"
    command = (
        f'sh -c \'trap "" HUP; echo $$ > {pid_file}; '
        f"exec env KIOSK_DEMO=1 KIOSK_DATA_DIR={tmp_path} {KIOSK} run'"
    )
    socket, target = start_in_tmux(command)
    pid = 0
    try:
        wait_for(socket, target, "Welcome. Here you can pay your bill")
        pid = int(pid_file.read_text())
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)
        deadline = time.monotonic() + 20
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not Path(f"/proc/{pid}").exists(), "the kiosk kept running without a terminal"
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)
        if pid and Path(f"/proc/{pid}").exists():
            os.kill(pid, 9)  # the process this test started
