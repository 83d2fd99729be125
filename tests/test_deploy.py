"""The systemd units under deploy/ as deploy/install.sh writes them, checked by systemd."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_units_install_and_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    done = subprocess.run(
        ["bash", str(REPO / "deploy" / "install.sh"), "--target", str(tmp_path)]
        + ["--user", "root", "--line"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    units = sorted(p.name for p in tmp_path.iterdir())
    assert units == [
        "kiosk-daily.service",
        "kiosk-daily.timer",
        "kiosk-line.service",
        "kiosk-screen.service",
        "kiosk-serve.service",
    ]
    for unit in tmp_path.iterdir():
        text = unit.read_text(encoding="utf-8")
        assert "@KIOSK_" not in text, unit.name
    serve = (tmp_path / "kiosk-serve.service").read_text(encoding="utf-8")
    assert f"ExecStart={REPO}/.venv/bin/kiosk serve --no-daily" in serve
    assert "TTYPath=/dev/tty1" in (tmp_path / "kiosk-screen.service").read_text(encoding="utf-8")
    verified = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr


def test_install_refuses_an_unknown_option(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(REPO / "deploy" / "install.sh"), "--targte", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "unknown option --targte" in done.stderr
