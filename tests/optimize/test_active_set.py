"""The min-variance frontier by the certified active-set walk: every point agrees with an
independent cvxpy solve of the same request, and the walk, not cvxpy, gives most points."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from allocator.optimize import PortfolioOptimizer, efficient_frontier, optimize_weights
from allocator.optimize.active_set import FrontierWalk, linear_rows, walk_applies
from allocator.optimize.frontier import WALK_SOLVER
from allocator.optimize.measures import scenario_moments
from tests.optimize.helpers import ASSETS, normal_returns, request

RETURNS = normal_returns(5_000, seed=61)
#: Against OSQP (polished active-set answer, eps 1e-10) the walk's exact KKT points agree to
#: rounding; against CLARABEL (allocator's default, interior point stopping at a 1e-10 gap in
#: the variance, whose flat optimum lets weights drift by about sqrt(gap / curvature)) they
#: agree to 1e-5 and never have the larger variance.
WEIGHT_AGREEMENT_OSQP = 1e-9
WEIGHT_AGREEMENT_DEFAULT = 1e-5

CASES: list[dict[str, Any]] = [
    {"bounds": {"small": [0.0, 0.5]}},
    {"bounds": {"small": [0.05, 0.4], "bonds": [0.0, 0.6]}},
    {"groups": {"equity": {"assets": ["small", "large"], "min": 0.3, "max": 0.8}}},
]


@pytest.mark.parametrize("fields", CASES)
def test_walk_points_match_standalone_solves(fields: dict[str, Any]) -> None:
    optimizer = PortfolioOptimizer(ASSETS, request(objective="min-variance", **fields))
    frontier = efficient_frontier(optimizer, RETURNS, points=50)
    assert len(frontier.allocations) == 50 and not frontier.notes
    walked = sum(a.solver == WALK_SOLVER for a in frontier.allocations)
    assert walked >= 40  # the walk leaves only breakpoints it cannot certify to cvxpy
    covariance = scenario_moments(RETURNS).covariance
    for index in range(1, 50, 4):
        target = float(frontier.targets[index])
        single = request(objective="min-variance", min_return=target, **fields)
        osqp = PortfolioOptimizer(ASSETS, single, solvers=("OSQP",)).solve(RETURNS)
        default = optimize_weights(RETURNS, ASSETS, single)
        w = frontier.allocations[index].weights
        assert np.abs(w - osqp.weights).max() <= WEIGHT_AGREEMENT_OSQP
        assert np.abs(w - default.weights).max() <= WEIGHT_AGREEMENT_DEFAULT
        assert w @ covariance @ w <= default.weights @ covariance @ default.weights + 1e-16


def test_walk_certifies_kkt_points_only() -> None:
    spec = PortfolioOptimizer(ASSETS, request(objective="min-variance")).spec
    moments = scenario_moments(RETURNS)
    walk = FrontierWalk(moments.covariance, linear_rows(spec, moments.mean))
    start = optimize_weights(RETURNS, ASSETS, request(objective="min-variance"))
    walk.adopt(start.weights, None)
    top = float(moments.mean.max())
    assert walk.solve(top + 1e-3) is None  # above every attainable return: no certificate
    w = walk.solve(0.5 * (float(moments.mean @ start.weights) + top))
    assert w is not None
    assert abs(w.sum() - 1.0) <= 1e-12 and np.all(w >= -1e-12)


def test_walk_applies_only_to_linear_constraints() -> None:
    linear = PortfolioOptimizer(ASSETS, request(objective="min-variance")).spec
    assert walk_applies(linear)
    costly = request(objective="min-variance", transaction_cost_bps={"default": 10.0})
    assert not walk_applies(PortfolioOptimizer(ASSETS, costly).spec)
