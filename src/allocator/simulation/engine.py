"""The Monte Carlo engine: blocks of paths → chunk summaries → one exact merge.

``simulate_chunk(plan, blocks)`` is a pure function of its arguments (the plan is a frozen,
picklable dataclass), so chunks can run in threads here or in other processes later; the
merge places rows by path index and sums integer histograms, so the result is bit-identical
whatever the chunk size, the number of workers or the order chunks finish in.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from allocator.market import MarketSpec, sample_market
from allocator.simulation.accounting import PortfolioPaths, account
from allocator.simulation.kernels import series_statistics
from allocator.simulation.portfolio import PortfolioPlan
from allocator.simulation.seeding import (
    BLOCK_PATHS,
    block_count,
    block_generator,
    block_size,
    chunk_ranges,
)
from allocator.simulation.summary import (
    BLOCK_SUM_FIELDS,
    COUNT_DTYPE,
    LOG_WEALTH_GRID,
    PER_PATH_DTYPES,
    RATE_GRID,
    ChunkSummary,
    FloatArray,
    PathArray,
    SummaryAccumulator,
)

DEFAULT_CHUNK_PATHS = 4 * BLOCK_PATHS
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunPlan:
    """Everything a chunk needs: the compiled market, the portfolios, the seed, the size.

    ``portfolios[0]`` is the benchmark; ``cash_index`` is the asset Sharpe and Sortino are
    measured against (None: against zero).
    """

    market: MarketSpec
    portfolios: tuple[PortfolioPlan, ...]
    seed: int
    n_paths: int
    cash_index: int | None = None

    @property
    def n_series(self) -> int:
        """Portfolios first, then each asset held alone (its growth of 1)."""
        return len(self.portfolios) + self.market.n_assets


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


def _simulate_block(plan: RunPlan, block: int) -> ChunkSummary:
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


def simulate_chunk(plan: RunPlan, blocks: range) -> ChunkSummary:
    """Simulate contiguous blocks of paths; a pure function of ``(plan, blocks)``."""
    n = sum(block_size(plan.n_paths, b) for b in blocks)
    merged = SummaryAccumulator(plan.n_series, n, first_block=blocks[0])
    for b in blocks:  # each block's arrays are freed before the next is drawn
        merged.add(_simulate_block(plan, b))
    return merged.as_chunk()


def run(
    plan: RunPlan,
    chunk_paths: int = DEFAULT_CHUNK_PATHS,
    workers: int | None = None,
    progress: Progress | None = None,
) -> SummaryAccumulator:
    """Run every chunk on a local thread pool (numpy releases the GIL in the heavy parts)."""
    workers = workers or os.cpu_count() or 1
    accumulator = SummaryAccumulator(plan.n_series, plan.n_paths)
    chunks = chunk_ranges(plan.n_paths, chunk_paths)
    assert sum(len(c) for c in chunks) == block_count(plan.n_paths)
    done = 0
    if workers == 1:
        for blocks in chunks:
            done = _collect(accumulator, simulate_chunk(plan, blocks), done, plan, progress)
        return accumulator
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="allocator")
    try:
        pending: set[Future[ChunkSummary]] = set()
        queue = iter(chunks)
        for blocks in queue:  # one chunk per worker in flight, plus one: bounded memory
            pending.add(pool.submit(simulate_chunk, plan, blocks))
            if len(pending) > workers:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                done = _collect(accumulator, future.result(), done, plan, progress)
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(simulate_chunk, plan, nxt))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return accumulator


def _collect(
    accumulator: SummaryAccumulator,
    summary: ChunkSummary,
    done: int,
    plan: RunPlan,
    progress: Progress | None,
) -> int:
    accumulator.add(summary)
    done += summary.per_path["terminal"].shape[1]
    if progress is not None:
        progress(done, plan.n_paths)
    return done
