"""Typed signals from the conversation to its channel: a display mode, an audio step.

The engine cannot change how a channel looks or sounds; it says what the customer
asked for and each channel applies what it can (the screen its mode, voice its
volume and rate; a TTY line neither). Typed, so no channel decodes strings by prefix.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.accessibility.modes import Mode


class AudioStep(enum.StrEnum):
    """One announced step of speech volume or rate ("louder", "slower")."""

    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
    RATE_UP = "rate_up"
    RATE_DOWN = "rate_down"


@dataclass(frozen=True)
class DisplayMode:
    """The customer chose how the screen looks (at the welcome): large, contrast, simple."""

    mode: Mode


Signal = AudioStep | DisplayMode
