"""``kiosk config show|check|sample``: the settings a kiosk runs with, and where each came from.

A typo in ``kiosk.toml`` (``reconection_fee_cents``) would otherwise be ignored and the
default used without a word; ``check`` makes every unknown key and every bad value an
error, naming the closest valid key.
"""

from __future__ import annotations

import argparse
import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail
from kiosk.settings import ConfigError, Settings, config_file, read_config_file


def add_config_subcommands(commands: Any) -> None:
    show = commands.add_parser("show", help="every setting's value and where it came from")
    show.add_argument("--json", action="store_true", help="one JSON object for machines")
    show.set_defaults(handler=_show)

    check = commands.add_parser(
        "check", help="the TOML file and KIOSK_* variables: unknown keys and bad values"
    )
    check.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="TOML file to check (default: KIOSK_CONFIG or kiosk.toml in the config directory)",
    )
    check.set_defaults(handler=_check)

    sample = commands.add_parser("sample", help="print a commented kiosk.toml with every default")
    sample.set_defaults(handler=_sample)


@dataclass(frozen=True)
class Problem:
    key: str
    message: str


def unknown_keys(values: dict[str, Any]) -> list[Problem]:
    """Keys that are no setting, each with the closest setting's name when one is close."""
    from rapidfuzz import process

    known = list(Settings.model_fields)
    problems = []
    for key in values:
        if key in Settings.model_fields:
            continue
        match = process.extractOne(key, known, score_cutoff=70)
        hint = f"; did you mean {match[0]!r}?" if match else ""
        problems.append(Problem(key, f"unknown setting {key!r}{hint}"))
    return problems


def bad_values(values: dict[str, Any]) -> list[Problem]:
    """Values of known settings that pydantic refuses, each with its reason.

    Settings() also reads the other layers (KIOSK_CONFIG's file, KIOSK_* variables):
    their errors are left to the check of that layer, so none is blamed on the wrong one.
    """
    from pydantic import ValidationError

    known = {key: value for key, value in values.items() if key in Settings.model_fields}
    try:
        Settings.model_validate(known)
    except ValidationError as error:
        return [
            Problem(
                str(item["loc"][0]),
                f"{'.'.join(str(p) for p in item['loc'])} = {item.get('input')!r}: {item['msg']}",
            )
            for item in error.errors()
            if item["loc"] and item["loc"][0] in known
        ]
    return []


def check_file(path: Path) -> list[Problem]:
    """Every problem in one TOML settings file (:class:`ConfigError` if unreadable)."""
    values = read_config_file(path)
    return unknown_keys(values) + bad_values(values)


def check_environment() -> list[Problem]:
    """Bad values in ``KIOSK_*`` variables that name settings (others are left alone)."""
    from kiosk.settings import _from_environment

    return [
        Problem(f"KIOSK_{p.key.upper()}", f"KIOSK_{p.key.upper()}: {p.message}")
        for p in bad_values(_from_environment(Settings))
    ]


def _check(args: argparse.Namespace) -> int:
    path: Path = args.file or config_file()
    if args.file is not None and not path.is_file():
        return fail("config check", f"{path}: no such file", EXIT_USAGE)
    try:
        problems = check_file(path) if path.is_file() else []
        problems += check_environment()
    except ConfigError as error:
        return fail("config check", str(error), EXIT_USAGE)
    for problem in problems:
        in_file = not problem.key.startswith("KIOSK_")
        fail("config check", f"{path}: {problem.message}" if in_file else problem.message)
    if problems:
        return EXIT_FAILED
    where = str(path) if path.is_file() else f"no file at {path}; defaults"
    print(f"Settings OK ({where}).")
    return EXIT_OK


def sources(path: Path | None = None) -> dict[str, tuple[Any, str]]:
    """Each setting's effective value and its source: ``env KIOSK_X``, the file, ``default``."""
    from kiosk.settings import _from_environment, get_settings

    path = path or config_file()
    from_file = read_config_file(path) if path.is_file() else {}
    from_env = _from_environment(Settings)
    settings = get_settings()
    found: dict[str, tuple[Any, str]] = {}
    for name in Settings.model_fields:
        if name in from_env:
            source = f"env KIOSK_{name.upper()}"
        elif name in from_file:
            source = f"file {path}"
        else:
            source = "default"
        found[name] = (getattr(settings, name), source)
    return found


SECRET_SETTINGS = ("secret_key",)


def _show(args: argparse.Namespace) -> int:
    try:
        found = sources()
    except ConfigError as error:
        return fail("config show", f"{error} (see: kiosk config check)", EXIT_USAGE)
    plain = {name: _plain(value) for name, (value, _) in found.items()}
    for name in SECRET_SETTINGS:  # keys the audit chain: never printed
        if plain.get(name):
            plain[name] = "(set, not shown)"
    if args.json:
        rows = {name: {"value": plain[name], "source": found[name][1]} for name in found}
        print(json.dumps(rows, indent=2, default=str))
        return EXIT_OK
    width = max(len(name) for name in found)
    for name, (_, source) in found.items():
        print(f"{name:<{width}}  {json.dumps(plain[name], default=str):<30}  {source}")
    return EXIT_OK


def _plain(value: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def sample_text() -> str:
    """A kiosk.toml with every setting commented out at its default, grouped and explained
    as in ``kiosk/settings.py`` (its section comments and each setting's own comment)."""
    source = inspect.getsource(Settings).splitlines()
    defaults = Settings.model_construct()
    lines = [
        "# kiosk.toml: settings of one kiosk (KIOSK_CONFIG names the file).",
        "# Every setting is shown at its default, commented out; KIOSK_<NAME> variables win",
        "# over this file. Check a changed file with: kiosk config check FILE",
    ]
    for raw in source:
        line = raw.strip()
        if line.startswith("# ") and raw.startswith("    #"):
            lines.append(line)
            continue
        name = line.split(":", 1)[0]
        if raw.startswith("    ") and not raw.startswith("     ") and name in Settings.model_fields:
            comment = raw.split("  # ", 1)[1] if "  # " in raw else ""
            description = Settings.model_fields[name].description or comment
            if description:
                lines.append(f"# {name}: {description}")
            lines.append(f"# {name} = {_toml(_plain(getattr(defaults, name)))}")
        elif not line:
            lines.append("")
    return "\n".join(_squeeze(lines)) + "\n"


def _squeeze(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return kept


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "[...]  # see kiosk/settings.py"
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(value, default=str)


def _sample(args: argparse.Namespace) -> int:
    print(sample_text(), end="")
    return EXIT_OK
