"""The screen kiosk's voice (ADA 707.5): the voice channel's speech stack, fed by the screen.

The announcer decides what to say (each prompt, choice, key and result); this plays
it through the same :class:`~kiosk.speech.voice_output.VoiceOutput` as ``kiosk
voice`` (espeak-ng, interruptible streams, private speech on the headset only, a
tone instead of a masked digit on the speaker), in a thread of its own so the
screen never waits for speech. Utterances queue; any key stops them at once.
Volume and rate follow the session's profile (stepped, announced, reset for each
customer). The headset is watched through the sound server
(:class:`~kiosk.speech.headset.HeadsetWatch`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass

import numpy as np

from kiosk.accessibility.modes import RATE, Profile
from kiosk.speech.audio import AudioDeviceError, OpenSpeaker, tone
from kiosk.speech.tts import EspeakSynthesizer, SpeechSynthesizer, SynthesisError
from kiosk.speech.voice_output import HEADSET, RATES_WPM, VoiceOutput

__all__ = ["MASKED_WORD", "ProfileVoice", "ScreenSpeech", "build_screen_speech"]

log = logging.getLogger(__name__)

MASKED_WORD = "digit"  # said in the headset for each PIN key: never the digit itself
DEFAULT_LEVEL = 0.15  # linear gain at the default volume: 16 dB of headroom above it
TONES: dict[str, np.ndarray] = {
    "key": tone(1000.0, 0.07),
    "warning": tone(660.0, 0.25),
    "error": tone(220.0, 0.2),
}
POLL = 0.005


class EchoCache(EspeakSynthesizer):
    """espeak-ng with the short words a key echoes (digits, "digit") kept once made:
    the echo of a key then starts as soon as the stream takes it."""

    limit_words = 2

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[tuple[str, int], tuple[np.ndarray, int]] = {}

    def _render(self, text: str) -> tuple[np.ndarray, int]:
        key = (text, int(self.rate_wpm))
        found = self._made.get(key)
        if found is None:
            found = super()._render(text)
            if len(text.split()) <= self.limit_words and len(self._made) < 500:
                self._made[key] = found
        return found

    def warm(self, words: tuple[str, ...]) -> None:
        for word in words:
            self._render(word)


ECHO_WORDS = (*"0123456789", MASKED_WORD)


class ProfileVoice(VoiceOutput):
    """A :class:`VoiceOutput` whose volume and rate are the session profile's steps."""

    profile: Profile | None = None

    @property
    def volume(self) -> float:
        if self.profile is None:
            return DEFAULT_LEVEL
        return min(1.0, DEFAULT_LEVEL * 10 ** (self.profile.volume_gain_db / 20))

    @property
    def rate_wpm(self) -> int:
        level = self.profile.rate if self.profile is not None else RATE.default
        return RATES_WPM[min(level - 1, len(RATES_WPM) - 1)]


@dataclass(frozen=True)
class _Item:
    kind: str  # "say", "tone", "masked"
    text: str
    private: bool
    generation: int


class ScreenSpeech:
    """Speech and tones for the screen (the announcer's sink and tone sink)."""

    def __init__(self, output: ProfileVoice, profile: Profile) -> None:
        self.output = output
        output.profile = profile
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._generation = 0
        self._unfinished = 0  # queued or playing
        self._lock = threading.Lock()
        self.key_at = 0.0  # perf_counter of the last stop (a key), for first-audio timing
        self._thread = threading.Thread(target=self._run, name="screen-speech", daemon=True)
        self._thread.start()

    # ---------------------------------------------------------- the sinks
    def say(self, text: str, private: bool = False) -> None:
        self._put("say", text, private)

    def tone(self, name: str) -> None:
        self._put("tone", name, False)

    def echo_masked(self) -> None:
        """A PIN key: "digit" in the headset; on the open speaker only a tone."""
        self._put("masked", MASKED_WORD, True)

    def stop(self) -> None:
        """Silence now and forget what was queued (any key, a new prompt)."""
        with self._lock:
            self._generation += 1
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
                self._unfinished -= 1
        self.key_at = time.perf_counter()
        self.output.stop()

    # ------------------------------------------------------------ headset
    @property
    def headset_present(self) -> bool:
        return self.output.headset_present

    def headset(self, present: bool) -> None:
        """The jack changed: private speech follows (and stops when it is pulled out).
        The headset's stream is opened at once (its first moment is lost, not a word
        of the next prompt) and closed when it goes, so the sound server can never move
        it, and what it plays, to the speaker."""
        with self._lock:
            self._generation += 1
        device = self.output.outputs.get(HEADSET)
        if present:
            self.output.headset_connected()
            if isinstance(device, OpenSpeaker):
                try:
                    device.open()
                except AudioDeviceError as error:
                    log.warning("headset output: %s", error)
        else:
            if isinstance(device, OpenSpeaker):
                device.disconnect()
            self.output.headset_disconnected()

    @property
    def busy(self) -> bool:
        """Something is queued, being made or playing."""
        return self._unfinished > 0 or self.output.is_speaking

    def close(self) -> None:
        self.stop()
        self._queue.put(None)
        for device in self.output.outputs.values():
            if isinstance(device, OpenSpeaker):
                device.close()

    # ------------------------------------------------------------- worker
    def _put(self, kind: str, text: str, private: bool) -> None:
        with self._lock:
            self._unfinished += 1
            self._queue.put(_Item(kind, text, private, self._generation))

    def _current(self, item: _Item) -> bool:
        return item.generation == self._generation

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._speak(item)
            finally:
                with self._lock:
                    self._unfinished -= 1

    def _speak(self, item: _Item) -> None:
        if not self._current(item):
            return
        try:
            self._play(item)
        except (AudioDeviceError, SynthesisError, OSError, RuntimeError) as error:
            log.warning("screen speech failed: %s", error)
            return
        while self.output.is_speaking and self._current(item):
            time.sleep(POLL)
        if not self._current(item):
            self.output.stop()  # a key came while it was being made: not a word more

    def _play(self, item: _Item) -> None:
        output = self.output
        if item.kind == "say":
            output.say(item.text, private=item.private)
        elif item.kind == "masked" and output.headset_present:
            output.say(item.text, private=True)
        elif item.kind == "masked":
            output.echo_digit("", private=True)  # a tone on the speaker, never the digit
        else:
            device = output.outputs[output.active_device]
            if device is not None:
                device.volume = output.volume
                device.play(TONES.get(item.text, TONES["key"]), 22_050)


def build_screen_speech(
    profile: Profile,
    speaker_sink: str | None,
    headset_sink: str | None,
    synthesizer: SpeechSynthesizer | None = None,
) -> ScreenSpeech:
    """Speech on this machine's sound server: espeak-ng (a program, so nothing of it
    writes into the screen's terminal) on the speaker and headset sinks.

    Raises:
        AudioDeviceError: no audio output (no sound card, no sound server).
        SynthesisError: espeak-ng is missing.
    """
    from kiosk.speech.audio import OutputDevice, find_device, quiet_alsa

    quiet_alsa()  # its messages would be written over the screen
    find_device(None, "output")  # raises when there is no output at all
    if synthesizer is None:
        synthesizer = EchoCache()
        synthesizer.rate_wpm = RATES_WPM[RATE.default - 1]  # the rate a session starts at
        synthesizer.warm(ECHO_WORDS)
    speaker = OpenSpeaker(OutputDevice("speaker", pulse_sink=speaker_sink))
    speaker.open()
    headset: OpenSpeaker | None = None
    if headset_sink:
        headset = OpenSpeaker(OutputDevice(HEADSET, pulse_sink=headset_sink))
        headset.connected = False  # until the sound server says it is plugged in
    return ScreenSpeech(ProfileVoice(synthesizer, speaker, headset), profile)
