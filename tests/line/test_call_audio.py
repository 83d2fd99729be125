"""A call's microphone hears the caller while the kiosk speaks, a block at a time, and
nothing once the call is over (the TTY tones here are the project's own modem's)."""

from __future__ import annotations

import numpy as np

from kiosk.line.audio import FRAME, CallAudio, LineMicrophone, LineSpeaker
from kiosk.tty.detect import TtyToneDetector
from kiosk.tty.modulator import modulate


def _caller_types(audio: CallAudio, text: str) -> int:
    """The caller's TTY tones arrive as the media clock hands them over, 20 ms a block."""
    tones = modulate(text, rate=audio.rate).astype(np.float32)
    blocks = [tones[i : i + FRAME] for i in range(0, tones.size - FRAME + 1, FRAME)]
    for block in blocks:
        audio.receive(block)
    return len(blocks)


def _line(audio: CallAudio) -> tuple[LineMicrophone, TtyToneDetector, LineSpeaker]:
    microphone = LineMicrophone(audio)
    detector = TtyToneDetector(LineMicrophone.rate)
    microphone.tty_detector = detector
    return microphone, detector, LineSpeaker(audio, while_playing=microphone.begin_listening)


def test_the_caller_is_heard_while_the_kiosk_speaks():
    """Each time the channel asks whether the prompt still plays, what the caller sent
    meanwhile is heard (here: a TTY typing over the prompt), so no prompt-long backlog
    is left for when the channel listens again."""
    audio = CallAudio()
    microphone, detector, speaker = _line(audio)
    speaker.play(np.zeros(8000 * 30, dtype=np.float32), 8000)  # a 30 s prompt
    _caller_types(audio, "HELLO GA\n")
    assert speaker.is_playing
    assert audio.read_block(0) is None  # all of it heard already
    assert detector.detected


def test_nothing_is_heard_once_the_call_is_over():
    """Audio left from a call that ended is dropped unheard (hearing seconds of it took
    a second of the line's CPU after every hang-up)."""
    audio = CallAudio()
    microphone, detector, _speaker = _line(audio)
    assert _caller_types(audio, "HELLO GA\n") > 50
    audio.hang_up()
    microphone.begin_listening()
    assert audio.read_block(0) is None
    assert not detector.detected
    # The same tones on a live call are heard: the test can tell.
    live = CallAudio()
    microphone, detector, _speaker = _line(live)
    _caller_types(live, "HELLO GA\n")
    microphone.begin_listening()
    assert detector.detected
