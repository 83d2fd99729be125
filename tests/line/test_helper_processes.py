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


MEMORY_LOCK = """
import ctypes, mmap
from kiosk.line.sip import _lock_memory
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
size = 16 << 20
# Reserved before the lock, opened for writing after it: how a malloc arena grows.
address = libc.mmap(None, size, 0, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
_lock_memory()
locked = next(line for line in open("/proc/self/status") if line.startswith("VmLck"))
assert libc.mprotect(ctypes.c_void_p(address), ctypes.c_size_t(size), mmap.PROT_READ | mmap.PROT_WRITE) == 0
(ctypes.c_char * 1).from_address(address).value = b"x"  # one page touched

def field(name):
    lines = open("/proc/self/smaps").read().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{address:x}-"))
    for line in lines[start + 1:]:
        if line.startswith(name + ":"):
            return int(line.split()[1])

print(int(locked.split()[1]), field("Rss"), field("Locked"))
"""


def test_the_lines_memory_is_locked_page_by_page_as_it_is_touched():
    """Memory the line opens after its lock is locked as it is touched, not filled at
    once: a growing malloc arena filled under the interpreter stopped every call's audio
    (tens of milliseconds at each call's start, see kiosk.line.sip._lock_memory)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-P", "-c", MEMORY_LOCK], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    locked_kb, rss_kb, locked_here_kb = (int(value) for value in done.stdout.split())
    if locked_kb == 0:
        pytest.skip("memory locking is not allowed here (CAP_IPC_LOCK)")
    assert rss_kb <= 8, f"{rss_kb} kB of 16 MB filled when it was opened"
    assert 4 <= locked_here_kb <= 8  # the page touched, locked
