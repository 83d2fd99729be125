"""The talking walk-up kiosk: a blind customer pays Ava's bill with the keypad and a headset.

``kiosk run`` in tmux under a private PulseAudio with a speaker sink; the headset is
plugged in at the welcome (a new sink, as a hot-plugged headset appears to the sound
server). The customer listens to everything: each key waits until the speech before
it has ended, so the time to pay is speech plus keys at the default rate.

Measures, from the sound server's own recordings:
- time to pay: headset plugged in -> confirmation number on screen (s);
- speech on the headset: seconds of sound, plug-in to the end of the result (target
  <= 120 s);
- first audio after a key, from silence (the digit echo, "digit" on the PIN, the next
  step's prompt): median and worst (target <= 150 ms);
- sound on the open speaker after the headset went in (target 0 s: no private word);
- whether the recognizer hears the confirmation number in the headset.

Run: .venv/bin/python bench/bench_kiosk_speech.py [--quick]   (one run either way)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from kiosk.devtools.speaking_kiosk import SpeakingKiosk, missing, pay_ava

REPO = Path(__file__).resolve().parents[1]
KIOSK = Path(sys.executable).parent / "kiosk"


def main() -> int:
    lacking = missing()
    if lacking:
        print(f"talking kiosk: skipped, {', '.join(lacking)} not installed")
        return 0
    with (
        tempfile.TemporaryDirectory(prefix="bench-kiosk-speech-") as work,
        SpeakingKiosk(KIOSK, Path(work), REPO).start() as kiosk,
    ):
        run = pay_ava(kiosk, listen=True)
    delays = sorted(run.first_audio)
    print("talking kiosk: keypad + headset payment (Ava, card, default speech rate)")
    print(f"{'measure':<52}{'value':>10}{'target':>10}")
    print(f"{'time to pay, headset in -> confirmation (s)':<52}{run.seconds_to_pay:>10.1f}")
    print(f"{'speech heard on the headset (s)':<52}{run.headset_seconds:>10.1f}{'<= 120':>10}")
    if delays:
        median = statistics.median(delays) * 1000
        print(f"{'first audio after a key, median (ms)':<52}{median:>10.0f}{'<= 150':>10}")
        print(f"{'first audio after a key, worst (ms)':<52}{delays[-1] * 1000:>10.0f}")
    print(f"{'keys measured':<52}{len(delays):>10}")
    for delay, key in reversed(run.slowest):
        print(f"  slow: {key} ({delay * 1000:.0f} ms)")
    print(
        f"{'sound on the open speaker after plug-in (s)':<52}"
        f"{run.speaker_seconds_after_plug:>10.1f}{'0':>10}"
    )
    heard = "yes" if run.confirmation_heard else "NO"
    print(f"{'confirmation number heard by the recognizer':<52}{heard:>10}")
    if run.silent_keys:
        print(f"  keys with no sound after them: {run.silent_keys}")
    return 0 if run.confirmation_heard and not run.silent_keys else 1


if __name__ == "__main__":
    sys.exit(main())
