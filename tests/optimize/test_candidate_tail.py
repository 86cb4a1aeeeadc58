"""Cutting-plane solves on a candidate tail: exact whatever the candidates (the check on every
scenario enlarges them or hands over to the full solve), and the check itself."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.optimize import PortfolioOptimizer, optimize_weights
from allocator.optimize.candidate_tail import largest_losses, outside_tail, solve_from_candidates
from tests.optimize.helpers import ASSETS, normal_returns, request

RETURNS = normal_returns(20_000, seed=71)
#: Both solves certify a 1e-9 gap; at 20,000 scenarios their weights agree far inside this.
WEIGHT_AGREEMENT = 1e-5


def test_outside_tail_finds_the_scenarios_that_break_the_check() -> None:
    portfolio = np.array([0.0, -3.0, 1.0, -2.0, -1.0, 2.0])
    assert outside_tail(portfolio, np.array([1, 3, 4]), tail=2).size == 0
    assert outside_tail(portfolio, np.array([1, 3, 4]), tail=3).size == 0
    assert list(outside_tail(portfolio, np.array([0, 1, 4]), tail=2)) == [3]
    chosen = largest_losses(portfolio, 3)
    assert set(chosen.tolist()) >= {1, 3, 4}


@pytest.mark.parametrize("nearby_weights", [[0.3, 0.5, 0.2], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
@pytest.mark.parametrize("min_return", [None, 0.008])
def test_candidate_solve_equals_the_full_solve(
    nearby_weights: list[float], min_return: float | None
) -> None:
    fields = {"objective": "min-cvar", "min_return": min_return}
    full = optimize_weights(RETURNS, ASSETS, request(**fields), method="cvxpy")
    optimizer = PortfolioOptimizer(ASSETS, request(**fields))
    engine = optimizer.engine(RETURNS, optimizer.spec)
    model = optimizer.cut_model(RETURNS, optimizer.spec)
    nearby = RETURNS @ np.array(nearby_weights)  # far from the optimum for the last two
    solution, portfolio = solve_from_candidates(engine, model, nearby)
    assert solution.status == "optimal" and solution.weights is not None
    assert np.abs(solution.weights - full.weights).max() <= WEIGHT_AGREEMENT
    if portfolio is not None:  # verified on every scenario: CVaR of candidates = full CVaR
        np.testing.assert_array_equal(portfolio, RETURNS @ solution.weights)
        assert solution.value == pytest.approx(full.cvar, abs=1e-8)


def test_cvar_frontier_points_match_standalone_full_lp() -> None:
    from allocator.optimize import efficient_frontier

    # a CVaR limit (here never binding) keeps the band LP out: the points come from the cutting
    # plane on candidate tails (test_band_lp covers the frontier without a limit)
    fields = {"objective": "min-cvar", "cvar_limit": 1.0}
    optimizer = PortfolioOptimizer(ASSETS, request(**fields))
    frontier = efficient_frontier(optimizer, RETURNS, points=12)
    assert not frontier.notes
    assert all(a.solver.startswith("cutting-plane") for a in frontier.allocations)
    for index in (1, 5, 9, 11):
        target = float(frontier.targets[index])
        single = optimize_weights(
            RETURNS, ASSETS, request(**fields, min_return=target), method="cvxpy"
        )
        point = frontier.allocations[index]
        assert np.abs(point.weights - single.weights).max() <= WEIGHT_AGREEMENT
        assert point.cvar == pytest.approx(single.cvar, abs=1e-8)
