"""Shared fixtures: a real store on SQLite (a file) and on a real PostgreSQL server."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import io
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from kiosk.clock import FixedClock
from kiosk.devtools.postgres_server import PostgresServer, find_bin_dir
from kiosk.settings import Settings
from kiosk.store.store import Store, open_store

START = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
_db_counter = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    """Every process of the run (each xdist worker too) keeps its data in a temporary
    directory, set before any fixture of any scope: module- and session-wide fixtures
    (the line, the crash campaign, the fuzzer) run before the per-test directory below
    and wrote payment journals and audit heads into the user's own data directory (on a
    kiosk: beside its real journal)."""
    path = tempfile.mkdtemp(prefix="kiosk-test-data-")
    os.environ["KIOSK_DATA_DIR"] = path
    atexit.register(shutil.rmtree, path, ignore_errors=True)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Each test's simulator journals and payment journal in a directory of its own,
    never the user's data directory (shared by every test run on the machine)."""
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (make test installs it)")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def make_settings(url: str, **overrides: object) -> Settings:
    return Settings(database_url=url, kiosk_id="TEST-KIOSK", **overrides)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path, clock: FixedClock) -> Iterator[Store]:
    """A migrated, seeded store on each database back end (a copy of a seeded template)."""
    if request.param == "sqlite":
        path = tmp_path / "kiosk.sqlite3"
        shutil.copyfile(request.getfixturevalue("seeded_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        template: str = request.getfixturevalue("seeded_postgres_template")
        url = server.create_database(f"test_{next(_db_counter)}", template=template)
    opened = open_store(make_settings(url), clock)
    yield opened
    opened.dispose()


@pytest.fixture(scope="session")
def seeded_postgres_template(postgres: PostgresServer) -> str:
    """One migrated, seeded PostgreSQL database that each test's database is copied from."""
    name = "kiosk_seeded_template"
    opened = open_store(make_settings(postgres.create_database(name)), FixedClock(START), seed=True)
    opened.dispose()  # CREATE DATABASE ... TEMPLATE needs the template to have no sessions
    return name


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, seeded SQLite file; tests get a copy (seeding hashes PINs slowly)."""
    path = tmp_path_factory.mktemp("template") / "kiosk.sqlite3"
    opened = open_store(make_settings(f"sqlite:///{path}"), FixedClock(START), seed=True)
    opened.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def seeded_now_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded SQLite file for a kiosk run as a process, on the real clock: seeded at
    the real time, so Ava's bill is due in 10 days as the README says. The fixed-clock
    template, read on the real clock, grows older every day (after December 5, 2026,
    all of Ava's bill was past due and 'full balance' was no longer offered)."""
    path = tmp_path_factory.mktemp("template-now") / "kiosk.sqlite3"
    opened = open_store(make_settings(f"sqlite:///{path}"), seed=True)
    opened.dispose()
    return path


@pytest.fixture
def sqlite_store(tmp_path, clock: FixedClock, seeded_sqlite_template: Path) -> Iterator[Store]:
    """A store on its own copy of the seeded SQLite file."""
    path = tmp_path / "kiosk.sqlite3"
    shutil.copyfile(seeded_sqlite_template, path)
    opened = open_store(make_settings(f"sqlite:///{path}"), clock)
    yield opened
    opened.dispose()


def run_kiosk(
    args: list[str] | tuple[str, ...], env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``kiosk ARGS`` run by :func:`kiosk.cli.main` in this process, as a new process would
    run it: only the ``KIOSK_*`` variables of ``env``, settings and the key read afresh,
    JSON log lines on standard error, an empty standard input, standard output and error captured,
    and the exit handlers the command registered (closing its store) run at its end.

    A ``kiosk`` process costs about a second of imports, and the commands' output, exit
    codes and files are what the operator tests check; the console script itself, and
    the commands that are processes (``kiosk serve``: signals, ports), are run as real
    processes in ``tests/test_ops_cli.py``.
    """
    import structlog

    from kiosk import cli
    from kiosk.logging import configure as configure_logging
    from kiosk.services import keys
    from kiosk.settings import get_settings

    exit_handlers: list[tuple[Callable[..., object], tuple[object, ...], dict[str, object]]] = []

    def register(func: Callable[..., object], *a: object, **kw: object) -> Callable[..., object]:
        exit_handlers.append((func, a, kw))
        return func

    out, err = io.StringIO(), io.StringIO()
    logging_before = structlog.get_config() if structlog.is_configured() else None
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("KIOSK_")]:
            patch.delenv(name)
        for name, value in env.items():
            if name.startswith("KIOSK_") or os.environ.get(name) != value:
                patch.setenv(name, value)
        if cwd is not None:
            patch.chdir(cwd)
        patch.setattr(atexit, "register", register)
        patch.setattr(keys, "_loaded", {})
        patch.setattr(sys, "stdin", io.StringIO(""))
        configure_logging()  # as a new process's first import of a kiosk module that logs
        get_settings.cache_clear()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = cli.main(list(args))
                except SystemExit as exit_:
                    code = _exit_status(exit_.code, err)
                finally:
                    for func, a, kw in reversed(exit_handlers):
                        func(*a, **kw)
        finally:
            get_settings.cache_clear()
            if logging_before is None:
                structlog.reset_defaults()
            else:
                structlog.configure(**logging_before)
    return subprocess.CompletedProcess(["kiosk", *args], code, out.getvalue(), err.getvalue())


def _exit_status(code: object, stderr: io.StringIO) -> int:
    """The status ``sys.exit(code)`` gives a process: None is 0, a message is printed and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)
    return 1


# The longest test files, longest first (summed test time, measured on 2 cores with
# `pytest -n 2 --dist loadfile --junitxml`). `make test` hands whole files to its two
# workers in collection order (--no-loadscope-reorder), so these go first and the many
# short files fill in at the end; by default xdist sends the files with the most tests
# first, which left one-test files of one to three minutes (a TTY call at 45 baud, a
# real-time voice payment) for the end while the other worker had nothing left to do.
LONGEST_FIRST = (
    "tests/speech/test_asr_pocketsphinx.py",
    "tests/line/test_keypad_calls.py",
    "tests/ui/test_snapshots.py",
    "tests/line/test_tty_call.py",
    "tests/voice/test_channel.py",
    "tests/conversation/test_every_step.py",
    "tests/voice/test_realtime.py",
    "tests/payments/test_cash_escrow.py",
    "tests/speech/test_asr_whisper.py",
    "tests/ui/test_screen_behaviour.py",
    "tests/line/test_line_payments_at_once.py",
    "tests/conversation/test_text_channel.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest files first (a stable sort: each file's own order is kept)."""
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
