"""Amounts from noise: the phone-loop bound on pocketsphinx's amount step, swept.

The amount grammar forces any sound onto some amount (white noise alone was "a
hundred", "two hundred", "a thousand"), so an amount must score within
``AMOUNT_LOOP_MARGIN`` of a free phone loop on the same sound (speech/asr.py). This
prints, for each bound, the right amounts still taken (espeak-ng callers, tuned voices
VOICES[:4] and held-out VOICES[4:], clean / 10 dB white / babble at 10 dB) and the noise
clips (white, brown, tones, store babble alone) taken as an amount.

    .venv/bin/python bench/bench_amount_noise.py [--quick]

About 9 minutes on a busy 2-core machine (load 4-5); ``--quick``: 2 amounts, 4 noise seeds.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

import numpy as np

from kiosk.speech.asr import AMOUNT_LOOP_MARGIN, ASR_RATE, PocketsphinxRecognizer
from kiosk.speech.corpus import VOICES, add_babble, pad, spoken_variants
from kiosk.speech.grammar import build_grammar
from kiosk.speech.numbers import amount_to_words

AMOUNTS = [(8499, ""), (4250, "forty two fifty"), (12000, ""), (9500, ""), (21540, ""), (7180, "")]
BOUNDS = (-6.0, -7.0, -8.0, -9.0, -10.0, -12.0, None)


def _noise(seeds: int) -> list[tuple[str, np.ndarray]]:
    clips: list[tuple[str, np.ndarray]] = []
    t = np.arange(ASR_RATE) / ASR_RATE
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        length = ASR_RATE * (1 + seed % 2)
        clips.append(("white", pad(rng.normal(0, 0.01, length).astype(np.float32), ASR_RATE)))
        brown = np.cumsum(rng.normal(0, 1, ASR_RATE)).astype(np.float32)
        clips.append(("brown", 0.05 * (brown - brown.mean()) / np.abs(brown).max()))
        clips.append(("babble", add_babble(np.full(ASR_RATE * 2, 1e-4, np.float32), -30.0, seed)))
        tone = 0.05 * np.sin(2 * np.pi * 220 * (1 + seed % 4) * t) * (np.sin(6 * np.pi * t) > 0)
        clips.append(("tones", tone.astype(np.float32)))
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 amounts, 4 noise seeds")
    args = parser.parse_args()
    recognizer = PocketsphinxRecognizer(amount_loop_margin=None)  # bound applied below
    grammar = build_grammar("amount")
    margins: list[tuple[str, bool, float | None]] = []  # (group, right, margin)
    for cents, said in AMOUNTS[:2] if args.quick else AMOUNTS:
        for voices, who in ((VOICES[:4], "tuned"), (VOICES[4:], "held-out")):
            for clip in spoken_variants(said or amount_to_words(cents), voices, snrs=(None, 10.0)):
                sounds = [("white 10dB" if clip.snr_db else "clean", clip.audio)]
                if clip.snr_db is None:
                    sounds.append(("babble 10dB", add_babble(clip.audio, 10.0)))
                for noise, audio in sounds:
                    result = recognizer.recognize(audio, ASR_RATE, grammar)
                    right = result.answer is not None and result.answer.value == cents
                    margin = recognizer.amount_margin(audio, ASR_RATE, grammar) if right else None
                    margins.append((f"{who} {noise}", right, margin))
    for kind, audio in _noise(4 if args.quick else 12):
        result = recognizer.recognize(audio, ASR_RATE, grammar)
        amount = result.answer is not None and result.answer.kind == "amount"
        margin = recognizer.amount_margin(audio, ASR_RATE, grammar) if amount else None
        margins.append((f"noise: {kind}", amount, margin))
    groups = list(dict.fromkeys(group for group, _, _ in margins))
    print(f"load {os.getloadavg()[0]:.1f}; kept bound: {AMOUNT_LOOP_MARGIN}")
    print(f"{'bound':>6}  " + "  ".join(f"{g:>18}" for g in groups))
    for bound in BOUNDS:
        taken: Counter[str] = Counter()
        total: Counter[str] = Counter()
        for group, hit, margin in margins:
            total[group] += 1
            taken[group] += hit and (bound is None or (margin is not None and margin >= bound))
        cells = "  ".join(f"{taken[g]:>8}/{total[g]:<9}" for g in groups)
        print(f"{'none' if bound is None else bound:>6}  {cells}")
    print("(speech rows: right amounts taken; noise rows: noise taken as an amount)")


if __name__ == "__main__":
    main()
