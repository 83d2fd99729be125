"""FSK modulator and demodulator: real audio through the real modem (and minimodem)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from kiosk.tty import baudot, modulator
from kiosk.tty.demodulator import StreamingDecoder, decode_audio

MESSAGE = "PAY $123.45 Q GA. CONFIRMATION 4821 7730, CALL 1-800-555-0199 THANK YOU SK"


def cer(decoded: str, reference: str) -> float:
    return Levenshtein.distance(" ".join(decoded.split()), reference) / len(reference)


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_round_trip_at_every_sample_rate(rate: int) -> None:
    audio = modulator.modulate(MESSAGE, rate=rate)
    assert audio.dtype == np.float32 and np.max(np.abs(audio)) <= 1.0
    assert decode_audio(audio, rate) == MESSAGE


@pytest.mark.parametrize(
    ("baud", "stop_bits"), [(45.45, 2.0), (45.45, 1.5), (50.0, 2.0), (50.0, 1.5)]
)
def test_round_trip_baud_and_stop_bits(baud: float, stop_bits: float) -> None:
    audio = modulator.modulate(MESSAGE, baud=baud, stop_bits=stop_bits)
    assert decode_audio(audio, 8000) == MESSAGE
    assert decode_audio(audio, 8000, baud=baud) == MESSAGE


def test_timing_matches_the_standard() -> None:
    codes = baudot.encode("A")
    audio = modulator.modulate_codes(codes, 8000, 45.45, 2.0, lead_in=0.0, hang_over=0.0)
    assert audio.size == pytest.approx(len(codes) * 8 * 8000 / 45.45, abs=1)
    spectrum = np.abs(np.fft.rfft(modulator.modulate_codes([], 8000, lead_in=1.0, hang_over=0)))
    assert np.argmax(spectrum) * 8000 / (2 * (spectrum.size - 1)) == pytest.approx(1400, abs=2)


def test_continuous_phase_has_no_clicks() -> None:
    audio = modulator.modulate("RYRYRY", rate=48000).astype(np.float64)
    assert np.max(np.abs(np.diff(audio))) < 2 * np.pi * 1800 / 48000 * 0.5 * 1.01


@pytest.mark.parametrize("offset", [-50.0, 50.0])
def test_tone_offset_of_50_hz_at_plus_6_db(
    offset: float, add_noise: Callable[..., np.ndarray]
) -> None:
    audio = modulator.modulate_codes(
        baudot.encode(MESSAGE), mark_hz=1400 + offset, space_hz=1800 + offset
    )
    assert decode_audio(add_noise(audio, 6.0, seed=3), 8000) == MESSAGE


@pytest.mark.parametrize("clock", [0.97, 1.03])
def test_clock_error_of_3_percent(clock: float) -> None:
    audio = modulator.modulate_codes(baudot.encode(MESSAGE), baud=45.45 * clock)
    assert decode_audio(audio, 8000) == MESSAGE


def test_start_bits_straight_out_of_silence() -> None:
    """Slow live typing: every character its own burst, no lead-in, no hang-over."""
    rng = np.random.default_rng(5)
    parts = []
    for code in baudot.encode("HELLO GA"):
        parts.append(np.zeros(int(rng.uniform(0.2, 1.0) * 8000), dtype=np.float32))
        parts.append(modulator.modulate_codes([code], lead_in=0.0, hang_over=0.0))
    parts.append(np.zeros(4000, dtype=np.float32))
    assert decode_audio(np.concatenate(parts), 8000) == "HELLO GA"


@pytest.mark.parametrize(("snr", "limit"), [(6.0, 0.0), (-3.0, 0.02), (-9.0, 0.06)])
def test_noise(snr: float, limit: float, add_noise: Callable[..., np.ndarray]) -> None:
    audio = modulator.modulate(MESSAGE)
    pad = np.zeros(3000, dtype=np.float32)
    noisy = add_noise(np.concatenate((pad, audio, pad)), snr, seed=11)
    assert cer(decode_audio(noisy, 8000), MESSAGE) <= limit


def test_streaming_in_small_blocks_equals_whole_file(add_noise: Callable[..., np.ndarray]) -> None:
    audio = add_noise(modulator.modulate(MESSAGE, rate=16000)[::2], 0.0, seed=2)
    whole = decode_audio(audio, 8000)
    decoder = StreamingDecoder(8000)
    rng = np.random.default_rng(0)
    pieces, i = [], 0
    while i < audio.size:
        n = int(rng.integers(1, 700))
        pieces.append(decoder.feed(audio[i : i + n]))
        i += n
    pieces.append(decoder.flush())
    assert "".join(pieces) == whole
    assert cer(whole, MESSAGE) <= 0.02


def test_streaming_gives_text_before_the_end() -> None:
    audio = modulator.modulate("HELLO THERE HOW ARE YOU GA")
    decoder = StreamingDecoder(8000)
    half = decoder.feed(audio[: audio.size // 2])
    assert half.startswith("HELLO")
    assert half + decoder.feed(audio[audio.size // 2 :]) + decoder.flush() == (
        "HELLO THERE HOW ARE YOU GA"
    )


def test_echo_of_our_own_transmission_is_ignored() -> None:
    ours = modulator.modulate("PLS TYPE ACCOUNT NUMBER GA")
    theirs = modulator.modulate("1234 GA")
    gap = np.zeros(int(0.1 * 8000), dtype=np.float32)  # they answer 100 ms after us
    decoder = StreamingDecoder(8000)
    decoder.suppress_until(ours.size / 8000)  # seconds
    heard = decoder.feed(np.concatenate((ours, gap, np.zeros(1600, np.float32), theirs)))
    heard += decoder.flush()
    assert heard == "1234 GA"
    decoder = StreamingDecoder(8000)
    decoder.suppress_until(int(ours.size))  # sample index
    assert decoder.feed(np.concatenate((ours, gap))) + decoder.flush() == ""


def test_auto_baud_reports_the_rate() -> None:
    decoder = StreamingDecoder(8000)
    decoder.feed(modulator.modulate(MESSAGE, baud=50.0))
    decoder.flush()
    assert decoder.detected_baud == 50.0


# --- with minimodem ------------------------------------------------------------------


def test_minimodem_reads_our_transmissions(minimodem_rx: Callable[[np.ndarray, int], str]) -> None:
    assert minimodem_rx(modulator.modulate(MESSAGE), 8000).strip() == MESSAGE


def test_we_read_minimodem_including_its_unshift_on_space(
    minimodem_tx: Callable[[str], tuple[np.ndarray, int]],
) -> None:
    text = "CALL 555 1212 THANK YOU. PAID $45.50 Q GA OR SK"
    samples, rate = minimodem_tx(text)
    assert decode_audio(samples, rate) == text


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("rate", [8000, 44100])
def test_silence_and_noise_give_nothing(rate: int) -> None:
    assert decode_audio(np.zeros(rate * 3, dtype=np.float32), rate) == ""
    noise = np.random.default_rng(1).normal(0, 0.3, rate * 5).astype(np.float32)
    assert len(decode_audio(noise, rate)) <= 2


def test_odd_samples_never_crash() -> None:
    assert decode_audio(np.zeros(0, dtype=np.float32), 8000) == ""
    assert decode_audio(np.full(10, np.nan, dtype=np.float32), 8000) == ""
    assert isinstance(decode_audio(np.full(8000, 1.0), 8000), str)
    clipped = np.clip(modulator.modulate("HELLO GA") * 50, -1, 1)
    assert decode_audio(clipped, 8000) == "HELLO GA"
    with pytest.raises(ValueError):
        decode_audio(np.zeros(100), 2000)


def test_truncated_transmission_gives_what_is_there() -> None:
    audio = modulator.modulate("HELLO THERE GA")
    out = decode_audio(audio[: audio.size // 2], 8000)
    assert "HELLO".startswith(out.split()[0]) and len(out) >= 5


# Exact decoding is the property at 6 dB and above; at 0 dB the noise alone before a
# message now and then makes a false character (about 1 example in 300, measured), so
# 0 dB has a measured error budget instead (test_at_0_db_characters_are_read_...).
SNR = st.sampled_from([20.0, 6.0])
OFFSET = st.floats(-50, 50)
TEXT = st.lists(
    st.sampled_from(["PAY", "GA", "SK", "THANK", "YOU", "CARD", "DUE", "Q", "HELLO"])
    | st.integers(0, 9999).map(str),
    min_size=1,
    max_size=5,
).map(" ".join)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    TEXT,
    SNR,
    OFFSET,
    st.sampled_from([45.45, 50.0]),
    st.sampled_from([1.5, 2.0]),
    st.integers(0, 2**16),
)
def test_property_encode_impair_decode(
    text: str, snr: float, offset: float, baud: float, stop_bits: float, seed: int
) -> None:
    assert decode_audio(_impaired(text, snr, offset, baud, stop_bits, seed), 8000) == text


def _impaired(
    text: str, snr: float, offset: float, baud: float, stop_bits: float, seed: int
) -> np.ndarray:
    audio = modulator.modulate_codes(
        baudot.encode(text),
        baud=baud,
        stop_bits=stop_bits,
        mark_hz=1400 + offset,
        space_hz=1800 + offset,
    )
    pad = np.zeros(2000, dtype=np.float32)
    rng = np.random.default_rng(seed)
    audio = np.concatenate((pad, audio, pad))
    power = float(np.mean(audio[np.abs(audio) > 0] ** 2))
    return audio + rng.normal(0, np.sqrt(power / 10 ** (snr / 10)), audio.size)


def test_at_0_db_characters_are_read_with_at_most_1_error_in_200() -> None:
    """0 dB SNR over the whole 4 kHz band, noise before and after: 120 messages, both
    bauds and stop bits, the tones 40 Hz off or not. Measured: 0.1 % of characters wrong
    (a false character from the noise before a lead-in, or one misread), never 0.5 %."""
    texts = ["PAY", "GA", "THANK YOU", "40152271", "CARD DUE Q", "SK"]
    sent = errors = 0
    for seed in range(120):
        text = texts[seed % len(texts)]
        baud = (45.45, 50.0)[seed % 2]
        stop_bits = (1.5, 2.0)[(seed // 2) % 2]
        offset = (0.0, 40.0, -40.0)[seed % 3]
        got = decode_audio(_impaired(text, 0.0, offset, baud, stop_bits, seed), 8000)
        sent += len(text)
        errors += Levenshtein.distance(got, text)
    assert errors * 200 <= sent, f"{errors} errors in {sent} characters at 0 dB"


@pytest.mark.parametrize("seed", range(4))
def test_noise_before_the_lead_in_is_not_a_character(seed: int) -> None:
    """A frame whose start bit sits in the noise and whose bits reach into the lead-in."""
    audio = modulator.modulate_codes(baudot.encode("PAY"), baud=45.45, stop_bits=1.5)
    pad = np.zeros(2000, dtype=np.float32)
    audio = np.concatenate((pad, audio, pad))
    power = float(np.mean(audio[np.abs(audio) > 0] ** 2))
    rng = np.random.default_rng(seed)
    audio = audio + rng.normal(0, np.sqrt(power / 100), audio.size)
    assert decode_audio(audio, 8000) == "PAY"


def test_typed_characters_in_noise_gain_no_extra_frames_in_the_pauses(
    add_noise: Callable[..., np.ndarray],
) -> None:
    """Each character its own burst with pauses: no chain of frames through the noise."""
    rng = np.random.default_rng(2)
    parts = []
    for code in baudot.encode("CARD ENDING 4417 APPROVED"):
        parts.append(np.zeros(int(rng.uniform(0.25, 0.9) * 8000), dtype=np.float32))
        parts.append(modulator.modulate_codes([code], lead_in=0.0, hang_over=0.0))
    parts.append(np.zeros(4000, dtype=np.float32))
    noisy = add_noise(np.concatenate(parts), 6.0, seed=4)
    assert decode_audio(noisy, 8000) == "CARD ENDING 4417 APPROVED"
