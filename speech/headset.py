"""Is the headset plugged in? Asked of the sound server, and watched for changes.

A talking kiosk (ADA 707.5, EZ Access) starts speaking privately when a headset goes
into its jack. The jack sense reaches PulseAudio (or PipeWire's pulse server) in one
of two ways, and both are read here through ``pactl``:

- a separate headset sink appears and disappears (a USB headset, a card hot-plug);
- a sink's active port is a headphone/headset port whose availability flips between
  "available" and "not available" (an analog jack on the speaker's own card).

:class:`HeadsetWatch` follows ``pactl subscribe`` (events on sinks, cards, the
server) and calls back with the new state only when it changes. No polling loop, no
extra library: ``pactl`` comes with the sound server's utilities.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import subprocess
import threading
from collections.abc import Callable

__all__ = ["HeadsetWatch", "headset_present"]

log = logging.getLogger(__name__)

_HEADPHONE_PORT = re.compile(r"head(phone|set)", re.IGNORECASE)
_EVENT = re.compile(r"Event '(\w+)' on (sink|card|server)\b")


def _sinks(env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["pactl", "list", "sinks"], capture_output=True, text=True, timeout=5, env=env
    )
    return done.stdout if done.returncode == 0 else ""


def headset_present(sink: str, listing: str | None = None) -> bool:
    """Whether the headset is there: a sink named ``sink`` exists (and, if it has
    ports, its active port is not "not available"), or any sink's active port is a
    headphone port that is available. ``listing``: ``pactl list sinks`` output."""
    text = _sinks() if listing is None else listing
    for block in re.split(r"\n(?=Sink #)", text):
        name = re.search(r"^\s*Name: (\S+)", block, re.MULTILINE)
        active = re.search(r"^\s*Active Port: (\S+)", block, re.MULTILINE)
        port_state = ""
        if active is not None:
            line = re.search(rf"^\s*{re.escape(active.group(1))}: .*$", block, re.MULTILINE)
            port_state = line.group(0) if line else ""
        unplugged = "not available" in port_state
        if name is not None and sink and name.group(1) == sink and not unplugged:
            return True
        headphones = active is not None and _HEADPHONE_PORT.search(active.group(1))
        if headphones and port_state and not unplugged:
            return True
    return False


class HeadsetWatch:
    """Calls ``on_change(present)`` from its own thread when the headset comes or goes.

    Args:
        sink: the headset's sink name (empty: only headphone ports are looked at).
        on_change: called with True when plugged in, False when pulled out.
    """

    def __init__(self, sink: str, on_change: Callable[[bool], None]) -> None:
        self.sink = sink
        self.on_change = on_change
        self.present = False
        self._process: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("pactl") is not None

    def start(self) -> bool:
        """Read the state now and start following events; False without a sound server."""
        if not self.available():
            return False
        try:
            self._process = subprocess.Popen(
                ["pactl", "subscribe"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        except OSError as error:
            log.warning("cannot watch the headset jack: %s", error)
            return False
        self._thread = threading.Thread(target=self._follow, name="headset-watch", daemon=True)
        self._thread.start()
        self._check()  # after subscribing: a plug-in meanwhile is not missed
        return True

    def _follow(self) -> None:
        process = self._process
        if process is None or process.stdout is None:
            return
        for line in process.stdout:
            match = _EVENT.search(line)
            if match is not None and match.group(1) in ("new", "change", "remove"):
                self._check()
        log.info("headset watch ended")

    def _check(self) -> None:
        try:
            now = headset_present(self.sink)
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("cannot read the sound server: %s", error)
            return
        if now != self.present:
            self.present = now
            self.on_change(now)

    def stop(self) -> None:
        """End the ``pactl subscribe`` we started (by its process)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=2)
