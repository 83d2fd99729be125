"""Hostile SIP on a live call to `kiosk line`: what a broken phone, a PBX or an attacker
may send. The call must go on (keys, sound both ways), and the line keep serving.

The requests are sent raw (kiosk.devtools.sip_caller.raw_sip) inside the SIPp caller's
dialog, or as a new call.
"""

from __future__ import annotations

import contextlib
import random
import time

from kiosk.devtools.sip_caller import raw_sip
from kiosk.tty.modulator import modulate


def _sdp(port: int, version: int, direction: str = "sendrecv") -> bytes:
    return (
        f"v=0\r\no=caller 53655765 {version} IN IP4 127.0.0.1\r\ns=-\r\n"
        f"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 101\r\n"
        "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
        f"a=fmtp:101 0-15\r\na=ptime:20\r\na={direction}\r\n"
    ).encode()


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_call_survives_garbage_info_a_bad_invite_and_its_media_moving(line, tmp_path):
    caller = line.call(tmp_path)
    try:
        assert _wait_for(lambda: caller.call_id in line.server.calls, 10)
        session = line.server.calls[caller.call_id].session
        assert caller.rtp.wait_quiet(1.0, timeout=60)  # the greeting, said whole

        # SIP INFO "keys" that are no keys: answered, and not one is taken as a key.
        for body in (b"Signal=garbage\r\nDuration=160\r\n", b"Signal=\r\n", b"x" * 3000, b""):
            assert caller.send_in_dialog("INFO", body, "application/dtmf-relay")
        assert session.conversation.prompt.id == "welcome" and not session.keys._typed

        # A new call whose SDP is garbage: refused at once (4xx), nothing half-answered.
        tag = f"{random.randrange(1 << 32):x}"
        dialog = (
            f"From: <sip:attacker@127.0.0.1>;tag={tag}\r\n"
            f"To: <sip:pay@{line.address[0]}:{line.address[1]}>\r\n"
            f"Call-ID: hostile-{tag}@127.0.0.1\r\n"
        )
        refused = raw_sip(
            line.address, "INVITE", dialog, 1, b"v=0\r\nm=garbage\r\n", "application/sdp"
        )
        assert refused.startswith("SIP/2.0 4"), refused
        assert line.server.active_calls == 1

        # The caller's media moves away (a PBX re-INVITE: another port) and back, and is
        # held and resumed: every re-INVITE is taken, and the call's audio follows.
        port = caller.rtp.port
        for version, (to, direction) in enumerate(
            [(port + 2, "sendrecv"), (port, "sendrecv"), (port, "sendonly"), (port, "sendrecv")],
            start=2,
        ):
            status = caller.send_in_dialog(
                "INVITE", _sdp(to, version, direction), "application/sdp"
            )
            assert status.startswith("SIP/2.0 200"), status
        time.sleep(0.5)
        # The line is heard: * says the question again, and it comes through as sound.
        pressed = time.perf_counter()
        caller.rtp.key("*")
        assert _wait_for(lambda: caller.rtp.last_sound_at > pressed + 0.1, 15), (
            "silence on the call after its media moved"
        )
        # ... and the caller is heard: a TTY typing now gets the TTY channel.
        caller.rtp.wait_quiet(0.5, timeout=30)
        caller.rtp.play(modulate("HELLO HELLO\n", rate=8000) * 0.5)
        assert _wait_for(lambda: session.outcome.channel == "tty", 20), (
            "the line did not hear the caller after the media moved"
        )
        # A BYE ends it (SIPp's own requests are behind ours in the dialog's count).
        assert caller.send_in_dialog("BYE").startswith("SIP/2.0 200")
    finally:
        caller.close()
    outcome = line.outcome(caller.call_id)
    assert outcome is not None and outcome.hung_up_by_caller and outcome.channel == "tty"
    assert _wait_for(lambda: line.server.active_calls == 0, 10)


def test_a_caller_past_the_cap_is_refused_486_at_once(line, tmp_path, caplog):
    """The line holds 4 calls (the SIP stack's wheel: PJSUA_MAX_CALLS = 4); the 5th
    caller gets a clean 486 Busy Here straight away, never a call answered and dropped,
    and the line's log says so, with the refused call's id and who called (PJSIP
    refuses it itself, before any call of the line's exists)."""
    import logging

    from kiosk.devtools.sip_caller import SippCaller

    caplog.set_level(logging.INFO)
    rejected = line.server.rejected
    callers = []
    try:
        for n in range(4):
            callers.append(line.call(tmp_path / f"held-{n}"))
        assert line.server.active_calls == 4
        fifth = SippCaller(line.address, workdir=tmp_path / "fifth")
        callers.append(fifth)
        started = time.monotonic()
        fifth.start()
        assert fifth.wait(10) == 0  # SIPp's busy branch: the 486 ACKed, the call over
        took = time.monotonic() - started
        messages = fifth.messages()
        assert "SIP/2.0 486 Busy Here" in messages and "SIP/2.0 200 OK" not in messages
        assert took < 5, took
        assert fifth.rtp.first_packet_at is None  # no audio: nothing was half-answered
        assert line.server.active_calls == 4
        assert line.server.rejected == rejected + 1
        refused = [
            r
            for r in caplog.records
            if r.levelname == "WARNING" and r.getMessage().startswith("call refused 486")
        ]
        assert len(refused) == 1, [r.getMessage() for r in caplog.records][-20:]
        message = refused[0].getMessage()
        assert f"call {fifth.call_id} from" in message and "KIOSK_LINE_MAX_CALLS" in message
        assert "<sip:caller@127.0.0.1" in message  # the From of SIPp's INVITE
    finally:
        for caller in callers:
            with contextlib.suppress(Exception):
                caller.hang_up()
        for caller in callers:
            caller.wait(20)
            caller.close()
    assert _wait_for(lambda: line.server.active_calls == 0, 30)


def test_a_call_answered_without_audio_is_hung_up(line, monkeypatch):
    """An INVITE without SDP, whose ACK brings no SDP answer: PJSIP keeps the call up with
    no media, no conversation starts, and nothing ended it (4 held the line busy for
    good). It is hung up MEDIA_WAIT seconds after answer."""
    from kiosk.line import sip

    monkeypatch.setattr(sip, "MEDIA_WAIT", 1.0, raising=False)
    tag = f"{random.randrange(1 << 32):x}"
    dialog = (
        f"From: <sip:caller@127.0.0.1>;tag={tag}\r\n"
        f"To: <sip:pay@{line.address[0]}:{line.address[1]}>\r\n"
        f"Call-ID: no-sdp-{tag}@127.0.0.1\r\n"
    )
    assert raw_sip(line.address, "INVITE", dialog, 1).startswith("SIP/2.0 200")  # ACKed bare
    assert line.server.active_calls == 1
    assert _wait_for(lambda: line.server.active_calls == 0, 15)
