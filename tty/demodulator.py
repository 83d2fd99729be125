"""Baudot FSK demodulator built to read real TTYs better than minimodem.

Pipeline (all stateful, so audio can arrive in blocks of any size and the result
is the same as for the whole file):

1. ``_Baseband``: mix the 1400/1800 Hz band down around 1600 Hz, low-pass and
   decimate to about 2 kHz complex samples.
2. Per fixed analysis chunk (256 ms): a spectrum that feeds a decaying average used
   to estimate the carrier offset (lead-in and characters both count), and a noise
   floor from Hann-windowed probes well away from the tones.
3. Once per chunk, when the next chunk has arrived (so a burst's first bits get an
   offset estimate that has heard them): non-coherent quadrature correlators (one
   bit long, i.e. matched filters) at mark and space give, for every window end, a
   soft bit metric ``m = (|mark| - |space|) / noise``, a tone purity and a tone
   energy in noise units. Nothing is recomputed later.
4. Every start whose start bit leans to space with some tone energy is scored as
   a whole frame (start, 5 data bits, a stop bit) for each baud/clock hypothesis,
   and ``sync.FrameSync`` picks the best chain of frames (one clock per burst,
   starts straight out of silence allowed). Decisions are taken every 0.5 s at
   fixed points of the stream, 0.5 s behind the newest audio.
5. Codes go through ``baudot.BaudotDecoder`` (no unshift on space, shift recovery)
   with, for each code, the code its least certain bit would give: a word that
   reads as nonsense may take it if that makes a word.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from kiosk.tty import baudot
from kiosk.tty.modulator import BAUD_UK, BAUD_US, MARK_HZ, SPACE_HZ
from kiosk.tty.sync import FrameSync, Hypothesis

CENTRE_HZ = (MARK_HZ + SPACE_HZ) / 2
HALF_SHIFT_HZ = (SPACE_HZ - MARK_HZ) / 2  # mark at -200 Hz, space at +200 Hz in baseband
BASEBAND_HZ = 2000.0
CHUNK = 512  # baseband samples per analysis chunk
GRID = 2  # baseband samples per step of the timing search
NFFT = 1024
MAX_OFFSET_HZ = 110.0
PROBE_HZ = 500.0
PROBES_HZ = (-PROBE_HZ, 0.0, PROBE_HZ)  # baseband: 1100, 1600 (between tones), 2100 Hz
CLOCK_FACTORS = (0.97, 0.985, 1.0, 1.015, 1.03)
ECHO_TAIL_S = 0.300
WEAK_BIT = 0.6  # a data bit's metric below this is in doubt (clean bits read ~6)
COMMIT_EVERY = 2  # chunks between decisions (0.5 s)
COMMIT_LAG_S = 0.5  # decisions wait this long for later frames to confirm the timing
FRAME_COST = 6.0  # a frame's score must beat this to be worth a character
PRE_WEIGHT = 1.0  # the bit before a start bit should not be space
START_THRESHOLD = 0.8  # start bit must read as space at least this clearly
CHAIN_ENERGY = 3.0  # median tone energy of a chained frame's bits, in noise units
START_ENERGY = 1.0  # ... and of its start bit (noise alone: 1.5 on average)
CHAIN_START = 0.0  # a chained frame's start bit must not read as mark beyond this
START_SHARE = 0.4  # ... and at least this share of the other bits' clarity
FRAME_GATE = 1.35  # mean |metric| per bit for a free frame
CHAIN_GATE = 0.9  # ... for a frame that follows the last one on its clock
START_LOUDNESS = 0.25  # start bit's tone purity over the frame's median
CHAIN_PURITY = 3.5  # median tone purity of a chained frame
MEDIAN_GATE = 1.1  # median bit clarity of a frame
LEVEL_SPREAD, LEVEL_SLACK = 2.5, 2.0  # loudest bit <= spread * median + slack
PURITY = 5.0  # tone power over probe power, median over a frame
BIT_PURITY = 1.5  # ... and of every bit of a free frame
START_PURITY = 3.0  # ... and of the start bit alone (noise before a lead-in is not)
BAUD_LOCK_CHARS = 6  # characters read before auto-baud settles on one rate
RELEASE_AFTER_S = 0.8  # quiet time after which held-back words are printed
OFFSET_MEMORY_S = 2.0
SATURATE = 1.0 / 36.0  # a clean bit's metric tops out near 6
LEVEL_PERCENTILE = 95.0  # the tone level of a chunk of audio
LEVEL_MEMORY_S = 1.0  # half-life of the tone level once the tones stop
NOISE_FLOOR = 1e-10  # per baseband sample: keeps digital silence finite

Baud = float | str


def _median(values: np.ndarray) -> float:
    """Upper median: a partition, cheaper than ``np.median`` on short arrays."""
    k = values.size // 2
    return float(np.partition(values, k)[k])


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
            Hypothesis(
                b,
                c,
                round(fs / b),
                fs / (b * c),
            )
            for b in parse_baud(baud)
            for c in CLOCK_FACTORS
        ]
        # The search runs on a grid of GRID baseband samples (~1 ms): timing to half a
        # millisecond costs almost nothing in error rate and halves the work.
        grid_hyps = [Hypothesis(h.baud, h.clock, h.length, h.step / GRID) for h in self._hyps]
        self._sync = FrameSync(grid_hyps, capacity=4096)
        self._ends = np.array([h.ends for h in self._hyps])
        self._groups: dict[int, list[int]] = {}  # correlator length -> hypotheses
        for i, h in enumerate(self._hyps):
            self._groups.setdefault(h.length, []).append(i)
        self._lengths = sorted({h.length for h in self._hyps})
        longest = max(self._lengths)
        self._reach = max(int(h.ends[-1]) for h in self._hyps) + 1  # data a frame needs
        self._lag = int(COMMIT_LAG_S * fs)
        self._z = np.zeros(0, dtype=np.complex128)
        self._z0 = 0  # absolute baseband index of self._z[0]
        self._received = 0  # baseband samples received
        self._chunks_done = 0  # chunks whose statistics exist
        self._mute_end = 0
        self._last_start = -(10**9)  # start of the last committed frame (grid steps)
        self._last_end = -(10**9)
        self._last_char_end = -(10**9)
        self._freqs = np.fft.fftfreq(NFFT, 1.0 / fs)
        self._window = np.hanning(CHUNK)
        self._spectrum = np.zeros(NFFT)
        self._decay = 0.5 ** (CHUNK / fs / OFFSET_MEMORY_S)
        self._offset = 0.0
        self._noise = NOISE_FLOOR
        self._noise_recent: list[float] = []
        self._level: dict[int, float] = {}
        self._level_decay = 0.5 ** (CHUNK / fs / LEVEL_MEMORY_S)
        empty = np.zeros(0)
        # Per correlator length and window end: metric, tone purity, tone energy.
        self._bits = {n: (empty, empty, empty) for n in self._lengths}
        self._bits0 = 0  # absolute index of the first window end held
        self._probe_last = np.zeros(CHUNK)
        self._rotation_cache: dict[tuple[float, int], tuple[np.ndarray, np.ndarray]] = {}
        res = fs / NFFT
        self._df_grid = np.arange(-MAX_OFFSET_HZ, MAX_OFFSET_HZ + res / 2, res / 2)
        self._mark_bins = np.round((-HALF_SHIFT_HZ + self._df_grid) / res).astype(int) % NFFT
        self._space_bins = np.round((HALF_SHIFT_HZ + self._df_grid) / res).astype(int) % NFFT
        self._noise_bins = np.abs(self._freqs) < 550.0
        hann = np.hanning(longest)
        n = np.arange(longest)
        self._probes = [hann * np.exp(2j * np.pi * f * n / fs) for f in PROBES_HZ]
        self._probe_gain = float(np.sum(hann**2))
        self._text = baudot.BaudotDecoder(unshift_on_space=unshift_on_space)
        self.codes: list[int] = []  # every code read, for diagnostics and tests
        self.detected_baud: float | None = None
        self._baud_votes: dict[float, float] = {}
        self._trace: list[tuple[int, int]] = []  # (start, hypothesis) per code, diagnostics

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
            lo = max(self._sync.done * GRID - self._z0 - max(self._lengths) - 2, 0)
            hi = min(max(self._mute_end - self._z0, 0), self._z.size)
            if hi > lo:
                self._z[lo:hi] = 0
        for arrays in self._bits.values():
            lo = max(self._sync.done * GRID - self._bits0, 0)
            hi = min(max(self._mute_end - self._bits0, 0), arrays[0].size)
            if hi > lo:
                for array in arrays:
                    array[lo:hi] = 0

    def feed(self, block: np.ndarray) -> str:
        """Take the next audio block (float, mono); return newly completed text."""
        data = np.asarray(block, dtype=np.float64).reshape(-1)
        data = np.nan_to_num(data, nan=0.0, posinf=1.0, neginf=-1.0)
        if data.size == 0:
            return ""
        return self._ingest(self._bb.process(data))

    def frames_heard(self) -> int:
        """Characters read so far, including those on the best path not yet printed.

        Detection wants to know early that Baudot frames are arriving; the text
        waits for the timing search to settle.
        """
        self._advance(self._frontier())
        sync = self._sync
        later = [
            step for step, _ in sync.best_path(self._last_start) if step * GRID >= self._last_end
        ]
        return len(self.codes) + len(later)

    def flush(self) -> str:
        """End of audio: decode what is left and print held-back words."""
        pad = np.zeros(self._reach + self._lag + 4 * CHUNK, dtype=np.complex128)
        out = self._ingest(pad)
        self._advance(self._frontier())
        out += self._commit(final=True)
        return out + self._text.flush()

    # -- internals ---------------------------------------------------------------------

    def _ingest(self, baseband: np.ndarray) -> str:
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
            # Decisions at fixed points of the stream, so any block size reads the same.
            if self._chunks_done % COMMIT_EVERY == 0:
                self._advance(self._frontier())
                out.append(self._commit(final=False))
        # Metrics from the last printed frame on: a frame's bits are weighed at print.
        oldest = max(self._last_start, self._sync.done - self._sync.cap // 2) * GRID
        keep_from = max(0, min(self._sync.done * GRID - 2 * max(self._lengths) - 4, oldest))
        if keep_from > self._z0:
            self._z = self._z[keep_from - self._z0 :]
            self._z0 = keep_from
        if keep_from > self._bits0:
            cut = keep_from - self._bits0
            self._bits = {n: (m[cut:], p[cut:], e[cut:]) for n, (m, p, e) in self._bits.items()}
            self._bits0 = keep_from
        return "".join(out)

    def _frontier(self) -> int:
        """Latest frame start whose bits all have metrics."""
        return (self._chunks_done - 1) * CHUNK - self._reach

    def _slice(self, lo: int, hi: int) -> np.ndarray:
        """Baseband samples [lo, hi) in absolute indices, zeros where not held."""
        out = np.zeros(hi - lo, dtype=np.complex128)
        a, b = max(lo, self._z0), min(hi, self._z0 + self._z.size)
        if b > a:
            out[a - lo : b - lo] = self._z[a - self._z0 : b - self._z0]
        return out

    def _chunk_statistics(self, k: int) -> None:
        """Once per chunk: carrier offset, noise level, and the last chunk's bit metrics.

        Metrics of every window ending inside a chunk are computed once, when the next
        chunk has arrived (so a transmission's first bits get an offset estimate that
        has heard them), and kept for the timing search.
        """
        lo = k * CHUNK
        taps = self._probes[0].size
        z_all = self._slice(lo - taps, lo + CHUNK)
        z = z_all[taps:]
        muted = lo < self._mute_end
        power = np.abs(np.fft.fft(z * self._window, NFFT)) ** 2
        floor = _median(power[self._noise_bins]) / math.log(2)
        if not muted:
            self._spectrum = self._decay * self._spectrum + np.maximum(power - 4 * floor, 0)
        else:
            self._spectrum = self._decay * self._spectrum
        pair = self._spectrum[self._mark_bins] + self._spectrum[self._space_bins]
        self._offset = float(self._df_grid[int(np.argmax(pair))]) if pair.max() > 0 else 0.0
        # Noise per one-bit rectangular correlator, from Hann probes away from the tones.
        estimates = [
            np.abs(np.convolve(z_all, p[::-1], mode="valid")[:CHUNK]) ** 2 for p in self._probes
        ]
        probe = np.sum(estimates, axis=0) / (len(self._probes) * self._probe_gain)
        per_sample = _median(np.concatenate(estimates)) / math.log(2) / self._probe_gain
        if not muted and per_sample > 0:
            self._noise_recent = (self._noise_recent + [per_sample])[-16:]
        level = _median(np.array(self._noise_recent)) if self._noise_recent else 0.0
        self._noise = max(level, NOISE_FLOOR)
        if k >= 1:
            self._append_metrics(k - 1, self._probe_last)
        self._probe_last = probe

    def _append_metrics(self, j: int, probe: np.ndarray) -> None:
        """Soft metric and tone purity of the windows ending in the newest chunk.

        The metric is the mark minus the space matched-filter magnitude over the noise
        a one-bit correlator sees (a log-likelihood ratio up to a scale). Purity is
        the stronger tone's power over what probes between and beside the tones see
        in the same window: high for a TTY, near 1 for speech, music or noise.
        Chunk ``j``'s metrics use the offset and the tone level of chunks j and j + 1.
        """
        taps = self._probes[0].size
        z = self._slice(j * CHUNK - taps, (j + 2) * CHUNK)
        cum = [np.concatenate(([0.0], np.cumsum(z * r))) for r in self._rotations(z.size)]
        ends = np.arange(taps, taps + 2 * CHUNK)
        active = self._active()
        for length in self._lengths:
            if not any(self._hyps[r].baud in active for r in self._groups[length]):
                # A baud rate no longer searched: its frames are never scored.
                filler = np.zeros(CHUNK)
                self._bits[length] = tuple(  # type: ignore[assignment]
                    np.concatenate((old, filler)) for old in self._bits[length]
                )
                continue
            both = [np.abs(c[ends] - c[ends - length]) for c in cum]
            amp = [a[:CHUNK] for a in both]
            # Soft-limited: in a clean signal a full bit counts about 1/sqrt(SATURATE)
            # noise units, so bonuses and costs keep their meaning at any SNR.
            # Shorter bits (50 baud) carry less energy: weigh them up so hypotheses of
            # different baud rates compare, in the noisy and in the clean limit.
            # The tone level decays slowly: one transmission, one scale.
            weight = math.sqrt(max(self._lengths) / length)
            strongest = np.maximum(amp[0], amp[1])
            strong = np.maximum(both[0], both[1])
            rank = int(LEVEL_PERCENTILE / 100 * (strong.size - 1))
            now = float(np.partition(strong, rank)[rank])
            level = max(now, self._level.get(length, 0.0) * self._level_decay)
            self._level[length] = level
            spread = self._noise * length + SATURATE * (level * weight) ** 2
            metric = (amp[0] - amp[1]) * (weight / math.sqrt(spread))
            purity = strongest**2 / length / (probe + 0.1 * self._noise)
            # Tone energy of the stronger tone in noise units (about 1.5 in noise).
            energy = strongest**2 / (length * self._noise)
            self._bits[length] = tuple(  # type: ignore[assignment]
                np.concatenate((old, new))
                for old, new in zip(self._bits[length], (metric, purity, energy), strict=True)
            )

    def _rotations(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Mixers that bring mark and space (at the current offset) to 0 Hz.

        The offset estimate moves rarely, so the last few are kept (speed).
        """
        key = (self._offset, size)
        cached = self._rotation_cache.get(key)
        if cached is None:
            n = np.arange(size)
            turn = -2j * np.pi * n / self._fs
            cached = (
                np.exp(turn * (self._offset - HALF_SHIFT_HZ)),
                np.exp(turn * (self._offset + HALF_SHIFT_HZ)),
            )
            if len(self._rotation_cache) >= 8:
                self._rotation_cache.clear()
            self._rotation_cache[key] = cached
        return cached

    def _active(self) -> set[float]:
        """Bauds to score: both, or only the detected one once it is clear (speed)."""
        votes = self._baud_votes
        total = sum(votes.values())
        if votes and total >= BAUD_LOCK_CHARS:
            leader = max(votes, key=votes.__getitem__)
            if votes[leader] >= 0.9 * total:
                return {leader}
        return {h.baud for h in self._hyps}

    def _advance(self, frontier: int) -> None:
        """Score every start up to ``frontier`` and extend the Viterbi search."""
        sync = self._sync
        frontier //= GRID
        if frontier <= sync.done:
            return
        base = self._bits0
        active = self._active()
        n_h = len(self._hyps)
        n_all = frontier - sync.done
        t = np.arange(sync.done, frontier) * GRID
        free = np.full((n_h, n_all), -np.inf)
        chained = np.full((n_h, n_all), -np.inf)
        codes = np.zeros((n_h, n_all), dtype=np.int8)
        for length, rows in self._groups.items():
            rows = [r for r in rows if self._hyps[r].baud in active]
            if not rows:
                continue
            metric, _, energy = self._bits[length]
            # Only a start bit that leans to space and carries a tone can begin a
            # frame: score those starts alone (most of any recording is not one).
            start = t - base + length
            cols = np.flatnonzero((metric[start] < CHAIN_START) & (energy[start] > START_ENERGY))
            if t[0] < self._mute_end:
                cols = cols[t[cols] >= self._mute_end]
            if cols.size:
                f, c, code = self._frame_values(
                    self._bits[length], t[cols] - base, self._ends[rows]
                )
                rows_col = np.array(rows)[:, None]
                free[rows_col, cols], chained[rows_col, cols], codes[rows_col, cols] = f, c, code
        while sync.done < frontier:
            lo = sync.done - (frontier - n_all)
            n = min(sync.max_block, frontier - sync.done)
            sync.advance(n, free[:, lo : lo + n], chained[:, lo : lo + n], codes[:, lo : lo + n])

    @staticmethod
    def _frame_values(
        mpe: tuple[np.ndarray, np.ndarray, np.ndarray], t: np.ndarray, ends: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value of a frame at each start (free, chained) and the code it reads.

        ``ends``: hypotheses x 7 correlator window ends; results are hypotheses x starts.
        """
        m, purity, energy = mpe
        index = t[None, None, :] + ends[:, :, None]
        bits = m[index]
        data = np.abs(bits[:, 1:6]).sum(axis=1)
        pre = np.minimum(m[t], 0.0)[None, :]
        raw = data - bits[:, 0] + bits[:, 6] + PRE_WEIGHT * pre
        score = raw - FRAME_COST
        pure = purity[index]
        pure_median = np.partition(pure, 3, axis=1)[:, 3]
        # Chained frames: the start bit leans to space, the tones are pure and carry
        # energy well above the noise (noise in a pause is not a character).
        loud = energy[index]
        chain_ok = (pure_median > CHAIN_PURITY) & (bits[:, 0] < CHAIN_START)
        chain_ok &= (np.partition(loud, 3, axis=1)[:, 3] > CHAIN_ENERGY) & (
            loud[:, 0] > START_ENERGY
        )
        # Free frames need clear evidence of their own.
        free_ok = chain_ok & (raw > 7 * FRAME_GATE) & (-bits[:, 0] > START_THRESHOLD)
        free_ok &= pure[:, 0] > START_LOUDNESS * pure_median
        free_ok &= (bits[:, 6] > 0) & (-bits[:, 0] > START_SHARE * data / 5.0)
        free_ok &= (pure_median > PURITY) & (pure[:, 0] > START_PURITY)
        # ... and every bit carries a tone: a frame that starts in the noise before a
        # lead-in has toneless bits even when the lead-in makes its median look good.
        free_ok &= pure.min(axis=1) > BIT_PURITY
        hs, where = np.nonzero(free_ok)
        if where.size:
            chosen = bits[hs, :, where].T
            signed = np.concatenate((-chosen[:1], np.abs(chosen[1:6]), chosen[6:7]))
            median = np.partition(signed, 3, axis=0)[3]
            steady = median > MEDIAN_GATE
            # A TTY's level is steady: one bit far louder than the rest is a tone
            # starting (a lead-in) under a frame made of noise.
            steady &= np.abs(signed).max(axis=0) <= LEVEL_SPREAD * np.abs(median) + LEVEL_SLACK
            free_ok[hs, where] = steady
        weights = (1 << np.arange(5))[None, :, None]
        code = ((bits[:, 1:6] > 0) * weights).sum(axis=1)
        code = np.where(bits[:, 6] < 0, baudot.UNREADABLE, code).astype(np.int8)
        return np.where(free_ok, score, -np.inf), np.where(chain_ok, score, -np.inf), code

    def _commit(self, final: bool) -> str:
        """Print frames on the best chain that are old enough not to change."""
        sync = self._sync
        horizon = max(self._last_start, sync.done - sync.cap // 2)
        limit = sync.done if final else sync.done - self._lag // GRID
        out: list[str] = []
        for step, h in sync.best_path(horizon):
            if step >= limit:
                break
            hyp = self._hyps[h]
            code = int(sync.code[h][step % sync.cap])
            start = step * GRID
            if start < self._last_end or start < self._mute_end:
                continue
            self.codes.append(code)
            self._trace.append((start, h))
            out.append(self._text.push(code, self._alternate(start, hyp, code)))
            self._baud_votes[hyp.baud] = self._baud_votes.get(hyp.baud, 0.0) + 1.0
            self.detected_baud = max(self._baud_votes, key=self._baud_votes.__getitem__)
            self._last_start = step
            self._last_end = start + hyp.frame
            self._last_char_end = start + round(7 * hyp.step)
        if (limit * GRID - self._last_char_end) / self._fs > RELEASE_AFTER_S:
            out.append(self._text.flush())
        return "".join(out)

    def _alternate(self, start: int, hyp: Hypothesis, code: int) -> int | None:
        """The code with its least certain data bit flipped, if that bit is in doubt.

        For a frame whose stop bit failed, the data bits as read. The text decoder
        takes it only if it turns a nonsense word into a word.
        """
        at = start + hyp.ends - self._bits0
        metric = self._bits[hyp.length][0]
        if at[0] < 0 or at[-1] >= metric.size:
            return None
        data = metric[at[1:6]]
        read = int(((data > 0) * (1 << np.arange(5))).sum())
        if code == baudot.UNREADABLE:
            return read
        weakest = int(np.argmin(np.abs(data)))
        if abs(data[weakest]) >= WEAK_BIT:
            return None
        return code ^ (1 << weakest)


def decode_audio(
    samples: np.ndarray, rate: int, baud: Baud = "auto", unshift_on_space: bool = False
) -> str:
    """Decode a whole recording (float samples, any rate) to text."""
    decoder = StreamingDecoder(rate, baud=baud, unshift_on_space=unshift_on_space)
    data = np.asarray(samples, dtype=np.float64).reshape(-1)
    out = [decoder.feed(data[i : i + 65536]) for i in range(0, data.size, 65536)]
    return "".join(out) + decoder.flush()
