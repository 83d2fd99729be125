"""Who is calling: a TTY or a voice? Decided in the first seconds of a call.

At answer the line sends a short Baudot "GA" (a TTY caller sees the line is live; a
voice caller hears a chirp) and listens for a moment, as V.18's answering side does.
The moment is measured in the caller's audio, not in wall time: on a busy machine the
call's audio can be read late, and a TTY's hello must not be judged on half of it.
A hello still sounding when the moment ends is heard out (a few characters at most),
so it is never split between this test and the voice channel's own detector, neither
of which could then tell it is a TTY.
"""

from __future__ import annotations

import time

from kiosk.line.audio import CallAudio
from kiosk.tty.detect import TtyToneDetector
from kiosk.tty.modulator import modulate

GREETING_TTY = "GA"
TONES_GAP_S = 0.5  # tones heard this recently at the end of the moment: listen on
HELLO_MAX_S = 3.0  # ...but never longer than this past it (a voice caller waits)
SILENT_LINE_S = 2.0  # no caller audio arriving at all: wall time decides instead


def tty_answers(audio: CallAudio, listen_seconds: float) -> bool:
    """Send the TTY greeting, then listen: True when a TTY answers it.

    Returns:
        True once TTY tones with Baudot characters are heard within ``listen_seconds``
        of caller audio after the greeting ends (longer while tones are still
        sounding, up to :data:`HELLO_MAX_S`); False otherwise, or when the call ends.
        What is not read here stays queued for the voice channel.
    """
    detector = TtyToneDetector(audio.rate)
    ends = audio.write(modulate(GREETING_TTY + "\n", rate=audio.out_rate))
    window = ends + listen_seconds
    wall_limit = time.monotonic() + window + HELLO_MAX_S + SILENT_LINE_S
    while time.monotonic() < wall_limit:
        heard = audio.heard_seconds
        if heard >= window + HELLO_MAX_S:
            return False
        if heard >= window and not detector.tones_within(TONES_GAP_S):
            return False
        block = audio.read_block(0.1)
        if block is None:
            if audio.closed:
                return False
            continue
        if detector.feed(block):
            return True
    return False


__all__ = ["GREETING_TTY", "tty_answers"]
