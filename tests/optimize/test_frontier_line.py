"""One straight piece of the walked min-variance frontier, measured from one pass: its tails
equal those of every portfolio on it measured from all the scenarios, the walk's direction and
breakpoint are those of the frontier itself, and every reported point of a frontier equals
its weights measured afresh."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from allocator.optimize import PortfolioOptimizer, efficient_frontier, frontier_line
from allocator.optimize.active_set import FrontierWalk, linear_rows
from allocator.optimize.allocation import measure_allocation
from allocator.optimize.frontier_line import PortfolioLine
from allocator.optimize.measures import scenario_moments, tail_values
from tests.optimize.helpers import ASSETS, normal_returns, request

RETURNS = normal_returns(20_000, seed=83)
#: ``a + s b`` against ``R (w0 + s d)``: the same sums in another order, returns of ~0.1.
ROUNDING = 1e-15


@pytest.mark.parametrize("reach", [0.0, 0.3, 5.0])
def test_line_tails_equal_a_full_measurement_anywhere_on_it(reach: float) -> None:
    rng = np.random.default_rng(7)
    start = np.array([0.5, 0.3, 0.2])
    for _ in range(5):
        # directions that reorder the scenarios strongly over the reach (a long-short tilt)
        direction = rng.normal(size=3)
        direction -= direction.mean()
        line = PortfolioLine(RETURNS, start, direction, reach, beta=0.95)
        assert line.tail <= line.n_candidates <= RETURNS.shape[0]
        for s in np.linspace(0.0, reach, 7):
            full = tail_values(RETURNS @ (start + s * direction), 0.95)
            assert line.tail_values(float(s)) == pytest.approx(full, abs=ROUNDING)
    with pytest.raises(ValueError, match="expected 0 <= s"):
        line.tail_values(reach + 1e-3)


def test_a_short_piece_keeps_few_candidates() -> None:
    direction = np.array([0.2, -0.1, -0.1])
    line = PortfolioLine(RETURNS, np.array([0.3, 0.3, 0.4]), direction, 0.05, beta=0.95)
    assert line.n_candidates < 0.2 * RETURNS.shape[0]


def _walk_at(target: float) -> FrontierWalk:
    spec = PortfolioOptimizer(ASSETS, request(objective="min-variance")).spec
    moments = scenario_moments(RETURNS)
    walk = FrontierWalk(moments.covariance, linear_rows(spec, moments.mean))
    assert walk.solve(target, binds=False) is not None
    return walk


def test_segment_is_the_walks_own_derivative_and_breakpoint() -> None:
    walk = _walk_at(0.006)
    assert walk.target_binds
    piece = walk.segment(1.0)
    assert piece is not None
    direction, reach = piece
    assert 0.0 < reach < 1.0  # a bound is met before the highest return
    side = walk.side.copy()
    w0 = walk.solve(0.006)
    assert w0 is not None
    # exactly affine inside the piece: the walk's points lie on the line
    for fraction in (0.25, 0.5, 0.99):
        w = walk.solve(0.006 + fraction * reach)
        assert w is not None and np.array_equal(walk.side, side)
        assert np.abs(w - (w0 + fraction * reach * direction)).max() <= 1e-12
    # and the active set changes just past the breakpoint
    assert walk.solve(0.006 + 1.01 * reach) is not None
    assert not np.array_equal(walk.side, side)


def test_segment_needs_a_binding_target() -> None:
    walk = _walk_at(-1.0)  # below the minimum-variance portfolio's return
    assert not walk.target_binds and walk.segment(1.0) is None


BENCHMARK = {"small": 0.1, "large": 0.6, "bonds": 0.3}
CASES: list[tuple[dict[str, Any], dict[str, float] | None]] = [
    ({}, None),
    ({"bounds": {"small": [0.05, 0.4], "bonds": [0.0, 0.6]}, "beta": 0.9}, None),
    ({"groups": {"equity": {"assets": ["small", "large"], "min": 0.3, "max": 0.8}}}, None),
    ({"bounds": {"small": [0.0, 0.5]}}, BENCHMARK),  # tracking error reported too
]


@pytest.mark.parametrize(("fields", "benchmark"), CASES)
def test_frontier_points_equal_their_weights_measured_afresh(
    fields: dict[str, Any], benchmark: dict[str, float] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []

    class CountedLine(PortfolioLine):
        def __init__(self, *args: Any) -> None:
            built.append(1)
            super().__init__(*args)

    monkeypatch.setattr(frontier_line, "PortfolioLine", CountedLine)
    optimizer = PortfolioOptimizer(ASSETS, request(objective="min-variance", **fields), benchmark)
    frontier = efficient_frontier(optimizer, RETURNS, points=50)
    assert len(frontier.allocations) == 50
    assert 1 <= len(built) <= 10  # one pass per straight piece, not one per point
    for target, allocation in zip(frontier.targets, frontier.allocations, strict=True):
        spec = optimizer.spec.with_objective("min-variance").with_min_return(float(target))
        fresh = measure_allocation(
            spec, RETURNS, allocation.weights, status="optimal", solver="fresh"
        )
        names = ["expected_return", "volatility", "value_at_risk", "cvar", "objective_value"]
        if benchmark is not None:
            names.append("tracking_error")
            assert fresh.tracking_error is not None
        for name in names:
            assert getattr(allocation, name) == pytest.approx(
                getattr(fresh, name), rel=1e-12, abs=1e-15
            ), name
