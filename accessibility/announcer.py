"""Speech that follows the screen and the focus, with captions of every sound.

The announcer is channel-independent: the screen calls it on each new prompt,
focus change, key press and error; it decides what to say and sends it to a
:class:`SpeechSink` (the voice part supplies the real one over espeak-ng; tests
use a recording sink). Everything said or sounded is also written to a
:class:`CaptionLog` that the screen shows for deaf users (EN 5.1.5).

Privacy: masked entries (PIN) are never spoken, only a tone per key (ADA 707.5
exception 1); account details are sent with ``private=True`` so the sink plays
them on the headset only (ADA 707.4, EN 5.1.3.9).
"""

from __future__ import annotations

import enum
import re
import textwrap
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rich.cells import cell_len

from kiosk.accessibility.modes import RATE, VOLUME, Profile, Verbosity
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.wording import spoken


class SpeechSink(Protocol):
    """Where speech goes. ``say`` queues after what is playing; ``stop`` silences."""

    def say(self, text: str, private: bool = False) -> None: ...

    def stop(self) -> None: ...


class ToneSink(Protocol):
    """Where non-speech sounds go (key clicks, masked-key tones, warnings)."""

    def tone(self, name: str) -> None: ...


class Tone(enum.StrEnum):
    KEY = "key"  # a masked key was pressed: a click, never the digit
    WARNING = "warning"  # time is running out
    ERROR = "error"


TONE_CAPTIONS: dict[Tone, str] = {
    Tone.KEY: "[beep: key pressed]",
    Tone.WARNING: "[chime: time is running out]",
    Tone.ERROR: "[buzz: something is wrong]",
}


class CaptionKind(enum.StrEnum):
    SPEECH = "speech"
    SOUND = "sound"


@dataclass(frozen=True)
class Caption:
    text: str
    kind: CaptionKind
    private: bool = False


class CaptionLog:
    """The visible record of everything the kiosk says or sounds.

    Bounded (the screen shows the last few lines), observable (the screen
    subscribes to refresh), and cleared at the end of a session.
    """

    def __init__(self, limit: int = 50) -> None:
        self._entries: deque[Caption] = deque(maxlen=limit)
        self._listeners: list[Callable[[Caption], None]] = []

    def add(self, caption: Caption) -> None:
        self._entries.append(caption)
        for listener in list(self._listeners):
            listener(caption)

    def subscribe(self, listener: Callable[[Caption], None]) -> Callable[[], None]:
        """Call ``listener`` with each new caption; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @property
    def entries(self) -> tuple[Caption, ...]:
        return tuple(self._entries)

    def latest(self, count: int = 3) -> tuple[Caption, ...]:
        return tuple(self._entries)[-count:]

    def clear(self) -> None:
        """End of session: nothing of the last customer stays on screen."""
        self._entries.clear()


class Announcer:
    """Turns screen events into speech and captions, following the profile."""

    def __init__(
        self,
        profile: Profile,
        captions: CaptionLog,
        sink: SpeechSink | None = None,
        tones: ToneSink | None = None,
    ) -> None:
        self.profile = profile
        self.captions = captions
        self.sink = sink
        self.tones = tones
        self._last: tuple[str, bool] | None = None
        self._prompt: Prompt | None = None
        self._skip_initial_focus = False

    # Speech primitives -------------------------------------------------------

    @property
    def speaking(self) -> bool:
        return self.profile.speech and self.sink is not None

    def say(self, text: str, private: bool = False, interrupt: bool = False) -> None:
        """Speak (when speech is on) and caption one utterance."""
        text = text.strip()
        if not text or not self.speaking or self.sink is None:
            return
        if interrupt:
            self.sink.stop()
        self.sink.say(text, private=private)
        self._last = (text, private)
        self.captions.add(Caption(text, CaptionKind.SPEECH, private))

    def sound(self, tone: Tone) -> None:
        """Play a tone and caption it (tones play whether or not speech is on). With
        no sound output nothing plays, so no caption claims a sound."""
        if self.tones is None:
            return
        self.tones.tone(tone.value)
        self.captions.add(Caption(TONE_CAPTIONS[tone], CaptionKind.SOUND))

    def interrupt(self) -> None:
        """Any key stops the current speech (ADA 707.5.1, EN 5.1.3.4)."""
        self._skip_initial_focus = False
        if self.sink is not None:
            self.sink.stop()

    def repeat(self) -> None:
        """Say the last utterance again."""
        if self._last is not None:
            text, private = self._last
            self.say(text, private, interrupt=True)

    # Screen events -------------------------------------------------------------

    def prompt(self, prompt: Prompt) -> None:
        """A new step: stop what is playing and read the step in the spoken register.

        The first focus change that follows (the screen focusing its first
        control) is not spoken: the prompt has just read the choices.
        """
        self._prompt = prompt
        self.say(self.spoken_text(prompt), private=self._personal(prompt), interrupt=True)
        self._skip_initial_focus = True

    def focus(self, label: str, private: bool = False) -> None:
        """Speech follows focus: say the newly focused control's label."""
        if self._skip_initial_focus:
            self._skip_initial_focus = False
            return
        self.say(label, private=private, interrupt=True)

    def key(self, masked: bool = False, echo: str = "") -> None:
        """A key was pressed: stop speech; for a masked entry "digit" in the headset
        (a sink that knows the headset says so) or a tone, never the digit; else echo it."""
        self.interrupt()
        echo_masked = getattr(self.sink, "echo_masked", None)
        if masked and self.speaking and callable(echo_masked):
            echo_masked()
            in_headset = bool(getattr(self.sink, "headset_present", False))
            text = "digit" if in_headset else TONE_CAPTIONS[Tone.KEY]
            kind = CaptionKind.SPEECH if in_headset else CaptionKind.SOUND
            self.captions.add(Caption(text, kind, in_headset))
        elif masked:
            self.sound(Tone.KEY)
        elif echo:
            self.say(echo)

    def error(self, text: str) -> None:
        """An input error: an error tone, then the reason, interrupting other speech."""
        self.sound(Tone.ERROR)
        self.say(text, interrupt=True)

    def time_warning(self, text: str) -> None:
        self.sound(Tone.WARNING)
        self.say(text, interrupt=True)

    def volume_changed(self, changed: bool = True) -> None:
        """Announce the volume step (at the new volume), or that it is at the limit."""
        level = self.profile.volume
        if changed:
            text = f"Volume {level} of {VOLUME.levels}."
        else:
            text = "Loudest volume." if level == VOLUME.levels else "Quietest volume."
        self.say(text, interrupt=True)

    def rate_changed(self, changed: bool = True) -> None:
        level = self.profile.rate
        if changed:
            text = f"Speed {level} of {RATE.levels}."
        else:
            text = "Fastest speed." if level == RATE.levels else "Slowest speed."
        self.say(text, interrupt=True)

    def speech_on(self) -> None:
        """Turn speech on and read the current step (one action starts speech)."""
        self.profile.speech = True
        self.say("Speech is on.", interrupt=True)
        if self._prompt is not None:
            self.say(self.spoken_text(self._prompt), private=self._personal(self._prompt))

    def speech_off(self) -> None:
        self.say("Speech is off.", interrupt=True)
        self.profile.speech = False

    def end_session(self) -> None:
        """Forget everything about the customer: last utterance, prompt, captions."""
        self.interrupt()
        self._last = None
        self._prompt = None
        self.captions.clear()

    # Wording -------------------------------------------------------------------

    def spoken_text(self, prompt: Prompt) -> str:
        """What is said for a prompt, by verbosity: step, text, details, choices, keys."""
        verbosity = self.profile.verbosity
        parts: list[str] = []
        if verbosity is not Verbosity.BRIEF and prompt.step_label:
            parts.append(f"{prompt.step_label}.")
        # Simple mode is heard in its own short words too (amounts read as words): a
        # listener who chose it needs the simple wording as much as a reader does.
        simple = self.profile.register is Register.SIMPLE
        parts.append(
            spoken(prompt.render(Register.SIMPLE)) if simple else prompt.render(Register.SPOKEN)
        )
        parts.extend(sentence for _, _, sentence in prompt.spoken_details())
        if verbosity is not Verbosity.BRIEF:
            parts.extend(
                f"For {spoken(choice.label.simple) if simple else choice.label.spoken}, "
                f"press {choice.key}."
                for choice in prompt.choices
            )
        if verbosity is Verbosity.DETAILED:
            parts.append("Press Help for help, or Back to go back.")
        return " ".join(part.strip() for part in parts if part.strip())

    @staticmethod
    def _personal(prompt: Prompt) -> bool:
        return is_personal(prompt)


def is_personal(prompt: Prompt) -> bool:
    """Does this prompt show personal data (name, balance, confirmation number)?

    Such speech goes to the headset only. The step says so with
    ``prompt.sensitive``; details rows and big values count as personal too, so
    a step that forgets the flag still never reads an account's figures on the
    open speaker."""
    return prompt.sensitive or bool(prompt.details or prompt.big_value)


# Caption layout -----------------------------------------------------------
# A caption is laid out by sentence: a sentence starts a line (no line begins in the
# middle of a sentence when a whole sentence fits), and a confirmation or reference
# number, as figures ("000 000 021") or read out ("zero zero zero, zero zero zero, zero
# two one"), never breaks across lines.
NO_BREAK = "\u00a0"
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[\"“\[(]?[A-Z0-9])")
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_KEPT_TOGETHER = re.compile(
    rf"\b\d{{3}}(?: \d{{3,4}})+\b"  # a number in its digit groups
    rf"|\b{_DIGIT_WORD}(?:,? {_DIGIT_WORD}){{3,}}\b",  # the same number read out
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """A caption's sentences, each cased as written (the wording starts them upper case)."""
    return [part for part in _SENTENCE_END.split(" ".join(text.split())) if part]


def caption_lines(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells: sentences packed whole, a line
    begun at a sentence start wherever a sentence fits, numbers never split."""
    width = max(width, 20)
    lines: list[str] = []
    for sentence in sentences(text):
        kept = _KEPT_TOGETHER.sub(lambda m: m.group(0).replace(" ", NO_BREAK), sentence)
        if lines and cell_len(lines[-1]) + 1 + cell_len(kept) <= width:
            lines[-1] += " " + kept
            continue
        lines.extend(
            textwrap.wrap(kept, width, break_long_words=False, break_on_hyphens=False) or [""]
        )
    return [line.replace(NO_BREAK, " ") for line in lines]
