"""Min-CVaR against other tools on the same scenario matrix: allocator's cutting plane and full
LP, PyPortfolioOpt's ``EfficientCVaR.min_cvar`` and Riskfolio-Lib's
``Portfolio.optimization(model='Classic', rm='CVaR', obj='MinRisk')``.

Runs in ``bench/.venv-peers`` (``sh bench/peers/make_venv.sh``): the peer libraries are never
dependencies of allocator. The parent writes the scenario matrix (6 correlated normal assets,
seeded, as ``bench_cvar``) to a ``.npy`` in /tmp once per size; each tool then runs in a fresh
process that imports everything, warms up on 500 scenarios, loads the matrix, times its solve
(setup included: building the tool's model from the matrix) and reports its peak RSS. A run
longer than ``--limit`` seconds is stopped and recorded as such. Every tool gets beta = 0.95,
long-only weights summing to 1, its default solver. CVaR is recomputed for every answer by
allocator's metric (mean of the k = 5% n worst returns); max |dw| is against the full LP when
it ran, else against the cutting plane.

    bench/.venv-peers/bin/python bench/peers/run_peers.py            # 10k, 100k, 1M
    bench/.venv-peers/bin/python bench/peers/run_peers.py --full-lp-1m --limit 300
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_cvar import ASSETS, _returns

TOOLS = ("allocator-cut", "allocator-lp", "pyportfolioopt", "riskfolio")
BETA = 0.95


def _solve(tool: str, returns: np.ndarray) -> tuple[np.ndarray, str]:
    """Weights in ASSETS order and the solver used."""
    if tool.startswith("allocator"):
        from allocator.optimize import optimize_weights
        from allocator.scenario.optimize_schema import Optimization

        method = "cutting-plane" if tool == "allocator-cut" else "cvxpy"
        request = Optimization(objective="min-cvar", beta=BETA)
        allocation = optimize_weights(returns, ASSETS, request, method=method)
        return allocation.weights, allocation.solver
    import pandas as pd

    frame = pd.DataFrame(returns, columns=list(ASSETS))
    if tool == "pyportfolioopt":
        from pypfopt import EfficientCVaR

        model = EfficientCVaR(frame.mean(), frame, beta=BETA, weight_bounds=(0.0, 1.0))
        found = model.min_cvar()
        solver = str(model._opt.solver_stats.solver_name) if model._opt is not None else "?"
        return np.array([found[a] for a in ASSETS]), solver
    import riskfolio as rp

    portfolio = rp.Portfolio(returns=frame, alpha=1.0 - BETA)
    portfolio.assets_stats(method_mu="hist", method_cov="hist")
    weights = portfolio.optimization(model="Classic", rm="CVaR", obj="MinRisk", rf=0, hist=True)
    if weights is None:
        raise RuntimeError("riskfolio returned no weights")
    solver = "CLARABEL (first of riskfolio's list)"
    return weights.loc[list(ASSETS), "weights"].to_numpy(dtype=np.float64), solver


def _worker(tool: str, data: Path) -> dict[str, Any]:
    _solve(tool, _returns(500, 1))  # imports and first calls out of the timing
    returns = np.load(data)
    start = time.perf_counter()
    weights, solver = _solve(tool, returns)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"seconds": seconds, "weights": weights.tolist(), "solver": solver, "peak_mb": peak}


def _cvar(returns: np.ndarray, weights: np.ndarray) -> float:
    from allocator.metrics import conditional_value_at_risk

    return conditional_value_at_risk(returns @ weights, BETA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--limit", type=float, default=180.0, help="seconds per run")
    parser.add_argument("--full-lp-1m", action="store_true", help="allocator's full LP at 1M")
    parser.add_argument("--seed", type=int, default=20260201)
    parser.add_argument("--worker", choices=TOOLS)
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(_worker(args.worker, args.data)))
        return
    print(f"python {sys.version.split()[0]}; limit {args.limit:.0f} s per run; beta {BETA}")
    header = f"{'scenarios':>10} {'tool':<16} {'seconds':>9} {'peak MB':>8} {'CVaR':>10}"
    print(f"{header} {'max|dw|':>8} {'vs':<14} solver")
    for n in args.sizes:
        returns = _returns(n, args.seed)
        data = Path(f"/tmp/allocator_peers_{n}.npy")
        np.save(data, returns)
        found: dict[str, dict[str, Any]] = {}
        for tool in TOOLS:
            if tool == "allocator-lp" and n >= 1_000_000 and not args.full_lp_1m:
                found[tool] = {"error": "skipped (--full-lp-1m: about 60 s, 3 GB)"}
                continue
            command = [sys.executable, __file__, "--worker", tool, "--data", str(data)]
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, check=False, timeout=args.limit
                )
            except subprocess.TimeoutExpired:
                found[tool] = {"error": f"stopped at the {args.limit:.0f} s limit"}
                continue
            if done.returncode != 0:
                tail = (done.stderr.strip().splitlines() or ["exit code"])[-1]
                found[tool] = {"error": f"failed ({done.returncode}): {tail[:80]}"}
                continue
            found[tool] = json.loads(done.stdout.strip().splitlines()[-1])
        reference = next(
            (t for t in ("allocator-lp", "allocator-cut") if "error" not in found[t]), None
        )
        for tool in TOOLS:
            run = found[tool]
            if "error" in run:
                print(f"{n:>10,} {tool:<16} {run['error']}")
                continue
            weights = np.array(run["weights"])
            diff = ""
            if reference is not None and reference != tool:
                diff = f"{np.abs(weights - np.array(found[reference]['weights'])).max():.1e}"
            line = f"{n:>10,} {tool:<16} {run['seconds']:>9.3f} {run['peak_mb']:>8.0f} "
            line += f"{_cvar(returns, weights):>10.6f} {diff:>8} {reference if diff else '':<14} "
            print(line + run["solver"], flush=True)
        ran = [t for t in TOOLS if "error" not in found[t]]
        pairs = [
            f"{a} / {b} {np.abs(np.subtract(found[a]['weights'], found[b]['weights'])).max():.1e}"
            for i, a in enumerate(ran)
            for b in ran[i + 1 :]
        ]
        print(f"{'':>10} max|dw| by pair: " + "; ".join(pairs))
        data.unlink()


if __name__ == "__main__":
    main()
