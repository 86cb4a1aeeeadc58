"""One block of paths → its summary: sample the market, account every series, reduce each
path to the statistics the merge keeps. The engine's unit of work (``engine.simulate_chunk``
groups blocks into chunks)."""

from __future__ import annotations

import numpy as np

from allocator.market import sample_market
from allocator.simulation.binning import count_states
from allocator.simulation.plan import RunPlan
from allocator.simulation.seeding import block_generator, block_size
from allocator.simulation.series_pass import SeriesOutputs, series_pass
from allocator.simulation.summary import (
    BLOCK_SUM_FIELDS,
    COUNT_DTYPE,
    RATE_GRID,
    ChunkSummary,
    FloatArray,
    IntArray,
)


def simulate_block(plan: RunPlan, block: int, wealth_counts: IntArray) -> ChunkSummary:
    """Block ``block`` of the run: its market paths, every series accounted and reduced.

    Its series are the plan's computed ones (``RunPlan.computed_portfolios``, then the
    assets). ``wealth_counts``: log-wealth histograms (n_computed, n_months + 1, bins + 2) to add
    this block's paths to — the chunk's, shared by its blocks, so that no per-block array is
    filled and then merged; the summary carries none."""
    rng = block_generator(plan.seed, block)
    n = block_size(plan.n_paths, block)
    paths = sample_market(plan.market, rng, n, log_returns=True)
    log_returns: FloatArray = np.ascontiguousarray(paths.returns, dtype=np.float64)
    n_months = log_returns.shape[1]
    n_portfolios = plan.computed_portfolios.size
    n_series = plan.n_computed_series
    out = SeriesOutputs(
        terminal=np.empty((n_series, n)),
        max_drawdown=np.empty((n_series, n), dtype=np.float32),
        sums=np.zeros((n_series, len(BLOCK_SUM_FIELDS))),
        counts=wealth_counts,
        first_asset=n_portfolios,
    )
    series_pass(log_returns, plan.portfolio_arrays, plan.cash_index, out)
    regime_counts = None
    if paths.regimes is not None:
        regime_counts = np.zeros((n_months, len(plan.market.regime_names)), dtype=COUNT_DTYPE)
        count_states(paths.regimes, regime_counts.shape[1], regime_counts)
    return ChunkSummary(
        first_block=block,
        per_path={"terminal": out.terminal, "max_drawdown": out.max_drawdown},
        block_sums={name: out.sums[None, :, i] for i, name in enumerate(BLOCK_SUM_FIELDS)},
        wealth_counts=None,
        rate_counts=RATE_GRID.counts(paths.rates) if paths.rates is not None else None,
        regime_counts=regime_counts,
    )
