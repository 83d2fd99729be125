"""TTY/TDD support: Baudot codec, FSK modem, TTY conventions and the TTY channel.

Imported as ``kiosk.tty`` (see ``pyproject.toml``). If the repository root ever
lands first on ``sys.path`` (``python -m`` from the root) and something does
``import tty`` meaning the standard library's module, this folder would shadow
it; in that case we load the standard library module in our place.
"""

if __name__ == "tty":  # pragma: no cover - only when the repo root shadows the stdlib
    import os as _os
    import sysconfig as _sysconfig

    _stdlib_tty = _os.path.join(_sysconfig.get_path("stdlib"), "tty.py")
    with open(_stdlib_tty, encoding="utf-8") as _source:
        exec(compile(_source.read(), _stdlib_tty, "exec"))
