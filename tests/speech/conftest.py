"""Fixtures for speech tests: a private PulseAudio daemon with null sinks.

Sinks: ``kiosk_sink`` (the open speaker, the default), ``headset`` (the private output)
and ``mic_feed`` (what the "customer" says; the default source is its monitor).
"""

from collections.abc import Iterator

import pytest

from kiosk.devtools.pulse_server import PulseServer, missing_programs


@pytest.fixture(scope="module")
def pulse_server() -> Iterator[PulseServer]:
    missing = missing_programs()
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (pulseaudio, pulseaudio-utils)")
    server = PulseServer(
        ("kiosk_sink", "headset", "mic_feed"),
        default_sink="kiosk_sink",
        default_source="mic_feed.monitor",
    ).start()
    try:
        yield server
    finally:
        server.stop()
