"""Command-line front end of the modem: ``kiosk tty encode`` and ``kiosk tty decode``."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.exits import fail
from kiosk.tty import demodulator, modulator, wavio

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


def encode_command(
    text: str,
    output: str | Path,
    baud: float = modulator.BAUD_US,
    rate: int = 8000,
    stop_bits: float = 2.0,
) -> int:
    """Write ``text`` as TTY tones to a WAV file; return an exit code."""
    try:
        samples = modulator.modulate(text, rate=rate, baud=baud, stop_bits=stop_bits)
        wavio.write_wav(output, samples, rate)
    except ValueError as error:
        return fail("tty encode", str(error), EXIT_USAGE)
    except OSError as error:
        return fail(
            "tty encode", f"cannot write {output}: {error.strerror or error}", EXIT_BAD_INPUT
        )
    return EXIT_OK


def decode_command(path: str | Path, baud: str | float = "auto") -> int:
    """Print the text a WAV file of TTY tones carries; return an exit code."""
    try:
        demodulator.parse_baud(baud)
    except ValueError as error:
        return fail("tty decode", str(error), EXIT_USAGE)
    try:
        samples, rate = wavio.read_wav(path)
        text = demodulator.decode_audio(samples, rate, baud=baud)
    except (wavio.WavError, ValueError) as error:
        return fail("tty decode", str(error), EXIT_BAD_INPUT)
    print(text)
    return EXIT_OK


def _baud(value: str) -> float:
    if value not in ("45.45", "50"):
        raise argparse.ArgumentTypeError("baud must be 45.45 or 50")
    return float(value)


def _stop_bits(value: str) -> float:
    if value not in ("1.5", "2"):
        raise argparse.ArgumentTypeError("stop bits must be 1.5 or 2")
    return float(value)


def _decode_baud(value: str) -> str:
    if value not in ("auto", "45.45", "50"):
        raise argparse.ArgumentTypeError("baud must be auto, 45.45 or 50")
    return value


def add_tty_subcommands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``encode`` and ``decode`` on an argparse subparsers object."""
    enc = subparsers.add_parser("encode", help="write text as TTY (Baudot FSK) tones to a WAV")
    enc.add_argument("text", help="text to send (upper-cased; # & + = @ %% spelled out)")
    enc.add_argument("-o", "--output", required=True, help="WAV file to write")
    enc.add_argument("--baud", type=_baud, default=modulator.BAUD_US, help="45.45 or 50")
    enc.add_argument("--rate", type=int, default=8000, help="sample rate in Hz")
    enc.add_argument("--stop-bits", type=_stop_bits, default=2.0, help="1.5 or 2")
    enc.set_defaults(
        handler=lambda a: encode_command(a.text, a.output, a.baud, a.rate, a.stop_bits)
    )
    dec = subparsers.add_parser("decode", help="print the text in a WAV of TTY tones")
    dec.add_argument("path", help="WAV file (any rate, mono or stereo)")
    dec.add_argument("--baud", type=_decode_baud, default="auto", help="auto, 45.45 or 50")
    dec.set_defaults(handler=lambda a: decode_command(a.path, a.baud))
