"""The CVaR oracle of the cutting plane: at ``(w, a)``, the exact CVaR of ``R w`` and the
Rockafellar–Uryasev cut of each block of scenarios, with exact scenario screening.

Losses ``L_i(w) = -R_i w``; ``k = tail_count(n, beta)``; blocks ``B_j`` are contiguous runs of
rows. ``evaluate(w, a)`` returns ``CVaR(w)`` (the mean of the ``k`` largest losses, from a
partial sort) and, for the tail ``T = {i : L_i(w) > a}`` (``a = VaR(w)`` if not given), per
block ``S_j = sum_{T in B_j} R_i`` and ``c_j = |T in B_j|``: the cut
``theta_j >= -S_j^T w' - c_j a'``.

Screening. Only scenarios that can reach the tail need their losses: with a screening center
``w_s`` and ``r_i = max_j |R_ij|``, ``|L_i(w) - L_i(w_s)| <= r_i ||w - w_s||_1``. The candidate set
``C = {i : L_i(w_s) + r_i rho > a_lo}`` (``a_lo`` a loss level a little below the center's VaR)
holds every scenario whose loss can exceed ``a_lo`` while ``||w - w_s||_1 <= rho``. A query is
answered from ``C`` alone (its rows copied once) when ``||w - w_s||_1 <= rho``, ``a >= a_lo`` and
at least ``k`` candidates lose more than ``a_lo`` (so the ``k`` worst are all in ``C``): the
answer is then exactly the full one. Otherwise the oracle makes a full pass and re-centers
(unless the iterates still move far). After a screened answer the screen shrinks around the
new point when the steps have become small: a ball of radius ``rho'`` around ``w`` with
``||w - w_s||_1 + rho' <= rho`` lies inside the old one, so the new candidates are a subset of
``C``. Near convergence and along a frontier the iterates move little, so most queries touch
a few percent of the rows, or fewer.

``restricted(C)`` is the oracle of a fixed candidate set (``candidate_tail``): the mean of the
``k`` largest candidate losses, a lower bound on the CVaR, and cuts over candidate rows only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.metrics import tail_count
from allocator.optimize.measures import FloatArray, portfolio_returns

IntArray = npt.NDArray[np.intp]
#: Candidates are kept down to this many tail sizes below the center's VaR.
SCREEN_DEPTH = 1.25
#: Screening is dropped when the candidates exceed this share of the scenarios (of a
#: restricted oracle's rows, which are mostly tail already).
SCREEN_MAX_SHARE = 0.5
RESTRICTED_SCREEN_SHARE = 0.8
#: Screening radii (in ``||w - w_s||_1``): none after a longer move, never below the minimum.
MAX_RADIUS = 0.1
MIN_RADIUS = 1e-6


@dataclass(frozen=True, eq=False)
class CvarCut:
    """``cvar`` and ``var`` at ``w``; the cut's level ``alpha``; per touched block ``blocks``
    ``(b,)``, ``sums`` ``(b, n_assets)`` and ``counts`` ``(b,)``."""

    cvar: float
    var: float | None
    alpha: float
    blocks: IntArray
    sums: FloatArray
    counts: FloatArray


class CvarOracle:
    """Exact CVaR and block cuts of ``returns`` ``(n, n_assets)`` at confidence ``beta``."""

    def __init__(
        self,
        returns: FloatArray,
        beta: float,
        blocks: int,
        *,
        tail: int | None = None,
        block_size: int | None = None,
        rows: IntArray | None = None,
    ) -> None:
        self.returns = np.ascontiguousarray(returns, dtype=np.float64)
        n = self.returns.shape[0]
        self.beta = beta
        self.tail = tail_count(n, beta) if tail is None else tail
        self.block_size = -(-n // max(1, min(blocks, n))) if block_size is None else block_size
        self.n_blocks = -(-n // self.block_size) if rows is None else blocks
        #: global row numbers of ``returns`` in the full matrix (None: ``returns`` is it)
        self.rows = rows
        self.screen_share = SCREEN_MAX_SHARE if rows is None else RESTRICTED_SCREEN_SHARE
        self._segments = self._block_segments(None)
        self._candidate_segments = self._segments
        self.row_bound = _row_bound(self.returns)
        self.full_passes = 0
        self.screened_passes = 0
        self._buffer = np.empty(n)  # the losses of a full pass
        self._center: FloatArray | None = None
        self._radius = 0.0
        self._level = 0.0
        self._candidates: IntArray | None = None
        self._candidate_rows: FloatArray | None = None
        self._candidate_bound: FloatArray | None = None
        self._last_full: FloatArray | None = None
        self._last_query: FloatArray | None = None

    def restricted(self, candidates: IntArray) -> CvarOracle:
        """The oracle of the rows ``candidates`` (sorted, at least ``k`` of them) with this
        oracle's ``k`` and blocks. Its CVaR, the mean of the ``k`` largest candidate losses,
        is a lower bound on the full CVaR, equal to it when the ``k`` largest losses are all
        candidates; its cuts sum fewer positive terms than the full ones, so they are valid
        cuts of the full problem too."""
        if candidates.size < self.tail:
            raise ValueError(f"expected at least {self.tail} candidates, found {candidates.size}")
        return CvarOracle(
            np.take(self.returns, candidates, axis=0),
            self.beta,
            self.n_blocks,
            tail=self.tail,
            block_size=self.block_size,
            rows=candidates,
        )

    def evaluate(self, w: FloatArray, alpha: float | None = None) -> CvarCut:
        """CVaR at ``w`` and the cut at ``(w, alpha)`` (``alpha`` default: ``VaR(w)``)."""
        step = np.inf if self._last_query is None else float(np.abs(w - self._last_query).sum())
        self._last_query = w.copy()
        if self._screening_applies(w, alpha):
            assert self._candidates is not None and self._candidate_rows is not None
            losses = portfolio_returns(self._candidate_rows, w)
            np.negative(losses, out=losses)
            if np.count_nonzero(losses > self._level) >= self.tail:  # the k worst are in C
                self.screened_passes += 1
                cut = self._cut(losses, self._candidate_rows, self._candidate_segments, alpha)
                self._shrink(w, losses, step)
                return cut
        self.full_passes += 1
        losses = portfolio_returns(self.returns, w, out=self._buffer)
        np.negative(losses, out=losses)
        cut = self._cut(losses, self.returns, self._segments, alpha)
        self._recenter(w, losses)
        return cut

    def _screening_applies(self, w: FloatArray, alpha: float | None) -> bool:
        if self._center is None:
            return False
        if float(np.abs(w - self._center).sum()) > self._radius:
            return False
        return alpha is None or alpha >= self._level

    def _block_segments(self, index: IntArray | None) -> tuple[IntArray, IntArray]:
        """Where each block's rows start among the rows ``index`` of ``returns`` (None: all)
        and the blocks' numbers: ``(starts, blocks)``."""
        if index is None and self.rows is None:
            starts = np.arange(0, self.returns.shape[0], self.block_size, dtype=np.intp)
            return starts, np.arange(starts.size, dtype=np.intp)
        local = np.arange(self.returns.shape[0]) if index is None else index
        global_rows = local if self.rows is None else self.rows[local]
        if global_rows.size == 0:
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty
        blocks = global_rows // self.block_size
        starts = np.concatenate([[0], np.flatnonzero(np.diff(blocks)) + 1]).astype(np.intp)
        return starts, blocks[starts]

    def _cut(
        self,
        losses: FloatArray,
        rows: FloatArray,
        segments: tuple[IntArray, IntArray],
        alpha: float | None,
    ) -> CvarCut:
        """The answer from ``losses`` of ``rows`` (their blocks: ``segments``)."""
        k = self.tail
        n = losses.shape[0]
        var = None
        if alpha is None:
            top = np.partition(losses, n - k)[n - k :]
            var = float(top.min())
            cvar = float(top.mean())
            alpha = var
        in_tail = losses > alpha
        size = int(np.count_nonzero(in_tail))
        if var is None:
            if size >= k:
                cvar = float(np.partition(losses[in_tail], size - k)[size - k :].mean())
            else:
                cvar = float(np.partition(losses, n - k)[n - k :].mean())
        starts, blocks = segments
        if size == 0 or starts.size == 0:
            empty = np.zeros(0, dtype=np.intp)
            return CvarCut(cvar, var, alpha, empty, np.zeros((0, rows.shape[1])), np.zeros(0))
        # block sums as 0/1-weighted products, block by block: no copy of the tail's rows
        weights = in_tail.astype(np.float64)
        counts = np.add.reduceat(weights, starts)
        sums = np.empty((starts.size, rows.shape[1]))
        ends = np.append(starts[1:], n)
        for j, (start, stop) in enumerate(zip(starts, ends, strict=True)):
            np.dot(weights[start:stop], rows[start:stop], out=sums[j])
        keep = counts > 0.0
        return CvarCut(cvar, var, alpha, blocks[keep], sums[keep], counts[keep])

    def _depth_level(self, losses: FloatArray) -> float:
        """A loss level a little below the VaR: the ``SCREEN_DEPTH * k``-th largest loss."""
        n = losses.shape[0]
        depth = min(n, int(np.ceil(SCREEN_DEPTH * self.tail)))
        return float(np.partition(losses, n - depth)[n - depth]) - 1e-12

    def _recenter(self, w: FloatArray, losses: FloatArray) -> None:
        """Screen around ``w`` after a full pass (``losses`` its loss vector), unless the
        iterates still move too far for screening to pay."""
        moved = np.inf if self._last_full is None else float(np.abs(w - self._last_full).sum())
        self._last_full = w.copy()
        self._center = self._candidates = self._candidate_rows = self._candidate_bound = None
        if moved > MAX_RADIUS:
            return
        radius = min(MAX_RADIUS, max(MIN_RADIUS, 2.0 * moved))
        level = self._depth_level(losses)
        candidates = np.flatnonzero(losses + self.row_bound * radius > level)
        if candidates.size > self.screen_share * losses.shape[0]:
            return
        self._center, self._radius, self._level = w.copy(), radius, level
        self._candidates = candidates
        self._candidate_segments = self._block_segments(candidates)
        self._candidate_rows = np.take(self.returns, candidates, axis=0)
        self._candidate_bound = self.row_bound[candidates]

    def _shrink(self, w: FloatArray, losses: FloatArray, step: float) -> None:
        """Re-center inside the current screen: a ball of radius ``rho'`` around ``w`` with
        ``|w - w_s|_1 + rho' <= rho`` lies in the old ball, so scenarios outside ``C`` stay
        below the old level there, and the new candidates are a subset of ``C``."""
        assert self._center is not None and self._candidate_bound is not None
        assert self._candidates is not None and self._candidate_rows is not None
        distance = float(np.abs(w - self._center).sum())
        radius = max(MIN_RADIUS, 4.0 * step)
        if distance + radius > self._radius or radius > 0.5 * self._radius:
            return
        level = self._level
        if np.count_nonzero(losses > level) >= SCREEN_DEPTH * self.tail:
            level = max(level, self._depth_level(losses))
        keep = losses + self._candidate_bound * radius > level
        self._center, self._radius, self._level = w.copy(), radius, level
        self._candidates = self._candidates[keep]
        self._candidate_rows = self._candidate_rows[keep]
        self._candidate_bound = self._candidate_bound[keep]
        self._candidate_segments = self._block_segments(self._candidates)


def _row_bound(returns: FloatArray) -> FloatArray:
    """``r_i = max_j |R_ij|`` ``(n,)``, column by column (a reduction along the short axis of a
    C-ordered matrix is several times slower)."""
    bound: FloatArray = np.abs(returns[:, 0])
    for j in range(1, returns.shape[1]):
        np.maximum(bound, np.abs(returns[:, j]), out=bound)
    return bound
