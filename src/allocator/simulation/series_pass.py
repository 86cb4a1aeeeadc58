"""Calendar-rebalanced portfolios and single assets, accounted and reduced in one compiled pass.

For every path of a block, in turn: each portfolio whose trades do not depend on the path
(buy-and-hold, calendar rebalancing with proportional costs) is stepped through the months
— holdings drift with returns, and on calendar dates (never the last month) are traded back
to the targets net of their proportional cost — then each asset held alone; each series'
wealth goes straight into the per-path statistics and the fan-chart histograms. A path's
returns (T × n_assets values) stay in the CPU cache for all its series, and no
(paths × months) array is written per series. Same definitions and event order as
``accounting`` (whose formulas the tests check this against).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from allocator.simulation.kernels import (
    GROUP_PATHS,
    add_to_histogram,
    group_statistics,
    vector_log,
)
from allocator.simulation.portfolio import PortfolioPlan
from allocator.simulation.summary import BLOCK_SUM_FIELDS, LOG_WEALTH_GRID

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

#: column of each block sum in the kernel's ``sums`` rows
_SUM = {name: i for i, name in enumerate(BLOCK_SUM_FIELDS)}
_TURNOVER = _SUM["turnover"]
_COSTS = _SUM["costs"]
_REBALANCES = _SUM["rebalances"]


@dataclass(frozen=True)
class CalendarPortfolios:
    """The portfolios ``series_pass`` accounts: (P, n_assets) ``weights`` and ``cost_rate``
    (bps / 1e4), (P,) ``every`` (months between rebalances, 0 = buy-and-hold) and ``slots``
    (each one's row among the run's series)."""

    weights: FloatArray
    every: npt.NDArray[np.int64]
    cost_rate: FloatArray
    slots: npt.NDArray[np.int64]

    @classmethod
    def of(cls, plans: Sequence[PortfolioPlan], slots: Sequence[int]) -> CalendarPortfolios:
        n_assets = plans[0].weights.shape[0] if plans else 0
        zero = np.zeros(n_assets)
        return cls(
            weights=np.array([p.weights for p in plans]).reshape(len(plans), n_assets),
            every=np.array([p.rebalance_every for p in plans], dtype=np.int64),
            cost_rate=np.array(
                [zero if p.cost_rate is None else p.cost_rate for p in plans]
            ).reshape(len(plans), n_assets),
            slots=np.array(slots, dtype=np.int64),
        )


@dataclass(frozen=True)
class SeriesOutputs:
    """Where a block's per-series results go: rows = series (portfolios, then assets from
    ``first_asset``); ``sums`` columns in ``BLOCK_SUM_FIELDS`` order; ``counts``
    (n_portfolios, n_months + 1, bins + 2) log-wealth histograms."""

    terminal: FloatArray
    max_drawdown: npt.NDArray[np.float32]
    sums: FloatArray
    counts: IntArray
    first_asset: int


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _account_group(
    returns: FloatArray,
    n_group: int,
    w: FloatArray,
    k: int,
    cost_rate: FloatArray,
    h: FloatArray,
    scratch: FloatArray,
    wealth: FloatArray,
    monthly: FloatArray,
) -> tuple[float, float]:
    """Wealth (T + 1, G) and monthly returns (T, G) of one calendar portfolio on a group of
    paths, from the assets' returns (n_assets, T, G); returns the group's turnover and costs.
    Trades happen on the same months on every path, so every loop runs across the group's
    paths (SIMD); ``h`` (n_assets, G) holds the holdings' values."""
    n_assets, n_months, _ = returns.shape
    inverse = scratch[0]
    kappa = scratch[1]
    gap = scratch[2]
    turnover = 0.0
    costs = 0.0
    for i in range(n_assets):
        h[i, :n_group] = w[i]
    wealth[0, :n_group] = 1.0
    for t in range(1, n_months + 1):
        v = wealth[t]
        v[:n_group] = 0.0
        for i in range(n_assets):
            held = h[i]
            r = returns[i, t - 1]
            for g in range(n_group):
                held[g] *= 1.0 + r[g]
                v[g] += held[g]
        if k > 0 and t % k == 0 and t < n_months:
            for g in range(n_group):
                inverse[g] = 1.0 / v[g]
            gap[:n_group] = 0.0
            kappa[:n_group] = 0.0
            for i in range(n_assets):
                held = h[i]
                for g in range(n_group):
                    d = abs(held[g] * inverse[g] - w[i])
                    gap[g] += d
                    kappa[g] += cost_rate[i] * d
            for g in range(n_group):
                costs += v[g] * kappa[g]
                turnover += 0.5 * gap[g]
                v[g] *= 1.0 - kappa[g]
            for i in range(n_assets):
                held = h[i]
                for g in range(n_group):
                    held[g] = w[i] * v[g]
        before = wealth[t - 1]
        out = monthly[t - 1]
        for g in range(n_group):
            out[g] = v[g] / before[g] - 1.0
    return turnover, costs


@numba.njit(cache=True, nogil=True)
def _rebalance_count(n_months: int, k: int) -> int:
    """Calendar trades per path: months t < T with t % k == 0."""
    return (n_months - 1) // k if k > 0 else 0


@numba.njit(cache=True, nogil=True)
def _series_pass(
    returns: FloatArray,
    weights: FloatArray,
    every: npt.NDArray[np.int64],
    cost_rate: FloatArray,
    slots: npt.NDArray[np.int64],
    first_asset: int,
    cash_index: int,
    benchmark: FloatArray,
    fill_benchmark: bool,
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
    growth = np.empty((n_points, n_assets, size))
    asset_returns = np.empty((n_assets, n_months, size))
    cash = np.zeros((n_months, size))
    bench = np.empty((n_months, size))
    h = np.empty((n_assets, size))
    scratch = np.empty((3, size))
    wealth = np.empty((n_points, size))
    log_wealth = np.empty((n_points, size))
    log_scratch = np.empty((n_points, size))
    monthly = np.empty((n_months, size))
    drawdown = np.empty(size)
    for first in range(0, n_paths, size):
        n_group = min(size, n_paths - first)
        growth[0] = 1.0
        for t in range(n_months):  # path-major returns → month-major growth of each asset
            for i in range(n_assets):
                level = growth[t + 1, i]
                previous = growth[t, i]
                r = asset_returns[i, t]
                for g in range(n_group):
                    r[g] = returns[first + g, t, i]
                    level[g] = previous[g] * (1.0 + r[g])
        if cash_index >= 0:
            cash[:, :n_group] = asset_returns[cash_index, :, :n_group]
        if not fill_benchmark:
            bench[:, :n_group] = benchmark[first : first + n_group].T
        for j in range(n_portfolios):
            s = slots[j]
            turnover, paid = _account_group(
                asset_returns,
                n_group,
                weights[j],
                every[j],
                cost_rate[j],
                h,
                scratch,
                wealth,
                monthly,
            )
            sums[s, _TURNOVER] += turnover
            sums[s, _COSTS] += paid
            sums[s, _REBALANCES] += n_group * _rebalance_count(n_months, every[j])
            vector_log(wealth.ravel(), log_wealth.ravel(), log_scratch.ravel())
            add_to_histogram(log_wealth, n_group, low, inv_width, bins, counts[s])
            if j == 0 and fill_benchmark:
                bench[:, :n_group] = monthly[:, :n_group]
                benchmark[first : first + n_group] = monthly[:, :n_group].T
            terminal[s, first : first + n_group] = wealth[n_months, :n_group]
            group_statistics(log_wealth, monthly, cash, bench, n_group, sums[s], drawdown)
            max_drawdown[s, first : first + n_group] = drawdown[:n_group]
        for a in range(n_assets):  # each asset held alone
            s = first_asset + a
            wealth[:, :n_group] = growth[:, a, :n_group]
            vector_log(wealth.ravel(), log_wealth.ravel(), log_scratch.ravel())
            terminal[s, first : first + n_group] = wealth[n_months, :n_group]
            group_statistics(log_wealth, asset_returns[a], cash, bench, n_group, sums[s], drawdown)
            max_drawdown[s, first : first + n_group] = drawdown[:n_group]


def series_pass(
    returns: FloatArray,
    portfolios: CalendarPortfolios,
    cash_index: int | None,
    benchmark: FloatArray,
    fill_benchmark: bool,
    out: SeriesOutputs,
) -> None:
    """Account and summarize the calendar portfolios, then each asset alone, on one block.

    ``returns`` (n_paths, n_months, n_assets) simple monthly returns. ``benchmark``
    (n_paths, n_months): the benchmark's monthly returns (for tracking error); with
    ``fill_benchmark`` it is written from ``portfolios``' first entry, which must be the
    benchmark. Results go to ``out``'s rows: ``portfolios.slots`` for the portfolios,
    ``first_asset + i`` for asset i. ``ruined`` stays 0: these rules cannot lose more than a
    return of -100% does.
    """
    grid = LOG_WEALTH_GRID
    _series_pass(
        returns,
        portfolios.weights,
        portfolios.every,
        portfolios.cost_rate,
        portfolios.slots,
        out.first_asset,
        -1 if cash_index is None else cash_index,
        benchmark,
        fill_benchmark,
        grid.low,
        1.0 / grid.width,
        grid.bins,
        out.counts,
        out.terminal,
        out.max_drawdown,
        out.sums,
    )
