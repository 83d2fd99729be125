"""The line's helper processes: speech rendered by espeak-ng started from a child (the
same samples as the kiosk's own synthesizer), and a renderer gone said as such."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from kiosk.line.audio import to_line_rate
from kiosk.line.synthesizer import ProcessSynthesizer, Renderers
from kiosk.speech.tts import EspeakSynthesizer, SynthesisError

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@pytest.fixture(scope="module")
def renderers():
    made = Renderers(2)
    yield made
    made.close()


def test_a_call_hears_what_espeak_ng_says_at_the_calls_rate(renderers):
    here, there = EspeakSynthesizer(rate_wpm=140), ProcessSynthesizer(renderers, rate=22_050)
    there.rate_wpm = 140  # as the voice output sets it per utterance
    text = "Your balance is 95 dollars."
    (expected, rate), (got, got_rate) = here.synthesize(text), there.synthesize(text)
    assert got_rate == rate and got.dtype == np.float32
    assert got.size == expected.size and np.allclose(got, expected)
    line = ProcessSynthesizer(renderers)  # the line's 8 kHz, resampled by the renderer
    line.rate_wpm = 140
    phone, phone_rate = line.synthesize(text)
    assert phone_rate == 8000
    assert np.allclose(phone, to_line_rate(expected, rate)[: phone.size], atol=0.02)
    assert abs(phone.size - expected.size * 8000 / rate) < 8000 * 0.01
    there.rate_wpm = 220
    assert 0 < there.synthesize(text)[0].size < got.size  # faster speech is shorter


def test_a_renderer_that_died_is_a_synthesis_error_saying_so():
    lone = Renderers(1)
    try:
        lone._all[0]._process.kill()  # the helper process dies (out of memory, killed)
        with pytest.raises(SynthesisError, match="speech renderer ended"):
            ProcessSynthesizer(lone).synthesize("hello")
    finally:
        lone.close()


SCHEDULING = """
import os, threading
from kiosk.line.sip import _realtime_process
from kiosk.line.synthesizer import Renderers
_realtime_process()
seen = {}
thread = threading.Thread(target=lambda: seen.update(new=os.sched_getscheduler(0)))
thread.start(); thread.join()
renderers = Renderers(1)
child = os.sched_getscheduler(renderers._all[0]._process.pid)
print(os.sched_getscheduler(0), seen["new"], child)
renderers.close()
"""


def test_the_lines_threads_run_real_time_and_its_helpers_do_not():
    """`kiosk line` (in a process of its own here): its threads and those it starts later
    round-robin real-time, the helper processes it starts ordinary."""
    import os
    import subprocess
    import sys

    try:  # allowed here? (root, CAP_SYS_NICE or an RLIMIT_RTPRIO)
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(1))
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except PermissionError:
        pytest.skip("real-time scheduling is not allowed here")
    done = subprocess.run(
        [sys.executable, "-P", "-c", SCHEDULING], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    main, new, child = (int(value) for value in done.stdout.split())
    assert (main, new, child) == (os.SCHED_RR, os.SCHED_RR, os.SCHED_OTHER)
