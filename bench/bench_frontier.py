"""Time a 50-point efficient frontier against one standalone solve of the same problem.

"One solve" is what a user gets from ``allocator optimize ... --min-return T``:
``optimize_weights(returns, assets, Optimization(objective=..., min_return=T))`` on the
scenario matrix, from a fresh ``PortfolioOptimizer`` (building its problem or cutting-plane
engine, solving, measuring the allocation). The frontier is ``efficient_frontier`` with 50
points from a fresh ``PortfolioOptimizer`` (the max-return LP, the lowest point, 49 targets,
every point measured). In each fresh worker process (imports and first calls warmed up on a
500-scenario problem): one solve at the middle target, the frontier, then one solve at the
10% and 90% targets; the ratio is the frontier's time over the median of the three solves.
The standalone weights are compared with the frontier's at the same targets (max |dw|).

    python bench/bench_frontier.py                 # CVaR at 100k and 1M, variance at 100k and 1M
    python bench/bench_frontier.py --repeat 3
    python bench/bench_frontier.py --kinds cvar --sizes 100000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cvar import ASSETS, _returns, _rss_mb

OBJECTIVES = {"cvar": "min-cvar", "variance": "min-variance"}


def _worker(kind: str, data: Path, points: int, seed: int) -> dict[str, Any]:
    from allocator.optimize import PortfolioOptimizer, efficient_frontier, optimize_weights
    from allocator.scenario.optimize_schema import Optimization

    objective = OBJECTIVES[kind]
    tiny = _returns(500, seed + 1)
    warm = efficient_frontier(PortfolioOptimizer(ASSETS, Optimization(objective=objective)), tiny)
    optimize_weights(tiny, ASSETS, Optimization(objective=objective, min_return=warm.targets[5]))
    returns = np.load(data)

    def one(target: float) -> tuple[float, np.ndarray]:
        start = time.perf_counter()
        request = Optimization(objective=objective, min_return=target)
        allocation = optimize_weights(returns, ASSETS, request)
        return time.perf_counter() - start, allocation.weights

    # a middle target (the frontier's own targets are known only after it is timed)
    mean = returns.mean(axis=0)
    mid = float(0.5 * (mean.min() + mean.max()))
    first_seconds, _ = one(mid)
    start = time.perf_counter()
    frontier = efficient_frontier(
        PortfolioOptimizer(ASSETS, Optimization(objective=objective)), returns, points
    )
    seconds = time.perf_counter() - start
    solves = [first_seconds]
    worst = 0.0
    for position in (0.1, 0.5, 0.9):
        index = round(position * (len(frontier.targets) - 1))
        took, weights = one(float(frontier.targets[index]))
        if position != 0.5:
            solves.append(took)
        worst = max(worst, float(np.abs(weights - frontier.allocations[index].weights).max()))
    solvers: dict[str, int] = {}
    for allocation in frontier.allocations:
        solvers[allocation.solver] = solvers.get(allocation.solver, 0) + 1
    return {
        "kind": kind,
        "n": int(returns.shape[0]),
        "points": len(frontier.allocations),
        "seconds": seconds,
        "one_solves": solves,
        "ratio": seconds / float(np.median(solves)),
        "max_dw": worst,
        "solvers": solvers,
        "peak_mb": _rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20260201)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", choices=sorted(OBJECTIVES), default=list(OBJECTIVES))
    parser.add_argument("--worker", choices=sorted(OBJECTIVES))
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(_worker(args.worker, args.data, args.points, args.seed)))
        return
    print(
        f"{'frontier':<9} {'scenarios':>10} {'points':>6} {'seconds':>8} "
        f"{'one solve (3)':>22} {'ratio':>6} {'max|dw|':>8} {'peak MB':>8}  solvers"
    )
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            data = Path(folder) / f"returns_{n}.npy"
            np.save(data, _returns(n, args.seed))
            for kind in args.kinds:
                for _ in range(args.repeat):
                    command = [sys.executable, __file__, "--worker", kind, "--data", str(data)]
                    command += ["--points", str(args.points), "--seed", str(args.seed)]
                    done = subprocess.run(command, capture_output=True, text=True, check=False)
                    if done.returncode != 0:
                        print(f"{kind:<9} {n:>10,} failed: {done.stderr.strip().splitlines()[-1:]}")
                        continue
                    r = json.loads(done.stdout.strip().splitlines()[-1])
                    solves = " ".join(f"{s:.3f}" for s in r["one_solves"])
                    line = f"{kind:<9} {n:>10,} {r['points']:>6} {r['seconds']:>8.3f} "
                    line += f"{solves:>22} {r['ratio']:>6.1f} {r['max_dw']:>8.1e} "
                    print(f"{line}{r['peak_mb']:>8.0f}  {r['solvers']}", flush=True)


if __name__ == "__main__":
    main()
