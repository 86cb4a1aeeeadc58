"""Portfolio optimization: objectives and constraints of an ``Optimization`` request solved on a
matrix of scenario returns (simulated from a scenario, or read from a CSV).

Modules, one job each: ``spec`` (the request as arrays), ``measures`` (each risk/reward as a
cvxpy expression and a numpy value), ``objectives`` (what each objective's value is),
``convex`` (the cvxpy problem, built once, DPP), ``utility`` (max-growth / crra by sequential
QP), ``linear_model`` + ``lp_master`` + ``cutting_plane`` (CVaR at 10^6 scenarios),
``feasibility`` (which constraints conflict), ``violations`` (constraint checks),
``allocation`` (the result), ``optimizer`` (entry points), ``frontier``, ``scenario_returns``
and ``csv_returns`` (inputs), ``commands`` (the CLI).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from allocator.optimize.allocation import Allocation
    from allocator.optimize.csv_returns import ReturnTable, read_prices_csv, read_returns_csv
    from allocator.optimize.frontier import Frontier, efficient_frontier
    from allocator.optimize.optimizer import PortfolioOptimizer, optimize_weights
    from allocator.optimize.scenario_returns import PeriodReturns
    from allocator.optimize.spec import ProblemSpec, compile_spec

# Loaded on first use: cvxpy takes about a second to import, and the CLI's start-up (every
# command's --help) must not pay for it.
_WHERE = {
    "Allocation": "allocation",
    "ReturnTable": "csv_returns",
    "read_prices_csv": "csv_returns",
    "read_returns_csv": "csv_returns",
    "Frontier": "frontier",
    "efficient_frontier": "frontier",
    "PortfolioOptimizer": "optimizer",
    "optimize_weights": "optimizer",
    "PeriodReturns": "scenario_returns",
    "ProblemSpec": "spec",
    "compile_spec": "spec",
}


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(import_module(f"allocator.optimize.{_WHERE[name]}"), name)
    raise AttributeError(name)


__all__ = [
    "Allocation",
    "Frontier",
    "PeriodReturns",
    "PortfolioOptimizer",
    "ProblemSpec",
    "ReturnTable",
    "compile_spec",
    "efficient_frontier",
    "optimize_weights",
    "read_prices_csv",
    "read_returns_csv",
]
# ``scenario_returns`` (the function) is imported from ``allocator.optimize.scenario_returns``:
# at package level the name is the submodule.
