"""``kiosk line``: run the pay-by-phone line until stopped (SIGINT or SIGTERM)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.line.config import LineSettings
    from kiosk.line.session import SessionParts
    from kiosk.runtime import KioskRuntime

HELP = """\
Answer phone calls over SIP and run one kiosk conversation per call: voice callers
by speech and keys (DTMF), TTY callers in Baudot over the same call.

Registration (to a PBX or SIP trunk) is set in the environment, never on the command
line (other users of the machine can read command lines):
  KIOSK_LINE_REGISTRAR       e.g. sip:pbx.example.net (empty: no registration, the line
                             only answers calls sent to --listen)
  KIOSK_LINE_USER            the SIP user (account) at the registrar
  KIOSK_LINE_DOMAIN          its SIP domain (default: the registrar's host)
  KIOSK_LINE_PASSWORD_FILE   a file whose first line is the SIP password (preferred), or
  KIOSK_LINE_PASSWORD        the password itself
Audio: G.711 mu-law (PCMU) and A-law (PCMA) at 8 kHz, 20 ms packets, offered in the
order of --codecs (KIOSK_LINE_CODECS); keys by RFC 4733 telephone-events, or SIP INFO
(application/dtmf-relay) from phones that send those. The jitter buffer never drops
frames (a dropped frame corrupts a TTY character).
Ports: SIP over UDP on --listen (KIOSK_LINE_LISTEN); RTP and RTCP from --rtp-ports
(KIOSK_LINE_RTP_PORTS), two ports a call.
Concurrency: at most --max-calls calls at once (KIOSK_LINE_MAX_CALLS, 1 to 4: the SIP
stack's wheel holds 4 calls a process; more is refused at start). One call more is
answered 486 Busy Here at once (by the SIP stack itself when the line holds 4), never
answered and dropped. For 8 calls run two lines on two ports and two RTP ranges, e.g.
  kiosk line --listen 10.0.0.5:5070 --rtp-ports 40000-40099
  kiosk line --listen 10.0.0.5:5071 --rtp-ports 40100-40199
(each with its own KIOSK_LINE_USER when registering) and put both in a PBX hunt group
or queue that tries the next member on 486 (Asterisk: a Dial() of both, or a queue;
FreeSWITCH: a sequential bridge on USER_BUSY); bench/bench_line.py runs 8 calls so.
Cards are card-not-present: the caller keys the card number, the expiry (MMYY) and
the security code on the phone's keypad, never by voice; none of them is spoken back,
logged or stored (only the brand and last 4 are kept). No cash is offered.
"Person" on any step transfers the call (blind, SIP REFER) to --agent-uri
(KIOSK_LINE_AGENT_URI) with X-Kiosk-Reason and X-Kiosk-Account-Last4 headers; without
one, or when the transfer is refused or fails, the caller gets the callback offer.
Real time: the media clock thread asks for SCHED_FIFO 20 and, once loaded, the line's
other threads for SCHED_RR 10 (as `asterisk -p`; espeak-ng and the recognizers run in
ordinary helper processes); needs CAP_SYS_NICE or an RLIMIT_RTPRIO, e.g. LimitRTPRIO=20
in a systemd unit; without it, it is logged and the line runs at normal priority.
Its memory is locked once loaded, each page as it is touched (needs CAP_IPC_LOCK or
LimitMEMLOCK=infinity, else logged) and transparent huge pages are off for it.
Also: KIOSK_LINE_BARGE_IN (speech interrupts prompts, default off: lines echo),
KIOSK_LINE_DETECT_SECONDS (listening for a TTY at answer, 1),
KIOSK_LINE_INTER_DIGIT_SECONDS (a pause that ends a number typed without #, 4).
Logs: one line per event on standard error, each with its call's SIP Call-ID; keys
pressed are logged without their digit.
"""


def add_line_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    line = commands.add_parser(
        "line",
        help="the pay-by-phone line: answer SIP calls (voice, keys, TTY)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    line.add_argument(
        "--listen", metavar="HOST:PORT", help="SIP UDP address (default 127.0.0.1:5070)"
    )
    line.add_argument("--max-calls", type=int, metavar="N", help="calls at once (default 4)")
    line.add_argument(
        "--agent-uri", metavar="URI", help="where 'person' transfers, e.g. sip:agents@pbx"
    )
    line.add_argument("--codecs", metavar="LIST", help="pcmu,pcma (the order is the preference)")
    line.add_argument(
        "--rtp-ports", metavar="LOW-HIGH", help="RTP port range (default 40000-40199)"
    )


def run_line(args: argparse.Namespace) -> int:
    from kiosk.line.config import LineSettings, LineSettingsError

    overrides = {
        name: value
        for name, value in (
            ("listen", args.listen),
            ("max_calls", args.max_calls),
            ("agent_uri", args.agent_uri),
            ("codecs", args.codecs),
            ("rtp_ports", args.rtp_ports),
        )
        if value is not None
    }
    try:
        settings = LineSettings(**overrides)
        settings.check()
    except (LineSettingsError, ValueError) as error:
        from kiosk.exits import EXIT_USAGE, fail

        return fail("line", str(error), EXIT_USAGE)
    _log_to_stderr()
    from kiosk.line.sip import LineServer
    from kiosk.runtime import KioskRuntime

    # No caller can put a bill in or take a printed receipt, and the card is not
    # present: the caller keys it.
    runtime = KioskRuntime.start(takes_cash=False, keyed_card=True, has_printer=False)
    server = LineServer(settings, _parts(runtime, settings), realtime=True)
    stop = threading.Event()

    def _stop(*_: object) -> None:
        server.stop()
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        server.serve()
    except Exception as error:  # PJSIP's errors: a port in use, a bad address
        from kiosk.exits import EXIT_FAILED, fail

        logging.getLogger("kiosk.line").error("the line cannot run: %s", error)
        return fail("line", f"cannot start: {error}", EXIT_FAILED)
    finally:
        runtime.stop()
    return 0


def _parts(runtime: KioskRuntime, settings: LineSettings) -> SessionParts:
    from kiosk.line.recognizer import ProcessRecognizer
    from kiosk.line.session import RecognizerPool, SessionParts
    from kiosk.line.synthesizer import ProcessSynthesizer, Renderers
    from kiosk.speech.asr import RecognizerError

    services = runtime.services
    kiosk_settings = services.settings

    def recognizer() -> object | None:
        # In a child process: a decode holds the interpreter, and with it every call's
        # audio (see kiosk.line.recognizer).
        try:
            return ProcessRecognizer(
                kiosk_settings.line_speech_engine, kiosk_settings.vosk_model_dir
            )
        except RecognizerError as error:
            logging.getLogger("kiosk.line").warning("no speech recognizer: %s; keys only", error)
            return None

    pool = RecognizerPool(recognizer, settings.max_calls)  # filled before the line listens
    # espeak-ng started from helper processes, never from the line's (see
    # kiosk.line.synthesizer).
    renderers = Renderers(settings.max_calls)
    return SessionParts(
        services=services,
        synthesizer_factory=lambda: ProcessSynthesizer(renderers),
        recognizer_factory=recognizer,
        recognizers=pool,
        agent_uri=settings.agent_uri,
        detect_seconds=settings.detect_seconds,
        inter_digit=settings.inter_digit_seconds,
        barge_in=settings.barge_in,
    )


def _log_to_stderr() -> None:
    from kiosk.line.sip import CallIdFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(CallIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s call=%(call_id)s %(name)s: %(message)s")
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.getLogger("kiosk.line.pjsip").setLevel(logging.WARNING)


__all__ = ["HELP", "add_line_parser", "run_line"]
