"""``kiosk line`` settings: where it listens or registers, codecs, ports, limits.

Secrets (the SIP password) come from the environment or a file, never the command
line, where any user of the machine could read them in the process list.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from kiosk.settings import LayeredSettings

CODECS = {"pcmu": "PCMU/8000/1", "pcma": "PCMA/8000/1"}
STACK_CALL_LIMIT = 4
"""Calls one process can hold: the pjsua2-python 2.15.1 wheel is compiled with
``PJSUA_MAX_CALLS`` = 4, and PJSIP cuts ``maxCalls`` down to it (``maxCalls`` = 12 reads
back as ``pjsua_call_get_max_count()`` = 4; the 5th call is refused "too many calls").
No other installable build has both more calls and ``AudioMediaPort`` (README, "The
pay-by-phone line"). More lines: run more ``kiosk line`` processes on other ports."""


class LineSettingsError(ValueError):
    """A setting of the line is wrong; the message says which and how to fix it."""


class LineSettings(LayeredSettings):
    """``KIOSK_LINE_*`` environment variables (and ``[line]``-free keys of no file)."""

    env_prefix: ClassVar[str] = "KIOSK_LINE_"
    from_config_file: ClassVar[bool] = False

    listen: str = "127.0.0.1:5070"  # SIP over UDP: host:port this line binds
    max_calls: int = 4  # calls at once; one more is answered "486 Busy Here"
    agent_uri: str = ""  # where "person" transfers (SIP REFER); empty: callback offer
    codecs: str = "pcmu,pcma"  # offered in this order
    rtp_ports: str = "40000-40199"  # RTP/RTCP port range (two a call)
    registrar: str = ""  # e.g. sip:pbx.example.net; empty: no registration
    user: str = ""  # SIP user (account) at the registrar
    domain: str = ""  # SIP domain of the user; default: the registrar's host
    password: str = ""  # prefer password_file
    password_file: str = ""  # a file holding the SIP password (first line)
    barge_in: bool = False  # speech interrupts prompts (off: a phone line echoes)
    detect_seconds: float = 1.0  # listening for a TTY before greeting
    inter_digit_seconds: float = 4.0  # a pause that ends a typed number without #

    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        try:
            return host or "127.0.0.1", int(port)
        except ValueError as error:
            raise LineSettingsError(
                f"listen address {self.listen!r} is not HOST:PORT, e.g. 127.0.0.1:5070"
            ) from error

    def codec_ids(self) -> list[str]:
        names = [name.strip().lower() for name in self.codecs.split(",") if name.strip()]
        unknown = [name for name in names if name not in CODECS]
        if unknown or not names:
            raise LineSettingsError(
                f"codecs {self.codecs!r}: use pcmu and/or pcma (G.711), e.g. pcmu,pcma"
            )
        return [CODECS[name] for name in names]

    def port_range(self) -> tuple[int, int]:
        first, _, last = self.rtp_ports.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError as error:
            raise LineSettingsError(
                f"RTP ports {self.rtp_ports!r}: give a range, e.g. 40000-40199"
            ) from error
        if not 1024 <= low <= high <= 65535:
            raise LineSettingsError(f"RTP ports {self.rtp_ports!r}: must lie in 1024-65535")
        return low, high - low + 1

    def sip_password(self) -> str:
        if self.password_file:
            try:
                return Path(self.password_file).read_text(encoding="utf-8").splitlines()[0]
            except (OSError, IndexError) as error:
                raise LineSettingsError(
                    f"cannot read the SIP password from {self.password_file}: {error}"
                ) from error
        return self.password

    def check(self) -> None:
        """Every problem at start, in words, before a call comes in."""
        self.host_port()
        self.codec_ids()
        self.port_range()
        if not 1 <= self.max_calls <= STACK_CALL_LIMIT:
            raise LineSettingsError(
                f"KIOSK_LINE_MAX_CALLS must be 1 to {STACK_CALL_LIMIT}: the SIP stack "
                f"(pjsua2-python) holds at most {STACK_CALL_LIMIT} calls a process; "
                "run another `kiosk line` on another port for more"
            )
        if self.registrar and not self.user:
            raise LineSettingsError("a registrar needs a user: set KIOSK_LINE_USER")
        if self.registrar:
            self.sip_password()


__all__ = ["CODECS", "LineSettings", "LineSettingsError"]
