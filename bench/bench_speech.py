"""Speech benchmark: recognition accuracy per answer kind, latency, TTS, prompt length.

Corpus: every kind's phrases spoken by espeak-ng voices at two rates, clean and with
white noise at 10 dB SNR. The tuned recognizer (levers from the speech reference notes)
is compared with stock pocketsphinx settings measured in the same run.

    .venv/bin/python bench/bench_speech.py [--quick] [--misses] [--tasks]
        [--engines pocketsphinx,whisper,hybrid]

The issue-17 tables come first: the task level (bench/speech_tasks.py: simulated callers
through the voice channel's confirm-by-risk rules, within two turns; tuned voices
VOICES[:2] and the held-out ones, clean / 10 dB white / babble 10 dB), the margin sweep,
the natural-phrasing corpus with out-of-grammar sentences, and noise alone on the digit
steps through the voice channel (bench/speech_noise.py); ``--tasks`` prints only
those (about 10 minutes per engine for pocketsphinx on an idle 2-core machine, Whisper
about twice that; ``--quick``: one voice of each, clean and babble). ``--engines`` names
the recognizers whose task tables are run, one after the other in the same process.

Reading the figures: one clip is 1.4-3 points of a kind's score, and the engine's own
randomness (the seed of the noise floor it adds, the noise tracker carried from the
previous utterance) moves a kind by 3-5 clips, so differences smaller than that are
noise. Measured without a lasting gain (full corpus, this engine): vocal-tract warps
alone or voted, voting over noise-floor seeds, extra pronunciations for "ninety",
"and", "card", wider beams and no HMM limit, topn 16, frame rate 115-130, silence and
phone insertion probabilities, pocketsphinx's own noise removal off, an MMSE-LSA
denoiser, and re-scoring warped hypotheses by forced alignment (amounts up, digits down).
The misses are the acoustic model's: a forced alignment scores the wrong phrase higher
in most of them (see the confusion list).
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.speech.asr import (
    EARLY_SILENCE,
    GrammarLike,
    PocketsphinxRecognizer,
    RecognitionResult,
    Recognizer,
)
from kiosk.speech.corpus import VOICES, spoken_variants
from kiosk.speech.grammar import StepGrammar, build_grammar, normalise
from kiosk.speech.numbers import amount_to_words, date_to_words, digits_to_words
from kiosk.speech.tts import EspeakSynthesizer, Pyttsx3Synthesizer, split_sentences
from kiosk.speech.vad import EndPointer, find_speech

MENU = {
    "pay": ["pay my bill", "make a payment"],
    "balance": ["hear my balance"],
    "arrangement": ["payment arrangement"],
    "dispute": ["dispute a charge"],
}
METHOD = {"card": ["card", "credit card"], "bank": ["bank account"], "cash": ["cash"]}
#: Voices left out of every tuning, reported on their own.
HELD_OUT = ("en-us+f4", "en-gb-x-rp")
TARGETS = {  # clean, 10 dB (issue 7)
    "yesno": (0.99, 0.95),
    "menu": (0.99, 0.95),
    "digits": (0.95, 0.85),
    "amount": (0.95, 0.85),
}


def corpus() -> list[tuple[str, str, StepGrammar, str, object]]:
    """(report group, kind label, grammar, spoken text, expected answer value)."""
    yesno, menu = build_grammar("yesno"), build_grammar("choice", MENU)
    method = build_grammar("choice", METHOD)
    items: list[tuple[str, str, StepGrammar, str, object]] = []
    for text, truth in [("yes", True), ("no", False), ("yeah", True), ("that's right", True)]:
        items.append(("yesno", "yes/no", yesno, text, truth))
    for choice, synonyms in MENU.items():
        items += [("menu", "menu", menu, s, choice) for s in synonyms]
    items += [("menu", "method", method, s, v) for v, ss in METHOD.items() for s in ss[:1]]
    for length, label, numbers in [
        (4, "PIN", ["2468", "1357", "8642", "9753"]),
        (5, "ZIP", ["72201", "35203", "27601"]),
        (8, "account", ["40152270", "40152273"]),
    ]:
        grammar = build_grammar("digits", length=length)
        for number in numbers:
            spoken = digits_to_words(number, group=length).replace(",", "")
            items.append(("digits", label, grammar, spoken, number))
    amount = build_grammar("amount")
    amounts: list[tuple[int, str | None]] = [
        (8499, None),
        (4250, "forty two fifty"),
        (12000, None),
        (9500, None),
        (21540, None),
    ]
    for cents, spoken in amounts:
        items.append(("amount", "amount", amount, spoken or amount_to_words(cents), cents))
    main_menu = _main_menu_grammar()
    for text, value in [("help", "help"), ("go back", "back"), ("representative", "person")]:
        items.append(("command", "command", menu, text, value))
        items.append(("cmd/keys", "cmd/keys", main_menu, text, value))
    return items


def _main_menu_grammar() -> StepGrammar:
    """The voice channel's grammar for a menu like the main one: every choice can also be
    said by its key ("two", "number two"), which the plain MENU above leaves out."""
    from kiosk.channels.voice_grammar import grammar_for
    from kiosk.conversation.prompt import AnswerKind, Prompt
    from kiosk.conversation.steps.base import choice, label

    labels = ["Hear or read my bill", "Pay my bill", "Set up a payment plan", "Question a charge"]
    labels += ["Help paying my bill", "Talk to a person", "I am done"]
    choices = tuple(choice(f"c{key}", str(key), text) for key, text in enumerate(labels, 1))
    menu = Prompt("menu", label("What would you like to do?"), AnswerKind.CHOICE, label("Help"))
    return grammar_for(dataclasses.replace(menu, choices=choices))


@dataclass
class Tally:
    """Per (recognizer, kind, noise): right answers, and wrong answers that were taken.

    A wrong answer taken (not rejected) is the dangerous kind: for amounts and account
    numbers the conversation reads it back and asks for a confirmation before use.
    """

    right: list[bool] = field(default_factory=list)
    wrong_taken: int = 0


def evaluate(
    recognizers: dict[str, Recognizer], voices: tuple[str, ...], rates: tuple[int, ...]
) -> tuple[dict[tuple[str, str, str], Tally], dict[str, list[float]], list[str], Counter[str]]:
    tallies: dict[tuple[str, str, str], Tally] = defaultdict(Tally)
    rtf: dict[str, list[float]] = defaultdict(list)
    misses: list[str] = []
    confusions: Counter[str] = Counter()
    for group, label, grammar, text, value in corpus():
        for clip in spoken_variants(text, voices=voices, rates=rates, snrs=(None, 10.0)):
            seconds = len(clip.audio) / 16_000
            noise = "clean" if clip.snr_db is None else "10dB"
            for name, recognizer in recognizers.items():
                result = recognizer.recognize(clip.audio, 16_000, grammar)
                ok = result.answer is not None and result.answer.value == value
                tally = tallies[(name, group, noise)]
                tally.right.append(ok)
                tally.wrong_taken += not ok and result.answer is not None
                rtf[name].append(result.seconds / seconds)
                if not ok and name == "tuned":
                    misses.append(
                        f"{label:8} {noise:5} {clip.voice:9} {clip.rate_wpm} {text!r} -> {result.text!r}"
                    )
                    confusions.update(word_confusions(text, result.text))
    return tallies, rtf, misses, confusions


def word_confusions(said: str, heard: str) -> list[str]:
    """Word-level differences ("ninety -> twenty", "card -> louder", "six -> (dropped)")."""
    expected, got = normalise(said).split(), normalise(heard).split()
    if not got:
        return ["(rejected)"]
    changes = []
    matcher = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag != "equal":
            before = " ".join(expected[a0:a1]) or "(nothing)"
            after = " ".join(got[b0:b1]) or "(dropped)"
            changes.append(f"{before} -> {after}")
    return changes


def latency(
    recognizer: Recognizer, trailing: float, voices: tuple[str, ...], early: float | None
) -> tuple[list[float], list[bool]]:
    """End of speech -> answer, live through :meth:`Recognizer.listen`, on a simulated
    real-time clock: 20 ms blocks arrive at their time and any decoding delays what
    follows. ``early`` is the pause that ends a complete answer early (None: off)."""
    results: list[float] = []
    right: list[bool] = []
    block = 320
    for number, length in (("2468", 4), ("72201", 5)):
        grammar = build_grammar("digits", length=length)
        words = digits_to_words(number, group=length).replace(",", "")
        for clip in spoken_variants(words, voices=voices, rates=(160,)):
            span = find_speech(clip.audio, 16_000)
            assert span is not None
            audio = np.concatenate([clip.audio, np.zeros(16_000 * 2, np.float32)])
            clock = {"virtual": 0.0, "yielded": 0.0}

            def blocks(
                audio: np.ndarray = audio, clock: dict[str, float] = clock
            ) -> Iterator[np.ndarray]:
                for start in range(0, len(audio), block):
                    now = time.perf_counter()
                    spent = now - clock["yielded"] if clock["yielded"] else 0.0
                    clock["virtual"] = max(clock["virtual"] + spent, (start + block) / 16_000)
                    clock["yielded"] = time.perf_counter()
                    yield audio[start : start + block]

            pointer = EndPointer(rate=16_000, trailing_silence=trailing)
            result = recognizer.listen(blocks(), 16_000, grammar, pointer, early_silence=early)
            finished = clock["virtual"] + time.perf_counter() - clock["yielded"]
            results.append(finished - span[1])
            right.append(result.answer is not None and result.answer.value == number)
    return results, right


PAYMENT_PROMPTS = [
    "Welcome. I can help you pay your bill. Say pay my bill, hear my balance, or person. "
    "Or press 1, 2, or 0.",
    "Please say or key your eight digit account number.",
    f"I heard {digits_to_words('40152270')}. Is that right?",
    "Please say or key your five digit ZIP code.",
    "Please key your four digit PIN. Use the headset for privacy.",
    f"Hello, Ava. Your bill is {amount_to_words(8499)}, due on "
    f"{date_to_words(__import__('datetime').date(2025, 3, 14))}.",
    "How much would you like to pay? Say the full amount, or say an amount.",
    f"You said {amount_to_words(8499)}. Is that right?",
    "How would you like to pay? Say card, bank account, or cash.",
    f"Please review. Pay {amount_to_words(8499)} by card ending in {digits_to_words('4242')}. "
    "Say yes to pay, or no to change it.",
    f"Payment done. Your confirmation number is {digits_to_words('K7Q4821', group=3)}. "
    "A receipt is printing. Thank you.",
]


def natural_phrasing(
    recognizer: Recognizer, voices: tuple[str, ...], rates: tuple[int, ...]
) -> dict[tuple[str, str], list[bool]]:
    """The natural-phrasing corpus (kiosk.devtools.voice_corpus: carriers and politeness
    around every answer kind) on the real prompts of Ava's session, clean and at 10 dB:
    right answers by (kind, noise)."""
    import speech_tasks

    from kiosk.channels.voice_grammar import engine_text, grammar_for
    from kiosk.devtools.voice_corpus import NATURAL, expected_line

    prompts = speech_tasks.session_prompts()
    right: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for phrasing in NATURAL:
        prompt = prompts[phrasing.step]
        grammar, want = grammar_for(prompt), expected_line(prompt, phrasing.want)
        for clip in spoken_variants(phrasing.text, voices=voices, rates=rates, snrs=(None, 10.0)):
            result = recognizer.recognize(clip.audio, 16_000, grammar)
            got = engine_text(prompt, result.answer) if result.answer is not None else None
            noise = "clean" if clip.snr_db is None else "10dB"
            right[(phrasing.kind, noise)].append(got == want)
    return right


def natural_tables(recognizer: Recognizer, voices: tuple[str, ...], rates: tuple[int, ...]) -> None:
    """The natural-phrasing corpus, tuned and held-out voices, and sentences taken."""
    print("\nnatural phrasing (carriers and politeness; target >= 95 % clean):")
    for label, chosen in (("tuned voices", voices), ("held-out voices", HELD_OUT)):
        rows = natural_phrasing(recognizer, chosen, rates)
        for noise in ("clean", "10dB"):
            cells = " ".join(
                f"{kind} {np.mean(rows[(kind, noise)]):.0%}"
                for kind in ("menu", "yesno", "digits", "amount")
                if rows[(kind, noise)]
            )
            every = [ok for (kind, n), oks in rows.items() if n == noise for ok in oks]
            print(f"  {label:15} {noise:5} all {np.mean(every):6.1%} (n={len(every)}): {cells}")
        taken = sentences_taken(recognizer, chosen)
        print(f"  {label:15} out-of-grammar sentences taken as an answer: {taken}")


def sentences_taken(recognizer: Recognizer, voices: tuple[str, ...]) -> str:
    """kiosk.devtools.voice_corpus.SENTENCES at 160 wpm, clean: how many were taken."""
    import speech_tasks

    from kiosk.channels.voice_grammar import grammar_for
    from kiosk.devtools.voice_corpus import SENTENCES

    prompts = speech_tasks.session_prompts()
    taken = total = 0
    for step, text in SENTENCES:
        for clip in spoken_variants(text, voices=voices, rates=(160,)):
            total += 1
            taken += (
                recognizer.recognize(clip.audio, 16_000, grammar_for(prompts[step])).answer
                is not None
            )
    return f"{taken}/{total}"


def tts_figures(quick: bool) -> list[tuple[str, float, float]]:
    rows = []
    for name, synth in [("pyttsx3", Pyttsx3Synthesizer()), ("espeak-ng", EspeakSynthesizer())]:
        first: list[float] = []
        whole: list[float] = []
        for prompt in PAYMENT_PROMPTS[: 4 if quick else None]:
            started = time.perf_counter()
            synth.synthesize(split_sentences(prompt)[0])
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            synth.synthesize(prompt)
            whole.append(time.perf_counter() - started)
        rows.append((name, statistics.median(first), statistics.median(whole)))
    return rows


def prompts_duration() -> float:
    synth = Pyttsx3Synthesizer()
    total = 0.0
    for prompt in PAYMENT_PROMPTS:
        audio, rate = synth.synthesize(prompt)
        total += len(audio) / rate
    return total


class TimedRecognizer(Recognizer):
    """Another recognizer, with the time of every recognition and margin kept."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner = inner
        self.rate = inner.rate
        self.constrained = inner.constrained
        self.margins = inner.margins
        self.seconds: list[float] = []

    def decode(self, audio: np.ndarray, grammar: StepGrammar) -> tuple[str, float]:
        return self.inner.decode(audio, grammar)

    def recognize(self, audio: np.ndarray, rate: int, phrases: GrammarLike) -> RecognitionResult:
        started = time.perf_counter()
        result = self.inner.recognize(audio, rate, phrases)
        self.seconds.append(time.perf_counter() - started)
        return result

    def margin(
        self, audio: np.ndarray, rate: int, phrases: GrammarLike, result: RecognitionResult
    ) -> float | None:
        return self.inner.margin(audio, rate, phrases, result)

    def other_reading(
        self, audio: np.ndarray, rate: int, phrases: GrammarLike, result: RecognitionResult
    ) -> RecognitionResult | None:
        started = time.perf_counter()
        other = self.inner.other_reading(audio, rate, phrases, result)
        self.seconds.append(time.perf_counter() - started)
        return other


def resident_mb() -> float:
    """This process's resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build_engine(name: str) -> Recognizer:
    """The recognizer a task table runs: "pocketsphinx" (tuned), "whisper" (tiny.en),
    "hybrid" (Whisper for menus and yes/no, pocketsphinx for digits and amounts, with
    Whisper's enhanced second reading), "hybrid-single" (the same without it)."""
    from kiosk.channels.voice_devices import build_recognizer
    from kiosk.speech.whisper import ByKindRecognizer

    if name == "hybrid-single":
        recognizer = build_recognizer("hybrid", None)
        assert isinstance(recognizer, ByKindRecognizer)
        recognizer.second_reading = False
        return recognizer
    return build_recognizer(name, None)


def task_tables(quick: bool, engines: tuple[str, ...] = ("pocketsphinx",)) -> None:
    """Simulated callers per step kind, tuned and held-out voices apart, and the margin
    sweep that shows where the confirmation threshold must sit; per engine, in one run,
    with the time of each recognition (median, p95), resident memory and load."""
    import speech_noise
    import speech_tasks

    prompts = speech_tasks.session_prompts()
    seeds = 2 if quick else 8  # noise-alone sessions per noise and step
    tuned = VOICES[:1] if quick else VOICES[:2]
    held = HELD_OUT[:1] if quick else HELD_OUT
    noises = ("clean", "babble 10dB") if quick else speech_tasks.NOISES
    for engine in engines:
        started = time.perf_counter()
        before = resident_mb()
        recognizer = TimedRecognizer(build_engine(engine))
        loaded = resident_mb()
        margins = recognizer.margins or (speech_tasks.CHOICE_MARGIN, speech_tasks.MONEY_YES_MARGIN)
        print(
            f"\n=== {engine}: task level: callers answer a real prompt, two turns"
            " (the second 20 wpm slower)"
        )
        print(f"confirmation margins: risky choice > {margins[0]}, paying yes > {margins[1]}")
        runs = {}
        for label, voices in (("tuned voices", tuned), ("held-out voices", held)):
            callers = speech_tasks.simulate(recognizer, prompts, voices, 160, noises)
            runs[label] = callers
            print(f"\n{engine}, {label}: {', '.join(voices)} at 160 wpm")
            print("\n".join(speech_tasks.table(callers, prompts, *margins)))
        print(
            "(taken<=2: the intended answer taken within two turns. wrong money/plan: a wrong\n"
            " answer that pays or commits a plan or dispute, acted on without a read-back\n"
            " (target 0). wrong nav: a wrong harmless answer (navigation, a menu item that\n"
            " commits nothing) acted on. wrong after yes: a wrong answer read back and acted\n"
            " on because the caller's 'no' was heard as 'yes'. confirms: read-backs per\n"
            " caller. keypad: callers asked for the keypad's 1 before money moved.)"
        )
        print(f"\n{engine}: noise alone on the digit steps, through the voice channel:")
        print("\n".join(speech_noise.noise_table(speech_noise.noise_alone(recognizer, seeds))))
        print(f"\n{engine}: N-best margin needed (a wrong risky answer above it is acted on):")
        thresholds = speech_tasks.SWEEP_THRESHOLDS.get(
            engine, speech_tasks.SWEEP_THRESHOLDS["pocketsphinx"]
        )
        for label, callers in runs.items():
            print(f"{label}:")
            print("\n".join(speech_tasks.sweep(callers, prompts, thresholds)))
        times = sorted(recognizer.seconds)
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"{engine}: one recognition (utterance of about 1-3 s) median"
            f" {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (n={len(times)});"
            f" RSS {before:.0f} MB before loading, {loaded:.0f} MB loaded,"
            f" {resident_mb():.0f} MB after; load average {_loadavg()}"
        )
        print(f"({engine} task tables took {time.perf_counter() - started:.0f} s)")


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 voices, 1 rate")
    parser.add_argument("--misses", action="store_true", help="list the tuned engine's misses")
    parser.add_argument("--tasks", action="store_true", help="only the task-level table")
    parser.add_argument(
        "--engines",
        default="pocketsphinx,whisper",
        help="recognizers of the task tables, comma-separated (pocketsphinx, whisper, hybrid,"
        " hybrid-single)",
    )
    args = parser.parse_args(argv)
    task_tables(args.quick, tuple(args.engines.split(",")))
    engines = args.engines.split(",")
    for engine in engines if args.tasks else engines[:1]:
        print(f"\n=== {engine}:", end="")
        natural_tables(build_engine(engine), VOICES[:2], (140, 180))
    if args.tasks:
        return 0
    voices = VOICES[:2] if args.quick else VOICES[:4]
    rates = (160,) if args.quick else (140, 180)
    recognizers: dict[str, Recognizer] = {
        "tuned": PocketsphinxRecognizer(),
        "stock": PocketsphinxRecognizer(
            denoise=False,
            beam=1e-48,
            wbeam=7e-29,
            pbeam=1e-48,
            wip=0.65,
            max_stretch=0,
            level=None,
            dither=3e-4,
        ),
    }
    started = time.perf_counter()
    tallies, rtf, misses, confusions = evaluate(recognizers, voices, rates)
    print(f"speech benchmark: voices {', '.join(voices)}; rates {rates} wpm; clean and 10 dB SNR")
    print(
        f"{'kind':8} {'noise':6} {'n':>4} {'tuned':>7} {'stock':>7} {'target':>7} {'taken wrong':>12}"
    )
    for group in ("yesno", "menu", "digits", "amount", "command", "cmd/keys"):
        for index, noise in enumerate(("clean", "10dB")):
            tuned, stock = tallies[("tuned", group, noise)], tallies[("stock", group, noise)]
            target = TARGETS.get(group, (None, None))[index]
            shown = f"{target:.0%}" if target else "-"
            print(
                f"{group:8} {noise:6} {len(tuned.right):4d} {np.mean(tuned.right):7.1%}"
                f" {np.mean(stock.right):7.1%} {shown:>7} {tuned.wrong_taken:12d}"
            )
    print("(cmd/keys: commands on a menu whose keys can be said, as the voice channel builds it)")
    print("(taken wrong: a wrong answer the tuned engine did not reject; amounts and accounts")
    print(" are read back and confirmed before use, so none is acted on unheard)")
    for name in recognizers:
        print(f"real-time factor {name}: median {statistics.median(rtf[name]):.3f}")
    for trailing, early in ((0.3, None), (0.6, None), (0.3, EARLY_SILENCE), (0.6, EARLY_SILENCE)):
        values, right = latency(recognizers["tuned"], trailing, voices, early)
        how = f"answer complete after a {early:.2f} s pause" if early else "no early end"
        print(
            f"end of speech -> answer (PIN/ZIP, trailing silence {trailing:.1f} s, {how}): "
            f"median {statistics.median(values) * 1000:.0f} ms, right {np.mean(right):.0%}"
        )
    for name, first, whole in tts_figures(args.quick):
        print(
            f"TTS {name}: first audio (first sentence) median {first * 1000:.0f} ms;"
            f" whole prompt {whole * 1000:.0f} ms"
        )
    print(
        f"full voice payment: {len(PAYMENT_PROMPTS)} prompts, {prompts_duration():.1f} s of speech at the default rate"
    )
    print("most frequent confusions of the tuned engine (said -> heard: count):")
    for change, count in confusions.most_common(12):
        print(f"  {change}: {count}")
    if args.misses:
        print("\n".join(misses))
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
