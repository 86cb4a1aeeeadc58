"""Benchmark: the engine against a straightforward per-month NumPy loop, in one run.

    .venv/bin/python bench/bench_numpy_loop.py --paths 100000

Both simulate ``bench/parametric_two.yaml`` (five assets, normal shocks, a buy-and-hold
benchmark and a monthly-rebalanced tilt) and produce the same things: terminal wealth, max
drawdown and volatility per path for each portfolio and asset, and monthly 5/25/50/75/95%
wealth bands. The loop is what one would write first: draw the shocks, then step through the
months with whole-array NumPy operations, keep every path's wealth and take exact percentiles
at the end (so its memory grows with paths × months; it is timed at a size where that fits).
The engine runs as shipped (two threads). The two use different random numbers, so the
benchmark also prints both runs' median terminal wealth as a sanity check.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from allocator.market import compile_market
from allocator.scenario import load_scenario
from allocator.simulation import simulate

SCENARIO = "bench/parametric_two.yaml"
BANDS = (5, 25, 50, 75, 95)


def numpy_loop(paths: int, seed: int) -> dict[str, np.ndarray]:
    scenario = load_scenario(SCENARIO)
    spec = compile_market(scenario)
    assert spec.parametric is not None
    factors = spec.parametric.shocks.factors[0]  # (m, n_assets): z @ factors has covariance Σ
    drift = spec.parametric.det[0]  # monthly log drift net of fees
    n_months = scenario.horizon_months
    ids = scenario.asset_ids
    weights = np.array([[p.weights.get(a, 0.0) for a in ids] for p in scenario.portfolios.values()])
    rng = np.random.default_rng(seed)
    n_series = len(weights) + len(ids)
    wealth = np.empty((n_series, paths, n_months + 1))
    wealth[:, :, 0] = 1.0
    holdings = np.repeat(weights[0][None, :], paths, axis=0)  # buy and hold, in value
    for t in range(1, n_months + 1):
        z = rng.standard_normal((paths, factors.shape[0]))
        r = np.expm1(drift + z @ factors)
        holdings *= 1.0 + r
        wealth[0, :, t] = holdings.sum(axis=1)
        wealth[1, :, t] = wealth[1, :, t - 1] * (1.0 + r @ weights[1])  # monthly rebalanced
        wealth[2:, :, t] = (wealth[2:, :, t - 1].T * (1.0 + r)).T
    peaks = np.maximum.accumulate(wealth, axis=2)
    log_steps = np.diff(np.log(wealth), axis=2)
    return {
        "terminal": wealth[:, :, -1],
        "max_drawdown": (1.0 - wealth / peaks).max(axis=2),
        "volatility": log_steps.std(axis=2, ddof=1) * np.sqrt(12.0),
        "bands": np.percentile(wealth[: len(weights)], BANDS, axis=1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs; best of each")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    simulate(scenario, paths=4096, workers=1)  # compiled kernels loaded before timing
    loop_times, engine_times = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        naive = numpy_loop(args.paths, scenario.seed)
        loop_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = simulate(scenario, paths=args.paths, workers=args.workers)
        engine_times.append(time.perf_counter() - start)
    loop, engine = min(loop_times), min(engine_times)
    print(f"{args.paths:,} paths × {scenario.horizon_months} months × 5 assets, 2 portfolios")
    runs = {"per-month NumPy loop": loop_times, "allocator engine": engine_times}
    for label, times in runs.items():
        listed = ", ".join(f"{t:.2f}" for t in times)
        print(f"{label:21}: {min(times):8.2f} s  (runs: {listed})")
    print(f"ratio loop / engine  : {loop / engine:.1f}")
    medians = [float(np.median(naive["terminal"][i])) for i in range(2)]
    engine_medians = [float(np.median(result.per_path["terminal"][i])) for i in range(2)]
    print(f"median terminal wealth, loop  : {medians[0]:.3f} {medians[1]:.3f}")
    print(f"median terminal wealth, engine: {engine_medians[0]:.3f} {engine_medians[1]:.3f}")


if __name__ == "__main__":
    main()
