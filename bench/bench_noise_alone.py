"""Noise alone on a digit or amount step: pocketsphinx's phone-loop bound, swept.

A digit or amount grammar forces any sound onto some answer: white noise alone was "a
hundred", "two hundred", "a thousand" on the amount step, and store babble alone (other
shoppers talking, nobody at the kiosk) a ZIP code or an account number on the digit
steps. So an answer must score within a bound of a free phone loop on the same sound
(``AMOUNT_LOOP_MARGIN``, ``DIGIT_LOOP_MARGIN`` in speech/asr.py). This prints, for each
bound, the right answers still taken (espeak-ng callers, tuned voices VOICES[:4] and
held-out VOICES[4:], clean / 10 dB white / babble at 10 dB) and the noise clips (white,
brown, tones, store babble alone at two levels) taken as an answer. Bounds are placed on
the tuned voices; the held-out ones are shown, never used to place them.

    .venv/bin/python bench/bench_noise_alone.py [--kind digits|amount] [--quick]

About 9 minutes per kind on a busy 2-core machine (load 4-5); ``--quick``: 2 answers, 4
noise seeds.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

import numpy as np

from kiosk.speech.asr import (
    AMOUNT_LOOP_MARGIN,
    ASR_RATE,
    DIGIT_LOOP_MARGIN,
    PocketsphinxRecognizer,
)
from kiosk.speech.corpus import VOICES, add_babble, pad, pulsed_tones, spoken_variants
from kiosk.speech.grammar import StepGrammar, build_grammar
from kiosk.speech.numbers import amount_to_words

AMOUNTS = [(8499, ""), (4250, "forty two fifty"), (12000, ""), (9500, ""), (21540, ""), (7180, "")]
#: (length, digits, said): bare and with carriers, as the task bench's callers say them.
DIGITS = [
    (5, "72201", "seven two two oh one"),
    (8, "40152270", "four oh one five two two seven oh"),
    (5, "72201", "my zip code is seven two two zero one"),
    (8, "40152270", "it's four zero one five two two seven zero"),
    (5, "35203", "three five two oh three"),
    (4, "2468", "two four six eight"),
]
BOUNDS = (-6.0, -7.0, -8.0, -9.0, -10.0, -12.0, None)


def _noise(seeds: int) -> list[tuple[str, np.ndarray]]:
    clips: list[tuple[str, np.ndarray]] = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        length = ASR_RATE * (1 + seed % 2)
        clips.append(("white", pad(rng.normal(0, 0.01, length).astype(np.float32), ASR_RATE)))
        brown = np.cumsum(rng.normal(0, 1, ASR_RATE * 2)).astype(np.float32)
        clips.append(("brown", 0.05 * (brown - brown.mean()) / np.abs(brown).max()))
        quiet = np.full(ASR_RATE * (2 + seed % 2), 1e-4, np.float32)
        clips.append(("babble", add_babble(quiet, -30.0, seed)))
        clips.append(("babble+hum", add_babble(quiet + 1e-3, -20.0, seed + 50)))
        clips.append(("tones", pulsed_tones(2.0, seed)))
    return clips


def _said(kind: str, quick: bool) -> list[tuple[StepGrammar, object, str]]:
    """(grammar, value, words) of the answers the callers say."""
    if kind == "amount":
        amount = build_grammar("amount")
        chosen = AMOUNTS[:2] if quick else AMOUNTS
        return [(amount, cents, said or amount_to_words(cents)) for cents, said in chosen]
    digits = DIGITS[:2] if quick else DIGITS
    return [(build_grammar("digits", length=n), value, said) for n, value, said in digits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=("digits", "amount"), default="digits")
    parser.add_argument("--quick", action="store_true", help="2 answers, 4 noise seeds")
    args = parser.parse_args()
    recognizer = PocketsphinxRecognizer(amount_loop_margin=None, digit_loop_margin=None)
    margins: list[tuple[str, bool, float | None]] = []  # (group, taken, margin)
    said = _said(args.kind, args.quick)
    for grammar, value, words in said:
        for voices, who in ((VOICES[:4], "tuned"), (VOICES[4:], "held-out")):
            for clip in spoken_variants(words, voices, snrs=(None, 10.0)):
                sounds = [("white 10dB" if clip.snr_db else "clean", clip.audio)]
                if clip.snr_db is None:
                    sounds.append(("babble 10dB", add_babble(clip.audio, 10.0)))
                for noise, audio in sounds:
                    result = recognizer.recognize(audio, ASR_RATE, grammar)
                    right = result.answer is not None and result.answer.value == value
                    margin = recognizer.loop_margin(audio, ASR_RATE, grammar) if right else None
                    margins.append((f"{who} {noise}", right, margin))
    if args.kind == "amount":
        grammars = [build_grammar("amount")]
    else:  # a PIN, a ZIP code, an account number
        grammars = [build_grammar("digits", length=n) for n in (4, 5, 8)]
    for kind, audio in _noise(4 if args.quick else 12):
        for grammar in grammars:
            result = recognizer.recognize(audio, ASR_RATE, grammar)
            taken = result.answer is not None and result.answer.kind == args.kind
            margin = recognizer.loop_margin(audio, ASR_RATE, grammar) if taken else None
            margins.append((f"noise: {kind}", taken, margin))
    kept = AMOUNT_LOOP_MARGIN if args.kind == "amount" else DIGIT_LOOP_MARGIN
    groups = list(dict.fromkeys(group for group, _, _ in margins))
    print(f"{args.kind}: load {os.getloadavg()[0]:.1f}; kept bound: {kept}")
    print(f"{'bound':>6}  " + "  ".join(f"{g:>18}" for g in groups))
    for bound in BOUNDS:
        taken: Counter[str] = Counter()
        total: Counter[str] = Counter()
        for group, hit, margin in margins:
            total[group] += 1
            taken[group] += hit and (bound is None or (margin is not None and margin >= bound))
        cells = "  ".join(f"{taken[g]:>8}/{total[g]:<9}" for g in groups)
        print(f"{'none' if bound is None else bound:>6}  {cells}")
    print(f"(speech rows: right answers taken; noise rows: noise taken as {args.kind})")


if __name__ == "__main__":
    main()
