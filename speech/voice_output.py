"""The speech sink channels talk to: what is said, where, how loud and how fast.

The rules live here once, for every channel (ADA 707.4/707.5, EN 301 549 5.1.3):
- private content (name, balance, PIN entry, confirmation number) goes to the headset
  only; with no headset it is not spoken on the open speaker: digits become a tone each
  and other private text becomes a request to connect the headset; a keyed PIN digit is
  never said or captioned, even in the headset ("digit" for each key);
- connecting the headset mutes the speaker: everything then goes to the headset;
- repeat, stop (interrupt), pause and resume on request;
- volume and rate change in announced steps and go back to defaults every session;
- full or brief prompts;
- every utterance and tone can be captioned (deaf and hard-of-hearing users).

:class:`VoiceOutput` speaks through a synthesizer and two :class:`Speaker` outputs;
:class:`RecordingSink` applies the same rules and records what went where, for tests and
for checking a flow without audio.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kiosk.speech.audio import Speaker, StreamingSpeaker, digit_tone
from kiosk.speech.tts import SpeechSynthesizer

__all__ = [
    "CONNECT_HEADSET",
    "HEADSET",
    "KEYED_DIGIT",
    "SPEAKER",
    "RecordingSink",
    "SpeechSink",
    "StreamingSpeaker",
    "Utterance",
    "VoiceOutput",
]

SPEAKER = "speaker"
HEADSET = "headset"
CONNECT_HEADSET = "Please connect the headset for private information."
KEYED_DIGIT = "digit"  # said in the headset for each key of a PIN: never its value

VOLUME_LEVELS = 10
DEFAULT_VOLUME_LEVEL = 7
RATES_WPM = (110, 125, 140, 160, 180, 200, 225)
DEFAULT_RATE_INDEX = 3  # 160 words a minute


@dataclass(frozen=True)
class Utterance:
    """One thing the kiosk made audible (or would have)."""

    text: str  # spoken text, or "<tone>" for a beep
    device: str  # SPEAKER or HEADSET
    private: bool
    volume: float
    rate_wpm: int

    @property
    def is_tone(self) -> bool:
        return self.text == "<tone>"


class SpeechSink(abc.ABC):
    """The policy of speech output; subclasses only deliver sound to a device."""

    def __init__(self, on_caption: Callable[[Utterance], None] | None = None) -> None:
        self.on_caption = on_caption
        self.headset_present = False
        self.verbosity = "full"
        self._last: tuple[str, bool] | None = None
        self.reset_session()

    # --- session -----------------------------------------------------------------
    def reset_session(self) -> None:
        """Defaults for a new customer: volume, rate and verbosity (508 402.3.1)."""
        self.volume_level = DEFAULT_VOLUME_LEVEL
        self.rate_index = DEFAULT_RATE_INDEX
        self.verbosity = "full"
        self._last = None

    @property
    def volume(self) -> float:
        return self.volume_level / VOLUME_LEVELS

    @property
    def rate_wpm(self) -> int:
        return RATES_WPM[self.rate_index]

    # --- devices -----------------------------------------------------------------
    def headset_connected(self) -> None:
        """A headset was plugged in: the speaker goes quiet, speech goes private."""
        self.headset_present = True
        self.stop()

    def headset_disconnected(self) -> None:
        self.headset_present = False
        self.stop()

    @property
    def active_device(self) -> str:
        return HEADSET if self.headset_present else SPEAKER

    # --- speaking ------------------------------------------------------------------
    def say(self, text: str, private: bool = False, brief: str | None = None) -> Utterance | None:
        """Speak ``text`` (or ``brief`` in brief mode) under the privacy rules.

        Interrupts whatever is being said. Returns what was made audible, or None for
        empty text.
        """
        chosen = brief if (self.verbosity == "brief" and brief) else text
        if not chosen.strip():
            return None
        self._last = (chosen, private)
        return self._speak(chosen, private)

    def _speak(self, text: str, private: bool) -> Utterance:
        self.stop()
        if private and not self.headset_present:
            text, private = CONNECT_HEADSET, False
        utterance = Utterance(text, self.active_device, private, self.volume, self.rate_wpm)
        self._deliver(utterance)
        self._caption(utterance)
        return utterance

    def echo_digit(self, digit: str, private: bool = True) -> Utterance:
        """Acknowledge one keyed digit. A private one (the PIN) is never said or
        captioned: "digit" in the headset, a tone on the speaker; others are said.
        """
        self.stop()
        if private and not self.headset_present:
            utterance = Utterance("<tone>", SPEAKER, True, self.volume, self.rate_wpm)
        elif private:
            utterance = Utterance(KEYED_DIGIT, HEADSET, True, self.volume, self.rate_wpm)
        else:
            utterance = Utterance(digit, self.active_device, False, self.volume, self.rate_wpm)
        self._deliver(utterance)
        self._caption(utterance)
        return utterance

    def repeat(self) -> Utterance | None:
        """Say the last utterance again, with its original privacy."""
        if self._last is None:
            return None
        return self._speak(*self._last)

    def set_verbosity(self, verbosity: str) -> None:
        if verbosity not in ("full", "brief"):
            raise ValueError("verbosity is 'full' or 'brief'")
        self.verbosity = verbosity

    # --- steps, each announced ---------------------------------------------------------
    def louder(self) -> Utterance:
        return self._volume_step(+1)

    def softer(self) -> Utterance:
        return self._volume_step(-1)

    def faster(self) -> Utterance:
        return self._rate_step(+1)

    def slower(self) -> Utterance:
        return self._rate_step(-1)

    def _volume_step(self, step: int) -> Utterance:
        level = self.volume_level + step
        if not 1 <= level <= VOLUME_LEVELS:
            edge = "loudest" if step > 0 else "softest"
            return self._speak(
                f"Volume is at its {edge}, {self.volume_level} of {VOLUME_LEVELS}.", False
            )
        self.volume_level = level
        word = "Louder" if step > 0 else "Softer"
        return self._speak(f"{word}. Volume {level} of {VOLUME_LEVELS}.", False)

    def _rate_step(self, step: int) -> Utterance:
        index = self.rate_index + step
        count = len(RATES_WPM)
        if not 0 <= index < count:
            edge = "fastest" if step > 0 else "slowest"
            return self._speak(f"Speech is at its {edge}, {self.rate_index + 1} of {count}.", False)
        self.rate_index = index
        word = "Faster" if step > 0 else "Slower"
        return self._speak(f"{word}. Speed {index + 1} of {count}.", False)

    def _caption(self, utterance: Utterance) -> None:
        if self.on_caption is not None:
            self.on_caption(utterance)

    # --- delivery ------------------------------------------------------------------
    @abc.abstractmethod
    def _deliver(self, utterance: Utterance) -> None:
        """Make ``utterance`` audible on ``utterance.device`` (a tone when ``is_tone``)."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Silence at once."""

    @abc.abstractmethod
    def pause(self) -> None:
        """Hold the current utterance."""

    @abc.abstractmethod
    def resume(self) -> None:
        """Continue a held utterance."""

    @property
    @abc.abstractmethod
    def is_speaking(self) -> bool:
        """Whether something is being played now."""


class VoiceOutput(SpeechSink):
    """Speech synthesized and played on the speaker or the headset.

    On an output with ``extend`` (:class:`StreamingSpeaker`) a prompt is synthesized piece by piece and starts
    playing after the first piece (time to first audio); on a plain :class:`Speaker` it
    is synthesized whole, then played. ``first_audio`` holds, for each utterance, the
    seconds from :meth:`say` to the first audio handed to the device.
    """

    def __init__(
        self,
        synthesizer: SpeechSynthesizer,
        speaker: Speaker,
        headset: Speaker | None = None,
        on_caption: Callable[[Utterance], None] | None = None,
    ) -> None:
        self.synthesizer = synthesizer
        self.outputs = {SPEAKER: speaker, HEADSET: headset}
        self.first_audio: list[float] = []
        self._stops = 0  # counts stop() calls: a stop ends the streaming of a prompt
        super().__init__(on_caption)

    def _deliver(self, utterance: Utterance) -> None:
        output = self.outputs.get(utterance.device)
        if output is None:  # headset output not configured: say nothing private aloud
            return
        started = time.perf_counter()
        output.volume = utterance.volume
        if utterance.is_tone:
            output.play(digit_tone(), 22_050)
            return
        self.synthesizer.rate_wpm = utterance.rate_wpm
        self.synthesizer.volume = 1.0
        extend: Callable[[np.ndarray, int], None] | None = getattr(output, "extend", None)
        if extend is None:
            audio, rate = self.synthesizer.synthesize(utterance.text)
            output.play(audio, rate)
            self.first_audio.append(time.perf_counter() - started)
            return
        pieces = self.synthesizer.synthesize_stream(utterance.text)
        first = next(pieces, None)
        if first is None:
            return
        generation = self._stops
        output.play(*first)
        self.first_audio.append(time.perf_counter() - started)
        # The rest is made while the first piece plays (tens of milliseconds against a
        # second or more of speech); a stop() meanwhile (barge-in) drops it.
        for audio, rate in pieces:
            if self._stops != generation:
                break
            extend(audio, rate)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current utterance has been played."""
        return all(o.wait(timeout) for o in self.outputs.values() if o is not None)

    def stop(self) -> None:
        self._stops += 1
        for output in self.outputs.values():
            if output is not None:
                output.stop()

    def pause(self) -> None:
        for output in self.outputs.values():
            if output is not None:
                output.pause()

    def resume(self) -> None:
        for output in self.outputs.values():
            if output is not None:
                output.resume()

    @property
    def is_speaking(self) -> bool:
        return any(o.is_playing for o in self.outputs.values() if o is not None)


class RecordingSink(SpeechSink):
    """The same rules, recorded instead of played: what was said, where, how."""

    def __init__(self, on_caption: Callable[[Utterance], None] | None = None) -> None:
        self.utterances: list[Utterance] = []
        self.stops = 0
        self.paused = False
        self._speaking = False
        super().__init__(on_caption)

    def _deliver(self, utterance: Utterance) -> None:
        self.utterances.append(utterance)
        self._speaking = True

    def stop(self) -> None:
        if self._speaking:
            self.stops += 1
        self._speaking = False
        self.paused = False

    def pause(self) -> None:
        self.paused = self._speaking

    def resume(self) -> None:
        self.paused = False

    def finish(self) -> None:
        """Mark the current utterance as played to its end."""
        self._speaking = False

    @property
    def is_speaking(self) -> bool:
        return self._speaking

    def spoken_on(self, device: str) -> list[str]:
        return [u.text for u in self.utterances if u.device == device]

    @property
    def last(self) -> Utterance | None:
        return self.utterances[-1] if self.utterances else None
