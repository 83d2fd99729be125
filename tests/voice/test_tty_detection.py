"""A TTY user on the handset is recognised by the voice channel and handed to the TTY channel."""

from __future__ import annotations

import numpy as np
from scipy.signal import resample_poly

from kiosk.channels.tty import TtyChannel
from kiosk.channels.tty_transport import PhoneLineTransport
from kiosk.channels.voice import EXIT_TTY_DETECTED, VoiceChannel
from kiosk.channels.voice_devices import CaptionPrinter, CapturedSpeaker
from kiosk.channels.voice_input import QueueKeys, ScriptedUser, Turn
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.speech.asr import Recognizer
from kiosk.speech.tts import EspeakSynthesizer
from kiosk.speech.voice_output import VoiceOutput
from kiosk.tty.detect import TtyToneDetector
from kiosk.tty.modulator import modulate


def test_tty_tones_on_the_microphone_switch_the_session_to_tty(sqlite_store) -> None:
    tty_audio = modulate("HELLO GA", rate=16_000)
    user = ScriptedUser([Turn(audio=tty_audio)], rate=16_000)
    captions = CaptionPrinter()
    output = VoiceOutput(
        EspeakSynthesizer(), CapturedSpeaker("speaker"), CapturedSpeaker("headset"), captions
    )
    conversation = Conversation(Services(sqlite_store), Register.SPOKEN)
    channel = VoiceChannel(
        conversation,
        output,
        QueueKeys(),
        recognizer=_NeverCalled(),
        microphone=user,
        captions=captions,
        verbosity="brief",
        tty_detector=TtyToneDetector(16_000),
    )
    assert channel.run() == EXIT_TTY_DETECTED
    assert conversation.register == Register.TTY
    assert conversation.prompt.id == "verify_id"  # a TTY skips the welcome
    assert conversation.prompt.text.tty.endswith("GA")

    # The same conversation carries on over a telephone-rate line in Baudot.
    line = PhoneLineTransport(encoding="float32")
    tty = TtyChannel(conversation, line)
    sent = tty._send_prompt  # noqa: SLF001 - the greeting the TTY user reads first
    sent(conversation.prompt)
    heard = np.concatenate(list(_drain(line)))
    from kiosk.tty.demodulator import decode_audio

    greeting = decode_audio(heard, line.out_rate)
    assert "BILL PAY" in greeting and "ACCT OR PHONE" in greeting


def test_speech_is_not_taken_for_a_tty(sqlite_store) -> None:
    voice = EspeakSynthesizer()
    audio, rate = voice.synthesize("pay my bill please")
    detector = TtyToneDetector(16_000)
    speech = resample_poly(audio, 16_000, rate).astype(np.float32)
    blocks = [speech[i : i + 320] for i in range(0, len(speech), 320)]
    assert not any(detector.feed(block) for block in blocks)


class _NeverCalled(Recognizer):
    """A recognizer that must not be reached: tones are not speech."""

    def decode(self, audio, grammar):  # type: ignore[no-untyped-def]
        raise AssertionError("TTY tones were sent to the speech recognizer")

    def recognize(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("TTY tones were sent to the speech recognizer")


def _drain(line: PhoneLineTransport):  # type: ignore[no-untyped-def]
    while not line.idle:
        yield np.asarray(line.transmit(8000), dtype=np.float32)
