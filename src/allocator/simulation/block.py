"""One block of paths → its summary: sample the market, account every series, reduce each
path to the statistics the merge keeps. The engine's unit of work (``engine.simulate_chunk``
groups blocks into chunks)."""

from __future__ import annotations

import numpy as np

from allocator.market import sample_market
from allocator.simulation.accounting import PortfolioPaths, account
from allocator.simulation.kernels import series_statistics
from allocator.simulation.plan import RunPlan
from allocator.simulation.seeding import block_generator, block_size
from allocator.simulation.summary import (
    BLOCK_SUM_FIELDS,
    COUNT_DTYPE,
    LOG_WEALTH_GRID,
    PER_PATH_DTYPES,
    RATE_GRID,
    ChunkSummary,
    FloatArray,
    PathArray,
)


def _series(index: int, plan: RunPlan, returns: FloatArray, growth: FloatArray) -> PortfolioPaths:
    n_portfolios = len(plan.portfolios)
    if index < n_portfolios:
        return account(returns, growth, plan.portfolios[index])
    asset = index - n_portfolios
    n = returns.shape[0]
    wealth = np.empty((n, returns.shape[1] + 1))
    wealth[:, 0] = 1.0
    wealth[:, 1:] = growth[:, :, asset]
    zeros = np.zeros(n)
    return PortfolioPaths(
        wealth, returns[:, :, asset], zeros, zeros, zeros, np.zeros(n, dtype=bool)
    )


def simulate_block(plan: RunPlan, block: int) -> ChunkSummary:
    rng = block_generator(plan.seed, block)
    n = block_size(plan.n_paths, block)
    paths = sample_market(plan.market, rng, n)
    returns: FloatArray = np.asarray(paths.returns, dtype=np.float64)
    growth: FloatArray = np.cumprod(1.0 + returns, axis=1, dtype=np.float64)
    n_months = returns.shape[1]
    n_portfolios = len(plan.portfolios)
    per_path: dict[str, PathArray] = {
        name: np.empty((plan.n_series, n), dtype=dtype) for name, dtype in PER_PATH_DTYPES.items()
    }
    sums = {name: np.zeros((1, plan.n_series)) for name in BLOCK_SUM_FIELDS}
    counts = np.zeros((n_portfolios, n_months + 1, LOG_WEALTH_GRID.bins + 2), dtype=COUNT_DTYPE)
    cash = (
        returns[:, :, plan.cash_index] if plan.cash_index is not None else np.zeros((n, n_months))
    )
    benchmark_returns = cash
    for index in range(plan.n_series):
        series = _series(index, plan, returns, growth)
        if index == 0:
            benchmark_returns = series.returns
        drawdown, block_sums = series_statistics(
            series.wealth,
            series.returns,
            cash,
            benchmark_returns,
            counts[index] if index < n_portfolios else None,  # fan charts: portfolios only
        )
        per_path["terminal"][index] = series.wealth[:, -1]
        per_path["max_drawdown"][index] = drawdown
        block_sums.update(
            turnover=series.turnover.sum(),
            costs=series.costs.sum(),
            rebalances=series.rebalances.sum(),
            ruined=float(np.count_nonzero(series.ruined)),
        )
        for name, value in block_sums.items():
            sums[name][0, index] = value
    regime_counts = None
    if paths.regimes is not None:
        n_regimes = len(plan.market.regime_names)
        offsets = np.arange(n_months) * n_regimes
        flat = np.bincount(
            (paths.regimes.astype(np.intp) + offsets).ravel(), minlength=n_months * n_regimes
        )
        regime_counts = flat.reshape(n_months, n_regimes).astype(COUNT_DTYPE)
    return ChunkSummary(
        first_block=block,
        per_path=per_path,
        block_sums=sums,
        wealth_counts=counts,
        rate_counts=RATE_GRID.counts(paths.rates) if paths.rates is not None else None,
        regime_counts=regime_counts,
    )
