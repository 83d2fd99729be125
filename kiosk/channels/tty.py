"""``kiosk tty``: the whole conversation with a caller on a TTY (TDD).

The channel listens to the caller's tones through a transport, decodes them with
the streaming Baudot demodulator, waits for a complete turn (GA, or a pause),
answers through the conversation engine in the TTY register and sends the next
prompt as FSK tones. Half duplex: while the kiosk sends, and 300 ms after, the
caller's side is ignored (our own echo). The channel never echoes what the
caller typed (PIN and card digits stay unseen) and keeps no transcript unless
it was given a file for one and the caller typed Y when asked.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.accessibility.timing import CallableClock
from kiosk.channels.tty_format import render_tty
from kiosk.channels.tty_transcript import (
    ASK_AGAIN,
    CONSENT_QUESTION,
    KEPT,
    NOT_KEPT,
    Transcript,
    answers_ahead,
    consents,
    declines,
    mask_digits,
)
from kiosk.channels.tty_transport import Transport, TransportError
from kiosk.channels.tty_turns import TurnAssembler, TurnKind, read_turn
from kiosk.conversation.answers import Invalid, parse
from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Prompt, Register
from kiosk.conversation.session import Session, SessionEvent
from kiosk.tty.demodulator import StreamingDecoder
from kiosk.tty.modulator import BAUD_UK, BAUD_US, modulate

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_LINE_CLOSED = 3
EXIT_NO_AUDIO = 2

PLEASE_REPEAT = "PLS RPT GA"
READ_YOU = "YES I READ YOU."
HOLD = "HD PLS WAIT"  # before a "yes" that pays: the card terminal, the bank take a while
GOODBYE = "SESSION ENDED. GOODBYE SKSK"


@dataclass
class TtyOptions:
    baud: float | str = "auto"  # what the caller may send: "auto", 45.45 or 50
    send_baud: float | None = None  # None: 45.45 until the caller is heard at 50
    stop_bits: float = 2.0
    pause_seconds: float = 4.0  # a line without GA ends after this much quiet
    block_seconds: float = 0.1
    transcript: str | None = None  # a file for the call, kept only if the caller says Y


class TtyChannel:
    """One caller's session over a transport, from welcome to SKSK.

    The session's clock is the caller's audio read so far, so a replayed WAV times out
    exactly as a live line would; each step is timed from the end of its prompt's
    transmission (a long prompt takes half a minute at 45.45 baud)."""

    def __init__(
        self,
        conversation: Conversation,
        transport: Transport,
        options: TtyOptions | None = None,
        on_text: Callable[[str, str], None] | None = None,
    ) -> None:
        self.conversation = conversation
        self.now = 0.0  # seconds of caller audio read: the session's clock
        self.session = Session(
            conversation.ctx.services,
            conversation=conversation,
            clock=CallableClock(lambda: self.now),
        )
        self.transport = transport
        self.options = options or TtyOptions()
        self.decoder = StreamingDecoder(transport.rate, baud=self.options.baud)
        self.turns = TurnAssembler(self.options.pause_seconds)
        self.last_message = ""
        self._heard_until = 0.0  # our transmission (and its echo) ends here
        self._on_text = on_text  # ("kiosk" | "caller", text) for a screen showing the call
        self._asking_consent = self.options.transcript is not None
        self._asked_again = False  # a non-Y/N answer to the consent question is asked once more
        self.transcript: Transcript | None = None

    # ------------------------------------------------------------------ run
    def run(self) -> int:
        """Talk until the session ends or the line closes. Returns an exit code."""
        try:
            return self._run()
        finally:
            if self.transcript is not None:
                self.transcript.close()

    def _run(self) -> int:
        if self._asking_consent:
            self._send(CONSENT_QUESTION)
        else:
            self._send_prompt(self.conversation.prompt)
        frames = max(1, int(self.options.block_seconds * self.transport.rate))
        while True:
            block = self.transport.read(frames)
            if block is None:
                for line in self.turns.add(self.decoder.flush(), self.now):
                    if self._handle(line):
                        return EXIT_OK
                final = self.turns.poll(float("inf"))
                if final is not None and self._handle(final):
                    return EXIT_OK
                self.session.expire()  # line closed mid-session: wipe, charge nothing
                return EXIT_LINE_CLOSED
            self.now += block.size / self.transport.rate
            read_before = len(self.decoder.codes)
            for line in self.turns.add(self.decoder.feed(block), self.now):
                if self._handle(line):
                    return EXIT_OK
            if len(self.decoder.codes) > read_before:
                self.turns.heard(self.now)
            paused = self.turns.poll(self.now)
            if paused is not None and self._handle(paused):
                return EXIT_OK
            if self._check_timeout():
                return EXIT_OK

    # ------------------------------------------------------------- turns
    def _handle(self, line: str) -> bool:
        """Act on one complete line; True when the session is over."""
        self._record("caller", line)
        turn = read_turn(line)
        if turn.kind == TurnKind.EMPTY:
            return False
        consent_answer = turn.kind in (TurnKind.ANSWER, TurnKind.GARBLED)
        if self._asking_consent and consent_answer and not self._settle_consent(turn.text):
            return False  # settled (or asked again); True: the line also answers the first step
        if turn.kind == TurnKind.GARBLED:
            self._send(PLEASE_REPEAT)
            return False
        if turn.kind == TurnKind.REPEAT:
            self._send(self.last_message or PLEASE_REPEAT)
            return False
        if turn.kind in (TurnKind.READ_ME, TurnKind.REPEAT) and self._asking_consent:
            self._send(f"{READ_YOU}\n{CONSENT_QUESTION}")
            return False
        if turn.kind == TurnKind.READ_ME:
            self._send(f"{READ_YOU}\n{self.last_message}" if self.last_message else READ_YOU)
            return False
        if turn.text:
            prompt = self._answer(turn.text)
            if prompt.end_of_session:
                self._send_prompt(prompt)
                return True
        if turn.kind == TurnKind.END:
            self.session.expire()  # wipes the customer; nothing more is charged
            self._send(GOODBYE)
            return True
        self._send_prompt(self.conversation.prompt)
        return False

    def _settle_consent(self, text: str) -> bool:
        """The caller's answer to the transcript question. True when ``text`` is also
        the answer to the first step (the caller typed their account number ahead).

        Y keeps a copy and N keeps none. Numbers mean the caller skipped the question:
        no copy (one is kept only on a clear yes), and the numbers answer the account
        question instead of being lost. Anything else asks once more, then is a no."""
        if self.options.transcript is not None and consents(text):
            self._asking_consent = False
            self.transcript = Transcript(self.options.transcript)
            self._send(KEPT)
        elif declines(text) or answers_ahead(text) or self._asked_again:
            self._asking_consent = False
            self._send(NOT_KEPT)
            if answers_ahead(text):
                return True
        else:
            self._asked_again = True
            self._send(ASK_AGAIN)
            return False
        self._send_prompt(self.conversation.prompt)
        return False

    def _record(self, side: str, text: str) -> None:
        if self._on_text is not None:
            self._on_text(side, text)
        if self.transcript is not None:
            self.transcript.add(side, text)

    def _answer(self, text: str) -> Prompt:
        prompt = self.session.prompt
        if prompt.confirms_money:
            parsed = parse(prompt, text)
            if not isinstance(parsed, Invalid) and parsed.yes:
                self._send(HOLD)
        self.session.answer(text)
        self.session.take_signals()  # screen and audio modes mean nothing here
        return self.session.set_register(Register.TTY)

    def _check_timeout(self) -> bool:
        """Warn, then end, on the session's clock; True when the session ended."""
        if self.turns.typing:
            self.session.activity()  # the caller is typing: they are there
            return False
        tick = self.session.tick()
        if tick.event is SessionEvent.WARNING:
            self._send(self.session.warning().tty)
            self.session.warning_delivered(self._heard_until)
        elif tick.event is SessionEvent.EXPIRED:
            self._send_prompt(self.session.prompt)
            return True
        return False

    # ------------------------------------------------------------- sending
    def _send_prompt(self, prompt: Prompt) -> None:
        text = render_tty(prompt)
        self.last_message = text
        self._send(text)
        self.session.delivered(self._heard_until)

    def _send(self, text: str) -> None:
        self._record("kiosk", text)
        audio = modulate(
            text + "\n",  # CR LF: the caller's display starts the next message on a new line
            rate=self.transport.out_rate,
            baud=self._send_baud(),
            stop_bits=self.options.stop_bits,
        )
        ends = self.transport.write(audio)
        self.decoder.suppress_until(float(ends))
        self._heard_until = max(self._heard_until, float(ends))
        self.turns.clear()  # half duplex: whatever collided with us is lost

    def _send_baud(self) -> float:
        if self.options.send_baud is not None:
            return self.options.send_baud
        return BAUD_UK if self.decoder.detected_baud == BAUD_UK else BAUD_US


def run_tty_channel(
    wav_in: str | None = None,
    wav_out: str | None = None,
    options: TtyOptions | None = None,
) -> int:
    """``kiosk tty``: serve one caller on the handset, or replay a caller's WAV."""
    from kiosk.channels.tty_transport import HandsetTransport, WavTransport
    from kiosk.logging import log_to_data_dir
    from kiosk.runtime import KioskRuntime

    log_to_data_dir()  # the conversation, not log lines, on the terminal
    try:
        transport: Transport = (
            WavTransport(wav_in, wav_out) if wav_in else HandsetTransport(wav_out=wav_out)
        )
    except (TransportError, ValueError) as error:
        print(f"kiosk tty: {error}", file=sys.stderr)
        return EXIT_NO_AUDIO
    runtime = KioskRuntime.start()
    try:
        channel = TtyChannel(
            Conversation(runtime.services, Register.TTY), transport, options, on_text=_show
        )
        code = channel.run()
        runtime.deliver_pending()
        return code
    finally:
        transport.close()
        runtime.stop()


def _show(side: str, text: str) -> None:
    """The call on the kiosk's screen (voice carry-over users read along); kept nowhere."""
    prefix = "KIOSK: " if side == "kiosk" else "CALLER: "
    shown = text if side == "kiosk" else _mask_digits(text)
    print(prefix + shown.replace("\n", "\n" + " " * len(prefix)), flush=True)


def _mask_digits(text: str) -> str:
    """The caller's digits (PIN, card) never shown: each becomes *."""
    return mask_digits(text)


__all__ = ["TtyChannel", "TtyOptions", "run_tty_channel"]
