"""Every series of a block — each portfolio, then each asset held alone — accounted and reduced
to its per-path statistics in one compiled pass.

The block's paths are taken in groups of ``GROUP_PATHS``, month-major: for each group the
assets' returns are laid out (assets, months, paths) (and each asset's growth of 1, only
when a staged entry needs its price), each portfolio is accounted on them
(``group_accounting``), its log wealth goes into the fan-chart histograms and the per-path
statistics, and the next portfolio reuses the same cached buffers. No (paths × months)
array is written per series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from allocator.simulation.group_accounting import PortfolioArrays, account_group, scratch
from allocator.simulation.kernels import (
    GROUP_PATHS,
    add_to_histogram,
    group_statistics,
    vector_log,
)
from allocator.simulation.summary import BLOCK_SUM_FIELDS, LOG_WEALTH_GRID

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

#: the accounting's per-path totals, in ``account_group``'s order, as block-sum columns
_TOTALS = tuple(BLOCK_SUM_FIELDS.index(n) for n in ("turnover", "costs", "rebalances", "ruined"))


@dataclass(frozen=True)
class SeriesOutputs:
    """Where a block's per-series results go: rows = series (the portfolios, then the assets
    from ``first_asset``); ``sums`` columns in ``BLOCK_SUM_FIELDS`` order; ``counts``
    (n_portfolios, n_months + 1, bins + 2) log-wealth histograms."""

    terminal: FloatArray
    max_drawdown: npt.NDArray[np.float32]
    sums: FloatArray
    counts: IntArray
    first_asset: int


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _series_pass(
    returns: FloatArray,
    weights: FloatArray,
    rule: npt.NDArray[np.int64],
    every: npt.NDArray[np.int64],
    band: FloatArray,
    relative: npt.NDArray[np.bool_],
    to_edge: npt.NDArray[np.bool_],
    watched: npt.NDArray[np.bool_],
    cost_rate: FloatArray,
    fixed_cost: FloatArray,
    flows: FloatArray,
    entry_asset: npt.NDArray[np.int64],
    park: npt.NDArray[np.int64],
    schedule: FloatArray,
    start_price: FloatArray,
    above: FloatArray,
    zone_low: FloatArray,
    zone_high: FloatArray,
    first_asset: int,
    cash_index: int,
    low: float,
    inv_width: float,
    bins: int,
    counts: IntArray,
    terminal: FloatArray,
    max_drawdown: npt.NDArray[np.float32],
    sums: FloatArray,
) -> None:
    n_paths, n_months, n_assets = returns.shape
    n_portfolios = weights.shape[0]
    size = GROUP_PATHS
    n_points = n_months + 1
    staged = False  # a staged entry reads its asset's price: each asset's growth is kept
    for j in range(n_portfolios):
        staged |= entry_asset[j] >= 0
    growth = np.zeros((n_points if staged else 1, n_assets, size))
    asset_returns = np.zeros((n_assets, n_months, size))
    cash = np.zeros((n_months, size))
    bench = np.zeros((n_months, size))
    wealth = np.empty((n_points, size))
    log_wealth = np.empty((n_points, size))
    log_scratch = np.empty((n_points, size))
    bin_scratch = np.empty((n_points, size), dtype=np.int32)
    monthly = np.empty((n_months, size))
    totals = np.empty((len(_TOTALS), size))
    drawdown = np.empty(size)
    work, lanes, weights_scratch = scratch(n_assets, size)
    for first in range(0, n_paths, size):
        n_group = min(size, n_paths - first)
        paths = slice(first, first + n_group)
        for tile in range(0, n_group, 8):  # path-major → month-major, 8 paths at a time
            tile_end = min(tile + 8, n_group)  # (their rows stay in cache: ~2x faster)
            for t in range(n_months):
                for i in range(n_assets):
                    r = asset_returns[i, t]
                    for g in range(tile, tile_end):
                        r[g] = returns[first + g, t, i]
        if staged:
            _grow(asset_returns, growth)
        if cash_index >= 0:
            cash[:, :n_group] = asset_returns[cash_index, :, :n_group]
        for j in range(n_portfolios):
            account_group(
                asset_returns,
                growth,
                n_group,
                j,
                weights,
                rule,
                every,
                band,
                relative,
                to_edge,
                watched,
                cost_rate,
                fixed_cost,
                flows,
                entry_asset,
                park,
                schedule,
                start_price,
                above,
                zone_low,
                zone_high,
                wealth,
                monthly,
                totals,
                work,
                lanes,
                weights_scratch,
            )
            for k in range(len(_TOTALS)):
                column = _TOTALS[k]
                for g in range(n_group):
                    sums[j, column] += totals[k, g]
            vector_log(wealth.ravel(), log_wealth.ravel(), log_scratch.ravel())
            add_to_histogram(log_wealth, n_group, low, inv_width, bins, counts[j], bin_scratch)
            if j == 0:  # the benchmark: every series' tracking error is measured against it
                bench[:, :n_group] = monthly[:, :n_group]
            terminal[j, paths] = wealth[n_months, :n_group]
            group_statistics(log_wealth, monthly, cash, bench, n_group, sums[j], drawdown)
            max_drawdown[j, paths] = drawdown[:n_group]
        for a in range(n_assets):  # each asset held alone
            s = first_asset + a
            _grow(asset_returns[a : a + 1], wealth.reshape((n_points, 1, size)))
            vector_log(wealth.ravel(), log_wealth.ravel(), log_scratch.ravel())
            terminal[s, paths] = wealth[n_months, :n_group]
            group_statistics(log_wealth, asset_returns[a], cash, bench, n_group, sums[s], drawdown)
            max_drawdown[s, paths] = drawdown[:n_group]


@numba.njit(cache=True, nogil=True)
def _grow(returns: FloatArray, growth: FloatArray) -> None:
    """Growth of 1 (T + 1, A, G) of returns (A, T, G): ``growth[t + 1] = growth[t] (1 + r)``."""
    n_assets, n_months, size = returns.shape
    growth[0] = 1.0
    for t in range(n_months):
        for i in range(n_assets):
            level = growth[t + 1, i]
            previous = growth[t, i]
            r = returns[i, t]
            for g in range(size):
                level[g] = previous[g] * (1.0 + r[g])


def series_pass(
    returns: FloatArray, portfolios: PortfolioArrays, cash_index: int | None, out: SeriesOutputs
) -> None:
    """Account and summarize every portfolio (the first is the benchmark), then each asset
    alone, on one block of ``returns`` (n_paths, n_months, n_assets); results go to ``out``'s
    rows (portfolio j → row j, asset i → row ``first_asset + i``)."""
    grid = LOG_WEALTH_GRID
    arguments = (
        returns,
        *portfolios.fields(),
        out.first_asset,
        -1 if cash_index is None else cash_index,
        grid.low,
        1.0 / grid.width,
        grid.bins,
        out.counts,
        out.terminal,
        out.max_drawdown,
        out.sums,
    )
    _series_pass(*arguments)
