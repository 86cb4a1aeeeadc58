"""The band LP (``band_lp``, ``band_dual``): from any split of the scenarios it either
certifies the full LP's optimum (the same vertex, weights to solver precision) or hands over;
along a frontier it solves most points, warm-started, each matching the full LP."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.optimize import PortfolioOptimizer, efficient_frontier, optimize_weights
from allocator.optimize.band_lp import BandLp, band_applies
from allocator.optimize.lp_master import HAVE_HIGHSPY
from allocator.optimize.optimizer import BAND_SOLVER
from tests.optimize.helpers import ASSETS, normal_returns, request
from tests.optimize.test_cutting_plane import CASES, RETURNS

pytestmark = pytest.mark.skipif(not HAVE_HIGHSPY, reason="highspy not installed")

#: The band LP ends at a vertex of the full LP, CLARABEL at its interior-point optimum.
WEIGHT_AGREEMENT = 1e-6
APPLICABLE = sorted(case for case in CASES if "cvar_limit" not in CASES[case])


def _band(fields: dict[str, object], returns: np.ndarray) -> tuple[BandLp, object, object]:
    optimizer = PortfolioOptimizer(ASSETS, request(**fields))
    engine = optimizer.engine(returns, optimizer.spec)
    model = optimizer.cut_model(returns, optimizer.spec)
    return BandLp(engine.returns, engine.oracle.tail), model, optimizer


@pytest.mark.parametrize("case", APPLICABLE)
@pytest.mark.parametrize("near", ["optimum", "equal", "corner"])
def test_band_lp_certifies_the_full_lp_optimum(case: str, near: str) -> None:
    fields = CASES[case]
    full = optimize_weights(RETURNS, ASSETS, request(**fields), method="cvxpy")
    band, model, _ = _band(fields, RETURNS)
    predicted = {
        "optimum": full.weights + 0.01 * np.array([1.0, -1.0, 0.0]),
        "equal": np.full(3, 1.0 / 3.0),
        "corner": np.array([1.0, 0.0, 0.0]),
    }[near]
    solution = band.solve(model, RETURNS @ predicted)  # type: ignore[arg-type]
    if solution is None:  # handing over is allowed, never a wrong answer
        assert near != "optimum"
        return
    assert solution.value - solution.lower_bound <= 1e-9 * max(1.0, abs(solution.value))
    assert np.abs(solution.weights - full.weights).max() <= WEIGHT_AGREEMENT
    np.testing.assert_array_equal(solution.portfolio, RETURNS @ solution.weights)


def test_band_lp_needs_a_cvar_goal_without_limits() -> None:
    _, limited, _ = _band(CASES["mean-cvar with a cvar limit"], RETURNS)
    _, plain, _ = _band(CASES["min-cvar"], RETURNS)
    assert not band_applies(limited) and band_applies(plain)  # type: ignore[arg-type]


def test_frontier_points_come_from_the_band_lp_and_match_the_full_lp() -> None:
    returns = normal_returns(20_000, seed=72)
    optimizer = PortfolioOptimizer(ASSETS, request(objective="min-cvar"))
    frontier = efficient_frontier(optimizer, returns, points=15)
    solvers = [a.solver for a in frontier.allocations]
    assert solvers.count(BAND_SOLVER) >= 10  # the first two points have no prediction
    for index in (2, 7, 13):
        target = float(frontier.targets[index])
        single = optimize_weights(
            returns, ASSETS, request(objective="min-cvar", min_return=target), method="cvxpy"
        )
        point = frontier.allocations[index]
        assert np.abs(point.weights - single.weights).max() <= WEIGHT_AGREEMENT
        assert point.cvar == pytest.approx(single.cvar, abs=1e-9)


@pytest.mark.parametrize("case", APPLICABLE)
def test_standalone_cutting_plane_is_polished_to_the_full_lp_vertex(case: str) -> None:
    # the cutting plane alone stops within its 1e-9 gap, which on a flat optimum can leave
    # the weights ~1e-4 from the vertex; the band LP from there ends at the vertex
    fields = CASES[case]
    cuts = optimize_weights(RETURNS, ASSETS, request(**fields), method="cutting-plane")
    full = optimize_weights(RETURNS, ASSETS, request(**fields), method="cvxpy")
    assert cuts.solver.startswith("cutting-plane") and cuts.solver.endswith(BAND_SOLVER)
    assert np.abs(cuts.weights - full.weights).max() <= WEIGHT_AGREEMENT


def test_walk_from_the_last_vertex_matches_a_fresh_highs_solve() -> None:
    from allocator.optimize import band_walk
    from allocator.optimize.band_dual import BandDual

    returns = normal_returns(20_000, seed=73)
    optimizer = PortfolioOptimizer(ASSETS, request(objective="min-cvar", min_return=0.007))
    model = optimizer.cut_model(returns, optimizer.spec)
    k = optimizer.engine(returns, optimizer.spec).oracle.tail
    losses = -(returns @ np.array([0.3, 0.4, 0.3]))
    order = np.argsort(-losses)
    sure, band = np.sort(order[: k - 300]), np.sort(order[k - 300 : k + 300])
    warm = BandDual(model)
    assert warm.solve(model, returns, sure, band) is not None  # HiGHS, no vertex yet
    assert warm._vertex is not None
    moved = model.with_min_return(0.0072)
    walked = warm.solve(moved, returns, sure, band)
    assert walked is not None and warm.iterations > 0  # the walk's steps
    fresh = BandDual(moved).solve(moved, returns, sure, band)
    assert fresh is not None
    np.testing.assert_allclose(walked[0], fresh[0], atol=1e-9)
    assert walked[1] == pytest.approx(fresh[1], abs=1e-12)
    # a start the new target pushes out of bounds is declined (here HiGHS then finds the
    # target unattainable)
    calls: list[object] = []
    original = band_walk.walk

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(result := original(*args, **kwargs))  # type: ignore[arg-type]
        return result

    band_walk.walk = spy  # type: ignore[assignment]
    try:
        far = model.with_min_return(0.02)  # above every asset's mean
        assert warm.solve(far, returns, sure, band) is None
    finally:
        band_walk.walk = original
    assert calls == [None]


@pytest.mark.parametrize("case", ["costs, turnover and groups", "shorting with leverage"])
def test_frontier_with_trades_or_shorts_walks_to_the_full_lp_vertex(case: str) -> None:
    # trade and short variables are planes of the walk too
    fields = {**CASES[case], "objective": "min-cvar"}
    returns = normal_returns(4_000, seed=74)
    optimizer = PortfolioOptimizer(ASSETS, request(**fields))
    frontier = efficient_frontier(optimizer, returns, points=10)
    assert not frontier.notes
    assert [a.solver for a in frontier.allocations].count(BAND_SOLVER) >= 6
    for index in (4, 8):
        target = float(frontier.targets[index])
        single = optimize_weights(
            returns, ASSETS, request(**{**fields, "min_return": target}), method="cvxpy"
        )
        assert np.abs(frontier.allocations[index].weights - single.weights).max() <= 1e-5
