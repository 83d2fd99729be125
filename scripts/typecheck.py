"""mypy over the four folders as the one package they install as (``make typecheck``).

The folders ``speech/``, ``tty/`` and ``accessibility/`` are imported as ``kiosk.speech``,
``kiosk.tty`` and ``kiosk.accessibility``. mypy maps folders to module names by where they
lie and cannot follow setuptools' editable finder, so ``mypy kiosk speech tty
accessibility`` would check them as ``speech``, ``tty`` ... and find none of the imports
between them. This lays out ``.typecheck/kiosk/`` as the installed package would be, of
symbolic links to the real files (made again on every run, so new files are seen), runs
mypy on it with the settings in pyproject.toml, and prints the real paths.

    python scripts/typecheck.py [MYPY OPTIONS]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / ".typecheck"
MAPPED = {"speech": "speech", "tty": "tty", "accessibility": "accessibility"}


def lay_out() -> Path:
    """``.typecheck/kiosk``: links to kiosk/'s entries, plus the three mapped folders."""
    shutil.rmtree(TREE, ignore_errors=True)
    package = TREE / "kiosk"
    package.mkdir(parents=True)
    for entry in (ROOT / "kiosk").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, folder in MAPPED.items():
        (package / name).symlink_to(ROOT / folder, target_is_directory=True)
    return package


def real_path(line: str) -> str:
    """A mypy line about ``.typecheck/kiosk/speech/asr.py`` as ``speech/asr.py``."""
    for name, folder in MAPPED.items():
        line = line.replace(f".typecheck/kiosk/{name}/", f"{folder}/")
    return line.replace(".typecheck/kiosk/", "kiosk/")


def main(argv: list[str]) -> int:
    lay_out()
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--explicit-package-bases", *argv, ".typecheck/kiosk"]
        # Its own cache: a plain `mypy kiosk` caches kiosk.tty as missing.
        + ["--cache-dir", ".mypy_cache/typecheck"],
        cwd=ROOT,
        env={**os.environ, "MYPYPATH": str(TREE)},
        capture_output=True,
        text=True,
        check=False,
    )
    for stream, text in ((sys.stdout, done.stdout), (sys.stderr, done.stderr)):
        stream.write("".join(real_path(line) for line in text.splitlines(keepends=True)))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
