"""One phone call's conversation: who is calling, then the voice or TTY channel.

At answer the line sends a short Baudot "GA" at once (a TTY caller sees the line is
live; a voice caller hears a chirp) and listens for ``detect_seconds`` of the caller's
audio (:mod:`kiosk.line.who_calls`): Baudot tones (1400/1800 Hz with characters in them)
mean a TTY, and the caller gets the TTY
channel over the same audio. Otherwise the spoken greeting starts, and the voice
channel keeps listening for TTY tones all through the call (V.18 automoding's
answering side, in short); keys (DTMF) work on every step.

Asking for a person, when the line has an agent (``KIOSK_LINE_AGENT_URI``), ends the
conversation with a blind transfer; without one the callback offer of the kiosk
goes on. A hang-up ends the channel; the conversation is expired (nothing more is
charged, the customer is forgotten), and the payment core's rules do the rest.
"""

from __future__ import annotations

import logging
import queue
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from kiosk.accessibility.announcer import Caption, CaptionKind, CaptionLog
from kiosk.channels.tty import TtyChannel, TtyOptions
from kiosk.channels.voice import EXIT_TTY_DETECTED, VoiceChannel
from kiosk.channels.voice_devices import CaptionPrinter
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.services import Services
from kiosk.line.audio import CallAudio, LineMicrophone, LineSpeaker
from kiosk.line.keys import DtmfKeys, phone_words
from kiosk.line.who_calls import tty_answers
from kiosk.speech.voice_output import HEADSET, Utterance, VoiceOutput
from kiosk.tty.detect import TtyToneDetector
from kiosk.tty.modulator import modulate

log = logging.getLogger(__name__)

TRANSFER_SPOKEN = "Please hold. I am transferring you to a person now."
TRANSFER_TTY = "HD PLS WAIT. TRANSFERRING YOU TO A PERSON"
TRANSFER_FAILED_SPOKEN = "Sorry, no one can take your call right now."
TRANSFER_FAILED_TTY = "SORRY, NO PERSON CAN TAKE YOUR CALL NOW"
TRANSFER_WAIT = 30.0  # seconds the far end has to report on a transfer
DRAIN_LIMIT = 60.0  # seconds: the last words are let out before hanging up, at most


class CallControl(Protocol):
    """What a conversation may ask of the SIP side (done on the SIP thread)."""

    call_id: str

    def transfer(self, target: str, headers: dict[str, str], timeout: float) -> bool:
        """Blind-transfer the call; True once the far end reports the transfer done,
        False when it is refused, fails or is not reported within ``timeout``."""
        ...

    def hang_up(self) -> None: ...


class TransferRequested(Exception):
    """The caller asked for a person and the line has an agent to transfer to."""

    def __init__(self, reason: str, last4: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.last4 = last4


class LineConversation(Conversation):
    """The kiosk's conversation, with "person" turned into a transfer when possible."""

    def __init__(self, services: Services, register: Register, transfer: bool) -> None:
        self.transfer_enabled = transfer
        super().__init__(services, register)

    def answer(self, raw: str) -> Prompt:
        asked_on = self.current
        return self._transfer_at_person(
            super().answer(raw), f"asked for a person at step {asked_on}"
        )

    def missed(self) -> Prompt:
        """The third miss on a step goes to the person step (no store worker comes to a
        phone): with an agent, that is a transfer too."""
        asked_on = self.current
        return self._transfer_at_person(super().missed(), f"not understood at step {asked_on}")

    def _transfer_at_person(self, prompt: Prompt, reason: str) -> Prompt:
        if self.transfer_enabled and prompt.id == "person_contact":
            customer = self.ctx.customer
            last4 = customer.account_number[-4:] if customer is not None else ""
            raise TransferRequested(reason, last4)
        return prompt


class LineVoiceOutput(VoiceOutput):
    """Speech on the call. A key the caller presses is never spoken back, even into
    their own ear (a PIN or an account number): the phone already beeps for it."""

    def echo_digit(self, digit: str, private: bool = True) -> Utterance:
        return Utterance("<tone>", HEADSET, True, self.volume, self.rate_wpm)

    def _speak(self, text: str, private: bool) -> Utterance:
        return super()._speak(phone_words(text), private)  # a phone's Enter is #


@dataclass
class CallOutcome:
    """How a call ended, for the log and the bench."""

    channel: str = "voice"  # "voice" or "tty"
    transferred: bool = False
    hung_up_by_caller: bool = False
    exit_code: int = 0
    captions: list[str] = field(default_factory=list)


class RecognizerPool:
    """Speech recognizers made before the calls come: loading one holds the interpreter
    for a moment (its acoustic model), which would stall every other call's audio if it
    happened at answer. A call borrows one and gives it back at its end."""

    def __init__(self, factory: Callable[[], object | None], size: int) -> None:
        self._factory = factory
        self._idle: queue.Queue[object] = queue.Queue()
        self._size = size

    def fill(self) -> None:
        """Make them all, side by side (each may start a process and load a model)."""
        with ThreadPoolExecutor(max_workers=self._size) as makers:
            for made in makers.map(lambda _: self._factory(), range(self._size)):
                if made is not None:
                    self._idle.put(made)

    def take(self) -> object | None:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._factory()  # more calls than made ahead: load one now

    def give(self, recognizer: object | None) -> None:
        if recognizer is not None:
            self._idle.put(recognizer)


@dataclass
class SessionParts:
    """What every call needs from the line (shared, or made once per call)."""

    services: Services
    synthesizer_factory: Callable[[], object]
    recognizer_factory: Callable[[], object | None]  # or a RecognizerPool's take
    agent_uri: str = ""
    detect_seconds: float = 1.0
    inter_digit: float = 4.0
    barge_in: bool = False
    recognizers: RecognizerPool | None = None
    # (call id, "caller" | "kiosk", text) of every TTY line, for a screen showing the call
    # (bench/bench_line_tty.py counts the characters the line read wrong with it).
    on_tty_text: Callable[[str, str, str], None] | None = None


class CallSession:
    """Runs one call from answer to hang-up (in its own thread)."""

    def __init__(self, control: CallControl, audio: CallAudio, parts: SessionParts) -> None:
        self.control = control
        self.audio = audio
        self.parts = parts
        self.conversation = LineConversation(
            parts.services, Register.SPOKEN, transfer=bool(parts.agent_uri)
        )
        self.keys = DtmfKeys(lambda: self.conversation.prompt, parts.inter_digit)
        self.captions = CaptionLog(limit=200)
        self.outcome = CallOutcome()

    # ------------------------------------------------------------------ run
    def run(self) -> CallOutcome:
        try:
            try:
                self._run()
            except TransferRequested as request:
                if not self._transfer(request):
                    self._after_failed_transfer()
        except Exception:  # one call's fault never takes the line down
            # As text: a record holding the traceback keeps the call's objects alive.
            log.error(
                "call %s failed; the conversation is cleared: %s",
                self.control.call_id,
                traceback.format_exc(),
            )
            self.conversation.expire()
        finally:
            if not self.outcome.transferred:
                self._drain()
                self.control.hang_up()
            self.outcome.captions = [caption.text for caption in self.captions.entries]
        return self.outcome

    def _run(self) -> None:
        if self._tty_first():
            self._run_tty()
            return
        self._voice_then_tty()

    def _voice_then_tty(self) -> None:
        code = self._run_voice()
        if code == EXIT_TTY_DETECTED and not self.audio.closed:
            self._run_tty()

    def _tty_first(self) -> bool:
        """Send "GA" in Baudot and listen a moment: does a TTY answer?"""
        if tty_answers(self.audio, self.parts.detect_seconds):
            log.info("call %s: TTY tones heard at answer", self.control.call_id)
            return True
        return False

    def _run_voice(self) -> int:
        self.outcome.channel = "voice"
        pool = self.parts.recognizers
        recognizer = pool.take() if pool is not None else self.parts.recognizer_factory()
        try:
            return self._voice_with(recognizer)
        finally:
            if pool is not None:
                pool.give(recognizer)

    def _voice_with(self, recognizer: object | None) -> int:
        microphone = LineMicrophone(self.audio) if recognizer is not None else None
        # The caller's audio is heard while the kiosk speaks (see LineSpeaker); with
        # barge-in the channel reads it itself then.
        keep_up = microphone.begin_listening if microphone and not self.parts.barge_in else None
        speaker = LineSpeaker(self.audio, while_playing=keep_up)
        printer = CaptionPrinter(log=self.captions)
        output = LineVoiceOutput(
            self.parts.synthesizer_factory(),  # type: ignore[arg-type]
            speaker,
            speaker,
            on_caption=printer,
        )
        output.headset_present = True  # the handset is private: only the caller hears it
        detector = TtyToneDetector(LineMicrophone.rate)
        if microphone is not None:
            microphone.tty_detector = detector
        channel = VoiceChannel(
            self.conversation,
            output,
            self.keys,
            recognizer=recognizer,  # type: ignore[arg-type]
            microphone=microphone,
            captions=printer,
            barge_in=self.parts.barge_in,
            tty_detector=detector if microphone is not None else None,
        )
        code = channel.run()
        self.outcome.exit_code = code
        if code == EXIT_TTY_DETECTED:
            log.info("call %s: TTY tones heard; TTY channel", self.control.call_id)
        return code

    def _run_tty(self) -> None:
        self.outcome.channel = "tty"
        self.audio.drop_input()  # what the detector heard was the caller saying hello
        self.audio.restart_clock()  # the channel's own clock starts now
        self.conversation.set_register(Register.TTY)
        shown = self.parts.on_tty_text
        call_id = self.control.call_id
        channel = TtyChannel(
            self.conversation,
            self.audio,
            TtyOptions(),
            on_text=None if shown is None else lambda side, text: shown(call_id, side, text),
        )
        self.outcome.exit_code = channel.run()

    # ------------------------------------------------------------------ endings
    def _tell(self, spoken: str, typed: str) -> None:
        """Say one thing outside the conversation, in the call's register, and let it out."""
        tty = self.conversation.register is Register.TTY
        self.captions.add(Caption(typed if tty else spoken, CaptionKind.SPEECH))
        if tty:
            self.audio.write(modulate(typed + "\n", rate=self.audio.out_rate))
        else:
            synthesizer = self.parts.synthesizer_factory()
            audio, rate = synthesizer.synthesize(spoken)  # type: ignore[attr-defined]
            LineSpeaker(self.audio).play(audio, rate)
        self._drain()

    def _transfer(self, request: TransferRequested) -> bool:
        """Hand the caller to a person; False when the transfer did not happen."""
        log.info("call %s: transfer to a person (%s)", self.control.call_id, request.reason)
        self._tell(TRANSFER_SPOKEN, TRANSFER_TTY)
        headers = {"X-Kiosk-Reason": request.reason}
        if request.last4:
            headers["X-Kiosk-Account-Last4"] = request.last4
        if self.audio.closed or not self.control.transfer(
            self.parts.agent_uri, headers, TRANSFER_WAIT
        ):
            return False
        self.outcome.transferred = True
        self.conversation.expire()  # the agent has the caller; the kiosk forgets them
        return True

    def _after_failed_transfer(self) -> None:
        """No person could take the call: say so at once and go on with the kiosk's
        callback offer (the step the conversation is on), in the same register."""
        if self.audio.closed:
            self.conversation.expire()
            return
        log.info("call %s: transfer failed; callback offer", self.control.call_id)
        self.conversation.transfer_enabled = False  # asking again gets the offer too
        self._tell(TRANSFER_FAILED_SPOKEN, TRANSFER_FAILED_TTY)
        if self.conversation.register is Register.TTY:
            self._run_tty()
        else:
            self._voice_then_tty()

    def _drain(self) -> None:
        """Let the last prompt reach the caller before the line hangs up."""
        end = time.monotonic() + DRAIN_LIMIT
        while self.audio.pending_seconds > 0 and not self.audio.closed:
            if time.monotonic() > end:
                break
            time.sleep(0.02)
        if not self.audio.closed:
            time.sleep(0.2)  # the jitter buffer at the far end


__all__ = ["CallControl", "CallOutcome", "CallSession", "SessionParts", "TransferRequested"]
