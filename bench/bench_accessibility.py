"""Accessibility helpers: cost per call, so the screen can run them on every step.

Prints medians (microseconds per call) and, for the readability check, the
ratio to textstat's bare Flesch-Kincaid grade measured in the same run.
Run: .venv/bin/python bench/bench_accessibility.py [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

TEXTS = [
    "Do you want to pay now? Press 1 for yes. Press 2 for no.",
    "Enter your account number or the phone number on your bill, then press Enter.",
    "You owe $215.40. Of that, $95.00 is late. Pay the late part to keep your phone on.",
    "Your payment arrangement has been verified and the delinquent balance will be remitted.",
]


def median_us(fn: Callable[[], object], repeats: int, number: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(samples)


def main() -> None:
    quick = "--quick" in sys.argv
    repeats, number = (3, 20) if quick else (7, 200)

    import textstat

    from kiosk.accessibility.announcer import Announcer, CaptionLog
    from kiosk.accessibility.contrast import contrast_ratio
    from kiosk.accessibility.keypad import RepeatFilter
    from kiosk.accessibility.modes import Profile
    from kiosk.accessibility.offline_cmudict import ensure_cmudict
    from kiosk.accessibility.plain_language import check, grade_level
    from kiosk.accessibility.themes import CONTRAST, STANDARD, colour_pairs
    from kiosk.accessibility.timing import ManualClock
    from kiosk.conversation.prompt import AnswerKind, Choice, Prompt, Register, Wording

    start = time.perf_counter()
    ensure_cmudict()
    grade_level("Warm up the dictionary.")
    first_use_ms = (time.perf_counter() - start) * 1e3

    counter = iter(range(10**9))

    def fresh(text: str) -> str:
        # textstat caches per text, and digits are masked before scoring: a new
        # word each call measures a cold computation.
        n = next(counter)
        word = "".join("abcdefghij"[int(d)] for d in str(n))
        return f"{text} Look at {word}."

    rows: list[tuple[str, float, str]] = []
    fk = median_us(lambda: textstat.flesch_kincaid_grade(fresh(TEXTS[1])), repeats, number)
    ours = median_us(lambda: grade_level(fresh(TEXTS[1])), repeats, number)
    rows.append(("textstat flesch_kincaid_grade (peer)", fk, "1.00"))
    rows.append(("grade_level (FK + Coleman-Liau)", ours, f"{ours / fk:.2f}"))
    rows.append(
        (
            "check, simple register",
            median_us(lambda: check(fresh(TEXTS[2]), Register.SIMPLE), repeats, number),
            "",
        )
    )
    for theme in (STANDARD, CONTRAST):

        def all_pairs(theme=theme) -> None:  # type: ignore[no-untyped-def]
            for pair in colour_pairs(theme):
                contrast_ratio(pair.fg, pair.bg)

        rows.append((f"colour_pairs + ratios, {theme.name}", median_us(all_pairs, repeats, 5), ""))

    wording = Wording("Pick one.", "Pick one.", "Pick one.", "PICK ONE GA")
    prompt = Prompt(
        id="menu",
        text=wording,
        kind=AnswerKind.CHOICE,
        help=wording,
        choices=tuple(Choice(str(n), wording, str(n)) for n in range(1, 5)),
    )

    class NullSink:
        def say(self, text: str, private: bool = False) -> None: ...

        def stop(self) -> None: ...

    profile = Profile()
    profile.speech = True
    announcer = Announcer(profile, CaptionLog(), NullSink())
    rows.append(
        ("Announcer.prompt", median_us(lambda: announcer.prompt(prompt), repeats, number), "")
    )
    clock = ManualClock()
    filt = RepeatFilter(clock)

    def key() -> None:
        clock.advance(0.03)
        filt.accept("5")

    rows.append(("RepeatFilter.accept", median_us(key, repeats, number), ""))

    print(f"first readability call (dictionary load): {first_use_ms:.0f} ms")
    print(f"{'operation':44s} {'median us':>10s} {'ratio':>6s}")
    for name, value, ratio in rows:
        print(f"{name:44s} {value:10.1f} {ratio:>6s}")


if __name__ == "__main__":
    main()
