"""Baudot FSK demodulator built to read real TTYs better than minimodem.

Pipeline (all stateful, so audio can arrive in blocks of any size and the result
is the same as for the whole file):

1. ``_Baseband``: mix the 1400/1800 Hz band down around 1600 Hz, low-pass and
   decimate to about 2 kHz complex samples.
2. Per fixed analysis chunk (~64 ms): a spectrum that feeds a decaying average used
   to estimate the carrier offset (lead-in and characters both count), and a noise
   floor from Hann-windowed probes well away from the tones.
3. Non-coherent quadrature correlators (one bit long, i.e. matched filters) at mark
   and space give a soft bit metric ``m = (|mark| - |space|) / noise``.
4. Every possible start time is scored as a whole frame (start, 5 data bits, at
   least one stop bit) for each baud/clock hypothesis; the first start that scores
   well is refined to the best nearby time, so the receiver re-syncs on every start
   edge, including one straight out of silence.
5. Codes go through ``baudot.BaudotDecoder`` (no unshift on space, shift recovery).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from kiosk.tty import baudot
from kiosk.tty.modulator import BAUD_UK, BAUD_US, MARK_HZ, SPACE_HZ

CENTRE_HZ = (MARK_HZ + SPACE_HZ) / 2
HALF_SHIFT_HZ = (SPACE_HZ - MARK_HZ) / 2  # mark at -200 Hz, space at +200 Hz in baseband
BASEBAND_HZ = 2000.0
CHUNK = 512  # baseband samples per analysis chunk
NFFT = 1024
MAX_OFFSET_HZ = 110.0
PROBE_HZ = 500.0
PROBES_HZ = (-PROBE_HZ, 0.0, PROBE_HZ)  # baseband: 1100, 1600 (between tones), 2100 Hz
CLOCK_FACTORS = (0.97, 1.0, 1.03)
ECHO_TAIL_S = 0.300
START_THRESHOLD = 0.8  # start bit must read as space at least this clearly
START_SHARE = 0.4  # ... and at least this share of the other bits' clarity
FRAME_GATE = 1.35  # mean |metric| per bit for a frame to count as a character
MEDIAN_GATE = 1.1  # median bit clarity of a frame
LEVEL_SPREAD, LEVEL_SLACK = 2.5, 2.0  # loudest bit <= spread * median + slack
PURITY = 4.0  # tone power over probe power, median over a frame
START_PURITY = 3.0  # ... and of the start bit alone (noise before a lead-in is not)
BAUD_LOCK_CHARS = 6  # characters read before auto-baud settles on one rate
RELEASE_AFTER_S = 0.8  # quiet time after which held-back words are printed
OFFSET_MEMORY_S = 2.0
FLYWHEEL_SLACK = 3  # baseband samples either side of a predicted start
FLYWHEEL_START = 0.3  # predicted start bit must lean to space at least this much
FLYWHEEL_GATE = 0.9  # mean clarity per bit of a predicted frame
FLYWHEEL_BAUD_PENALTY = 0.6  # a change of baud inside a run needs this much more clarity
FLYWHEEL_CLOCK_PENALTY = 0.3  # ... and a change of clock hypothesis this much
FLYWHEEL_SAME_CLOCK = False  # True tried: worse at -9 dB (one noisy clock sticks)
FLYWHEEL_PURITY = 1.5  # start bit's tone over the probes (digital silence is not a start)
NOISE_FLOOR = 1e-10  # per baseband sample: keeps digital silence finite

Baud = float | str
_Metrics = dict[int, tuple[np.ndarray, np.ndarray]]  # length -> (soft metric, purity)


def parse_baud(baud: Baud) -> tuple[float, ...]:
    """Baud hypotheses to try: ``"auto"`` means both US 45.45 and UK 50."""
    if isinstance(baud, str):
        if baud.strip().lower() == "auto":
            return (BAUD_US, BAUD_UK)
        baud = float(baud)
    if not 30.0 <= baud <= 120.0:
        raise ValueError(f"unsupported baud rate {baud}")
    return (float(baud),)


class _Baseband:
    """Mixer + low-pass + decimator to ~2 kHz complex baseband, exact across blocks."""

    def __init__(self, rate: int) -> None:
        if rate < 4000:
            raise ValueError(f"sample rate {rate} Hz is too low for TTY tones (need >= 4000)")
        self.rate = int(rate)
        self.decimation = max(1, round(rate / BASEBAND_HZ))
        self.rate_bb = self.rate / self.decimation
        self._sos = signal.butter(8, 650.0, fs=self.rate, output="sos")
        self._zi = np.zeros((self._sos.shape[0], 2), dtype=np.complex128)
        self._n = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        k = np.arange(self._n, self._n + len(block), dtype=np.int64)
        # (k * f) mod rate is exact in integers, so the phase never loses precision.
        phase = ((k * int(round(CENTRE_HZ))) % self.rate) * (2 * np.pi / self.rate)
        mixed = block.astype(np.float64) * np.exp(-1j * phase)
        filtered, self._zi = signal.sosfilt(self._sos, mixed, zi=self._zi)
        first = (-self._n) % self.decimation
        self._n += len(block)
        return filtered[first :: self.decimation]


@dataclass(frozen=True)
class _Hypothesis:
    baud: float
    length: int  # correlator length in baseband samples (one nominal bit)
    step: float  # bit spacing in baseband samples for this clock factor
    weight: float  # scales frame scores so different correlator lengths compare

    @property
    def ends(self) -> np.ndarray:
        """Window end of start, data and first stop bit, relative to the start."""
        return np.array([round(i * self.step) + self.length for i in range(7)])


class StreamingDecoder:
    """Feed audio blocks as they arrive; get back text as characters complete.

    ``suppress_until(t)`` tells the decoder we transmitted until ``t`` (seconds as a
    float, or a sample index as an int, counted from the first sample fed); audio up
    to ``t`` plus 300 ms of echo tail is ignored.
    """

    def __init__(self, rate: int, baud: Baud = "auto", unshift_on_space: bool = False) -> None:
        self.rate = int(rate)
        self._bb = _Baseband(self.rate)
        fs = self._bb.rate_bb
        self._fs = fs
        self._hyps = [
            _Hypothesis(
                b, round(fs / b), fs / b * c, math.sqrt(round(fs / BAUD_US) / round(fs / b))
            )
            for b in parse_baud(baud)
            for c in CLOCK_FACTORS
        ]
        self._lengths = sorted({h.length for h in self._hyps})
        longest = max(h.length for h in self._hyps)
        max_step = max(h.step for h in self._hyps)
        self._lookahead = int(math.ceil(6 * max_step + longest + 1.0 * longest)) + 2
        self._history = 2 * longest + 2
        self._z = np.zeros(0, dtype=np.complex128)
        self._z0 = 0  # absolute baseband index of self._z[0]
        self._received = 0  # baseband samples received
        self._chunks_done = 0  # chunks whose statistics exist
        self._next_scan_chunk = 0
        self._pos = 0  # earliest allowed start (absolute baseband index)
        self._mute_end = 0
        self._last_char_end = -(10**9)
        self._freqs = np.fft.fftfreq(NFFT, 1.0 / fs)
        self._window = np.hanning(CHUNK)
        self._spectrum = np.zeros(NFFT)
        self._decay = 0.5 ** (CHUNK / fs / OFFSET_MEMORY_S)
        self._offsets: list[float] = []
        self._noise: list[float] = []
        self._noise_recent: list[float] = []
        res = fs / NFFT
        self._df_grid = np.arange(-MAX_OFFSET_HZ, MAX_OFFSET_HZ + res / 2, res / 2)
        self._mark_bins = np.round((-HALF_SHIFT_HZ + self._df_grid) / res).astype(int) % NFFT
        self._space_bins = np.round((HALF_SHIFT_HZ + self._df_grid) / res).astype(int) % NFFT
        self._noise_bins = np.abs(self._freqs) < 550.0
        probe_len = longest
        hann = np.hanning(probe_len)
        n = np.arange(probe_len)
        self._probes = [hann * np.exp(2j * np.pi * f * n / fs) for f in PROBES_HZ]
        self._probe_gain = float(np.sum(hann**2))
        self._text = baudot.BaudotDecoder(unshift_on_space=unshift_on_space)
        self.codes: list[int] = []  # every code read, for diagnostics and tests
        self.detected_baud: float | None = None
        self._baud_votes: dict[float, float] = {}
        self._expect: tuple[int, _Hypothesis] | None = None  # last frame: start, hypothesis

    # -- public API ------------------------------------------------------------------

    def suppress_until(self, until: float | int) -> None:
        """Ignore our own echo: audio before ``until`` plus a 300 ms tail is dropped."""
        if isinstance(until, int | np.integer) and not isinstance(until, bool):
            seconds = int(until) / self.rate
        else:
            seconds = float(until)
        end = int(math.ceil((seconds + ECHO_TAIL_S) * self._fs))
        self._mute_end = max(self._mute_end, end)
        if self._z.size:
            cut = min(max(self._mute_end - self._z0, 0), self._z.size)
            scanned = max(self._pos, self._next_scan_chunk * CHUNK) - self._z0
            if cut > max(scanned, 0):
                self._z[max(scanned, 0) : cut] = 0
        self._pos = max(self._pos, self._mute_end)

    def feed(self, block: np.ndarray) -> str:
        """Take the next audio block (float, mono); return newly completed text."""
        data = np.asarray(block, dtype=np.float64).reshape(-1)
        data = np.nan_to_num(data, nan=0.0, posinf=1.0, neginf=-1.0)
        if data.size == 0:
            return ""
        return self._ingest(self._bb.process(data))

    def flush(self) -> str:
        """End of audio: decode what is left and print held-back words."""
        pad = np.zeros(self._lookahead + 3 * CHUNK, dtype=np.complex128)
        out = self._ingest(pad, padding=True)
        return out + self._text.flush()

    # -- internals ---------------------------------------------------------------------

    def _ingest(self, baseband: np.ndarray, padding: bool = False) -> str:
        start = self._received
        baseband = baseband.copy()
        if self._mute_end > start:
            baseband[: max(0, min(self._mute_end - start, baseband.size))] = 0
        self._z = np.concatenate((self._z, baseband))
        self._received += baseband.size
        out: list[str] = []
        while (self._chunks_done + 1) * CHUNK <= self._received:
            self._chunk_statistics(self._chunks_done)
            self._chunks_done += 1
            while True:
                k = self._next_scan_chunk
                needed_end = (k + 1) * CHUNK + self._lookahead
                needed_chunk = (needed_end + CHUNK - 1) // CHUNK - 1
                if needed_chunk >= self._chunks_done:
                    break
                out.append(self._scan_chunk(k, needed_chunk))
                self._next_scan_chunk += 1
        keep_from = max(0, min(self._pos, self._next_scan_chunk * CHUNK) - self._history)
        if keep_from > self._z0:
            self._z = self._z[keep_from - self._z0 :]
            self._z0 = keep_from
        return "".join(out)

    def _slice(self, lo: int, hi: int) -> np.ndarray:
        """Baseband samples [lo, hi) in absolute indices, zeros where not held."""
        out = np.zeros(hi - lo, dtype=np.complex128)
        a, b = max(lo, self._z0), min(hi, self._z0 + self._z.size)
        if b > a:
            out[a - lo : b - lo] = self._z[a - self._z0 : b - self._z0]
        return out

    def _chunk_statistics(self, k: int) -> None:
        lo = k * CHUNK
        z = self._slice(lo, lo + CHUNK)
        muted = lo < self._mute_end
        power = np.abs(np.fft.fft(z * self._window, NFFT)) ** 2
        floor = float(np.median(power[self._noise_bins])) / math.log(2)
        if not muted:
            self._spectrum = self._decay * self._spectrum + np.maximum(power - 4 * floor, 0)
        else:
            self._spectrum = self._decay * self._spectrum
        pair = self._spectrum[self._mark_bins] + self._spectrum[self._space_bins]
        offset = float(self._df_grid[int(np.argmax(pair))]) if pair.max() > 0 else 0.0
        self._offsets.append(offset)
        # Noise per one-bit rectangular correlator, from Hann probes away from the tones.
        z_probe = self._slice(lo - self._probes[0].size, lo + CHUNK)
        estimates = [np.abs(np.convolve(z_probe, p[::-1], mode="valid")) ** 2 for p in self._probes]
        probe_power = float(np.median(np.concatenate(estimates))) / math.log(2)
        per_sample = probe_power / self._probe_gain
        if not muted and per_sample > 0:
            self._noise_recent = (self._noise_recent + [per_sample])[-16:]
        level = float(np.median(self._noise_recent)) if self._noise_recent else 0.0
        self._noise.append(max(level, NOISE_FLOOR))

    def _metrics(
        self, z: np.ndarray, offset: float, noise: float
    ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per correlator length: soft metric and tone purity; index e = window [e - L, e).

        Purity is the stronger tone's power over the power the probes (between and
        beside the tones) see in the same window: high for a TTY, near 1 for speech,
        music or noise, whose energy is spread out.
        """
        n = np.arange(z.size)
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        cum = []
        for tone in (-HALF_SHIFT_HZ + offset, HALF_SHIFT_HZ + offset):
            rotated = z * np.exp(-2j * np.pi * tone * n / self._fs)
            cum.append(np.concatenate(([0.0], np.cumsum(rotated))))
        probe = np.zeros(z.size + 1)
        taps = self._probes[0].size
        for p in self._probes:
            power = np.abs(np.convolve(z, p[::-1], mode="valid")) ** 2
            probe[taps:] += power / (len(self._probes) * self._probe_gain)
        probe[:taps] = np.inf
        for length in self._lengths:
            amp = [np.abs(c[length:] - c[:-length]) for c in cum]
            metric = np.zeros(z.size + 1)
            metric[length:] = (amp[0] - amp[1]) / math.sqrt(noise * length)
            purity = np.zeros(z.size + 1)
            strongest = np.maximum(amp[0], amp[1]) ** 2 / length
            purity[length:] = strongest / (probe[length:] + 0.1 * noise)
            out[length] = (metric, purity)
        return out

    def _scan_chunk(self, k: int, stats_chunk: int) -> str:
        lo_t0 = max(k * CHUNK, self._pos)
        hi_t0 = (k + 1) * CHUNK
        out: list[str] = []
        if lo_t0 < hi_t0:
            base = lo_t0 - max(self._lengths) - 2
            longest = max(self._lengths)
            z = self._slice(base, hi_t0 + self._lookahead + longest)
            metrics = self._metrics(z, self._offsets[stats_chunk], self._noise[stats_chunk])
            t0 = lo_t0
            while t0 < hi_t0:
                found = self._find_frame(metrics, base, t0, hi_t0)
                if found is None:
                    break
                start, code, hyp = found
                if start >= self._mute_end:
                    self.codes.append(code)
                    out.append(self._text.push(code))
                    self._baud_votes[hyp.baud] = self._baud_votes.get(hyp.baud, 0.0) + 1.0
                    self.detected_baud = max(self._baud_votes, key=self._baud_votes.__getitem__)
                    self._last_char_end = start + int(round(7 * hyp.step))
                t0 = start + int(round(6.75 * hyp.step))
                self._pos = max(self._pos, t0)
                self._expect = (start, hyp)
        if (hi_t0 - self._last_char_end) / self._fs > RELEASE_AFTER_S:
            out.append(self._text.flush())
        return "".join(out)

    def _frame_scores(
        self, metrics: _Metrics, base: int, lo: int, hi: int
    ) -> list[tuple[_Hypothesis, np.ndarray, np.ndarray]]:
        """(hypothesis, score or -inf if not a valid frame, bits) per start in [lo, hi).

        ``bits`` is 7 x T: start, five data bits, first stop bit.
        """
        t = np.arange(lo, hi) - base
        rows = []
        for hyp in self._active_hypotheses():
            m, purity = metrics[hyp.length]
            bits = m[t[None, :] + hyp.ends[:, None]]
            clarity = np.abs(bits[1:7]).sum(axis=0)
            score = clarity - bits[0] - 2 * np.maximum(0.0, -m[t])
            score = np.where(bits[6] < 0, score + 2 * bits[6], score) * (hyp.weight / 7.0)
            # The start bit must be about as clear as the rest of the frame: a mark
            # tone rising out of noise is not a character.
            start = -bits[0] * hyp.weight
            valid = (score > FRAME_GATE) & (start > START_THRESHOLD)
            valid &= bits[6] > -START_THRESHOLD  # a stop bit that is clearly space: no frame
            valid &= -bits[0] > START_SHARE * clarity / 6.0
            # The finer checks only where the cheap ones passed (speed).
            where = np.flatnonzero(valid)
            if where.size:
                valid[where] = self._steady_and_pure(bits[:, where], purity, t[where], hyp)
            rows.append((hyp, np.where(valid, score, -np.inf), bits))
        return rows

    def _active_hypotheses(self) -> list[_Hypothesis]:
        """All hypotheses, or only the detected baud's once it is clear (speed)."""
        votes = self._baud_votes
        total = sum(votes.values())
        if len(votes) > 0 and total >= BAUD_LOCK_CHARS:
            leader = max(votes, key=votes.__getitem__)
            if votes[leader] >= 0.9 * total:
                return [h for h in self._hyps if h.baud == leader]
        return self._hyps

    @staticmethod
    def _steady_and_pure(
        bits: np.ndarray, purity: np.ndarray, t: np.ndarray, hyp: _Hypothesis
    ) -> np.ndarray:
        """No single strong bit may carry a weak frame, and the tones must be pure."""
        signed = np.concatenate((-bits[:1], np.abs(bits[1:6]), bits[6:7]))
        median = np.partition(signed, 3, axis=0)[3]
        ok = median * hyp.weight > MEDIAN_GATE
        # A TTY's level is steady: one bit far louder than the rest is a tone starting
        # (a lead-in) under a frame made of noise.
        ok &= np.abs(bits).max(axis=0) <= LEVEL_SPREAD * np.abs(median) + LEVEL_SLACK
        pure = purity[t[None, :] + hyp.ends[:, None]]
        ok &= (np.partition(pure, 3, axis=0)[3] > PURITY) & (pure[0] > START_PURITY)
        return ok

    def _find_frame(
        self, metrics: _Metrics, base: int, lo: int, hi: int
    ) -> tuple[int, int, _Hypothesis] | None:
        predicted = self._flywheel(metrics, base, lo, hi)
        if predicted is not None:
            return predicted
        return self._search_frame(metrics, base, lo, hi)

    def _flywheel(
        self, metrics: _Metrics, base: int, lo: int, hi: int
    ) -> tuple[int, int, _Hypothesis] | None:
        """Back-to-back characters: the next start bit follows the last frame's stop
        bits (1 to 2 of them) on the same clock. Timing read from a whole run of
        frames is far steadier than timing read from one noisy frame, so a frame at
        the predicted time is taken on weaker evidence than a free search needs.
        """
        if self._expect is None:
            return None
        prev, last = self._expect
        if prev + int(round(6.9 * last.step)) - FLYWHEEL_SLACK >= hi:
            return None  # not reached yet: a later chunk decides
        self._expect = None
        best: tuple[float, int, int, _Hypothesis] | None = None
        for hyp in self._flywheel_hypotheses(last):
            lo_p = max(lo, prev + int(round(6.9 * hyp.step)) - FLYWHEEL_SLACK)
            hi_p = prev + int(round(8.1 * hyp.step)) + FLYWHEEL_SLACK
            m, purity = metrics[hyp.length]
            hi_p = min(hi_p, base + m.size - 1 - int(hyp.ends[-1]))
            t = np.arange(lo_p, hi_p + 1)
            if t.size == 0:
                continue
            bits = m[(t - base)[None, :] + hyp.ends[:, None]]
            data = np.abs(bits[1:6]).sum(axis=0)
            clarity = (data + bits[6] - bits[0]) * (hyp.weight / 7.0)
            ok = (bits[0] < -FLYWHEEL_START) & (bits[6] > 0) & (clarity > FLYWHEEL_GATE)
            ok &= -bits[0] > START_SHARE * data / 5.0  # a start bit as strong as the data
            ok &= purity[t - base + hyp.ends[0]] > FLYWHEEL_PURITY
            if hyp.baud != last.baud:
                clarity = clarity - FLYWHEEL_BAUD_PENALTY
            elif hyp.step != last.step:
                clarity = clarity - FLYWHEEL_CLOCK_PENALTY
            if not ok.any():
                continue
            i = int(np.argmax(np.where(ok, clarity, -np.inf)))
            if best is None or clarity[i] > best[0]:
                code = sum(1 << j for j in range(5) if bits[j + 1, i] > 0)
                best = (float(clarity[i]), int(t[i]), code, hyp)
        if best is None:
            return None
        return best[1], best[2], best[3]

    def _flywheel_hypotheses(self, last: _Hypothesis) -> list[_Hypothesis]:
        """The last frame's clock, or every clock of its baud while auto-baud is unsure."""
        if FLYWHEEL_SAME_CLOCK and len({h.baud for h in self._active_hypotheses()}) == 1:
            return [last]
        return self._active_hypotheses()

    def _search_frame(
        self, metrics: _Metrics, base: int, lo: int, hi: int
    ) -> tuple[int, int, _Hypothesis] | None:
        span = min(self._lengths) + 1
        rows = self._frame_scores(metrics, base, lo, hi + span)
        ok = np.zeros(hi - lo, dtype=bool)
        for _, score, _ in rows:
            ok |= np.isfinite(score[: hi - lo])
        if not ok.any():
            return None
        first = int(np.argmax(ok))
        best_score, best_i, best = -np.inf, first, rows[0]
        for row in rows:
            hyp, score = row[0], row[1][first : first + span]
            bonus = 0.05 * self._baud_votes.get(hyp.baud, 0.0) ** 0.5
            i = int(np.argmax(score))
            if score[i] + bonus > best_score:
                best_score, best_i, best = score[i] + bonus, first + i, row
        bits = best[2][:, best_i]
        code = sum(1 << j for j in range(5) if bits[j + 1] > 0)
        if bits[6] < 0:  # stop bit unsure: the character cannot be trusted
            code = baudot.UNREADABLE
        return lo + best_i, code, best[0]


def decode_audio(
    samples: np.ndarray, rate: int, baud: Baud = "auto", unshift_on_space: bool = False
) -> str:
    """Decode a whole recording (float samples, any rate) to text."""
    decoder = StreamingDecoder(rate, baud=baud, unshift_on_space=unshift_on_space)
    data = np.asarray(samples, dtype=np.float64).reshape(-1)
    out = [decoder.feed(data[i : i + 65536]) for i in range(0, data.size, 65536)]
    return "".join(out) + decoder.flush()
