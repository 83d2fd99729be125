"""The ``kiosk`` command. Sub-commands import what they need lazily, so
``kiosk --help`` and ``kiosk text`` start fast."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.settings import Settings

MODES = ("standard", "large", "contrast", "simple")
REGISTERS = ("standard", "simple", "tty")


def _command_in(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line (the first word that is not an option)."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; the tty, speech and admin sub-commands only when the command line
    names them, because their modules import numpy and scipy (seconds on a cold start) or
    cost a customer's channel time to its first words."""
    command = _command_in(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Accessible bill-payment kiosk: screen, voice, TTY and text channels.",
        epilog="Errors: 'kiosk COMMAND: error: ...' on standard error; exit 0 done, "
        "1 failed or problems found, 2 wrong command line, file or configuration.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}", help="print the version"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="full-screen kiosk (the default)")
    run.add_argument("--mode", choices=MODES, default="standard", help="display mode to start in")
    run.add_argument(
        "--speech", action="store_true", help="speak from the start (a headset turns it on too)"
    )

    text = commands.add_parser("text", help="the conversation as plain lines on stdin/stdout")
    text.add_argument(
        "--register",
        choices=REGISTERS,
        default="standard",
        help="wording: standard, simple (easy words) or tty (short capitals)",
    )

    voice = commands.add_parser("voice", help="speech only: talk and listen, keypad always works")
    voice.add_argument(
        "--engine",
        choices=("pocketsphinx", "whisper", "hybrid", "vosk"),
        default=None,
        help="speech recognizer (default: the speech_engine setting)",
    )

    tty = commands.add_parser("tty", help="TTY/TDD bridge, or encode/decode Baudot WAV files")
    tty_commands = tty.add_subparsers(dest="tty_command", metavar="TTY_COMMAND")
    if command == "tty":
        try:
            from kiosk.tty.cli import add_tty_subcommands

            add_tty_subcommands(tty_commands)
        except ImportError:  # pragma: no cover - tty package incomplete
            pass
    tty.add_argument(
        "--wav-in", help="read the caller's audio from this WAV instead of the handset"
    )
    tty.add_argument("--wav-out", help="write the kiosk's audio to this WAV instead of the handset")
    tty.add_argument(
        "--baud",
        choices=("auto", "45.45", "50"),
        default="auto",
        help="caller's speed (auto-detected)",
    )
    tty.add_argument(
        "--pause",
        type=float,
        default=4.0,
        metavar="SECONDS",
        help="end a caller's turn after this much quiet when they do not type GA",
    )
    tty.add_argument(
        "--transcript",
        metavar="FILE",
        help="offer the caller a copy of the call in FILE (written only if they type Y)",
    )

    if command == "line":  # its module is only imported for the line itself
        from kiosk.line.cli import add_line_parser

        add_line_parser(commands)
    else:
        commands.add_parser(
            "line", help="the pay-by-phone line: answer SIP calls (voice, keys, TTY)"
        )

    speech = commands.add_parser("speech", help="speech models")
    speech_commands = speech.add_subparsers(
        dest="speech_command", metavar="SPEECH_COMMAND", required=True
    )
    if command == "speech":
        try:
            from kiosk.speech.cli import add_say_and_recognize
            from kiosk.speech.model_install import add_speech_subcommands

            add_speech_subcommands(speech_commands)
            add_say_and_recognize(speech_commands)
        except ImportError:  # pragma: no cover - speech package incomplete
            pass

    db = commands.add_parser("db", help="database: upgrade the schema, seed demo accounts")
    db_commands = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    db_commands.add_parser("upgrade", help="apply migrations")
    seed = db_commands.add_parser("seed", help="add the demo accounts to an empty database")
    seed.add_argument(
        "--reset",
        action="store_true",
        help="delete the SQLite file, its payment and audit journals first (demo only)",
    )

    config = commands.add_parser("config", help="settings: show them, or check the TOML file")
    config_commands = config.add_subparsers(
        dest="config_command", metavar="CONFIG_COMMAND", required=True
    )
    if command == "config":
        from kiosk.ops.config_cli import add_config_subcommands

        add_config_subcommands(config_commands)

    serve = commands.add_parser(
        "serve", help="background upkeep: outbox, reconciler, daily job, health endpoint"
    )
    if command == "serve":
        from kiosk.ops.serve import add_serve_arguments

        add_serve_arguments(serve)

    admin = commands.add_parser(
        "admin", help="staff: payments, reports, daily job, receipts, reconcile, ledger, audit"
    )
    admin_commands = admin.add_subparsers(
        dest="admin_command", metavar="ADMIN_COMMAND", required=True
    )
    if command == "admin":  # its module costs ~15 ms, a customer's channel does not wait
        from kiosk.admin import add_admin_subcommands
        from kiosk.ops.admin_cli import add_operations_subcommands

        add_admin_subcommands(admin_commands)
        add_operations_subcommands(admin_commands)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("accessible-kiosk")
    except PackageNotFoundError:  # pragma: no cover - run from sources not installed
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    try:
        return _dispatch(args)
    except ValueError as error:  # kiosk.settings is not imported here: it costs start-up time
        from kiosk.exits import EXIT_USAGE, fail
        from kiosk.settings import ConfigError

        if not isinstance(error, ConfigError):
            raise
        return fail("", f"{error} (see: kiosk config check)", EXIT_USAGE)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "run"
    if command == "run":
        from kiosk.ui.app import run_app

        return run_app(
            mode=getattr(args, "mode", "standard"), speech=getattr(args, "speech", False)
        )
    if command == "text":
        from kiosk.channels.text import run_text_channel

        return run_text_channel(register=args.register)
    if command == "voice":
        from kiosk.channels.voice import run_voice_channel

        return run_voice_channel(engine=args.engine)
    if command == "tty":
        if args.tty_command:
            return int(args.handler(args))
        from kiosk.channels.tty import TtyOptions, run_tty_channel

        baud = "auto" if args.baud == "auto" else float(args.baud)
        options = TtyOptions(baud=baud, pause_seconds=args.pause, transcript=args.transcript)
        return run_tty_channel(wav_in=args.wav_in, wav_out=args.wav_out, options=options)
    if command == "line":
        from kiosk.line.cli import run_line

        return run_line(args)
    if command == "db":
        return _db(args)
    if command == "admin":
        return _admin(args)
    return int(args.handler(args))


def _admin(args: argparse.Namespace) -> int:
    """An admin command; a store that cannot be used (locked by another process, full,
    damaged, a server that is down) is one error line and exit 1, not a traceback."""
    try:
        return int(args.handler(args))
    except Exception as error:
        from kiosk.exits import fail
        from kiosk.store.health import is_store_failure, unusable_message

        if not is_store_failure(error):
            raise
        return fail("admin", unusable_message(error))


def _history_of_the_database(settings: Settings) -> list[Path]:
    """The files kept beside a database that tell its history: the payment journal (from
    which reconcile re-creates lost payments), the simulated processor's journal and bill
    escrow, and the audit chain's head file. A reset database starts without them, or the
    old demo's payments come back into the new one and its audit chain reads as cut."""
    from kiosk.payments.payment_journal import PaymentJournal
    from kiosk.services.keys import audit_head_path
    from kiosk.settings import data_dir

    return [
        PaymentJournal.for_settings(settings).path,
        data_dir() / f"processor-{settings.kiosk_id}.sqlite3",
        audit_head_path(settings),
    ]


def _db(args: argparse.Namespace) -> int:
    from kiosk.settings import get_settings
    from kiosk.store import migrate
    from kiosk.store.db import make_engine
    from kiosk.store.seed import seed_if_empty
    from kiosk.store.store import open_store

    settings = get_settings()
    url = settings.effective_database_url()
    if args.db_command == "upgrade":
        ran = migrate.upgrade(make_engine(url, create=True))
        print("Schema upgraded." if ran else "Schema already up to date.")
        return 0
    if args.reset and url.startswith("sqlite:///"):
        for path in (Path(url.removeprefix("sqlite:///")), *_history_of_the_database(settings)):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = open_store(settings, seed=False, create=True)  # asked for: create, migrate, seed
    try:
        seeded = seed_if_empty(store)
    finally:
        store.dispose()  # folds the WAL back into the file, so a copy of it is whole
    print("Demo accounts added." if seeded else "Accounts already exist; nothing added.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
