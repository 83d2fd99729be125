"""Joint frame timing over a whole burst of Baudot characters (a Viterbi search).

Reading one frame at a time, noise moves each frame's best start by a few samples,
and at -9 dB SNR that timing error, not tone detection, causes nearly all wrong
characters. Characters sent back to back are tied to each other: the next start bit
follows the last frame's stop bits (1.5 or 2 of them) on the same clock. So the
receiver scores every possible start time as a frame and picks the best chain of
non-overlapping frames for the whole burst at once:

* ``V[h, s]``: best total score of a chain whose last frame starts at ``s`` under
  hypothesis ``h`` (baud rate and clock factor);
* a frame either follows the previous one on the same hypothesis after 1.5 or 2
  stop bits (within a small slack; it earns a small chain bonus and needs less
  evidence), or starts freely after any earlier frame has ended (new burst,
  characters typed one by one, a start bit straight out of silence) and pays a
  free-start cost: a frame that may sit anywhere finds noise that fits, so off the
  clock of a burst it must be clearly better (at -9 dB this keeps the last
  characters of a message from sliding onto the hang-over tone).

Every dependency reaches back at least one frame length, so a block of starts
shorter than the shortest frame is computed with numpy in one go. Decisions are
taken by tracing back from the best chain among frames that started a whole
frame ago, a fixed lag behind the newest audio (streaming).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHAIN_BONUS = 3.0  # a frame on the previous frame's clock needs this much less score
FREE_COST = 9.0  # a frame off every earlier clock pays this: it could start anywhere
SLACK = 2  # grid steps either side of the predicted start of a chained frame
SLACK_COST = 0.6  # per step away from the prediction
STOP_BITS = (1.5, 2.0)  # stop bit lengths a chain may follow
SWITCH_BITS = 2.0  # idle bits before a chain may change baud or clock
NONE = -1


@dataclass(frozen=True)
class Hypothesis:
    """One way to read the line: baud rate and clock factor."""

    baud: float
    clock: float
    length: int  # correlator length in baseband samples (one nominal bit)
    step: float  # bit spacing in baseband samples for this clock factor

    @property
    def ends(self) -> np.ndarray:
        """Correlator window ends of start, data and first stop bit, from the start."""
        return np.array([round(i * self.step) + self.length for i in range(7)])

    @property
    def frame(self) -> int:
        """Shortest distance to the next start: one stop bit, less the slack."""
        return round(7 * self.step) - SLACK


class FrameSync:
    """Incremental Viterbi over frame start times for a set of hypotheses.

    Absolute sample indices; state lives in ring buffers of ``capacity`` samples, so
    the caller must trace back and commit within that horizon.
    """

    def __init__(self, hypotheses: list[Hypothesis], capacity: int = 8192) -> None:
        self.hyps = hypotheses
        self.cap = capacity
        n_h = len(hypotheses)
        self.value = np.full((n_h, capacity), -np.inf)
        self.back = np.full((n_h, capacity), NONE, dtype=np.int64)
        self.code = np.zeros((n_h, capacity), dtype=np.int8)
        # Per hypothesis: best chain whose last frame ends exactly at / at or before e.
        self._end_best = np.full((n_h, capacity), -np.inf)
        self._end_arg = np.full((n_h, capacity), NONE, dtype=np.int64)
        self._pm = np.zeros((n_h, capacity))  # 0: no frame at all
        self._pm_arg = np.full((n_h, capacity), NONE, dtype=np.int64)
        self._pm_last = np.zeros(n_h)
        self._pm_last_arg = np.full(n_h, NONE, dtype=np.int64)
        self.done = 0  # starts below this are computed
        self.max_block = min(h.frame for h in hypotheses)
        self.switch_gap = round(SWITCH_BITS * max(h.step for h in hypotheses))
        self._frames = np.array([h.frame for h in hypotheses])
        self._centres = np.array(
            [[round((6 + stop) * h.step) for stop in STOP_BITS] for h in hypotheses]
        )
        offsets = np.arange(SLACK, -SLACK - 1, -1)  # window position j: gap centre + SLACK - j
        self._slide_costs = np.tile(SLACK_COST * np.abs(offsets), len(STOP_BITS))
        self._slide_gaps = (self._centres[:, :, None] + offsets).reshape(n_h, -1)

    def state(self, s: int, h: int) -> int:
        return s * len(self.hyps) + h

    def unpack(self, state: int) -> tuple[int, int]:
        return divmod(state, len(self.hyps))

    def advance(self, n: int, free: np.ndarray, chained: np.ndarray, codes: np.ndarray) -> None:
        """Add starts ``done .. done + n`` (n <= max_block).

        ``free`` / ``chained`` (hypotheses x n): the frame's value (score less
        threshold) when it starts freely / follows a frame on the same hypothesis
        (-inf: not a frame there); ``codes``: the 5-bit code read there (-1:
        unreadable).
        """
        b = self.done
        s = np.arange(b, b + n)
        ring = s % self.cap
        n_h = len(self.hyps)
        rows = np.arange(n_h)[:, None]
        # Best finished chain per hypothesis before each start (a running max).
        vals = np.concatenate((self._pm_last[:, None], self._end_best[:, ring]), axis=1)
        args = np.concatenate((self._pm_last_arg[:, None], self._end_arg[:, ring]), axis=1)
        best = np.maximum.accumulate(vals, axis=1)
        pos = np.maximum.accumulate(np.where(vals >= best, np.arange(n + 1), 0), axis=1)
        best_arg = args[rows, pos]
        self._pm[:, ring], self._pm_arg[:, ring] = best[:, 1:], best_arg[:, 1:]
        self._pm_last, self._pm_last_arg = best[:, -1].copy(), best_arg[:, -1].copy()
        self._end_best[:, ring] = -np.inf
        self._end_arg[:, ring] = NONE
        self.value[:, ring] = -np.inf
        self.back[:, ring] = NONE
        self.code[:, ring] = codes
        # Only hypotheses with a possible frame in this block need the search (speed).
        live = np.flatnonzero(np.isfinite(free).any(axis=1) | np.isfinite(chained).any(axis=1))
        if live.size == 0:
            self.done += n
            return
        # Another baud or clock only after a pause: one transmission, one clock.
        earlier = (s - self.switch_gap) % self.cap
        other = self._pm[:, earlier]
        which_other = np.argmax(other, axis=0)
        cols = np.arange(n)
        pm_any = other[which_other, cols]
        pm_any_arg = self._pm_arg[which_other, earlier]
        h_col = live[:, None]
        same = self._pm[h_col, ring]
        use_same = same >= pm_any[None, :]
        pm = np.where(use_same, same, pm_any[None, :])
        pm_arg = np.where(use_same, self._pm_arg[h_col, ring], pm_any_arg[None, :])
        # Chained: the previous frame on the same hypothesis 1.5 or 2 stop bits back,
        # within the slack: one gather of every candidate gap.
        gaps = self._slide_gaps[live]  # live x candidates
        window = self.value[live[:, None, None], (s[None, None, :] - gaps[:, :, None]) % self.cap]
        window -= self._slide_costs[None, :, None]
        which = np.argmax(window, axis=1)  # live x n
        chain_best = window[np.arange(live.size)[:, None], which, cols[None, :]] + CHAIN_BONUS
        v_chain = chained[live] + chain_best
        v_free = free[live] + pm - FREE_COST
        use_chain = v_chain > v_free
        value = np.where(use_chain, v_chain, v_free)
        gap = gaps[np.arange(live.size)[:, None], which]
        back = np.where(use_chain, (s[None, :] - gap) * n_h + h_col, pm_arg)
        self.value[h_col, ring] = value
        self.back[h_col, ring] = back
        ends = (s[None, :] + self._frames[live, None]) % self.cap
        self._end_best[h_col, ends] = value
        self._end_arg[h_col, ends] = s[None, :] * n_h + h_col
        self.done += n

    def best_path(self, horizon: int) -> list[tuple[int, int]]:
        """Frames (start, hypothesis index) of the best chain so far, oldest first,
        back to (not including) ``horizon``.

        Chains are compared at their frames that started a whole frame ago: a newer
        frame may still lose to one that overlaps it and has not been scored yet
        (noise just before the next burst looks like a frame until the burst's own
        first frame is seen).
        """
        f = self.done - int(self._frames.max())
        if f <= 0:
            return []
        ring_f = (f - 1) % self.cap
        h_best = int(np.argmax(self._pm[:, ring_f]))
        best_v, best_state = float(self._pm[h_best, ring_f]), int(self._pm_arg[h_best, ring_f])
        for h, hyp in enumerate(self.hyps):
            lo = max(f - hyp.frame, horizon + 1)
            if lo >= f:
                continue
            ring = np.arange(lo, f) % self.cap
            i = int(np.argmax(self.value[h][ring]))
            if self.value[h][ring[i]] > best_v:
                best_v, best_state = float(self.value[h][ring[i]]), self.state(lo + i, h)
        path = []
        state = best_state
        while state != NONE:
            s, h = self.unpack(state)
            if s <= horizon or s < self.done - self.cap + 1:
                break
            path.append((s, h))
            state = int(self.back[h][s % self.cap])
        path.reverse()
        return path
