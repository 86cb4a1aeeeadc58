"""Benchmark: the full simulation against the raw random draws it needs, in one run.

    .venv/bin/python bench/bench_simulate.py --paths 1000000 --scenario scenarios/baseline.yaml

Times (1) drawing exactly the random numbers the market model consumes, on the same thread
pool and blocks as the engine, and discarding them; (2) the whole simulation (market model,
portfolios, per-path metrics, histograms, merge). Prints both and their ratio; the peak
resident memory of each is measured in a fresh child process so neither inflates the other.
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
    raws, fulls = [], []
    for _ in range(args.repeat):  # alternating, so that a burst of load hits both sides
        raws.append(_child("raw_draws", args))
        fulls.append(_child("full", args))
    raw = min(raws, key=lambda r: r["seconds"])
    full = min(fulls, key=lambda r: r["seconds"])
    print(f"scenario {args.scenario}, {args.paths:,} paths, {args.workers} threads")
    for label, runs, best in (("raw draws", raws, raw), ("simulation", fulls, full)):
        listed = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(
            f"{label:10}: {best['seconds']:8.2f} s   peak RSS {best['peak_rss_mb']:7.0f} MB"
            f"   (runs: {listed})"
        )
    print(f"ratio simulation / raw draws: {full['seconds'] / raw['seconds']:.2f}")


if __name__ == "__main__":
    main()
