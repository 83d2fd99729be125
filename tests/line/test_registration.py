"""`kiosk line` registers at a registrar with digest credentials read from a file.

SIPp plays the registrar (kiosk/devtools/sipp/registrar.xml): it challenges the first
REGISTER with a 401 and checks the digest of the second against the user and password
it was given, answering 200 only when they match.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.devtools.sip_caller import free_udp_port, sipp_available

REGISTRAR = Path(__file__).parents[2] / "kiosk" / "devtools" / "sipp" / "registrar.xml"
USER, PASSWORD = "kiosk7", "pw-Zq81-not-on-argv"


def test_the_line_registers_with_a_password_from_a_file(tmp_path):
    pytest.importorskip("pjsua2", reason="the SIP stack (pjsua2-python) is not installed")
    if not sipp_available():
        pytest.skip("SIPp is not installed (make test installs sip-tester)")
    registrar_port, line_port = free_udp_port(), free_udp_port()
    registrar = subprocess.Popen(
        ["sipp", "-sf", str(REGISTRAR), "-i", "127.0.0.1", "-p", str(registrar_port)]
        + ["-m", "1", "-key", "user", USER, "-key", "password", PASSWORD]
        + ["-trace_msg", "-message_file", str(tmp_path / "registrar.log")]
        + ["-timeout", "60s", "-nostdin"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    secret = tmp_path / "sip-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    log = tmp_path / "line.log"
    rtp = 30000 + (line_port % 200) * 10
    command = [str(Path(sys.executable).with_name("kiosk")), "line"]
    command += ["--listen", f"127.0.0.1:{line_port}", "--max-calls", "1"]
    command += ["--rtp-ports", f"{rtp}-{rtp + 9}"]
    environment = {
        **os.environ,
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "KIOSK_DEMO": "1",
        "KIOSK_LINE_REGISTRAR": f"sip:127.0.0.1:{registrar_port}",
        "KIOSK_LINE_USER": USER,
        "KIOSK_LINE_PASSWORD_FILE": str(secret),
    }
    environment.pop("KIOSK_LINE_PASSWORD", None)
    with log.open("w") as output:
        line = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        registrar_exit = registrar.wait(90)
        end = time.monotonic() + 10
        while "registration: 200" not in log.read_text() and time.monotonic() < end:
            time.sleep(0.1)
        text = log.read_text()
    finally:
        line.send_signal(signal.SIGTERM)
        line.wait(20)
        if registrar.poll() is None:
            registrar.kill()
    assert registrar_exit == 0, (tmp_path / "registrar.log").read_text()[-2000:]
    messages = (tmp_path / "registrar.log").read_text()
    assert "401 Unauthorized" in messages and 'Authorization: Digest username="kiosk7"' in messages
    assert "registration: 200" in text, text[-2000:]
    assert PASSWORD not in text and PASSWORD not in messages  # only its digest went out
    assert all(PASSWORD not in part for part in command)
