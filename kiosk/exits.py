"""One convention for every ``kiosk`` command's errors and exit codes (see the README).

An error goes to standard error as ``kiosk COMMAND: error: MESSAGE``, the form argparse
itself uses for a bad command line, so a script or a person reads every command's
failures the same way. Exit codes: 0 done; 1 the command ran and failed, or a check
found problems; 2 the command line, a file given to it or the configuration is wrong.
"""

from __future__ import annotations

import sys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def fail(command: str, message: str, code: int = EXIT_FAILED) -> int:
    """Print ``kiosk COMMAND: error: MESSAGE`` on standard error; return ``code``."""
    prefix = f"kiosk {command}" if command else "kiosk"
    print(f"{prefix}: error: {message}", file=sys.stderr)
    return code
