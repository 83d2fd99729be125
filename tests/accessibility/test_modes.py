from __future__ import annotations

import argparse

import pytest

from kiosk.accessibility.modes import RATE, VOLUME, Mode, Profile, Verbosity, mode_argument
from kiosk.conversation.prompt import Register


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("standard", Mode.STANDARD),
        (" Large ", Mode.LARGE),
        ("high_contrast", Mode.CONTRAST),
        ("contrast", Mode.CONTRAST),
        ("SIMPLIFIED", Mode.SIMPLE),
    ],
)
def test_parse_mode(text: str, mode: Mode) -> None:
    assert Mode.parse(text) is mode


def test_unknown_mode_error_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="standard, large, contrast, simple"):
        Mode.parse("huge")
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", type=mode_argument)
    assert parser.parse_args(["--mode", "large"]).mode is Mode.LARGE
    with pytest.raises(SystemExit):
        parser.parse_args(["--mode", "huge"])


def test_register_follows_mode() -> None:
    assert Profile(Mode.SIMPLE).register is Register.SIMPLE
    for mode in (Mode.STANDARD, Mode.LARGE, Mode.CONTRAST):
        assert Profile(mode).register is Register.STANDARD


def test_mode_flags() -> None:
    assert Profile(Mode.CONTRAST).high_contrast and Profile(Mode.CONTRAST).large_text
    assert Profile(Mode.LARGE).large_text and not Profile(Mode.LARGE).high_contrast
    assert not Profile(Mode.SIMPLE).show_countdown and Profile(Mode.STANDARD).show_countdown


def test_volume_and_rate_steps_stop_at_their_limits() -> None:
    profile = Profile()
    assert profile.volume == VOLUME.default and profile.volume_gain_db == 0
    while profile.volume_up():
        pass
    assert profile.volume == VOLUME.levels
    assert not profile.volume_up()
    # ADA 707.5.1: at least 20 dB of gain between the quietest and the loudest.
    loudest = profile.volume_gain_db
    while profile.volume_down():
        pass
    assert profile.volume == 1 and loudest - profile.volume_gain_db >= 20
    assert profile.rate_up() and profile.words_per_minute > 175
    while profile.rate_down():
        pass
    assert profile.rate == 1 and not profile.rate_down()


def test_reset_returns_every_setting_to_the_default_for_the_next_customer() -> None:
    profile = Profile(start_mode=Mode.LARGE)
    profile.mode = Mode.CONTRAST
    profile.speech = True
    profile.captions = False
    profile.volume_up()
    profile.rate_down()
    profile.verbosity = Verbosity.DETAILED
    profile.reset()
    assert profile.mode is Mode.LARGE
    assert (profile.speech, profile.captions) == (False, True)
    assert (profile.volume, profile.rate) == (VOLUME.default, RATE.default)
    assert profile.verbosity is Verbosity.NORMAL
