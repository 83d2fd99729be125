"""Install the project's Python packages from the hashed lock files, or write those files.

    python scripts/python_deps.py run     what the kiosk needs (requirements/run.txt)
    python scripts/python_deps.py test    that plus the tests' tools (requirements/test.txt)
    python scripts/python_deps.py lock    write both lock files again (make lock)

Each lock file pins every package to one version with the hashes of its files, so two
installs get the same bytes (pip's ``--require-hashes``). Its first line holds a digest
of the dependency lists in pyproject.toml it was made from. When pyproject.toml has
changed since (someone added a package and did not run ``make lock``), the lock is still
installed with its hashes, then pip adds what pyproject.toml lists beyond it, unhashed,
and this says so: run ``make lock`` and commit the two files.

Runs with the standard library only (it installs everything else).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {"run": ROOT / "requirements" / "run.txt", "test": ROOT / "requirements" / "test.txt"}
EXTRAS = {"run": [], "test": ["dev"]}
LOCKED = {"run": "runtime", "test": "runtime and dev"}
DIGEST_PREFIX = "# pyproject-dependencies-sha256: "


def dependencies(kind: str) -> list[str]:
    """The requirements pyproject.toml lists for ``kind`` (runtime, plus dev for tests)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = list(project["dependencies"])
    for extra in EXTRAS[kind]:
        listed += project["optional-dependencies"][extra]
    return sorted(listed)


def digest(kind: str) -> str:
    return hashlib.sha256(json.dumps(dependencies(kind)).encode()).hexdigest()


def locked_digest(lock: Path) -> str | None:
    if not lock.is_file():
        return None
    first = lock.read_text(encoding="utf-8").split("\n", 1)[0]
    return first.removeprefix(DIGEST_PREFIX) if first.startswith(DIGEST_PREFIX) else None


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *args], check=True)


def install(kind: str) -> int:
    lock = LOCKS[kind]
    target = "." if not EXTRAS[kind] else f".[{','.join(EXTRAS[kind])}]"
    if lock.is_file():
        pip("--require-hashes", "--no-deps", "-r", str(lock))
    if locked_digest(lock) == digest(kind):
        pip("--no-deps", "-e", ".")
        return 0
    print(
        f"python_deps: {lock.relative_to(ROOT)} does not match pyproject.toml's dependencies; "
        "installing what pyproject.toml adds without hashes. Run `make lock` and commit "
        "requirements/.",
        file=sys.stderr,
    )
    pip("-e", target)
    return 0


def write_lock(kind: str, constraint: Path | None = None) -> None:
    """``uv pip compile`` for Linux on x86-64 with Python 3.11 (a kiosk's Debian), with hashes.

    The versions already in the lock are kept (uv prefers an output file's pins), so
    ``make lock`` after a new dependency adds it and its own, and changes nothing else.
    """
    lock = LOCKS[kind]
    lock.parent.mkdir(exist_ok=True)
    command = [str(Path(sys.executable).parent / "uv"), "pip", "compile", "pyproject.toml"]
    command += [f"--extra={extra}" for extra in EXTRAS[kind]]
    command += ["--python-platform=linux", "--python-version=3.11", "--generate-hashes"]
    command += ["--quiet", "--no-header", "-o", str(lock)]
    if constraint is not None:
        command += ["--constraint", str(constraint)]
    subprocess.run(command, cwd=ROOT, check=True)
    header = (
        f"{DIGEST_PREFIX}{digest(kind)}\n"
        f"# `make lock` made this from pyproject.toml's {LOCKED[kind]} dependencies, for\n"
        "# Linux x86-64 and Python 3.11; scripts/python_deps.py installs it.\n"
    )
    pinned = lock.read_text(encoding="utf-8").replace(str(ROOT) + "/", "")
    lock.write_text(header + pinned, encoding="utf-8")


def lock() -> int:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "uv"], check=True)
    write_lock("test")
    write_lock("run", constraint=LOCKS["test"])  # the same versions as the tests ran on
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in ("run", "test", "lock"):
        print("usage: python scripts/python_deps.py run|test|lock", file=sys.stderr)
        return 2
    return lock() if argv[0] == "lock" else install(argv[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
