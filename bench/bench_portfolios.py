"""Benchmark: portfolio accounting on top of the market simulation, in one run.

    .venv/bin/python bench/bench_portfolios.py --paths 1000000

Times (1) the market simulation alone (every block sampled on the engine's thread pool) and
(2) the full run with three candidate portfolios plus the small-cap sweep (0-40% in 5%
steps), on the same blocks and threads; prints both and their ratio. The scenario is the
bundled baseline reduced to three candidates (benchmark, a quarterly 20% tilt, a 5% band).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from allocator.market import compile_market, sample_market
from allocator.scenario import Scenario, load_scenario
from allocator.simulation import simulate
from allocator.simulation.seeding import block_count, block_generator, block_size


def three_candidates(path: str) -> Scenario:
    scenario = load_scenario(path)
    keep = ["all_large", "tilt_20", "band_20"]
    portfolios = {k: v for k, v in scenario.portfolios.items() if k in keep}
    return scenario.model_copy(update={"portfolios": portfolios})


def market_only(scenario: Scenario, paths: int, workers: int) -> float:
    spec = compile_market(scenario)

    def one(block: int) -> None:
        sample_market(spec, block_generator(scenario.seed, block), block_size(paths, block))

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, range(block_count(paths))))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternating runs of each side; the best of each"
    )
    args = parser.parse_args()
    scenario = three_candidates(args.scenario)
    simulate(scenario, paths=64, workers=1)  # compiled kernels loaded before timing
    markets, fulls = [], []
    for _ in range(args.repeat):  # alternating, so that a burst of load hits both sides
        markets.append(market_only(scenario, args.paths, args.workers))
        start = time.perf_counter()
        result = simulate(scenario, paths=args.paths, workers=args.workers)
        fulls.append(time.perf_counter() - start)
    n_series = len(result.portfolios) + len(result.sweep)
    print(f"{args.paths:,} paths, {n_series} portfolios ({len(result.sweep)} in the sweep)")
    for label, times in (("market alone", markets), ("market + portfolios", fulls)):
        listed = ", ".join(f"{t:.2f}" for t in times)
        print(f"{label:22}: {min(times):8.2f} s   (runs: {listed})")
    print(f"ratio                 : {min(fulls) / min(markets):.2f} (best over best)")
    if len(fulls) > 1:  # each run over the market run just before it: the spread of the noise
        pairs = sorted(f / m for f, m in zip(fulls, markets, strict=True))
        listed = ", ".join(f"{r:.2f}" for r in pairs)
        print(f"ratio of each pair    : median {statistics.median(pairs):.2f}   ({listed})")


if __name__ == "__main__":
    main()
