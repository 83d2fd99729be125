"""Fixtures for speech tests: a private PulseAudio daemon with null sinks."""

from collections.abc import Iterator

import pytest

from . import pulse


@pytest.fixture(scope="module")
def pulse_server() -> Iterator[pulse.PulseServer]:
    if not pulse.available():
        pytest.skip("pulseaudio / pulseaudio-utils are not installed")
    server = pulse.start_pulse()
    try:
        yield server
    finally:
        server.stop()
