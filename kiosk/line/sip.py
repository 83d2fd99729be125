"""The SIP side of the line: PJSIP (pjsua2) answers calls and carries their audio.

One thread owns PJSIP: it polls the stack (all SIP callbacks arrive there) and runs
what the calls' conversations ask of it (hang up, transfer) from a queue, because
PJSIP must only be driven from threads it knows. The audio of each call passes
through an ``AudioMediaPort`` clocked by PJSIP's media clock (a null sound device:
the line has no sound card) at 8 kHz, 20 ms a frame, into the call's
:class:`kiosk.line.audio.CallAudio`. Each call's conversation runs in its own thread.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import gc
import logging
import os
import queue
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import structlog

from kiosk.line.audio import FRAME, CallAudio
from kiosk.line.config import CODECS, LineSettings
from kiosk.line.session import CallOutcome, CallSession, SessionParts
from kiosk.line.warmup import warm_up

log = logging.getLogger(__name__)

CALL_ID: contextvars.ContextVar[str] = contextvars.ContextVar("call_id", default="-")
POLL_MS = 10
BUSY = 486
SILENCE = np.zeros(FRAME, dtype=np.float32)
PORT_GRACE = 2.0  # seconds an ended call's PJSIP object is kept before it is dropped
TRANSFER_WAIT = 30.0  # seconds the far end has to report on a transfer before we hang up
MEDIA_WAIT = 10.0  # seconds an answered call may go without audio before it is hung up
TransferReport = Callable[[bool], None]


class CallIdFilter(logging.Filter):
    """Puts the call id of the thread's call (or "-") on every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.call_id = CALL_ID.get()
        return True


@contextlib.contextmanager
def call_context(call_id: str) -> Iterator[None]:
    token = CALL_ID.set(call_id)
    structlog.contextvars.bind_contextvars(call_id=call_id)  # the JSON event lines too
    try:
        yield
    finally:
        structlog.contextvars.unbind_contextvars("call_id")
        CALL_ID.reset(token)


def _guarded(method: Callable[..., None]) -> Callable[..., None]:
    """A PJSIP callback that never lets an exception out: one escaping into PJSIP's C++
    (a SWIG director) aborts the whole process, every call with it."""

    def guarded(*args: Any) -> None:
        try:
            method(*args)
        except Exception:
            # As text: a log record holding the traceback would keep PJSIP objects alive
            # in its frames, to be freed later on some other thread.
            log.error("%s failed: %s", method.__name__, traceback.format_exc())

    guarded.__name__ = method.__name__
    return guarded


def _vector_reader(pj: Any) -> Callable[[Any], bytes]:
    """How to read a frame's bytes (a SWIG ``ByteVector``) fast.

    ``bytes(frame.buf)`` walks the vector one element at a time through SWIG: 0.4 ms a
    frame, on the media clock, holding the interpreter. The vector's storage is read
    directly instead (a C++ ``std::vector``: its begin and end pointers first), once a
    known vector has been read back right that way; otherwise the slow way.
    """

    def direct(vector: Any) -> bytes:
        address = int(vector.this)
        begin = ctypes.c_void_p.from_address(address).value
        end = ctypes.c_void_p.from_address(address + ctypes.sizeof(ctypes.c_void_p)).value
        if not begin or not end or end <= begin:
            return b""
        return ctypes.string_at(begin, end - begin)

    probe = bytes(range(256)) + bytes(range(64))
    try:
        if direct(pj.ByteVector(probe)) == probe and direct(pj.ByteVector()) == b"":
            return direct
    except Exception:
        pass
    log.warning("reading audio frames the slow way (the SIP stack's vectors are unusual)")
    return bytes


REALTIME_PRIORITY = 20  # SCHED_FIFO, as PulseAudio and PipeWire ask for their audio threads
_clock_threads: set[int] = set()


def _media_clock_priority() -> None:
    """Make the thread running this (PJSIP's media clock, which sends every call's RTP)
    real-time, once: on a busy machine an ordinary thread waits its turn behind every
    other process, and each wait is a gap in every call's audio. Without the right
    (CAP_SYS_NICE, or LimitRTPRIO= in the service) it stays as it was.

    And keep its Python thread state for good. The clock is PJSIP's thread: each
    callback into Python (two a call every 20 ms) made a new thread state and dropped it
    after, and Python 3.11 maps a 16 kB frame stack for each (measured: 800 mmap and 800
    munmap calls a second from each line's clock thread; each takes the process's
    memory-map lock for writing and makes the kernel interrupt the other CPU to flush
    its address cache). One extra ``PyGILState_Ensure``, never released, keeps it.
    """
    thread = threading.get_native_id()
    if thread in _clock_threads:
        return
    _clock_threads.add(thread)
    ctypes.pythonapi.PyGILState_Ensure()
    try:
        os.sched_setscheduler(thread, os.SCHED_FIFO, os.sched_param(REALTIME_PRIORITY))
        log.info("media clock thread runs real-time (SCHED_FIFO %d)", REALTIME_PRIORITY)
    except (OSError, AttributeError) as error:
        log.warning("media clock thread stays at normal priority: %s", error)


PROCESS_PRIORITY = 10  # SCHED_RR for the line's other threads, below the media clock


def _realtime_process() -> None:
    """Make every thread of the line round-robin real-time (below the media clock),
    and every thread it starts later too (they inherit it).

    The media clock needs the interpreter for every call's frame, every 20 ms: when the
    thread holding it is an ordinary one, the system may run another process's work
    first for tens of milliseconds (measured with a busy machine: 50-340 ms gaps in
    every call's RTP at once), and the clock waits with it. Asterisk's ``-p`` runs the
    same way. Done after warm-up, so that the loading runs at ordinary priority.
    """
    # Not SCHED_RESET_ON_FORK: Linux applies it to new threads too (each call's thread
    # would start ordinary). The line's helper processes lower themselves instead
    # (kiosk.line.child.ordinary_priority).
    policy = os.SCHED_RR
    threads = (
        [int(tid) for tid in os.listdir("/proc/self/task")]
        if os.path.isdir("/proc/self/task")
        else [0]
    )
    try:
        for thread in threads:
            with contextlib.suppress(ProcessLookupError):  # a thread that just ended
                os.sched_setscheduler(thread, policy, os.sched_param(PROCESS_PRIORITY))
        log.info("line threads run real-time (SCHED_RR %d)", PROCESS_PRIORITY)
    except (OSError, AttributeError) as error:
        log.warning("line threads stay at normal priority: %s", error)
    _lock_memory()


MCL_CURRENT = 1  # mlockall(2): the pages mapped now
MCL_ONFAULT = 4  # ... and the rest of those mappings only as they are touched (Linux 4.4)
PR_SET_THP_DISABLE = 41  # prctl(2)


def _lock_memory() -> None:
    """Keep the line's memory still, as real-time audio programs do.

    Everything loaded is locked in memory (``mlockall``; needs CAP_IPC_LOCK or
    LimitMEMLOCK=infinity, else it is logged): dropped pages of its code would be read
    back from disk under the media clock. Locked on fault (``MCL_ONFAULT``), not all at
    once: with a plain lock, the kernel fills every page of a locked mapping the moment
    it grows, and the malloc arenas grow by ``mprotect`` when a call's thread allocates,
    holding the interpreter: measured in bench_line, 25-60 ms of page clearing inside
    ``mprotect`` at each call's start, every call's RTP stopped behind it (perf: clock
    gaps of 33-63 ms, the call thread in ``populate_vma_page_range``). A kernel without
    ``MCL_ONFAULT`` gets no lock rather than that. And transparent huge pages are off for the
    line: the kernel's khugepaged merges a process's pages holding its memory map lock,
    at the lowest priority; on a busy machine the media clock, asking for memory, waited
    for it 100-500 ms in uninterruptible sleep (measured: ``vm_mmap_pgoff`` in the clock
    thread's kernel stack while khugepaged ran), every call's RTP with it.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as error:
        log.warning("line memory not locked: %s", error)
        return

    def call(name: str, *args: int) -> None:
        if getattr(libc, name)(*args) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))

    try:
        call("mlockall", MCL_CURRENT | MCL_ONFAULT)
        log.info("line memory locked (on fault)")
    except (OSError, AttributeError) as error:
        log.warning("line memory not locked (pages may be read back from disk): %s", error)
    try:
        call("prctl", PR_SET_THP_DISABLE, 1, 0, 0, 0)
    except (OSError, AttributeError) as error:
        log.warning("transparent huge pages stay on for the line: %s", error)


JB_DISCARD_NONE = 0  # pjmedia_jb_discard_algo: PJMEDIA_JB_DISCARD_NONE


def _set_enum(config: Any, name: str, value: int) -> None:
    """Set a PJSIP config field whose enum type the binding does not wrap.

    Used for the jitter buffer's discard algorithm: by default ("progressive") PJSIP
    drops frames whenever packets come in bunches, to keep the delay short; a dropped
    20 ms frame inside a Baudot character (22 ms a bit) corrupts it (measured through the
    line, characters typed at 0 dB SNR: 24 errors in 48 characters; none dropped: see
    bench/bench_line_tty.py). The binding hands out a copy of the field behind a pointer
    and takes one back, so the copy is written and handed back.
    """
    try:
        copy = getattr(config, name)
        ctypes.c_int.from_address(int(copy)).value = value
        setattr(config, name, copy)
    except (AttributeError, TypeError, ValueError) as error:
        log.warning("cannot set %s (%s): PJSIP's default stays", name, error)


def _pjsua() -> Any:
    try:
        import pjsua2
    except ImportError as error:  # pragma: no cover - a runtime dependency
        raise RuntimeError(
            f"the SIP stack is missing ({error}): pip install pjsua2-python"
        ) from error
    return pjsua2


class LineServer:
    """A SIP user agent that answers calls and gives each its own conversation."""

    def __init__(
        self,
        settings: LineSettings,
        parts: SessionParts,
        on_call_end: Callable[[str, CallOutcome], None] | None = None,
        realtime: bool = False,
    ) -> None:
        """``realtime``: the whole process is the line's (``kiosk line``), so all its
        threads may run real-time (see :func:`_realtime_process`); never in a process
        that does other work, such as a test run."""
        settings.check()
        self.settings = settings
        self.realtime = realtime
        self.parts = parts
        self.on_call_end = on_call_end
        self.ready = threading.Event()
        self.calls: dict[str, Any] = {}  # SIP Call-ID -> live call
        self.answered = 0
        self.rejected = 0
        self._commands: queue.Queue[Callable[[], None]] = queue.Queue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._ended: list[Any] = []
        self._account: Any = None
        self._ports: list[Any] = []  # every audio port made; kept while the line runs
        self._idle_ports: list[Any] = []

    # ------------------------------------------------------------ from any thread
    def post(self, command: Callable[[], None]) -> None:
        """Run ``command`` on the SIP thread."""
        self._commands.put(command)

    def stop(self) -> None:
        self._stop.set()

    @property
    def active_calls(self) -> int:
        with self._lock:
            return len(self.calls)

    # ------------------------------------------------------------ the SIP thread
    def serve(self) -> None:
        """Run the line until :meth:`stop` (blocks; call from the thread that owns PJSIP)."""
        pj = _pjsua()
        warm_up(self.parts)
        if self.realtime:
            _realtime_process()
        endpoint = _Endpoint(self)
        endpoint.libCreate()

        try:
            self._start(pj, endpoint)
            self.ready.set()
            while not self._stop.is_set():
                endpoint.libHandleEvents(POLL_MS)
                self._run_commands()
                self._hang_up_calls_without_media()
                # Dropped here, on this thread, once their conversation thread is gone
                # and PJSIP has long finished tearing down their media.
                now = time.monotonic()
                self._ended = [
                    call
                    for call in self._ended
                    if call.thread_alive() or now - call.disconnected_at < PORT_GRACE
                ]
            self._shutdown(pj, endpoint)
        finally:
            self.ready.set()
            self.calls.clear()
            self._ended.clear()
            self._account = None
            with contextlib.suppress(Exception):
                endpoint.audDevManager().setNoDev()  # the media clock stops: ports may go
            self._idle_ports.clear()
            self._ports.clear()
            while not self._commands.empty():  # posted work may hold a call
                self._commands.get_nowait()
            gc.collect()  # PJSIP objects go while the library is still there
            endpoint.libDestroy()

    def _start(self, pj: Any, endpoint: Any) -> None:
        settings = self.settings
        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0  # every SIP callback on this thread
        config.uaConfig.mainThreadOnly = True
        config.uaConfig.maxCalls = settings.max_calls + 4  # room to answer "busy" ourselves
        config.uaConfig.userAgent = "kiosk-line"
        # PJSIP's own warnings and errors go straight to standard error: a Python log
        # writer would be called with PJSIP's locks held, from any of its threads.
        config.logConfig.level = 2
        config.logConfig.consoleLevel = 2
        media = config.medConfig
        media.clockRate = 8000
        media.sndClockRate = 8000
        media.channelCount = 1
        media.audioFramePtime = 20
        media.ptime = 20
        media.noVad = True  # a TTY's quiet moments are part of its signal
        _set_enum(media, "jbDiscardAlgo", JB_DISCARD_NONE)
        media.ecTailLen = 0  # no sound device, so no echo canceller on it
        endpoint.libInit(config)
        endpoint.audDevManager().setNullDev()
        host, port = settings.host_port()
        transport = pj.TransportConfig()
        transport.port = port
        transport.boundAddress = host
        endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        endpoint.libStart()
        wanted = settings.codec_ids()
        for codec in endpoint.codecEnum2():
            name = codec.codecId
            priority = 255 - wanted.index(name) if name in wanted else 0
            endpoint.codecSetPriority(name, priority)
        self._account = _Account(self)
        self._account.create(self._account_config(pj, host, port))
        log.info(
            "line listening on %s:%d (codecs %s, at most %d calls%s)",
            host,
            port,
            ",".join(name for name in CODECS if CODECS[name] in wanted),
            settings.max_calls,
            f", registering at {settings.registrar}" if settings.registrar else "",
        )

    def _account_config(self, pj: Any, host: str, port: int) -> Any:
        settings = self.settings
        account = pj.AccountConfig()
        if settings.registrar:
            domain = settings.domain or settings.registrar.split(":", 1)[-1].split(";")[0]
            account.idUri = f"sip:{settings.user}@{domain}"
            account.regConfig.registrarUri = settings.registrar
            credentials = pj.AuthCredInfo("digest", "*", settings.user, 0, settings.sip_password())
            account.sipConfig.authCreds.append(credentials)
        else:
            account.idUri = f"sip:kiosk@{host}:{port}"
            account.regConfig.registerOnAdd = False
        low, count = settings.port_range()
        account.mediaConfig.transportConfig.port = low
        account.mediaConfig.transportConfig.portRange = count
        account.mediaConfig.transportConfig.boundAddress = host
        return account

    def _run_commands(self) -> None:
        """Run the commands waiting now (one that posts itself again runs next turn)."""
        for _ in range(self._commands.qsize()):
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                command()
            except Exception:
                log.error("a SIP command failed: %s", traceback.format_exc())

    def _hang_up_calls_without_media(self) -> None:
        """Hang up a call answered without audio: an INVITE with no SDP whose ACK brings
        no answer either (or none at all) is a call PJSIP keeps up with no media, so no
        conversation ever starts and nothing would ever end it; four of them held every
        line busy for good."""
        now = time.monotonic()
        for call in list(self.calls.values()):
            waiting = call.port is None and not call.disconnected and not call.no_media_hung_up
            if waiting and now - call.answered_at > MEDIA_WAIT:
                call.no_media_hung_up = True
                with call_context(call.sip_id):
                    log.warning("no audio %.0f s after answer: hung up", MEDIA_WAIT)
                call.end()

    def _shutdown(self, pj: Any, endpoint: Any) -> None:
        """Hang up every call and give the conversations a moment to clear."""
        for call in list(self.calls.values()):
            call.end(pj)
        end = time.monotonic() + 5.0
        while time.monotonic() < end and any(c.thread_alive() for c in self.calls.values()):
            endpoint.libHandleEvents(POLL_MS)
            self._run_commands()
        if self.calls or self._ended:  # the bridge lets go of their ports first
            end = time.monotonic() + PORT_GRACE
            while time.monotonic() < end:
                endpoint.libHandleEvents(POLL_MS)

    # ------------------------------------------------------------ calls
    def incoming(self, account: Any, call_id: int) -> None:
        pj = _pjsua()
        call = _Call(self, account, call_id)
        sip_id = call.getInfo().callIdString
        call.sip_id = sip_id
        with call_context(sip_id):
            with self._lock:
                busy = len(self.calls) >= self.settings.max_calls
                if not busy:
                    self.calls[sip_id] = call
            answer = pj.CallOpParam()
            if busy:
                self.rejected += 1
                log.warning(
                    "call refused: %d calls already (KIOSK_LINE_MAX_CALLS)", self.settings.max_calls
                )
                answer.statusCode = BUSY
                call.answer(answer)
                return
            self.answered += 1
            log.info("incoming call answered")
            answer.statusCode = 200
            call.answer(answer)

    def refused(self, status: int, reason: str, caller: str, message: str) -> None:
        """PJSIP refused a call itself (all its call slots busy): say so in the line's
        log, with the call's id and who called (SIP thread)."""
        self.rejected += 1
        sip_id = _header(message, "Call-ID") or _header(message, "i") or "-"
        who = _header(message, "From") or _header(message, "f") or caller[:120]
        with call_context(sip_id):
            log.warning(
                "call refused %d %s: %d calls already (KIOSK_LINE_MAX_CALLS); call %s from %s",
                status,
                reason or "Busy Here",
                self.active_calls,
                sip_id,
                who,
            )

    def take_port(self, make: Callable[[], Any]) -> Any:
        """An audio port for a new call: one a past call used, or a new one (SIP thread).

        Ports are never deleted while the line runs: PJSIP's conference bridge removes
        a port asynchronously, and a port deleted under a running media clock was
        called during its deletion (a crash of the whole line, every call with it).
        """
        if self._idle_ports:
            return self._idle_ports.pop()
        port = make()
        fmt = _pjsua().MediaFormatAudio()
        fmt.init(_pjsua().PJMEDIA_FORMAT_PCM, 8000, 1, 20000, 16)
        port.createPort(f"line{len(self._ports)}", fmt)
        self._ports.append(port)
        return port

    def finished(self, call: Any) -> None:
        """A call's conversation and SIP dialog are both over: forget it (SIP thread).

        PJSIP's call object must be deleted on this thread and before the library is
        destroyed, so the Python cycle call -> session -> control -> call is broken here
        and the object is dropped on the next turn of the loop, here too.
        """
        with self._lock:
            self.calls.pop(call.sip_id, None)
        call.session = None
        if call.port is not None:
            call.port.audio = None  # silent until the next call
            self._idle_ports.append(call.port)
            call.port = None
        self._ended.append(call)


def _header(message: str, name: str) -> str:
    """A header's value in a raw SIP message (its first one), cut short and printable:
    what a caller sends is logged, never trusted."""
    for line in message.split("\n")[1:]:
        if not line.strip():
            break
        field, _, value = line.partition(":")
        if field.strip().lower() == name.lower():
            return "".join(c if c.isprintable() else "?" for c in value.strip())[:120]
    return ""


def _endpoint_class() -> Any:
    pj = _pjsua()

    class Endpoint(pj.Endpoint):  # type: ignore[misc, name-defined]
        """PJSIP's endpoint, told of the calls PJSIP refuses itself: past its 4 call
        slots it answers an INVITE 486 at once, statelessly, before any account or
        call callback, and the line's log never said so."""

        def __init__(self, server: LineServer) -> None:
            super().__init__()
            self.server = server

        @_guarded
        def onRejectedIncomingCall(self, prm: Any) -> None:  # noqa: N802
            self.server.refused(prm.statusCode, prm.reason, prm.remoteInfo, prm.rdata.wholeMsg)

    return Endpoint


def _Endpoint(server: LineServer) -> Any:  # noqa: N802 - a class made on first use
    return _endpoint_class()(server)


def _account_class() -> Any:
    pj = _pjsua()

    class Account(pj.Account):  # type: ignore[misc, name-defined]
        def __init__(self, server: LineServer) -> None:
            super().__init__()
            self.server = server

        @_guarded
        def onIncomingCall(self, prm: Any) -> None:  # noqa: N802 - PJSIP's name
            self.server.incoming(self, prm.callId)

        @_guarded
        def onRegState(self, prm: Any) -> None:  # noqa: N802
            log.info("registration: %s %s", prm.code, prm.reason)

    return Account


def _Account(server: LineServer) -> Any:  # noqa: N802 - a class made on first use
    return _account_class()(server)


def _call_class() -> Any:
    pj = _pjsua()
    frame_bytes = _vector_reader(pj)

    class Port(pj.AudioMediaPort):  # type: ignore[misc, name-defined]
        """The call's audio at 8 kHz, 16-bit, 20 ms frames, to and from CallAudio."""

        def __init__(self) -> None:
            super().__init__()
            self.audio: CallAudio | None = None  # the call it serves now, if any

        @_guarded
        def onFrameRequested(self, frame: Any) -> None:  # noqa: N802
            _media_clock_priority()
            audio = self.audio
            samples = audio.transmit(FRAME) if audio is not None else SILENCE
            pcm = np.clip(samples * 32767.0, -32768, 32767).astype("<i2").tobytes()
            frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
            frame.buf = pj.ByteVector(pcm)
            frame.size = len(pcm)

        @_guarded
        def onFrameReceived(self, frame: Any) -> None:  # noqa: N802
            data = frame_bytes(frame.buf)
            if not data:
                data = bytes(2 * FRAME)  # no packet in time: the jitter buffer gave nothing
            audio = self.audio
            if audio is not None:
                audio.receive(np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0)

    class Call(pj.Call):  # type: ignore[misc, name-defined]
        def __init__(self, server: LineServer, account: Any, call_id: int) -> None:
            super().__init__(account, call_id)
            self.server = server
            self.sip_id = ""
            self.audio = CallAudio()
            self.port: Port | None = None
            self.session: CallSession | None = None
            self.thread: threading.Thread | None = None
            self.disconnected = False
            self.disconnected_at = 0.0
            self.transfer_sent = False
            self.transfer_done = False  # the far end reported the caller transferred
            self.transfer_deadline = 0.0
            self._transfer_report: TransferReport | None = None
            self.answered_at = time.monotonic()
            self.no_media_hung_up = False

        # --- PJSIP callbacks (SIP thread)
        @_guarded
        def onCallState(self, prm: Any) -> None:  # noqa: N802
            info = self.getInfo()
            with call_context(self.sip_id):
                log.info("call state %s (%s)", info.stateText, info.lastStatusCode)
                if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
                    self.disconnected = True
                    self.disconnected_at = time.monotonic()
                    transferred = self.transfer_done or (
                        self.session is not None and self.session.outcome.transferred
                    )
                    if self.session is not None and not transferred:
                        self.session.outcome.hung_up_by_caller = not self.audio.closed
                    self._report_transfer(False)  # still waiting: it never happened
                    self.audio.hang_up()
                    if self.session is not None:
                        self.session.keys.close()
                    if self.thread is None:
                        self.server.finished(self)

        @_guarded
        def onCallMediaState(self, prm: Any) -> None:  # noqa: N802
            """The call's audio is (again) flowing: connect it to the call's port.

            Called again after every re-INVITE (a PBX's session refresh or media
            move, the caller's hold and resume): PJSIP may then make the call's
            stream anew, on a new slot of its bridge, and a port connected only
            once would leave the caller hearing silence and the line hearing
            nothing for the rest of the call. Connecting again is harmless.
            """
            info = self.getInfo()
            for index, media in enumerate(info.media):
                if media.type != pj.PJMEDIA_TYPE_AUDIO:
                    continue
                if media.status != pj.PJSUA_CALL_MEDIA_ACTIVE or self.disconnected:
                    continue
                call_audio = self.getAudioMedia(index)
                first = self.port is None
                if self.port is None:
                    self.port = self.server.take_port(Port)
                    self.port.audio = self.audio
                else:
                    with call_context(self.sip_id):
                        log.info("call media renewed (re-INVITE): audio connected again")
                call_audio.startTransmit(self.port)
                self.port.startTransmit(call_audio)
                if first:
                    self._start_conversation()

        @_guarded
        def onDtmfDigit(self, prm: Any) -> None:  # noqa: N802 - RFC 4733 and SIP INFO
            with call_context(self.sip_id):
                log.info("key pressed")  # never which: it may be a PIN
            if self.session is not None:
                self.session.keys.press(prm.digit)

        @_guarded
        def onCallTransferStatus(self, prm: Any) -> None:  # noqa: N802
            with call_context(self.sip_id):
                log.info("transfer status %s %s", prm.statusCode, prm.reason)
                if prm.finalNotify:  # a refused REFER ends here too, with its status
                    prm.cont = False
                    done = 200 <= prm.statusCode < 300
                    self.transfer_done = done
                    self._report_transfer(done)
                    if done:
                        self.end(pj)

        # --- the conversation (its own thread)
        def _start_conversation(self) -> None:
            self.session = CallSession(_Control(self.server, self), self.audio, self.server.parts)
            self.thread = threading.Thread(
                target=self._converse, name=f"call-{self.getId()}", daemon=True
            )
            self.thread.start()

        def _converse(self) -> None:
            assert self.session is not None
            # Known to PJSIP, in case this thread ever frees one of its objects.
            pj.Endpoint.instance().libRegisterThread(threading.current_thread().name)
            with call_context(self.sip_id):
                outcome = self.session.run()
                log.info(
                    "call over: %s channel%s%s",
                    outcome.channel,
                    ", transferred" if outcome.transferred else "",
                    ", caller hung up" if outcome.hung_up_by_caller else "",
                )
            if self.server.on_call_end is not None:
                self.server.on_call_end(self.sip_id, outcome)
            self.server.post(self._forget)

        def _forget(self) -> None:
            """The conversation is over: hang up (unless a transfer is under way, which
            ends the call itself) and drop the call once its dialog is gone."""
            if self.disconnected:
                self.server.finished(self)
                return
            if not self.transfer_sent or time.monotonic() > self.transfer_deadline:
                self.end(pj)
            self.server.post(self._forget)

        def thread_alive(self) -> bool:
            return self.thread is not None and self.thread.is_alive()

        # --- asked by the conversation (run on the SIP thread)
        def end(self, pj_module: Any = None) -> None:
            if self.disconnected:
                return
            with contextlib.suppress(Exception):
                self.hangup(pj.CallOpParam())

        def _report_transfer(self, done: bool) -> None:
            report, self._transfer_report = self._transfer_report, None
            if report is not None:
                report(done)

        def refer(self, target: str, headers: dict[str, str], report: TransferReport) -> None:
            if self.disconnected:
                report(False)
                return
            self._transfer_report = report
            parameters = pj.CallOpParam(True)
            for name, value in headers.items():
                header = pj.SipHeader()
                header.hName = name
                header.hValue = value
                parameters.txOption.headers.append(header)
            self.transfer_sent = True
            self.transfer_deadline = time.monotonic() + TRANSFER_WAIT
            try:
                self.xfer(target, parameters)
            except Exception as error:  # a bad URI, no dialog: PJSIP refuses at once
                log.warning("transfer not sent: %s", error)
                self._report_transfer(False)

    return Call


_CALL_CLASS: Any = None


def _Call(server: LineServer, account: Any, call_id: int) -> Any:  # noqa: N802
    global _CALL_CLASS
    if _CALL_CLASS is None:
        _CALL_CLASS = _call_class()
    return _CALL_CLASS(server, account, call_id)


class _Control:
    """The conversation's handle on its call: requests go to the SIP thread.

    It holds the call weakly: the conversation's objects may outlive the call in a
    reference cycle, and a PJSIP object freed by the garbage collector on a thread
    PJSIP does not know aborts the process.
    """

    def __init__(self, server: LineServer, call: Any) -> None:
        self.server = server
        self._call = weakref.ref(call)
        self.call_id = call.sip_id

    def _on_call(
        self, action: Callable[[Any], None], gone: Callable[[], None] = lambda: None
    ) -> None:
        def run() -> None:
            call = self._call()
            if call is not None:
                action(call)
            else:
                gone()

        self.server.post(run)

    def transfer(self, target: str, headers: dict[str, str], timeout: float) -> bool:
        """Send the REFER and wait for how it ended (see :class:`CallControl`)."""
        reported = threading.Event()
        result: list[bool] = []

        def report(done: bool) -> None:
            result.append(done)
            reported.set()

        self._on_call(lambda call: call.refer(target, headers, report), lambda: report(False))
        return reported.wait(timeout) and result[0]

    def hang_up(self) -> None:
        self._on_call(lambda call: call.end())


__all__ = ["CALL_ID", "CallIdFilter", "LineServer", "call_context"]
