"""Benchmark: the full simulation against the raw random draws it needs, in one run.

    .venv/bin/python bench/bench_simulate.py --paths 1000000 --scenario scenarios/baseline.yaml

Times (1) drawing exactly the random numbers the market model consumes, block by block, and
discarding them — once on one thread (the plain cost of the numbers, what the engine's
threads are there to beat) and once spread over the same thread pool and blocks as the
engine; (2) the whole simulation (market model, portfolios, per-path metrics, histograms,
merge) on that pool. Prints the three times and the simulation's ratio to each draw time;
the peak resident memory of each is measured in a fresh child process so none inflates
another.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def _raw_draws(scenario_path: str, paths: int, horizon: int | None, workers: int) -> float:
    from allocator.market import compile_market, draw_raw_normals
    from allocator.scenario import load_scenario
    from allocator.simulation.run import with_overrides
    from allocator.simulation.seeding import block_count, block_generator, block_size

    scenario = with_overrides(load_scenario(scenario_path), paths, None, horizon)
    spec = compile_market(scenario, scenario.horizon_months)

    def one(block: int) -> None:
        draw_raw_normals(spec, block_generator(scenario.seed, block), block_size(paths, block))

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, range(block_count(paths))))
    return time.perf_counter() - start


def _full(scenario_path: str, paths: int, horizon: int | None, workers: int) -> float:
    from allocator.scenario import load_scenario
    from allocator.simulation import simulate

    scenario = load_scenario(scenario_path)
    start = time.perf_counter()
    simulate(scenario, paths=paths, horizon=horizon, workers=workers)
    return time.perf_counter() - start


def _child(which: str, args: argparse.Namespace) -> dict[str, float]:
    code = (
        "import json, resource, sys; sys.path.insert(0, 'bench');"
        "import bench_simulate as b;"
        f"t = b._{which}({args.scenario!r}, {args.paths}, {args.horizon}, {args.workers});"
        "print(json.dumps({'seconds': t, "
        "'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--horizon", type=int, default=None, help="months (default: scenario's)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternating runs of each side; the best of each"
    )
    args = parser.parse_args()
    one_thread = argparse.Namespace(**{**vars(args), "workers": 1})
    serial: list[dict[str, float]] = []
    pooled: list[dict[str, float]] = []
    fulls: list[dict[str, float]] = []
    for _ in range(args.repeat):  # alternating, so that a burst of load hits every side
        serial.append(_child("raw_draws", one_thread))
        pooled.append(_child("raw_draws", args))
        fulls.append(_child("full", args))
    sides = (
        ("raw draws, 1 thread", serial),
        (f"raw draws, {args.workers} threads", pooled),
        (f"simulation, {args.workers} threads", fulls),
    )
    best = {label: min(runs, key=lambda r: r["seconds"]) for label, runs in sides}
    print(f"scenario {args.scenario}, {args.paths:,} paths")
    for label, runs in sides:
        listed = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(
            f"{label:22}: {best[label]['seconds']:8.2f} s"
            f"   peak RSS {best[label]['peak_rss_mb']:7.0f} MB   (runs: {listed})"
        )
    full = best[sides[2][0]]["seconds"]
    for label, _ in sides[:2]:
        print(f"ratio simulation / {label}: {full / best[label]['seconds']:.2f}")


if __name__ == "__main__":
    main()
