"""A real `kiosk line` (PJSIP) on loopback, called by SIPp: fixtures for the line's tests."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.conversation.services import Services
from kiosk.devtools.sip_caller import SippCaller, sipp_available
from kiosk.line.config import LineSettings
from kiosk.line.keys import BURST_GAP
from kiosk.line.session import CallOutcome, SessionParts
from kiosk.settings import Settings
from kiosk.store.store import Store, open_store


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Line:
    """The line under test, its store and how each call ended."""

    def __init__(self, server: object, store: Store, address: tuple[str, int]) -> None:
        self.server = server
        self.store = store
        self.address = address
        self.outcomes: dict[str, CallOutcome] = {}
        self.ended = threading.Condition()

    def record(self, call_id: str, outcome: CallOutcome) -> None:
        with self.ended:
            self.outcomes[call_id] = outcome
            self.ended.notify_all()

    def outcome(self, call_id: str, timeout: float = 30.0) -> CallOutcome | None:
        with self.ended:
            self.ended.wait_for(lambda: call_id in self.outcomes, timeout)
            return self.outcomes.get(call_id)

    def said(self, call_id: str) -> str:
        """What the line has said on a live call so far (its captions)."""
        call = self.calls_live().get(call_id)
        session = getattr(call, "session", None)
        if session is not None:
            return " ".join(c.text for c in session.captions.entries)
        with self.ended:  # the call is over: what it said in the end
            ended = self.outcomes.get(call_id)
        return " ".join(ended.captions) if ended is not None else ""

    def calls_live(self) -> dict[str, object]:
        return dict(getattr(self.server, "calls", {}))

    def press_when_said(
        self, caller: SippCaller, words: str, keys: str, count: int = 1, timeout: float = 90.0
    ) -> None:
        """Press ``keys`` once the line has begun to say ``words`` (the ``count``-th time),
        as a caller who listens: a key pressed before a menu or the payment review was
        heard is no answer to it (kiosk.line.keys), so the caller waits for it and pauses
        a moment after their last key."""
        self.wait_said(caller, words, count, timeout)
        for key in keys:
            caller.rtp.key(key)
        caller.rtp.wait_sent()

    def wait_said(
        self, caller: SippCaller, words: str, count: int = 1, timeout: float = 90.0
    ) -> None:
        """Until the line has begun to say ``words`` (the ``count``-th time), and a moment
        more: the caller's next key is then an answer to it, not typed ahead."""
        end = time.monotonic() + timeout
        while self.said(caller.call_id).count(words) < count:
            assert time.monotonic() < end, f"never said {words!r}: {self.said(caller.call_id)}"
            time.sleep(0.1)
        time.sleep(BURST_GAP + 0.2)

    def call(self, tmp_path: Path, codec: str = "PCMU") -> SippCaller:
        caller = SippCaller(self.address, codec=codec, workdir=tmp_path / f"sipp-{codec}")
        caller.start()
        assert caller.wait_answered(10.0), "the line did not answer"
        return caller


@pytest.fixture(scope="module")
def line(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Line]:
    pytest.importorskip("pjsua2", reason="the SIP stack (pjsua2-python) is not installed")
    if not sipp_available():
        pytest.skip("SIPp is not installed (make test installs sip-tester)")
    from kiosk.channels.voice import recognizer_or_problem
    from kiosk.line.sip import LineServer
    from kiosk.speech.tts import EspeakSynthesizer

    template: Path = request.getfixturevalue("seeded_now_template")
    path = tmp_path_factory.mktemp("line") / "kiosk.sqlite3"
    shutil.copyfile(template, path)
    store = open_store(Settings(database_url=f"sqlite:///{path}", kiosk_id="LINE-TEST"))
    port = free_udp_port()
    rtp = 20000 + (port % 200) * 100
    settings = LineSettings(listen=f"127.0.0.1:{port}", max_calls=4, rtp_ports=f"{rtp}-{rtp + 99}")
    parts = SessionParts(
        services=Services(store),
        synthesizer_factory=EspeakSynthesizer,
        recognizer_factory=lambda: recognizer_or_problem("pocketsphinx", None)[0],
        detect_seconds=1.0,
        inter_digit=4.0,
    )
    holder: dict[str, Line] = {}
    server = LineServer(
        settings, parts, on_call_end=lambda cid, out: holder["line"].record(cid, out)
    )
    holder["line"] = Line(server, store, ("127.0.0.1", port))
    thread = threading.Thread(target=server.serve, name="sip", daemon=True)
    thread.start()
    assert server.ready.wait(10)
    yield holder["line"]
    server.stop()
    thread.join(15)
    store.dispose()
