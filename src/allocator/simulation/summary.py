"""Chunk-mergeable summaries of simulated paths.

Per-path values that decisions rest on (terminal wealth, drawdown, volatility, time under
water) are kept exactly, one per path, and copied into place by block index, so merging is
exact whatever the chunking. Monthly percentile bands would need every path at every month
(1M paths × 120 months = 1 GB per series), so they are streamed as integer histograms on a
fixed grid; integer counts merge exactly. Error bound: a band value read from the histogram
lies in the same bin as the exact empirical quantile, so it is within one bin width
(``LOG_WEALTH_GRID.width`` = 0.005 in log wealth, i.e. 0.5% of wealth; ``RATE_GRID.width`` =
1 basis point of the policy rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: per-path values: float64 or float32 (see PER_PATH_DTYPES)
PathArray = npt.NDArray[np.floating[Any]]
#: counts of paths; int64 because a merged run may hold up to 10M paths per bin and month
COUNT_DTYPE = np.int64


@dataclass(frozen=True)
class Grid:
    """``bins`` equal bins on [low, high) plus an underflow (index 0) and overflow bin (last)."""

    low: float
    high: float
    bins: int

    @property
    def width(self) -> float:
        return (self.high - self.low) / self.bins

    def counts(self, values: FloatArray) -> IntArray:
        """Histogram per column: ``values`` (n_points... , see below) → (n_points, bins + 2).

        ``values``: (n_paths, n_points). NaN counts as underflow.
        """
        n_points = values.shape[1]
        inv = 1.0 / self.width
        shifted = values * inv + (1.0 - self.low * inv)  # bin index + 1, as a float
        np.nan_to_num(shifted, copy=False, nan=0.0)
        np.clip(shifted, 0.0, self.bins + 1.0, out=shifted)
        idx = shifted.astype(np.intp)  # floor, since shifted >= 0
        idx += np.arange(n_points) * (self.bins + 2)
        flat = np.bincount(idx.ravel(), minlength=n_points * (self.bins + 2))
        return flat.reshape(n_points, self.bins + 2).astype(COUNT_DTYPE)

    def quantiles(self, counts: IntArray, probs: FloatArray) -> FloatArray:
        """Quantiles from histograms ``counts`` (..., bins + 2) → (..., len(probs)).

        Linear interpolation inside the bin holding the rank ``p * n``; ranks in the
        under/overflow bins are reported as ``low`` / ``high``.
        """
        total = counts.sum(axis=-1, keepdims=True)
        cum = np.cumsum(counts, axis=-1)
        out = np.empty((*counts.shape[:-1], len(probs)))
        for j, p in enumerate(probs):
            rank = p * total[..., 0]
            b = np.argmax(cum >= rank[..., None], axis=-1)
            below = (
                np.take_along_axis(cum, b[..., None], axis=-1)[..., 0]
                - np.take_along_axis(counts, b[..., None], axis=-1)[..., 0]
            )
            inside = np.take_along_axis(counts, b[..., None], axis=-1)[..., 0]
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(inside > 0, (rank - below) / inside, 0.5)
            value = self.low + (b - 1 + np.clip(frac, 0.0, 1.0)) * self.width
            out[..., j] = np.where(b == 0, self.low, np.where(b == self.bins + 1, self.high, value))
        return out


#: log(wealth / initial wealth): from 0.03% to 300,000% of the start in 0.005 steps.
LOG_WEALTH_GRID = Grid(low=-8.0, high=8.0, bins=3200)
#: the policy rate (annual decimal): -10% to 30% in 1 bp steps.
RATE_GRID = Grid(low=-0.10, high=0.30, bins=4000)

#: per-path values kept for every series, and the precision they are stored in: terminal
#: wealth in full (means and paired differences are taken of it), the rest as float32
#: (7 significant digits; months under water are whole numbers below 2**24, so exact).
PER_PATH_DTYPES: dict[str, npt.DTypeLike] = {
    "terminal": np.float64,
    "max_drawdown": np.float32,
    "volatility": np.float32,
    "months_under_water": np.float32,
}
PER_PATH_FIELDS = tuple(PER_PATH_DTYPES)


@dataclass
class ChunkSummary:
    """What one chunk of blocks contributes; ``first_path`` places its per-path rows.

    ``per_path[name]``: (n_series, n_chunk_paths) for each of ``PER_PATH_FIELDS``;
    ``wealth_counts``: (n_portfolios, n_months + 1, bins + 2) histograms of log wealth;
    ``rate_counts``: (n_months + 1, bins + 2) or None; ``regime_counts``: (n_months, n_regimes).
    """

    first_path: int
    per_path: dict[str, PathArray]
    wealth_counts: IntArray
    rate_counts: IntArray | None
    regime_counts: IntArray | None


class SummaryAccumulator:
    """Collects chunk summaries in any order into preallocated arrays (exact merge)."""

    def __init__(self, n_series: int, n_paths: int, first_path: int = 0) -> None:
        self.n_paths = n_paths
        self.first_path = first_path
        self.per_path: dict[str, PathArray] = {
            name: np.empty((n_series, n_paths), dtype=dtype)
            for name, dtype in PER_PATH_DTYPES.items()
        }
        self.filled = 0
        self.wealth_counts: IntArray | None = None
        self.rate_counts: IntArray | None = None
        self.regime_counts: IntArray | None = None

    def add(self, chunk: ChunkSummary) -> None:
        n = next(iter(chunk.per_path.values())).shape[1]
        start = chunk.first_path - self.first_path
        rows = slice(start, start + n)
        for name, values in chunk.per_path.items():
            self.per_path[name][:, rows] = values
        self.filled += n
        self.wealth_counts = _add(self.wealth_counts, chunk.wealth_counts)
        self.rate_counts = _add(self.rate_counts, chunk.rate_counts)
        self.regime_counts = _add(self.regime_counts, chunk.regime_counts)

    @property
    def complete(self) -> bool:
        return self.filled == self.n_paths

    def as_chunk(self) -> ChunkSummary:
        """This accumulator's content as one summary (a chunk made of several blocks)."""
        assert self.complete and self.wealth_counts is not None
        return ChunkSummary(
            first_path=self.first_path,
            per_path=self.per_path,
            wealth_counts=self.wealth_counts,
            rate_counts=self.rate_counts,
            regime_counts=self.regime_counts,
        )


def _add(total: IntArray | None, part: IntArray | None) -> IntArray | None:
    if part is None:
        return total
    if total is None:
        first: IntArray = part.copy()
        return first
    total += part  # in place: integer sums are exact in any order
    return total
