"""The efficient frontier: the request's risk minimized at a sweep of return targets.

The frontier objective follows the request: ``min-variance`` for the variance family
(``min-variance``, ``mean-variance``, ``max-sharpe``), ``min-cvar`` for the CVaR family,
``min-tracking-error`` itself, and ``max-growth``/``crra`` themselves (their "frontier" is the
utility given up for each extra unit of expected return). All the request's constraints hold at
every point. The sweep runs from the return of the unconstrained-target optimum (or the
request's ``min_return``, if higher) to the highest attainable expected return (an LP, with
cuts for CVaR and tracking-error limits), in equal steps. The target is a parameter: cvxpy
problems are built once and re-solved. A CVaR frontier solves its first point by the cutting
plane and every later one by the band LP (``band_lp``: one small exact LP around the point
predicted from the last two, certified on every scenario; the top point is predicted at the
max-return LP's vertex), warm-started from the previous point's vertex; a point the band LP
cannot certify goes to the cutting plane, which keeps its cuts and master LP and makes its cuts
on the previous point's candidate tail (``candidate_tail``). A min-variance frontier with only
linear constraints is walked from active set to active set (``active_set``, each point
certified by its KKT conditions), cvxpy solving only the points the walk cannot certify; the
points of one straight piece of that frontier are measured together (``frontier_line``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from allocator.errors import InfeasibleError, SolverFailedError
from allocator.optimize.active_set import FrontierWalk, linear_rows, walk_applies
from allocator.optimize.allocation import Allocation, measure_allocation
from allocator.optimize.band_lp import BandLp
from allocator.optimize.convex import FEASIBILITY_TOLERANCE
from allocator.optimize.frontier_line import WalkedLines
from allocator.optimize.linear_model import build_linear_model
from allocator.optimize.lp_master import make_master
from allocator.optimize.measures import FloatArray, portfolio_returns
from allocator.optimize.objectives import FRONTIER_RISK
from allocator.optimize.optimizer import PortfolioOptimizer, check_returns
from allocator.optimize.spec import ProblemSpec
from allocator.optimize.violations import max_violation
from allocator.scenario.optimize_schema import Objective

#: How points certified by the active-set walk (``active_set``) are reported.
WALK_SOLVER = "active set (KKT certified)"

FRONTIER_OBJECTIVE: dict[str, Objective] = {
    "min-variance": "min-variance",
    "mean-variance": "min-variance",
    "max-sharpe": "min-variance",
    "min-cvar": "min-cvar",
    "mean-cvar": "min-cvar",
    "max-growth": "max-growth",
    "crra": "crra",
    "min-tracking-error": "min-tracking-error",
}


@dataclass(frozen=True, eq=False)
class Frontier:
    """Points of the frontier, lowest target first.

    ``targets`` ``(n_points,)`` are the return targets (per period); ``allocations`` the optimal
    portfolios there; ``small_cap`` the asset whose weight is tracked (None if absent).
    """

    objective: str
    risk_measure: str
    targets: FloatArray
    allocations: tuple[Allocation, ...]
    small_cap: str | None
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def weights(self) -> FloatArray:
        """``(n_points, n_assets)``."""
        return np.array([a.weights for a in self.allocations])

    @property
    def expected_return(self) -> FloatArray:
        return np.array([a.expected_return for a in self.allocations])

    @property
    def risk(self) -> FloatArray:
        """The frontier's risk measure per point (``objective``: the objective's value)."""
        if self.risk_measure == "objective":
            return np.array([a.objective_value for a in self.allocations])
        return np.array([getattr(a, self.risk_measure) for a in self.allocations])

    @property
    def small_cap_weight(self) -> FloatArray | None:
        if self.small_cap is None:
            return None
        return np.array([a.weight(self.small_cap) for a in self.allocations])

    def to_dict(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "risk_measure": self.risk_measure,
            "small_cap": self.small_cap,
            "seconds": self.seconds,
            "notes": list(self.notes),
            "points": [
                {"target": float(t), **a.to_dict()}
                for t, a in zip(self.targets, self.allocations, strict=True)
            ],
        }


def small_cap_asset(asset_ids: tuple[str, ...], sweep_asset: str | None = None) -> str | None:
    """The scenario's swept asset if any, else an asset named ``small``, else None."""
    if sweep_asset is not None and sweep_asset in asset_ids:
        return sweep_asset
    return "small" if "small" in asset_ids else None


def max_attainable_return(
    optimizer: PortfolioOptimizer, returns: FloatArray
) -> tuple[float, FloatArray]:
    """Highest expected net return meeting every constraint but the return target (an LP;
    CVaR and tracking-error limits enter as cuts), and weights attaining it."""
    spec = optimizer.spec.with_min_return(None)
    mean = optimizer.mean(returns)
    if spec.cvar_limit is None and spec.tracking_error_limit is None:
        # only linear constraints: one LP, no cutting-plane engine (a pass over the matrix)
        model = build_linear_model(spec, mean, "max-return", None)
        lp = make_master(
            model.c, model.lower, model.upper, model.rows, model.row_lower, model.row_upper
        )
        status, x, _ = lp.solve()
        if status == "infeasible":
            raise optimizer.infeasible_error(spec, returns)
        if status != "optimal" or x is None:
            raise SolverFailedError(f"HiGHS could not solve the max-return LP ({status})")
        weights = x[: spec.n_assets]
        return float(mean @ weights) - spec.trading_cost(weights), weights
    engine = optimizer.engine(returns, spec)
    model = build_linear_model(spec, mean, "max-return", engine.layout)
    result = engine.solve(model)
    if result.weights is None:
        raise optimizer.infeasible_error(spec, returns)
    return -result.value, result.weights


def efficient_frontier(
    optimizer: PortfolioOptimizer,
    returns: FloatArray,
    points: int = 50,
    small_cap: str | None = None,
) -> Frontier:
    """``points`` (>= 2) optimal portfolios from the lowest to the highest return target."""
    if points < 2:
        raise ValueError(f"expected at least 2 frontier points, found {points}")
    returns = check_returns(returns, optimizer.spec.n_assets)
    started = time.perf_counter()
    request = optimizer.spec
    base = request.with_objective(FRONTIER_OBJECTIVE[request.objective])
    top, top_weights = max_attainable_return(optimizer, returns)
    # A target below any attainable return keeps the sweep's structure from the first point.
    floor = -1.0 - request.leverage_limit * float(np.max(np.abs(optimizer.mean(returns))))
    first_target = request.min_return if request.min_return is not None else floor
    first_spec = base.with_min_return(first_target)
    cut_model = (
        optimizer.cut_model(returns, first_spec)
        if optimizer.uses_cutting_plane(first_spec)
        else None
    )

    nearby: list[FloatArray] = []  # R w at the last two points: candidate tail, band LP
    band = None
    if cut_model is not None:
        engine = optimizer.engine(returns, first_spec)
        band = BandLp(engine.returns, engine.oracle.tail)

    def solve(target: float, start: FloatArray | None, at_vertex: bool = False) -> Allocation:
        """The point at ``target`` from ``start``: extrapolated from the last two points
        (``_predicted_start``), or the max-return vertex (``at_vertex``)."""
        spec = base.with_min_return(target)
        if cut_model is not None:
            model = cut_model.with_min_return(target)
            predicted = None  # R w at the start, for the band LP
            if at_vertex and start is not None:
                predicted = portfolio_returns(returns, start)
            elif len(nearby) == 2:
                predicted = 2.0 * nearby[-1] - nearby[-2]
            elif nearby:
                predicted = nearby[-1]
            allocation, portfolio = optimizer.solve_cuts_near(
                returns, spec, model, start, nearby[-1] if nearby else None, band, predicted
            )
            nearby[:] = [*nearby[-1:], portfolio]
            return allocation
        return optimizer.solve(returns, spec, start=start)  # start: used by max-growth/crra

    walk = None
    lines = None
    first = None
    if base.objective == "min-variance" and walk_applies(base):
        moments = optimizer.moments(returns)
        walk = FrontierWalk(moments.covariance, linear_rows(base, moments.mean))
        lines = WalkedLines(returns, moments, base, top)
        spec = base.with_min_return(first_target)
        first = _walk_point(walk, lines, spec, optimizer.periods_per_year, binds=False)
    if first is None:
        first = solve(first_target, None)
        if walk is not None:
            walk.adopt(first.weights, first_target)
    low = max(first.expected_return, first_target)
    targets = low + (top - low) * np.linspace(0.0, 1.0, points)
    # the top is a single vertex; an interior-point solver needs a hair of room
    targets[-1] -= 1e-7 * max(1.0, abs(top - low))
    allocations = [first]
    kept = [low]
    notes: list[str] = []
    for index, target in enumerate(targets[1:], start=1):
        try:
            allocation = None
            if walk is not None and lines is not None:
                spec = base.with_min_return(float(target))
                allocation = _walk_point(walk, lines, spec, optimizer.periods_per_year)
            if allocation is None:
                # the top CVaR point lies a hair from the max-return LP's vertex
                if index == points - 1 and cut_model is not None:
                    allocation = solve(float(target), top_weights, at_vertex=True)
                else:
                    allocation = solve(float(target), _predicted_start(allocations))
                if walk is not None:
                    walk.adopt(allocation.weights, float(target))
        except (InfeasibleError, SolverFailedError) as exc:
            notes.append(f"target {target:.6g}: {exc}")
            continue
        allocations.append(allocation)
        kept.append(float(target))
    return Frontier(
        objective=base.objective,
        risk_measure=FRONTIER_RISK[request.objective],
        targets=np.array(kept),
        allocations=tuple(allocations),
        small_cap=small_cap_asset(request.asset_ids, small_cap),
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )


def _walk_point(
    walk: FrontierWalk,
    lines: WalkedLines,
    spec: ProblemSpec,
    periods_per_year: float | None,
    binds: bool = True,
) -> Allocation | None:
    """The certified active-set point at ``spec``'s target, measured (None: not certified)."""
    assert spec.min_return is not None
    weights = walk.solve(spec.min_return, binds)
    if weights is None:
        return None
    returns = lines.returns
    figures = lines.figures(walk, weights, spec.min_return)
    portfolio = portfolio_returns(returns, weights) if figures is None else None
    expected = None if figures is None else figures.expected_return
    if max_violation(spec, returns, weights, portfolio, expected) > FEASIBILITY_TOLERANCE:
        return None
    return measure_allocation(
        spec,
        returns,
        weights,
        status="optimal",
        solver=WALK_SOLVER,
        periods_per_year=periods_per_year,
        portfolio=portfolio,
        figures=figures,
    )


def _predicted_start(allocations: list[Allocation]) -> FloatArray:
    """Where the next point's weights are likely: the last two points extrapolated (the
    frontier's weights move almost linearly between close targets)."""
    last = allocations[-1].weights
    if len(allocations) < 2:
        return last
    return np.asarray(2.0 * last - allocations[-2].weights, dtype=np.float64)
