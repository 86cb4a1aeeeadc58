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

from allocator.simulation.block import simulate_block
from allocator.simulation.plan import RunPlan
from allocator.simulation.seeding import BLOCK_PATHS, block_count, block_size, chunk_ranges
from allocator.simulation.summary import ChunkSummary, SummaryAccumulator

__all__ = ["DEFAULT_CHUNK_PATHS", "Progress", "RunPlan", "run", "simulate_chunk"]

DEFAULT_CHUNK_PATHS = 4 * BLOCK_PATHS
Progress = Callable[[int, int], None]


def simulate_chunk(plan: RunPlan, blocks: range) -> ChunkSummary:
    """Simulate contiguous blocks of paths; a pure function of ``(plan, blocks)``."""
    n = sum(block_size(plan.n_paths, b) for b in blocks)
    merged = SummaryAccumulator(plan.n_series, n, first_block=blocks[0])
    for b in blocks:  # each block's arrays are freed before the next is drawn
        merged.add(simulate_block(plan, b))
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
