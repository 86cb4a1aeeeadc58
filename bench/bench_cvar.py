"""Time min-CVaR by cutting planes against the full LP, and the efficient frontier.

Each measurement runs in a fresh interpreter (this script with ``--worker``) so that its peak
RSS (``ru_maxrss``) is its own: the parent draws ``n`` scenarios of 6 correlated normal assets
(seeded) once per size and saves them; the worker imports everything, warms up on a tiny
problem, loads the matrix (no temporaries), notes its RSS ("data MB": interpreter, libraries
and the matrix), times the solve and reports the peak RSS. Methods:

* ``cut``: ``optimize_weights(..., method="cutting-plane")`` (and the engine's solve alone);
* ``lp``: the full Rockafellar–Uryasev LP in cvxpy (one variable per scenario, CLARABEL);
* ``frontier``: one min-CVaR solve, then a 50-point CVaR frontier (cuts kept), and the ratio;
* ``frontier-mv``: the same for the min-variance frontier (the active-set walk); the ratio
  against a solve of the same problem (with its return target) is ``bench_frontier``'s.

    python bench/bench_cvar.py                 # 10k and 100k both ways, cutting plane at 1M,
                                               # frontiers at 1M (CVaR) and 100k (variance)
    python bench/bench_cvar.py --full-lp-1m    # also the full LP at 1M (~1 min, several GB)
    python bench/bench_cvar.py --cvar-limit    # only: a CVaR limit by cuts vs the exact form
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

N_ASSETS = 6
ASSETS = ("small", "large", "growth", "intl", "bonds", "credit")
MEAN = np.array([0.0085, 0.0075, 0.0090, 0.0065, 0.0030, 0.0040])
VOL = np.array([0.060, 0.045, 0.065, 0.050, 0.015, 0.025])


def _returns(n: int, seed: int) -> np.ndarray:
    correlation = np.full((N_ASSETS, N_ASSETS), 0.5)
    correlation[4:, :4] = correlation[:4, 4:] = 0.1
    correlation[4, 5] = correlation[5, 4] = 0.6
    np.fill_diagonal(correlation, 1.0)
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(MEAN, np.outer(VOL, VOL) * correlation, size=n)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def _worker(method: str, data: Path, points: int, seed: int) -> dict[str, Any]:
    from allocator.optimize import PortfolioOptimizer, efficient_frontier, optimize_weights
    from allocator.scenario.optimize_schema import Optimization

    # warm-up on a tiny problem: imports and first-call costs out of the timings
    tiny = _returns(500, seed + 1)
    optimize_weights(tiny, ASSETS, Optimization(objective="min-cvar"), method="cutting-plane")
    optimize_weights(tiny, ASSETS, Optimization(objective="min-variance"))
    returns = np.load(data)
    n = returns.shape[0]
    data_mb = _rss_mb()
    request = Optimization(objective="min-cvar")
    found: dict[str, Any] = {"method": method, "n": n, "data_mb": data_mb}
    if method in ("cut", "lp"):
        start = time.perf_counter()
        kind = "cutting-plane" if method == "cut" else "cvxpy"
        allocation = optimize_weights(returns, ASSETS, request, method=kind)
        found["seconds"] = time.perf_counter() - start
        found["weights"] = allocation.weights.tolist()
        found["cvar"] = allocation.cvar
        found["iterations"] = allocation.iterations
        found["solver"] = allocation.solver
        if method == "cut":
            optimizer = PortfolioOptimizer(ASSETS, request)
            engine = optimizer.engine(returns, optimizer.spec)
            model = optimizer.cut_model(returns, optimizer.spec)
            start = time.perf_counter()
            engine.solve(model)
            found["engine_seconds"] = time.perf_counter() - start
    else:
        objective = "min-cvar" if method == "frontier" else "min-variance"
        request = Optimization(objective=objective)
        start = time.perf_counter()
        optimize_weights(returns, ASSETS, request)
        found["one_solve_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        frontier = efficient_frontier(PortfolioOptimizer(ASSETS, request), returns, points)
        found["seconds"] = time.perf_counter() - start
        found["points"] = len(frontier.allocations)
        found["ratio"] = found["seconds"] / found["one_solve_seconds"]
    found["peak_mb"] = _rss_mb()
    return found


def _run(method: str, n: int, points: int, seed: int, folder: Path) -> dict[str, Any]:
    data = folder / f"returns_{n}.npy"
    if not data.exists():
        np.save(data, _returns(n, seed))
    command = [sys.executable, __file__, "--worker", method, "--data", str(data)]
    command += ["--points", str(points), "--seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"method": method, "n": n, "error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _cvar_limits(n: int, seed: int) -> None:
    """A CVaR limit next to variance-family objectives: cuts (default) vs the exact form
    (``method="cvxpy"``: the limit over every scenario), in this process, warmed up."""
    from allocator.optimize import optimize_weights
    from allocator.scenario.optimize_schema import Optimization

    returns = _returns(n, seed)
    warm = Optimization(objective="min-variance", cvar_limit=0.05)
    optimize_weights(_returns(500, seed + 1), ASSETS, warm)
    cases = [
        ("min-variance", {"min_return": 0.006, "cvar_limit": 0.049278}),
        ("max-sharpe", {"cvar_limit": 0.028}),
        ("mean-variance", {"risk_aversion": 2.0, "cvar_limit": 0.035}),
    ]
    print(f"CVaR limit, {n:,} scenarios: seconds by cuts / exact form, rounds, max |dw|, CVaR")
    for objective, fields in cases:
        request = Optimization(objective=objective, **fields)
        start = time.perf_counter()
        cuts = optimize_weights(returns, ASSETS, request)
        by_cuts = time.perf_counter() - start
        start = time.perf_counter()
        exact = optimize_weights(returns, ASSETS, request, method="cvxpy")
        by_lp = time.perf_counter() - start
        diff = np.abs(cuts.weights - exact.weights).max()
        print(
            f"{objective:<14} {fields} {by_cuts:.3f} / {by_lp:.3f} s, {cuts.iterations} rounds, "
            f"{diff:.1e}, {cuts.cvar:.9f} / {exact.cvar:.9f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cvar-limit", action="store_true", help="only: CVaR limits, 100k")
    parser.add_argument("--full-lp-1m", action="store_true", help="also the full LP at 1M")
    parser.add_argument("--points", type=int, default=50, help="frontier points")
    parser.add_argument("--seed", type=int, default=20260201)
    parser.add_argument("--worker", choices=["cut", "lp", "frontier", "frontier-mv"])
    parser.add_argument("--data", type=Path, help="(worker) the saved scenario matrix")
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(_worker(args.worker, args.data, args.points, args.seed)))
        return
    if args.cvar_limit:
        _cvar_limits(100_000, args.seed)
        return

    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        runs = []
        for n in (10_000, 100_000, 1_000_000):
            runs.append(_run("cut", n, args.points, args.seed, where))
            if n < 1_000_000 or args.full_lp_1m:
                runs.append(_run("lp", n, args.points, args.seed, where))
        frontiers = [
            _run("frontier", 1_000_000, args.points, args.seed, where),
            _run("frontier-mv", 100_000, args.points, args.seed, where),
        ]

    print(f"min-CVaR (beta 0.95), {N_ASSETS} correlated normal assets, long-only, seed {args.seed}")
    print(
        "seconds: optimize_weights (first call in a fresh process); engine s: the cutting "
        "plane's solve alone, second call; peak MB: process peak RSS; data MB: RSS with "
        "libraries and the matrix loaded"
    )
    print(
        f"{'scenarios':>10} {'method':<22} {'seconds':>9} {'engine s':>9} {'iter':>5} "
        f"{'peak MB':>8} {'data MB':>8} {'CVaR':>10} {'max|dw| vs LP':>14}"
    )
    for run in runs:
        if "error" in run:
            print(f"{run['n']:>10,} {run['method']:<22} failed: {run['error']}")
            continue
        reference = next(
            (r for r in runs if r["n"] == run["n"] and r["method"] == "lp" and "error" not in r),
            None,
        )
        diff = (
            f"{np.abs(np.subtract(run['weights'], reference['weights'])).max():.1e}"
            if reference is not None and run["method"] == "cut"
            else ""
        )
        engine = f"{run['engine_seconds']:.3f}" if "engine_seconds" in run else ""
        iterations = run["iterations"] if run["iterations"] is not None else ""
        print(
            f"{run['n']:>10,} {run['solver']:<22} {run['seconds']:>9.3f} {engine:>9} "
            f"{iterations:>5} {run['peak_mb']:>8.0f} {run['data_mb']:>8.0f} "
            f"{run['cvar']:>10.6f} {diff:>14}"
        )
    print()
    print(
        f"{'frontier':<26} {'scenarios':>10} {'points':>7} {'seconds':>9} {'one solve':>10} "
        f"{'ratio':>6} {'peak MB':>8}"
    )
    for run in frontiers:
        if "error" in run:
            print(f"{run['method']:<26} failed: {run['error']}")
            continue
        name = "CVaR (band LP)" if run["method"] == "frontier" else "variance (walk)"
        print(
            f"{name:<26} {run['n']:>10,} {run['points']:>7} {run['seconds']:>9.3f} "
            f"{run['one_solve_seconds']:>10.3f} {run['ratio']:>6.1f} {run['peak_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()
