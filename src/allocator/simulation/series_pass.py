"""Every series of a block — each portfolio, then each asset held alone — accounted and reduced
to its per-path statistics in one compiled pass.

The block's paths are taken in groups of ``GROUP_PATHS``, month-major: for each group the
assets' log returns are laid out (assets, months, paths) and exponentiated into simple
returns there, in cache (an asset held alone needs no logarithm: its log wealth is the sum of
its log returns), with each asset's growth of 1 only when a staged entry needs its price;
each portfolio is accounted on them
(``group_accounting``), its log wealth goes into the per-path statistics and its bins into a
buffer, and the next portfolio reuses the same cached buffers. No (paths × months) array is
written per series. The buffered bins are counted into the fan-chart histograms every few
thousand paths, histogram row by histogram row (counting each group as it came fetched every
portfolio's rows, which do not fit in the core's cache, for 64 paths at a time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from allocator.market.vector_math import expm1_in_place
from allocator.simulation.binning import bin_indices
from allocator.simulation.group_accounting import PortfolioArrays, account_group, scratch
from allocator.simulation.kernels import GROUP_PATHS, group_statistics, vector_log
from allocator.simulation.summary import BLOCK_SUM_FIELDS, LOG_WEALTH_GRID

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

#: bins of paths waiting to be counted, per thread (``_series_pass``)
PENDING_BYTES = 4 << 20
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
    log_returns: FloatArray,
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
    pending_paths: int,
) -> None:
    n_paths, n_months, n_assets = log_returns.shape
    n_portfolios = weights.shape[0]
    size = GROUP_PATHS
    n_points = n_months + 1
    staged = False  # a staged entry reads its asset's price: each asset's growth is kept
    for j in range(n_portfolios):
        staged |= entry_asset[j] >= 0
    growth = np.zeros((n_points if staged else 1, n_assets, size))
    asset_logs = np.zeros((n_assets, n_months, size))
    asset_returns = np.empty((n_assets, n_months, size))
    exp_scratch = np.empty(n_assets * n_months * size)
    cash = np.zeros((n_months, size))
    bench = np.zeros((n_months, size))
    wealth = np.empty((n_points, size))
    log_wealth = np.empty((n_points, size))
    log_scratch = np.empty((n_points, size))
    # bins wait here (portfolio, month, path), pending_paths at a time, to be counted: each
    # histogram row is then fetched once for many groups, not once per group (the rows of
    # every portfolio do not fit in the core's cache, and refetching them cost ~40% of the pass)
    pending = np.empty((n_portfolios, n_points, pending_paths), dtype=np.uint16)
    filled = 0
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
                    r = asset_logs[i, t]
                    for g in range(tile, tile_end):
                        r[g] = log_returns[first + g, t, i]
        asset_returns[:] = asset_logs
        expm1_in_place(asset_returns.ravel(), exp_scratch)
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
            for t in range(n_points):
                bin_indices(log_wealth[t, :n_group], low, inv_width, bins, pending[j, t, filled:])
            if j == 0:  # the benchmark: every series' tracking error is measured against it
                bench[:, :n_group] = monthly[:, :n_group]
            terminal[j, paths] = wealth[n_months, :n_group]
            group_statistics(log_wealth, monthly, cash, bench, n_group, sums[j], drawdown)
            max_drawdown[j, paths] = drawdown[:n_group]
        for a in range(n_assets):  # each asset held alone
            s = first_asset + a
            _log_growth(asset_logs[a], asset_returns[a], log_wealth, wealth[n_months])
            terminal[s, paths] = wealth[n_months, :n_group]
            group_statistics(log_wealth, asset_returns[a], cash, bench, n_group, sums[s], drawdown)
            max_drawdown[s, paths] = drawdown[:n_group]
        filled += n_group
        if filled + size > pending_paths or first + size >= n_paths:
            _count_pending(pending, filled, counts)
            filled = 0


@numba.njit(cache=True, nogil=True)
def _count_pending(pending: npt.NDArray[np.uint16], filled: int, counts: IntArray) -> None:
    """Add the first ``filled`` paths' bins of ``pending`` (portfolio, month, path) to
    ``counts`` (portfolio, month, bin), one histogram row at a time."""
    n_portfolios, n_points, _ = pending.shape
    for j in range(n_portfolios):
        for t in range(n_points):
            row = counts[j, t]
            found = pending[j, t]
            for k in range(filled):
                row[found[k]] += 1


@numba.njit(cache=True, nogil=True)
def _log_growth(
    log_returns: FloatArray, returns: FloatArray, log_wealth: FloatArray, wealth: FloatArray
) -> None:
    """An asset held alone, (T, G) month-major: ``log_wealth`` (T + 1, G) = running sums of
    its log returns, −inf from the month its wealth Π(1 + R) reaches 0 (the ruin of
    ``vector_log``); that terminal wealth goes to ``wealth`` (G,)."""
    n_months, size = returns.shape
    log_wealth[0] = 0.0
    wealth[:] = 1.0
    for t in range(n_months):
        level = log_wealth[t + 1]
        previous = log_wealth[t]
        g = log_returns[t]
        r = returns[t]
        for k in range(size):
            wealth[k] = wealth[k] * (1.0 + r[k])
            level[k] = previous[k] + g[k] if wealth[k] > 0.0 else -math.inf


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
    log_returns: FloatArray,
    portfolios: PortfolioArrays,
    cash_index: int | None,
    out: SeriesOutputs,
    pending_bytes: int = PENDING_BYTES,
) -> None:
    """Account and summarize every portfolio (the first is the benchmark), then each asset
    alone, on one block of ``log_returns`` ln(1 + R) (n_paths, n_months, n_assets; simple
    returns R = ``vector_math.expm1`` of them, as the market's); results go to ``out``'s
    rows (portfolio j → row j, asset i → row ``first_asset + i``). ``pending_bytes``: the
    bins waiting to be counted (speed only; the counts are the same)."""
    grid = LOG_WEALTH_GRID
    size = GROUP_PATHS
    per_path = 2 * portfolios.weights.shape[0] * (log_returns.shape[1] + 1)  # uint16 bins
    pending_paths = max(size, pending_bytes // per_path // size * size)
    assert grid.bins + 1 <= np.iinfo(np.uint16).max  # bins wait as uint16 (_series_pass)
    arguments = (
        log_returns,
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
        pending_paths,
    )
    _series_pass(*arguments)
