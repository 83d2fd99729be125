"""``kiosk speech say`` and ``kiosk speech recognize``: check and tune speech by hand.

``say`` writes what the kiosk would speak to a WAV; ``recognize`` prints the answer a
step of the given kind would receive from a WAV (any rate, mono or stereo), or the
rejection, so a misheard phrase can be reproduced without running the whole kiosk.
"""

from __future__ import annotations

import argparse
import json
import wave
from pathlib import Path
from typing import Any

from kiosk.exits import EXIT_USAGE, fail
from kiosk.speech.grammar import ANSWER_KINDS, build_grammar


def add_say_and_recognize(subparsers: Any) -> None:
    """Register ``say`` and ``recognize`` on an argparse sub-parser collection."""
    say = subparsers.add_parser("say", help="speak TEXT into a WAV file")
    say.add_argument("text", metavar="TEXT", help="what to say")
    say.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.wav", help="WAV file to write"
    )
    say.add_argument("--rate-wpm", type=int, default=None, help="speaking rate, words a minute")
    say.set_defaults(handler=_say)

    recognize = subparsers.add_parser(
        "recognize", help="the answer a step of KIND would receive from FILE.wav"
    )
    recognize.add_argument("wav", type=Path, metavar="FILE.wav", help="the spoken answer")
    recognize.add_argument(
        "--kind", choices=ANSWER_KINDS, required=True, help="the kind of answer the step takes"
    )
    recognize.add_argument(
        "--choices", default="", help='for --kind choice: "pay my bill,hear my balance,..."'
    )
    recognize.add_argument("--length", type=int, default=None, help="digits expected (PIN 4)")
    recognize.add_argument(
        "--engine",
        choices=("pocketsphinx", "whisper", "hybrid", "vosk"),
        default=None,
        help="speech recognizer (default: the speech_engine setting)",
    )
    recognize.add_argument("--json", action="store_true", help="one JSON object")
    recognize.set_defaults(handler=_recognize)


def _say(args: argparse.Namespace) -> int:
    from kiosk.speech.tts import Pyttsx3Synthesizer, SynthesisError, write_wav

    synthesizer = Pyttsx3Synthesizer()
    if args.rate_wpm:
        synthesizer.rate_wpm = args.rate_wpm
    try:
        audio, rate = synthesizer.synthesize(args.text)
    except SynthesisError as error:
        return fail("speech say", str(error))
    write_wav(args.output, audio, rate)
    print(f"{args.output}: {len(audio) / rate:.2f} s at {rate} Hz")
    return 0


def _recognize(args: argparse.Namespace) -> int:
    from kiosk.channels.voice_devices import build_recognizer
    from kiosk.settings import get_settings
    from kiosk.speech.asr import RecognizerError
    from kiosk.speech.tts import read_wav

    choices = [phrase.strip() for phrase in args.choices.split(",") if phrase.strip()]
    if args.kind == "choice" and not choices:
        return fail("speech recognize", '--kind choice needs --choices "a,b,..."', EXIT_USAGE)
    try:
        audio, rate = read_wav(args.wav)
    except (OSError, EOFError, ValueError, wave.Error) as error:
        return fail(
            "speech recognize", f"cannot read {args.wav} as a 16-bit PCM WAV: {error}", EXIT_USAGE
        )
    settings = get_settings()
    try:
        recognizer = build_recognizer(args.engine, settings.vosk_model_dir or None)
    except RecognizerError as error:
        return fail("speech recognize", str(error), EXIT_USAGE)
    grammar = build_grammar(
        args.kind, {phrase: [phrase] for phrase in choices} or None, length=args.length
    )
    result = recognizer.recognize(audio, rate, grammar)
    answer = result.answer
    if answer is None:
        report: dict[str, object] = {"kind": args.kind, "rejected": True, "heard": result.text}
    else:
        key = "cents" if answer.kind == "amount" else "value"
        report = {"kind": answer.kind, key: answer.value, "heard": answer.heard}
    if args.json:
        print(json.dumps(report))
    elif answer is None:
        print(f"rejected (heard {result.text!r}): Sorry, I did not catch that.")
    else:
        print(f"{answer.kind}: {answer.value} (heard {answer.heard!r})")
    return 1 if answer is None else 0
