"""Package layout: one import root ``kiosk``; the folder ``tty/`` never hides the standard
library's ``tty`` module (which Textual's Linux driver imports), even from the repository root."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
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

    assert not (REPO / "tty" / "__init__.py").exists()  # a namespace folder, no shim
    assert list(kiosk.tty.__path__) == [str(REPO / "tty")]
    assert Path(kiosk.tty.baudot.__file__).parent == REPO / "tty"
    assert not hasattr(kiosk.tty, "setraw")


def _source_files() -> dict[str, Path]:
    """Every file a wheel must carry, by its path in the wheel (``kiosk/tty/baudot.py``)."""
    folders = {"kiosk": "kiosk", "speech": "kiosk/speech", "tty": "kiosk/tty"}
    folders["accessibility"] = "kiosk/accessibility"
    files: dict[str, Path] = {}
    for folder, installed in folders.items():
        for path in (REPO / folder).rglob("*"):
            wanted = path.suffix in (".py", ".tcss", ".mako") and "__pycache__" not in path.parts
            if wanted and path.is_file():
                files[f"{installed}/{path.relative_to(REPO / folder).as_posix()}"] = path
    return files


def test_wheel_maps_folders_into_kiosk(tmp_path: Path) -> None:
    """What a wheel carries, built by pip from pyproject.toml alone (there is no setup.py),
    and that it imports: ``kiosk.tty`` from a namespace folder, the standard ``tty`` intact."""
    assert not (REPO / "setup.py").exists()
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("kiosk", "tty", "speech", "accessibility"):
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"kiosk"}
    missing = sorted(set(_source_files()) - names)
    assert not missing, f"add their packages to [tool.setuptools] in pyproject.toml: {missing}"
    assert "kiosk/tty/__init__.py" not in names
    imported = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            "import kiosk, kiosk.tty.baudot as b, tty, sys; "
            "print(kiosk.__file__, b.__file__, tty.__file__, kiosk._NamespaceFolderFinder in sys.meta_path)",
        ],
        env={"PYTHONPATH": str(tmp_path / "site")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    package, baudot, stdlib_tty, finder = imported.stdout.split()
    site = tmp_path / "site" / "kiosk"
    assert (package, baudot) == (str(site / "__init__.py"), str(site / "tty" / "baudot.py"))
    assert stdlib_tty == STDLIB_TTY
    assert finder == "False"  # the editable install's finder is not needed in a wheel
