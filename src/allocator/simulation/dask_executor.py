"""The Dask executor: chunks as tasks on a dask.distributed cluster (see ``executors.py``).

Dask is an optional extra (``pip install 'allocator[distributed]'``), imported only when a
``DaskExecutor`` first runs something or a local cluster is started.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import Any, TypeVar

from allocator.errors import AllocatorError, InputError

__all__ = [
    "CONNECT_TIMEOUT",
    "ClusterError",
    "ClusterFailedError",
    "DaskExecutor",
    "start_local_cluster",
]

S = TypeVar("S")
R = TypeVar("R")

#: seconds to wait for a ``--scheduler`` to answer (and for it to have a worker)
CONNECT_TIMEOUT = 5.0
INSTALL_HINT = "pip install 'allocator[distributed]'"
#: glibc malloc settings of the local cluster's workers. Dask sets MALLOC_TRIM_THRESHOLD_=65536
#: in its workers, which also switches off glibc's adaptive mmap threshold: every block's
#: multi-MB temporary arrays are then mmapped and page-faulted afresh (2.5x the page faults,
#: 15-30% slower per block). These are the values the adaptive threshold settles at; they
#: must be in the environment before a worker process starts (Dask's "pre-spawn" variables).
WORKER_MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "67108864"}


class ClusterError(InputError):
    """Dask is not installed, or the cluster named cannot be reached or has no workers."""


class ClusterFailedError(AllocatorError):
    """The cluster failed during a run: a chunk's workers kept dying, or the scheduler went."""


class DaskExecutor:
    """Chunks as tasks on a dask.distributed cluster.

    ``scheduler``: the address of a running scheduler (``tcp://host:8786``); otherwise a
    ``LocalCluster`` of ``workers`` processes with one thread each is started on first use and
    closed by ``close()``. ``client``: use this connected ``distributed.Client`` instead (it is
    left open). The shared argument is sent once per ``map_chunks`` (to the scheduler, then
    between workers); a chunk whose worker dies is recomputed by the scheduler elsewhere.
    """

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        *,
        client: Any = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        chunks_per_thread: int = 2,
    ) -> None:
        if scheduler is not None and workers is not None:
            raise ClusterError("give a scheduler address or a number of workers, not both")
        self.scheduler = scheduler
        self.workers = workers
        self.connect_timeout = connect_timeout
        self.chunks_per_thread = chunks_per_thread
        self._client: Any = client
        self._owns_client = client is None
        self._cluster: Any = None

    @property
    def client(self) -> Any:
        """The ``distributed.Client``, connecting (or starting the local cluster) if needed."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> Any:
        distributed = _import_distributed()
        if self.scheduler is not None:
            try:
                return distributed.Client(self.scheduler, timeout=self.connect_timeout)
            except (OSError, TimeoutError) as exc:
                raise ClusterError(
                    f"--scheduler {self.scheduler}: no Dask scheduler answered within "
                    f"{self.connect_timeout:g} s{_detail(exc)}"
                ) from None
            except ValueError as exc:  # not an address at all
                raise ClusterError(f"--scheduler {self.scheduler}: {_first_line(exc)}") from None
        self._cluster = start_local_cluster(self.workers or os.cpu_count() or 1)
        return distributed.Client(self._cluster)

    def _threads(self) -> int:
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))

    def map_chunks(
        self,
        fn: Callable[[S, range], R],
        shared: S,
        chunks: Sequence[range],
        on_result: Callable[[int, R], None],
    ) -> None:
        distributed = _import_distributed()
        client = self.client
        try:
            client.wait_for_workers(1, timeout=self.connect_timeout)
        except (OSError, TimeoutError):
            where = self.scheduler or "the local cluster"
            raise ClusterError(
                f"{where}: no Dask worker joined within {self.connect_timeout:g} s"
            ) from None
        run_id = uuid.uuid4().hex[:12]
        # The shared value goes to the scheduler once, as the argument of a task that returns
        # it; workers fetch it from each other as a dependency. Unlike scattered data, a task
        # can be recomputed when every worker holding its result has died.
        shared_future = client.submit(_shared, shared, key=f"shared-{run_id}", pure=False)
        live: dict[str, Any] = {}  # task key -> future, for the chunks in flight
        index_of: dict[str, int] = {}
        queue = iter(enumerate(chunks))
        finished = distributed.as_completed()

        def submit(index: int, blocks: range) -> None:
            key = f"{getattr(fn, '__name__', 'chunk')}-{run_id}-{index}"
            future = client.submit(fn, shared_future, blocks, key=key, pure=False)
            live[key] = future
            index_of[key] = index
            finished.add(future)

        try:
            for index, blocks in queue:
                submit(index, blocks)
                if len(live) >= self.chunks_per_thread * self._threads():
                    break
            for future in finished:
                try:
                    result = future.result()  # re-raises a chunk's own exception (a bug)
                except distributed.KilledWorker:
                    blocks = chunks[index_of[future.key]]
                    raise ClusterFailedError(
                        f"the Dask workers running blocks {blocks.start}-{blocks.stop - 1} died "
                        "each time (out of memory?); gave up"
                    ) from None
                except (OSError, distributed.client.FutureCancelledError) as exc:
                    # the connection to the scheduler is gone, or it dropped the task
                    raise ClusterFailedError(
                        f"the Dask cluster stopped the run: {_first_line(exc)}"
                    ) from None
                key = future.key
                del live[key]
                future.release()  # the worker may drop its copy now
                on_result(index_of.pop(key), result)
                nxt = next(queue, None)
                if nxt is not None:
                    submit(*nxt)
        finally:  # on an error or Ctrl-C: stop the cluster's work for this run
            leftovers = [*live.values(), shared_future]
            live.clear()
            with suppress(Exception):  # the connection may be gone already: nothing to undo
                client.cancel(leftovers)

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._cluster = None
        if self._owns_client:
            self._client = None
            if client is not None:
                client.close()
        if cluster is not None:
            cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _shared(value: S) -> S:
    return value


def start_local_cluster(n_workers: int) -> Any:
    """A ``distributed.LocalCluster`` of ``n_workers`` processes, one thread each, on loopback
    (what ``--executor dask --workers N`` runs on)."""
    import dask

    distributed = _import_distributed()
    malloc = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_MALLOC_ENV.items()}
    with dask.config.set(malloc), _workers_ignore_ctrl_c():
        return distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # any free port: other runs here may hold 8787
            silence_logs=logging.CRITICAL,  # shutdown races log tracebacks at ERROR
        )


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Ignore SIGINT while the local cluster starts: its worker processes inherit the ignored
    signal, so a Ctrl-C at the terminal (sent to the whole process group) is handled once,
    here, by cancelling and closing the cluster, instead of by each worker dying with its own
    traceback. (A Ctrl-C during those seconds of start-up is lost; a worker restarted after
    a crash does not inherit this.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            f"--executor dask needs dask.distributed, which is not installed: {INSTALL_HINT}"
        ) from None
    return distributed


def _detail(exc: BaseException) -> str:
    """`` (reason)`` unless the reason is only the time-out already reported."""
    line = _first_line(exc)
    return "" if "timed out" in line.lower() else f" ({line})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
