"""The Monte Carlo engine: blocks of paths → chunk summaries → one exact merge.

``simulate_chunk(plan, blocks)`` is a pure function of its arguments (the plan is a frozen,
picklable dataclass), so chunks run in threads here or as tasks on a Dask cluster
(``executors.py``); the merge places per-path rows and per-block sums by block index and adds
integer histograms, so the result is bit-identical whatever the chunk size, the executor, the
number of workers or the order chunks finish in.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from allocator.simulation.block import simulate_block
from allocator.simulation.executors import Executor, LocalExecutor, active_executor
from allocator.simulation.plan import RunPlan
from allocator.simulation.seeding import BLOCK_PATHS, block_count, block_size, chunk_ranges
from allocator.simulation.summary import (
    COUNT_DTYPE,
    LOG_WEALTH_GRID,
    ChunkSummary,
    SummaryAccumulator,
)

__all__ = ["DEFAULT_CHUNK_PATHS", "Progress", "RunPlan", "run", "simulate_chunk"]

DEFAULT_CHUNK_PATHS = 4 * BLOCK_PATHS
Progress = Callable[[int, int], None]


def simulate_chunk(plan: RunPlan, blocks: range) -> ChunkSummary:
    """Simulate contiguous blocks of paths; a pure function of ``(plan, blocks)``."""
    n = sum(block_size(plan.n_paths, b) for b in blocks)
    merged = SummaryAccumulator(plan.n_computed_series, n, first_block=blocks[0])
    shape = (plan.computed_portfolios.size, plan.market.n_months + 1, LOG_WEALTH_GRID.bins + 2)
    counts = np.zeros(shape, dtype=COUNT_DTYPE)  # every block counts into it: no merge
    for b in blocks:  # each block's arrays are freed before the next is drawn
        merged.add(simulate_block(plan, b, counts))
    merged.take_wealth_counts(counts)
    return merged.as_chunk()


def run(
    plan: RunPlan,
    chunk_paths: int = DEFAULT_CHUNK_PATHS,
    workers: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> SummaryAccumulator:
    """Run every chunk on ``executor`` and merge the summaries by block index; repeated
    portfolios (computed once, ``RunPlan.series_source``) get their rows at the end.

    Default executor: the one of the enclosing ``executor_scope`` (the command line's
    ``--executor``), else ``workers`` threads here. ``progress(done, total)`` is called in this
    thread after each finished chunk, whatever the executor.
    """
    accumulator = SummaryAccumulator(plan.n_series, plan.n_paths, source=plan.series_source)
    chunks = chunk_ranges(plan.n_paths, chunk_paths)
    assert sum(len(c) for c in chunks) == block_count(plan.n_paths)
    done = 0

    def collect(index: int, summary: ChunkSummary) -> None:
        nonlocal done
        accumulator.add(summary)  # placed by block index: any completion order, same bits
        done += summary.per_path["terminal"].shape[1]
        if progress is not None:
            progress(done, plan.n_paths)

    chosen = executor or active_executor() or LocalExecutor(workers)
    chosen.map_chunks(simulate_chunk, plan, chunks, collect)
    accumulator.copy_repeats()
    return accumulator
