"""The efficient frontier: built once and swept by a parameter, monotone, every constraint
met at every point, the small-cap weight reported along it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from allocator.optimize import PortfolioOptimizer, convex, efficient_frontier, optimize_weights
from allocator.optimize.frontier import small_cap_asset
from allocator.optimize.violations import max_violation
from tests.optimize.helpers import ASSETS, normal_returns, request

RETURNS = normal_returns(4_000, seed=51)
BOUNDS = {"small": [0.0, 0.5]}


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds = [0]
    original = convex.ConvexProblem.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        builds[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(convex.ConvexProblem, "__init__", counting)
    return builds


@pytest.mark.parametrize("objective", ["min-variance", "max-sharpe", "crra"])
def test_frontier_is_one_problem_swept_by_the_target(
    objective: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = _count_builds(monkeypatch)
    optimizer = PortfolioOptimizer(ASSETS, request(objective=objective, bounds=BOUNDS))
    frontier = efficient_frontier(optimizer, RETURNS, points=50)
    # at most one cvxpy problem: the variance frontier's points are certified by the
    # active-set walk (test_active_set), cvxpy solving only what it cannot certify
    assert builds[0] == (0 if frontier.objective == "min-variance" else 1)
    assert len(frontier.allocations) == 50 and not frontier.notes
    returns = frontier.expected_return
    assert np.all(np.diff(returns) > 0.0)
    if frontier.risk_measure == "volatility":
        assert np.all(np.diff(frontier.risk) >= -1e-9)  # risk rises along the frontier
    else:
        assert np.all(np.diff(frontier.risk) <= 1e-12)  # utility falls as return is forced up
    for allocation, target in zip(frontier.allocations[1:], frontier.targets[1:], strict=True):
        spec = optimizer.spec.with_min_return(float(target))
        assert max_violation(spec, RETURNS, allocation.weights) <= 1e-6
    small = frontier.small_cap_weight
    assert small is not None and small.shape == (50,)
    assert np.all(small <= 0.5 + 1e-6)
    assert small[-1] == pytest.approx(0.5, abs=1e-4)  # the top of the frontier: most small caps


def test_min_variance_frontier_starts_at_the_min_variance_portfolio() -> None:
    optimizer = PortfolioOptimizer(ASSETS, request(objective="mean-variance", bounds=BOUNDS))
    frontier = efficient_frontier(optimizer, RETURNS, points=5)
    lowest = optimize_weights(RETURNS, ASSETS, request(objective="min-variance", bounds=BOUNDS))
    assert frontier.objective == "min-variance"
    assert np.abs(frontier.allocations[0].weights - lowest.weights).max() <= 1e-6


def test_cvar_frontier_keeps_its_cuts_and_matches_single_solves() -> None:
    optimizer = PortfolioOptimizer(ASSETS, request(objective="mean-cvar", bounds=BOUNDS))
    frontier = efficient_frontier(optimizer, RETURNS, points=20)
    engine = optimizer.engine(RETURNS, optimizer.spec)
    assert frontier.objective == "min-cvar" and frontier.risk_measure == "cvar"
    assert np.all(np.diff(frontier.risk) >= -1e-9)
    assert engine.pool.cut_sums.shape[0] > 0
    for index in (3, 12):
        target = float(frontier.targets[index])
        single = optimize_weights(
            RETURNS,
            ASSETS,
            request(objective="min-cvar", bounds=BOUNDS, min_return=target),
            method="cvxpy",
        )
        assert np.abs(frontier.allocations[index].weights - single.weights).max() <= 1e-4


def test_small_cap_asset_choice() -> None:
    assert small_cap_asset(("iwm", "spy"), "iwm") == "iwm"
    assert small_cap_asset(("small", "large"), None) == "small"
    assert small_cap_asset(("a", "b"), None) is None
