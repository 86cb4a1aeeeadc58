"""The options saying where a command's Monte Carlo runs: ``--executor``, ``--scheduler``,
``--workers``. Shared by ``simulate``, ``optimize`` and ``advise``.

``@executor_options`` adds the options, builds the executor from them and runs the command
inside ``executor_scope`` (every simulation in the command uses it; a cluster started for the
run is closed afterwards, also on an error or Ctrl-C). Ctrl-C ends the command with exit 130
and one line, and — the report files being written atomically at the end — no partial file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

EXECUTORS = ("local", "dask")


def executor_options(func: F) -> F:
    """Add ``--executor``, ``--scheduler`` and ``--workers`` to a command (see module doc)."""

    @wraps(func)
    def wrapper(
        *args: Any, executor: str, scheduler: str | None, workers: int | None, **kwargs: Any
    ) -> Any:
        from allocator.simulation.executors import (
            DaskExecutor,
            Executor,
            LocalExecutor,
            executor_scope,
        )

        if executor == "local" and scheduler is not None:
            raise click.UsageError("--scheduler needs --executor dask")
        if scheduler is not None and workers is not None:
            raise click.UsageError(
                "--workers starts a local Dask cluster; with --scheduler the cluster's own "
                "workers are used: give one or the other"
            )
        chosen: Executor = (
            DaskExecutor(scheduler=scheduler, workers=workers)
            if executor == "dask"
            else LocalExecutor(workers)
        )
        try:
            with executor_scope(chosen):
                return func(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("error: interrupted; no report written", err=True)
            sys.exit(130)

    options = [
        click.option(
            "--executor",
            type=click.Choice(EXECUTORS),
            default="local",
            show_default=True,
            help="Where the paths are simulated: threads on this machine, or a Dask cluster "
            "(pip install 'allocator[distributed]'). Changes speed, not results.",
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            help="With --executor dask: a running Dask scheduler, e.g. tcp://10.0.0.5:8786  "
            "[default: start a local cluster of --workers processes for the run].",
        ),
        click.option(
            "--workers",
            type=click.IntRange(1, 256),
            help="Threads (local), or processes of the local Dask cluster  "
            "[default: one per CPU core]. Changes speed, not results.",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]
