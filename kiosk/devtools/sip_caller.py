"""A telephone caller for tests and benches of ``kiosk line``, built on SIPp.

SIPp (Debian ``sip-tester``, a SIP implementation other than the line's PJSIP) places
the call and does all the signalling (INVITE, ACK, SIP INFO, REFER, BYE) from
``sipp/caller.xml``; this module plays the caller's telephone: an RTP socket that
sends G.711 every 20 ms (speech, Baudot tones, RFC 4733 key events or silence) and
records what the line sends back, with each packet's arrival time.

The test steers SIPp during the call by sending it a MESSAGE on the call's Call-ID
(``X-Control: bye`` / ``X-Control: dtmf 5``); the scenario turns it into a BYE or a
SIP INFO.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.channels.tty_transport import ulaw_decode, ulaw_encode

RATE = 8000
FRAME = 160  # 20 ms at 8 kHz
SCENARIO = Path(__file__).with_name("sipp") / "caller.xml"
CODECS = {"PCMU": 0, "PCMA": 8}
EVENT_PT = 101
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux
SOUND_RMS = 0.01  # a packet louder than this carries speech or tones
DTMF_EVENTS = {**{str(n): n for n in range(10)}, "*": 10, "#": 11}


# ------------------------------------------------------------------ G.711 A-law


def alaw_encode(samples: np.ndarray) -> bytes:
    """float (-1..1) -> G.711 A-law bytes."""
    scaled = np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32768.0), -32768, 32767)
    pcm = scaled.astype(np.int32) >> 3  # 13-bit
    sign = np.where(pcm >= 0, 0x80, 0)
    magnitude = np.where(pcm >= 0, pcm, -pcm - 1)
    magnitude = np.minimum(magnitude, 0xFFF)
    raw_exponent = np.where(magnitude < 32, 0, np.floor(np.log2(np.maximum(magnitude, 1))) - 4)
    exponent = np.clip(raw_exponent, 0, 7).astype(np.int32)
    mantissa = np.where(exponent == 0, magnitude >> 1, magnitude >> exponent) & 0x0F
    code = sign | (exponent << 4) | mantissa
    return (code ^ 0x55).astype(np.uint8).tobytes()


def alaw_decode(data: bytes) -> np.ndarray:
    """G.711 A-law bytes -> float32 (-1..1)."""
    code = np.frombuffer(data, dtype=np.uint8).astype(np.int32) ^ 0x55
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1)
    )
    return (np.where(sign, magnitude, -magnitude) / 32768.0).astype(np.float32)


# ------------------------------------------------------------------ RTP


@dataclass
class _Event:
    code: int
    frames: int  # how many 20 ms packets the key is held


class RtpPeer:
    """The caller's telephone: sends a packet every 20 ms, records what comes back."""

    def __init__(self, codec: str = "PCMU") -> None:
        if codec not in CODECS:
            raise ValueError(f"codec must be one of {sorted(CODECS)}")
        self.codec = codec
        self.payload_type = CODECS[codec]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.005)
        # The kernel stamps each packet as it arrives: the gaps between the line's
        # packets are then the line's, not this process's lateness in reading them.
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.port = self.sock.getsockname()[1]
        self.remote: tuple[str, int] | None = None
        self.arrivals: list[float] = []  # kernel arrival time (s) of each packet from the line
        self.sent_at: list[float] = []  # when each of the caller's audio packets left
        self.first_packet_at: float | None = None
        self.first_sound_at: float | None = None  # the line's first audible packet
        self.last_sound_at = 0.0
        self._received: list[tuple[int, np.ndarray]] = []  # (rtp timestamp, samples)
        self._taken = 0
        self._outgoing: deque[np.ndarray] = deque()
        # Line echo: the line's own audio comes back to it, ``echo_gain`` times as loud,
        # ``echo_frames`` packets later (a 2-wire hybrid's reflection); 0: none.
        self.echo_gain = 0.0
        self.echo_frames = 2
        # Network jitter: each audio packet leaves up to ``jitter`` seconds after its
        # 20 ms tick, never before the one ahead of it (a carrier's path: late and in
        # bunches, in order); 0: on time.
        self.jitter = 0.0
        self._jitter_random = random.Random(0)
        self._last_sent_at = 0.0
        self._echo: deque[np.ndarray] = deque(maxlen=64)
        self._events: deque[_Event] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._seq = random.randrange(1 << 16)
        self._ts = random.randrange(1 << 31)
        self._ssrc = random.randrange(1 << 31)
        self._threads = [
            threading.Thread(target=self._send_loop, name="rtp-send", daemon=True),
            threading.Thread(target=self._receive_loop, name="rtp-recv", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self.sock.close()

    # caller side ---------------------------------------------------------------
    def play(self, samples: np.ndarray) -> float:
        """Queue 8 kHz float audio; returns the seconds queued ahead of it and it."""
        audio = np.asarray(samples, dtype=np.float32).reshape(-1)
        pad = (-audio.size) % FRAME
        audio = np.concatenate([audio, np.zeros(pad, dtype=np.float32)])
        with self._lock:
            for start in range(0, audio.size, FRAME):
                self._outgoing.append(audio[start : start + FRAME])
            return len(self._outgoing) * FRAME / RATE

    def key(self, digit: str, seconds: float = 0.12) -> None:
        """Press a key: an RFC 4733 telephone-event, after what is queued."""
        with self._lock:
            self._events.append(_Event(DTMF_EVENTS[digit], max(3, int(seconds * 50))))

    def wait_quiet(self, quiet: float = 1.2, timeout: float = 60.0) -> bool:
        """Until the line has sent sound and then ``quiet`` seconds of silence."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            if self.last_sound_at and time.perf_counter() - self.last_sound_at >= quiet:
                return True
            time.sleep(0.05)
        return False

    def wait_sound_after(self, moment: float, timeout: float = 60.0) -> bool:
        """Until the line sends sound later than ``moment`` (``time.perf_counter``): after
        a key that answered a step, the next step being said."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            if self.last_sound_at > moment:
                return True
            time.sleep(0.05)
        return False

    def busy(self) -> bool:
        with self._lock:
            return bool(self._outgoing or self._events)

    def wait_sent(self, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while self.busy() and time.monotonic() < end:
            time.sleep(0.01)

    def max_send_gap(self) -> float:
        """The longest time (s) between two audio packets this phone sent: 0.02 when it
        kept time; more when this process was held up and sent a bunch late."""
        times = np.asarray(self.sent_at)
        return float(np.diff(times).max()) if times.size > 1 else 0.0

    def take_new(self) -> list[np.ndarray]:
        """The packets' audio that arrived since the last call, in arrival order."""
        with self._lock:
            new = [samples for _, samples in self._received[self._taken :]]
            self._taken = len(self._received)
        return new

    def received(self) -> np.ndarray:
        """What the line sent, in RTP timestamp order, gaps filled with silence."""
        with self._lock:
            packets = sorted(self._received, key=lambda p: p[0])
        if not packets:
            return np.zeros(0, dtype=np.float32)
        first = packets[0][0]
        end = max(ts - first + s.size for ts, s in packets)
        out = np.zeros(end, dtype=np.float32)
        for ts, samples in packets:
            at = ts - first
            out[at : at + samples.size] = samples
        return out

    # loops -----------------------------------------------------------------------
    def _packet(self, payload_type: int, payload: bytes, marker: bool = False) -> bytes:
        header = struct.pack(
            "!BBHII",
            0x80,
            (0x80 if marker else 0) | payload_type,
            self._seq & 0xFFFF,
            self._ts & 0xFFFFFFFF,
            self._ssrc,
        )
        self._seq += 1
        return header + payload

    def _send_loop(self) -> None:
        next_at = time.perf_counter()
        event: _Event | None = None
        event_sent = 0
        while not self._stop.is_set():
            next_at += 0.020
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if self.remote is None:
                continue  # the line's address is learnt from its first packet
            with self._lock:
                if event is None and self._events and not self._outgoing:
                    event, event_sent = self._events.popleft(), 0
                frame = (
                    None if event is not None or not self._outgoing else self._outgoing.popleft()
                )
            if event is not None:
                event_sent += 1
                end = event_sent >= event.frames
                payload = struct.pack(
                    "!BBH", event.code, (0x80 if end else 0) | 10, min(event_sent * FRAME, 0xFFFF)
                )
                packet = self._packet(EVENT_PT, payload, marker=event_sent == 1)
                repeats = 3 if end else 1  # the end packet is sent three times (RFC 4733)
                for _ in range(repeats):
                    self._send(packet)
                if end:
                    self._ts += event_sent * FRAME
                    event = None
                    for _ in range(3):  # a short gap between keys
                        self._queue_silence_frame()
                continue
            samples = frame if frame is not None else np.zeros(FRAME, dtype=np.float32)
            if self.echo_gain:
                with self._lock:
                    back = (
                        self._echo[-self.echo_frames]
                        if len(self._echo) >= self.echo_frames
                        else None
                    )
                if back is not None:
                    samples = np.clip(samples + self.echo_gain * back, -1.0, 1.0)
            encoded = ulaw_encode(samples) if self.codec == "PCMU" else alaw_encode(samples)
            if self.jitter:
                self._hold_back(next_at)
            self._send(self._packet(self.payload_type, encoded))
            self.sent_at.append(time.perf_counter())
            self._ts += FRAME

    def _hold_back(self, tick: float) -> None:
        """Wait as a jittery network would before this tick's packet goes out."""
        leave = max(self._last_sent_at, tick + self._jitter_random.uniform(0, self.jitter))
        self._last_sent_at = leave
        delay = leave - time.perf_counter()
        if delay > 0:
            time.sleep(delay)

    def _queue_silence_frame(self) -> None:
        with self._lock:
            self._outgoing.appendleft(np.zeros(FRAME, dtype=np.float32))

    def _send(self, packet: bytes) -> None:
        assert self.remote is not None
        with contextlib.suppress(OSError):
            self.sock.sendto(packet, self.remote)

    def _receive_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, ancillary, _flags, address = self.sock.recvmsg(2048, 64)
            except (TimeoutError, OSError):
                continue
            now = time.perf_counter()
            stamped = _kernel_time(ancillary)
            if len(data) < 12:
                continue
            if self.remote is None:
                self.remote = address
            payload_type = data[1] & 0x7F
            if payload_type not in (0, 8):
                continue  # the line's own telephone-events, comfort noise
            timestamp = struct.unpack("!I", data[4:8])[0]
            payload = data[12:]
            samples = ulaw_decode(payload) if payload_type == 0 else alaw_decode(payload)
            loud = float(np.sqrt(np.mean(samples**2))) > SOUND_RMS
            with self._lock:
                if self.first_packet_at is None:
                    self.first_packet_at = now
                if loud:
                    self.last_sound_at = now
                    if self.first_sound_at is None:
                        self.first_sound_at = now
                self.arrivals.append(stamped if stamped is not None else now)
                self._received.append((timestamp, samples))
                self._echo.append(samples)


def _kernel_time(ancillary: list[tuple[int, int, bytes]]) -> float | None:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack("qq", data[:16])
            return seconds + nanoseconds / 1e9
    return None


# ------------------------------------------------------------------ SIPp


def sipp_available() -> bool:
    return shutil.which("sipp") is not None


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SippCaller:
    """One call to the line: SIPp for the signalling, :class:`RtpPeer` for the audio."""

    def __init__(
        self,
        line: tuple[str, int] = ("127.0.0.1", 5070),
        codec: str = "PCMU",
        workdir: str | Path | None = None,
        service: str = "pay",
        decline_transfer: bool = False,
    ) -> None:
        self.line = line
        self.decline_transfer = decline_transfer  # answer the line's REFER 603
        self.codec = codec
        self.service = service
        self.rtp = RtpPeer(codec)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="sipp-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.sip_port = free_udp_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.invited_at: float | None = None
        self._tty: Any = None
        self._tty_text = ""
        self._cseq = itertools.count(1000)

    @property
    def message_log(self) -> Path:
        return self.workdir / "messages.log"

    def start(self) -> None:
        self.rtp.start()
        command = [
            "sipp",
            f"{self.line[0]}:{self.line[1]}",
            "-sf",
            str(SCENARIO),
            "-s",
            self.service,
            "-i",
            "127.0.0.1",
            "-p",
            str(self.sip_port),
            "-mi",
            "127.0.0.1",
            "-mp",
            str(self._media_port()),
            "-m",
            "1",
            "-l",
            "1",
            "-key",
            "rtp_port",
            str(self.rtp.port),
            "-key",
            "codec_pt",
            str(CODECS[self.codec]),
            "-key",
            "codec_name",
            self.codec,
            "-set",
            "refer_reject",
            "1" if self.decline_transfer else "0",
            "-cid_str",
            "%u-%p@%s",
            "-trace_msg",
            "-message_file",
            str(self.message_log),
            "-trace_err",
            "-error_file",
            str(self.workdir / "errors.log"),
            "-timeout",
            "900s",
            "-nostdin",
        ]
        self.invited_at = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _media_port(self) -> int:
        """A port for SIPp's own media socket (unused: the audio is this module's), free
        with the port two above it, which SIPp also binds; SIPp's default (6000) would
        be shared by every caller."""
        for _ in range(50):
            port = free_udp_port()
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                    probe.bind(("127.0.0.1", port + 2))
            except OSError:
                continue
            return port
        return free_udp_port()

    @property
    def call_id(self) -> str:
        assert self.process is not None
        return f"1-{self.process.pid}@127.0.0.1"

    def wait_answered(self, timeout: float = 10.0) -> bool:
        """Until the line's first audio packet arrives (the call is up)."""
        end = time.monotonic() + timeout
        while self.rtp.first_packet_at is None and time.monotonic() < end:
            if self.process is not None and self.process.poll() is not None:
                return False
            time.sleep(0.01)
        return self.rtp.first_packet_at is not None

    def _control(self, action: str) -> None:
        tag = f"ctl{os.getpid()}{random.randrange(1 << 30)}"
        message = (
            f"MESSAGE sip:caller@127.0.0.1:{self.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{tag}\r\n"
            f"From: <sip:test@127.0.0.1>;tag={tag}\r\n"
            f"To: <sip:caller@127.0.0.1>\r\n"
            f"Call-ID: {self.call_id}\r\n"
            f"CSeq: 1 MESSAGE\r\n"
            f"X-Control: {action}\r\n"
            f"Content-Length: 0\r\n\r\n"
        )
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), ("127.0.0.1", self.sip_port))

    def info_key(self, digit: str) -> None:
        """Press a key as a SIP INFO (application/dtmf-relay), sent by SIPp."""
        self._control(f"dtmf {digit}")

    def hang_up(self) -> None:
        self._control("bye")

    def wait(self, timeout: float = 60.0) -> int | None:
        """SIPp's exit code once the call is over (0: the call went as scripted)."""
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def messages(self) -> str:
        """Every SIP message SIPp sent and received (its -trace_msg log)."""
        try:
            return self.message_log.read_text(errors="replace")
        except OSError:
            return ""

    def tty_text(self) -> str:
        """What a TTY on this phone has printed so far: the line's Baudot, decoded by the
        project's demodulator as it arrives."""
        if self._tty is None:
            from kiosk.tty.demodulator import StreamingDecoder

            self._tty = StreamingDecoder(RATE)
        for block in self.rtp.take_new():
            self._tty_text += self._tty.feed(block)
        return self._tty_text

    def wait_for_text(self, needle: str, count: int = 1, timeout: float = 120.0) -> str:
        """Until the TTY has printed ``needle`` ``count`` times (or the call ended)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            text = self.tty_text()
            if text.count(needle) >= count:
                return text
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.1)
        return self.tty_text()

    def send_in_dialog(
        self, method: str, body: bytes = b"", content_type: str = "", timeout: float = 5.0
    ) -> str:
        """Send a request of our own inside the call's dialog, as the caller's phone
        (hostile input: a malformed INFO, a re-INVITE moving the media); returns the
        line's final status line ("" when none came). A re-INVITE's answer is ACKed.

        Its CSeq is above SIPp's: SIPp's own in-dialog requests are not used after.
        """
        log = self.messages()
        answered = re.search(r"^SIP/2\.0 200 OK.*?^To:.*?;tag=([^\s;>]+)", log, re.M | re.S)
        if answered is None or self.process is None:
            raise RuntimeError("the call is not answered yet")
        dialog = (
            f"From: <sip:caller@127.0.0.1:{self.sip_port}>;tag={self.process.pid}SIPpTag001\r\n"
            f"To: <sip:{self.service}@{self.line[0]}:{self.line[1]}>;tag={answered.group(1)}\r\n"
            f"Call-ID: {self.call_id}\r\n"
        )
        cseq = next(self._cseq)
        contact = f"<sip:caller@127.0.0.1:{self.sip_port}>"  # SIPp's: it gets the BYE
        return raw_sip(self.line, method, dialog, cseq, body, content_type, timeout, contact)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.rtp.stop()


def raw_sip(
    line: tuple[str, int],
    method: str,
    dialog: str,
    cseq: int,
    body: bytes = b"",
    content_type: str = "",
    timeout: float = 5.0,
    contact: str = "",
) -> str:
    """Send one SIP request from a socket of its own and return the final status line
    ("" if none came within ``timeout``). ``dialog`` holds the From, To and Call-ID
    header lines (a new Call-ID and no To tag: a new call). An INVITE's final answer is
    ACKed (a 2xx in its dialog, anything else on its transaction). ``contact``: where
    the line sends its own requests after (default: this socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(timeout)
        port = sock.getsockname()[1]
        branch = f"z9hG4bK{random.randrange(1 << 48):x}"
        target = f"sip:line@{line[0]}:{line[1]}"

        def request(name: str, number: int, payload: bytes, kind: str) -> bytes:
            head = (
                f"{name} {target} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch={branch}\r\n"
                f"{dialog}CSeq: {number} {name}\r\n"
                f"Contact: {contact or f'<sip:caller@127.0.0.1:{port}>'}\r\n"
                "Max-Forwards: 70\r\n"
                + (f"Content-Type: {kind}\r\n" if kind else "")
                + f"Content-Length: {len(payload)}\r\n\r\n"
            )
            return head.encode() + payload

        sock.sendto(request(method, cseq, body, content_type), line)
        status = ""
        try:
            while not status:
                reply = sock.recv(65535).decode(errors="replace")
                first = reply.split("\r\n", 1)[0]
                if not first.startswith("SIP/2.0 1"):
                    status = first
                    to_line = re.search(r"^To:[^\r\n]*", reply, re.M)
                    if method == "INVITE" and to_line is not None:
                        if first.startswith("SIP/2.0 2"):
                            branch = f"z9hG4bK{random.randrange(1 << 48):x}"  # a new one
                        start, end = re.search(r"^To:[^\r\n]*", dialog, re.M).span()  # type: ignore[union-attr]
                        dialog = dialog[:start] + to_line.group(0) + dialog[end:]
                        sock.sendto(request("ACK", cseq, b"", ""), line)
        except (TimeoutError, OSError):
            pass
        return status


__all__ = ["RtpPeer", "SippCaller", "alaw_decode", "alaw_encode", "raw_sip", "sipp_available"]
