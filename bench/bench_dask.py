"""Benchmark: the Dask executor (local cluster of worker processes) against local threads.

    .venv/bin/python bench/bench_dask.py --paths 1000000 10000000

For each path count, in one run so both sides see the same machine load: the simulation of
``--scenario`` on ``--workers`` threads here, then on a ``LocalCluster`` of ``--workers``
processes (one thread each). Each side runs in a fresh child process. Prints seconds; the
scaling efficiency, local seconds / Dask seconds (1.0: the processes, transfers and merge
cost nothing), without and with the cluster's start-up (imports and numba cache loads in the
workers included); the peak resident memory of the client process (which also hosts the
local cluster's scheduler) and of each worker; and the bytes moved: the plan, scattered once,
and one chunk's summary (pickled), sent back per chunk.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from typing import Any


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU time of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _local(args: argparse.Namespace) -> dict[str, Any]:
    from allocator.scenario import load_scenario
    from allocator.simulation import simulate

    scenario = load_scenario(args.scenario)
    start, cpu = time.perf_counter(), _cpu_seconds()
    simulate(scenario, paths=args.paths, chunk_size=args.chunk_size, workers=args.workers)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _cpu_seconds() - cpu,
        "client_peak_mb": _peak_rss_mb(),
    }


def _dask(args: argparse.Namespace) -> dict[str, Any]:
    from distributed import Client

    from allocator.scenario import load_scenario
    from allocator.simulation import simulate
    from allocator.simulation.executors import DaskExecutor, start_local_cluster

    scenario = load_scenario(args.scenario)
    start = time.perf_counter()
    with start_local_cluster(args.workers) as cluster, Client(cluster) as client:
        client.run(importlib.import_module, "allocator.simulation.engine")  # imports, numba
        started = time.perf_counter() - start
        worker_cpu = sum(client.run(_cpu_seconds).values())
        start, cpu = time.perf_counter(), _cpu_seconds()
        with DaskExecutor(client=client) as executor:
            simulate(scenario, paths=args.paths, chunk_size=args.chunk_size, executor=executor)
        seconds = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu
        worker_cpu = sum(client.run(_cpu_seconds).values()) - worker_cpu
        workers = client.run(_peak_rss_mb)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,  # the client, with the scheduler and the merge
        "worker_cpu_seconds": worker_cpu,
        "cluster_start_seconds": started,
        "client_peak_mb": _peak_rss_mb(),
        "worker_peak_mb": sorted(workers.values()),
    }


def _bytes_moved(args: argparse.Namespace) -> dict[str, float]:
    """Pickled sizes of the plan (scattered once) and of one chunk's summary (per chunk)."""
    from allocator.market import compile_market
    from allocator.scenario import load_scenario
    from allocator.simulation.engine import RunPlan, simulate_chunk
    from allocator.simulation.portfolio import compile_portfolios
    from allocator.simulation.seeding import chunk_ranges

    scenario = load_scenario(args.scenario)
    months = scenario.horizon_months
    plan = RunPlan(
        market=compile_market(scenario, months),
        portfolios=compile_portfolios(scenario, months),
        seed=scenario.seed,
        n_paths=args.chunk_size,
    )
    chunks = chunk_ranges(args.chunk_size, args.chunk_size)
    summary = simulate_chunk(plan, chunks[0])
    return {
        "plan_kb": len(pickle.dumps(plan)) / 1024,
        "chunk_summary_mb": len(pickle.dumps(summary)) / 2**20,
        "n_series": plan.n_series,
    }


def _in_child(which: str, args: argparse.Namespace, paths: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", which, "--paths", str(paths)]
    command += ["--scenario", args.scenario, "--workers", str(args.workers)]
    command += ["--chunk-size", str(args.chunk_size)]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scenario", default="bench/two_portfolios.yaml")
    parser.add_argument("--paths", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=16384)
    parser.add_argument("--child", choices=["local", "dask", "bytes"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        args.paths = args.paths[0]
        run = {"local": _local, "dask": _dask, "bytes": _bytes_moved}[args.child]
        print(json.dumps(run(args)))
        return
    sizes = _in_child("bytes", args, args.chunk_size)
    print(
        f"{args.scenario}: {sizes['n_series']} series; {args.workers} threads vs a LocalCluster "
        f"of {args.workers} processes; chunks of {args.chunk_size:,} paths; cpu_count "
        f"{os.cpu_count()}"
    )
    print(
        f"moved: plan {sizes['plan_kb']:.0f} KB once per worker; "
        f"{sizes['chunk_summary_mb']:.2f} MB back per chunk"
    )
    for paths in args.paths:
        local = _in_child("local", args, paths)
        dask = _in_child("dask", args, paths)
        n_chunks = -(-paths // args.chunk_size)
        print(
            f"{paths:>11,} paths  local {local['seconds']:7.1f} s ({paths / local['seconds']:,.0f}"
            f"/s, peak {local['client_peak_mb']:,.0f} MB)  dask {dask['seconds']:7.1f} s "
            f"(+{dask['cluster_start_seconds']:.1f} s start; client peak "
            f"{dask['client_peak_mb']:,.0f} MB, workers "
            f"{', '.join(f'{m:,.0f}' for m in dask['worker_peak_mb'])} MB)  "
            f"efficiency {local['seconds'] / dask['seconds']:.2f} "
            f"({local['seconds'] / (dask['seconds'] + dask['cluster_start_seconds']):.2f} "
            "with start-up)  "
            f"moved back {n_chunks * sizes['chunk_summary_mb']:,.0f} MB",
            flush=True,
        )
        print(
            f"{'':>18}CPU seconds: local {local['cpu_seconds']:.1f}; dask client "
            f"{dask['cpu_seconds']:.1f} + workers {dask['worker_cpu_seconds']:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
