"""Package layout: one import root ``kiosk``; the folder ``tty/`` never hides the standard
library's ``tty`` module (which Textual's Linux driver imports), even from the repository root."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STDLIB_TTY = str(Path(sysconfig.get_path("stdlib")) / "tty.py")


def python_in_repo_root(code: str) -> subprocess.CompletedProcess[str]:
    """``python -c CODE`` with the repository root as the working directory (first on sys.path)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_import_tty_from_the_repo_root_is_the_standard_library() -> None:
    done = python_in_repo_root(
        "import os, sys, termios, tty\n"
        "assert sys.path[0] == ''\n"
        "print(tty.setraw.__code__.co_filename)\n"
        "leader, follower = os.openpty()\n"
        "tty.setraw(follower)\n"
        "print(bool(termios.tcgetattr(follower)[3] & termios.ICANON))\n"
    )
    assert done.returncode == 0, done.stderr
    where, canonical = done.stdout.split()
    assert where == STDLIB_TTY
    assert canonical == "False"  # setraw really switched the terminal to raw mode


def test_textual_linux_driver_imports_from_the_repo_root() -> None:
    done = python_in_repo_root(
        "import textual.drivers.linux_driver as d, tty; print(tty.setcbreak.__code__.co_filename)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == STDLIB_TTY


def test_kiosk_tty_is_the_projects_package() -> None:
    import kiosk.tty
    import kiosk.tty.baudot

    assert Path(kiosk.tty.__file__).parent == REPO / "tty"
    assert Path(kiosk.tty.baudot.__file__).parent == REPO / "tty"
    assert not hasattr(kiosk.tty, "setraw")


def test_built_package_maps_folders_into_kiosk(tmp_path: Path) -> None:
    """What a wheel carries (setuptools build_py on a copy of the sources)."""
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("kiosk", "tty", "speech", "accessibility"):
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    built = tmp_path / "lib"
    done = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(built)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in built.iterdir()) == ["kiosk"]  # one import root, no "tty"
    for folder in ("tty", "speech", "accessibility"):
        expected = {p.name for p in (REPO / folder).glob("*.py")}
        assert expected <= {p.name for p in (built / "kiosk" / folder).glob("*.py")}, folder
    migrations = built / "kiosk" / "store" / "migrations"
    assert (migrations / "env.py").is_file()  # without them a wheel could not migrate
    assert list((migrations / "versions").glob("0001_*.py"))
