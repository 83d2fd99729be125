"""The screen kiosk's voice: the voice channel's output, queued off the screen's thread,
its volume and rate the session profile's steps, PIN keys never spoken as digits."""

from __future__ import annotations

import time

import numpy as np
import pytest

from kiosk.accessibility.modes import Profile
from kiosk.channels.voice_devices import CapturedSpeaker
from kiosk.speech.tts import EspeakSynthesizer, SynthesisError
from kiosk.ui.speech import ProfileVoice, ScreenSpeech


@pytest.fixture
def rig():  # type: ignore[no-untyped-def]
    try:
        synthesizer = EspeakSynthesizer()
    except SynthesisError:
        pytest.skip("espeak-ng is not installed")
    speaker, headset = CapturedSpeaker("speaker"), CapturedSpeaker("headset")
    profile = Profile()
    speech = ScreenSpeech(ProfileVoice(synthesizer, speaker, headset), profile)
    yield speech, profile, speaker, headset
    speech.close()


def _settle(speech: ScreenSpeech) -> None:
    deadline = time.monotonic() + 10
    while speech.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)


def _peak(clip: tuple[np.ndarray, int]) -> float:
    return float(np.abs(clip[0]).max())


def test_volume_and_rate_follow_the_profile_steps(rig) -> None:  # type: ignore[no-untyped-def]
    speech, profile, speaker, _ = rig
    speech.say("Enter your ZIP code.")
    _settle(speech)
    profile.volume_up()
    profile.volume_up()  # two steps of 4 dB
    profile.rate_up()
    speech.say("Enter your ZIP code.")
    _settle(speech)
    quiet, loud = speaker.clips
    assert _peak(loud) / _peak(quiet) == pytest.approx(10 ** (8 / 20), rel=0.05)
    assert len(loud[0]) / loud[1] < 0.95 * len(quiet[0]) / quiet[1]  # faster: shorter


def test_a_pin_key_is_a_word_in_the_headset_and_a_tone_on_the_speaker(rig) -> None:  # type: ignore[no-untyped-def]
    speech, _, speaker, headset = rig
    speech.echo_masked()
    _settle(speech)
    assert len(speaker.clips) == 1 and speaker.clips[0][0].size < 0.2 * 22_050  # a beep
    speech.headset(True)
    speech.echo_masked()
    _settle(speech)
    assert len(headset.clips) == 1 and headset.clips[0][0].size > 0.2 * 22_050  # "digit"
    assert len(speaker.clips) == 1  # nothing more on the speaker


def test_stop_forgets_what_was_queued(rig) -> None:  # type: ignore[no-untyped-def]
    speech, _, speaker, _ = rig
    for _ in range(20):
        speech.say("Please check the amount before you pay.")
    speech.stop()
    _settle(speech)
    assert len(speaker.clips) <= 1
