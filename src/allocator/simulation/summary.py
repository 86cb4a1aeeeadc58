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

from allocator.simulation.binning import count_columns
from allocator.simulation.seeding import BLOCK_PATHS, block_count

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]
#: per-path values: float64 or float32 (see PER_PATH_DTYPES)
PathArray = npt.NDArray[np.floating[Any]]
#: counts of paths: a run holds at most 10M paths (MAX_PATHS), well inside int32
COUNT_DTYPE = np.int32


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
        counts = np.zeros((values.shape[1], self.bins + 2), dtype=COUNT_DTYPE)
        count_columns(
            np.asarray(values, dtype=np.float64), self.low, 1.0 / self.width, self.bins, counts
        )
        return counts

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

#: per-path values kept for every series, and their precision: terminal wealth in full
#: (means, quantiles and paired differences are taken of it), drawdown as float32.
PER_PATH_DTYPES: dict[str, npt.DTypeLike] = {"terminal": np.float64, "max_drawdown": np.float32}
PER_PATH_FIELDS = tuple(PER_PATH_DTYPES)
#: statistics only their means are needed of: summed per block, each block's sum kept in its
#: row, and the rows added in block order at the end (so in the same order for any chunking).
PATH_SUM_FIELDS = (  # from each path's returns and wealth (the compiled kernel)
    "volatility",
    "months_under_water",
    "excess_sum",
    "excess_sq",
    "downside_sq",
    "tracking_error",
)
TRADING_SUM_FIELDS = ("turnover", "costs", "rebalances", "ruined")  # from the accounting
BLOCK_SUM_FIELDS = PATH_SUM_FIELDS + TRADING_SUM_FIELDS


@dataclass
class ChunkSummary:
    """What a run of consecutive blocks contributes, starting at block ``first_block``.

    ``per_path[name]``: (n_series, n_chunk_paths); ``block_sums[name]``: (n_chunk_blocks,
    n_series); ``wealth_counts``: (n_portfolios, n_months + 1, bins + 2) histograms of log
    wealth (None: counted into the chunk's array, see ``engine.simulate_chunk``);
    ``rate_counts``: (n_months + 1, bins + 2) or None; ``regime_counts``: (n_months,
    n_regimes) or None.
    """

    first_block: int
    per_path: dict[str, PathArray]
    block_sums: dict[str, FloatArray]
    wealth_counts: IntArray | None
    rate_counts: IntArray | None
    regime_counts: IntArray | None


class SummaryAccumulator:
    """Collects chunk summaries in any order into preallocated arrays (exact merge).

    ``source`` (n_series,): where the summaries hold each series when some are computed once
    for several rows (``RunPlan.series_source``): a summary's row ``r`` goes to the first
    series whose source is ``r``, and ``copy_repeats`` fills the others once all are in.
    """

    def __init__(
        self,
        n_series: int,
        n_paths: int,
        first_block: int = 0,
        source: npt.NDArray[np.intp] | None = None,
    ) -> None:
        self._source = source
        self._rows: npt.NDArray[np.intp] | slice = slice(None)
        if source is not None and np.unique(source).size < n_series:
            self._rows = np.unique(source, return_index=True)[1]
        self.block_paths = BLOCK_PATHS
        self.n_paths = n_paths
        self.first_block = first_block
        self.per_path: dict[str, PathArray] = {
            name: np.empty((n_series, n_paths), dtype=dtype)
            for name, dtype in PER_PATH_DTYPES.items()
        }
        n_blocks = block_count(n_paths)
        self.block_sums = {name: np.zeros((n_blocks, n_series)) for name in BLOCK_SUM_FIELDS}
        self.filled = 0
        self.wealth_counts: IntArray | None = None
        self.rate_counts: IntArray | None = None
        self.regime_counts: IntArray | None = None

    def add(self, chunk: ChunkSummary) -> None:
        n = next(iter(chunk.per_path.values())).shape[1]
        start = (chunk.first_block - self.first_block) * self.block_paths
        rows = self._rows
        for name, values in chunk.per_path.items():
            self.per_path[name][rows, start : start + n] = values
        row = chunk.first_block - self.first_block
        for name, sums in chunk.block_sums.items():
            self.block_sums[name][row : row + sums.shape[0], rows] = sums
        self.filled += n
        self.wealth_counts = _add(self.wealth_counts, chunk.wealth_counts)
        self.rate_counts = _add(self.rate_counts, chunk.rate_counts)
        self.regime_counts = _add(self.regime_counts, chunk.regime_counts)

    def take_wealth_counts(self, counts: IntArray) -> None:
        """Add histograms counted outside ``add`` (a chunk's blocks counting into one array);
        the first such array is kept, not copied."""
        if self.wealth_counts is None and counts.dtype == COUNT_DTYPE:
            self.wealth_counts = counts
        else:
            self.wealth_counts = _add(self.wealth_counts, counts)

    def copy_repeats(self) -> None:
        """Give every series computed for another row (``source``) that row's values and, for
        portfolios, its histograms."""
        if isinstance(self._rows, slice) or self._source is None:
            return
        source, first = self._source, self._rows
        repeats = np.flatnonzero(first[source] != np.arange(source.size))
        for values in (*self.per_path.values(), *[s.T for s in self.block_sums.values()]):
            values[repeats] = values[first[source[repeats]]]
        if self.wealth_counts is not None:
            n_assets = first.size - self.wealth_counts.shape[0]
            self.wealth_counts = self.wealth_counts[source[: source.size - n_assets]]

    @property
    def complete(self) -> bool:
        return self.filled == self.n_paths

    def totals(self) -> dict[str, FloatArray]:
        """Each block-summed statistic over all paths, per series, added in block order."""
        out = {}
        for name, rows in self.block_sums.items():
            total = np.zeros(rows.shape[1])
            for row in rows:  # a fixed order: the same bits for any chunking
                total += row
            out[name] = total
        return out

    def as_chunk(self) -> ChunkSummary:
        """This accumulator's content as one summary (a chunk made of several blocks)."""
        assert self.complete and self.wealth_counts is not None
        return ChunkSummary(
            first_block=self.first_block,
            per_path=self.per_path,
            block_sums=self.block_sums,
            wealth_counts=self.wealth_counts,
            rate_counts=self.rate_counts,
            regime_counts=self.regime_counts,
        )


def _add(total: IntArray | None, part: IntArray | None) -> IntArray | None:
    if part is None:
        return total
    if total is None:
        first: IntArray = part.astype(COUNT_DTYPE)  # a copy: merging adds into it in place
        return first
    total += part  # in place: integer sums are exact in any order
    return total
