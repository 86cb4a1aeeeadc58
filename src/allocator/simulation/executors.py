"""Where chunks run: threads on this machine, or the processes of a dask.distributed cluster.

An executor runs ``fn(shared, chunk)`` for every chunk and hands each result, with the chunk's
index, to ``on_result`` in the calling thread, in whatever order chunks finish. Callers place
results by index (the engine by block index, exactly), so the executor, its worker count and
the order of completion cannot change a number. At most a few chunks per worker are in flight,
so memory stays bounded whatever the number of chunks.

``LocalExecutor`` is here; ``DaskExecutor`` (``dask_executor.py``, re-exported here) imports
Dask, an optional extra, only when it first runs something.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

from allocator.simulation.dask_executor import (
    ClusterError,
    ClusterFailedError,
    DaskExecutor,
    start_local_cluster,
)

__all__ = [
    "ClusterError",
    "ClusterFailedError",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "active_executor",
    "executor_scope",
    "start_local_cluster",
]

S = TypeVar("S")
R = TypeVar("R")


class Executor(Protocol):
    """Runs chunk functions; see the module docstring."""

    def map_chunks(
        self,
        fn: Callable[[S, range], R],
        shared: S,
        chunks: Sequence[range],
        on_result: Callable[[int, R], None],
    ) -> None:
        """``on_result(i, fn(shared, chunks[i]))`` for every ``i``, in completion order."""

    def close(self) -> None:
        """Release what the executor started (threads, a cluster); idempotent."""


class LocalExecutor:
    """Threads of this process (numpy and the numba kernels release the GIL)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def map_chunks(
        self,
        fn: Callable[[S, range], R],
        shared: S,
        chunks: Sequence[range],
        on_result: Callable[[int, R], None],
    ) -> None:
        if self.workers == 1:
            for index, blocks in enumerate(chunks):
                on_result(index, fn(shared, blocks))
            return
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="allocator")
        try:
            queue = iter(enumerate(chunks))
            pending: dict[Future[R], int] = {}
            for index, blocks in queue:  # one chunk per worker in flight, plus one
                pending[pool.submit(fn, shared, blocks)] = index
                if len(pending) > self.workers:
                    break
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    on_result(pending.pop(future), future.result())
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending[pool.submit(fn, shared, nxt[1])] = nxt[0]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_ACTIVE: ContextVar[Executor | None] = ContextVar("allocator_executor", default=None)


def active_executor() -> Executor | None:
    """The executor set by the innermost ``executor_scope`` (None outside any)."""
    return _ACTIVE.get()


@contextmanager
def executor_scope(executor: Executor) -> Iterator[Executor]:
    """Make ``executor`` the default of every run inside the block; close it at the end.

    The commands use this so that code between them and the engine (the optimizer's input
    loading) need not pass the executor along.
    """
    token = _ACTIVE.set(executor)
    try:
        yield executor
    finally:
        _ACTIVE.reset(token)
        executor.close()
