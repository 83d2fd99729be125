"""Display and interaction modes, and the per-session accessibility profile.

A mode is chosen at the welcome step (or by ``--mode``) and lasts one session:
the next customer starts from the kiosk's configured mode with volume, speech
rate and verbosity back at their defaults (ADA 707.5.1, EN 5.1.3.13: volume
resets every session).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from kiosk.conversation.prompt import Register


class Mode(enum.StrEnum):
    """How the screen presents the conversation."""

    STANDARD = "standard"
    LARGE = "large"  # large numerals and block headings, fewer items a screen
    CONTRAST = "contrast"  # high-contrast theme (>= 7:1), large layout as well
    SIMPLE = "simple"  # simplified register, one question a screen, no countdown

    @classmethod
    def parse(cls, text: str) -> Mode:
        """Parse a ``--mode`` value, forgiving case, spaces and common aliases.

        Raises ``ValueError`` naming the valid modes, so a CLI can print it as is.
        """
        cleaned = text.strip().lower().replace("_", "-")
        found = _MODE_ALIASES.get(cleaned)
        if found is None:
            valid = ", ".join(mode.value for mode in cls)
            raise ValueError(f"unknown mode {text!r}: choose one of {valid}")
        return found


_MODE_ALIASES: dict[str, Mode] = {
    **{mode.value: mode for mode in Mode},
    "large-text": Mode.LARGE,
    "big": Mode.LARGE,
    "high-contrast": Mode.CONTRAST,
    "hc": Mode.CONTRAST,
    "simplified": Mode.SIMPLE,
}


class Verbosity(enum.StrEnum):
    """How much the announcer says around each prompt."""

    BRIEF = "brief"  # the prompt text only
    NORMAL = "normal"  # step number, prompt, choices
    DETAILED = "detailed"  # plus key hints (Help, Back, more time)


@dataclass(frozen=True)
class StepScale:
    """A stepped setting (volume, speech rate): levels 1..``levels``.

    Stepped rather than continuous so each press is announced as "5 of 8" and a
    blind user knows where they are without seeing a slider.
    """

    levels: int
    default: int

    def __post_init__(self) -> None:
        if self.levels < 2 or not 1 <= self.default <= self.levels:
            raise ValueError(f"default {self.default} not within 1..{self.levels}")

    def clamp(self, level: int) -> int:
        return max(1, min(self.levels, level))


VOLUME = StepScale(levels=8, default=4)
"""Eight volume steps. With 4 dB a step, the top is 16 dB above the default and
28 dB above the quietest, so the ADA 707.5.1 minimum of 20 dB gain is reachable."""
VOLUME_STEP_DB = 4.0

RATE = StepScale(levels=7, default=4)
"""Seven speech-rate steps, the default being espeak-ng's usual 175 words a minute."""
RATE_WORDS_PER_MINUTE = (110, 135, 155, 175, 200, 230, 260)


@dataclass
class Profile:
    """The accessibility settings of the current session.

    ``start_mode`` is the kiosk's configured mode; :meth:`reset` returns to it
    and to every default for the next customer.
    """

    start_mode: Mode = Mode.STANDARD
    mode: Mode = field(init=False)
    speech: bool = False
    captions: bool = True
    volume: int = VOLUME.default
    rate: int = RATE.default
    verbosity: Verbosity = Verbosity.NORMAL

    def __post_init__(self) -> None:
        self.mode = self.start_mode

    @property
    def register(self) -> Register:
        """The register the screen shows: simple mode uses the simplified wording."""
        return Register.SIMPLE if self.mode is Mode.SIMPLE else Register.STANDARD

    @property
    def large_text(self) -> bool:
        """Large numerals and sparse layout: large mode, and contrast mode too,
        because most people who need high contrast also need bigger characters."""
        return self.mode in (Mode.LARGE, Mode.CONTRAST)

    @property
    def high_contrast(self) -> bool:
        return self.mode is Mode.CONTRAST

    @property
    def show_countdown(self) -> bool:
        """Simple mode gives the time warning calmly, without a visible countdown."""
        return self.mode is not Mode.SIMPLE

    @property
    def volume_gain_db(self) -> float:
        """Gain relative to the default level (0 dB at the default)."""
        return (self.volume - VOLUME.default) * VOLUME_STEP_DB

    @property
    def words_per_minute(self) -> int:
        return RATE_WORDS_PER_MINUTE[self.rate - 1]

    def volume_up(self) -> bool:
        """One step louder; False when already at the loudest (say so, do nothing)."""
        return self._step_volume(+1)

    def volume_down(self) -> bool:
        return self._step_volume(-1)

    def rate_up(self) -> bool:
        """One step faster; False when already at the fastest."""
        return self._step_rate(+1)

    def rate_down(self) -> bool:
        return self._step_rate(-1)

    def reset(self) -> None:
        """Back to the kiosk's defaults for a new session."""
        self.mode = self.start_mode
        self.speech = False
        self.captions = True
        self.volume = VOLUME.default
        self.rate = RATE.default
        self.verbosity = Verbosity.NORMAL

    def _step_volume(self, delta: int) -> bool:
        new = VOLUME.clamp(self.volume + delta)
        changed = new != self.volume
        self.volume = new
        return changed

    def _step_rate(self, delta: int) -> bool:
        new = RATE.clamp(self.rate + delta)
        changed = new != self.rate
        self.rate = new
        return changed


def mode_argument(text: str) -> Mode:
    """``argparse`` type for ``--mode``: the error names the valid modes."""
    import argparse

    try:
        return Mode.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
