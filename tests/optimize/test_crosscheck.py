"""cvxpy results against an independent solver, and reported values against a recomputation.

scipy's SLSQP (a different algorithm on the same numpy formulas, ``ftol`` 1e-15) must find the
same weights to 1e-5 on small smooth problems: both stop at KKT residuals far below 1e-7, and
the objectives are strongly concave/convex near the optimum, so weights agree to about the
square root of the objective precision. Reported objective values must equal the formula of
``objectives`` recomputed here from the weights (1e-12).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy.optimize import minimize

from allocator.metrics import tail_count
from allocator.optimize import PortfolioOptimizer, optimize_weights
from tests.optimize.helpers import ASSETS, normal_returns, request

RETURNS = normal_returns(400, seed=21)
BENCHMARK = {"small": 0.0, "large": 0.6, "bonds": 0.4}
BOUNDS = {"small": [0.05, 0.7], "large": [0.0, 0.7], "bonds": [0.0, 0.9]}
RISK_FREE = 0.001


def _mean(w: np.ndarray) -> float:
    return float(np.mean(RETURNS @ w))


def _std(w: np.ndarray) -> float:
    return float(np.std(RETURNS @ w))


OBJECTIVES: dict[str, tuple[dict[str, object], Callable[[np.ndarray], float]]] = {
    "min-variance": ({}, lambda w: _std(w) ** 2),
    "mean-variance": ({"risk_aversion": 4.0}, lambda w: -(_mean(w) - 2.0 * _std(w) ** 2)),
    "max-sharpe": ({}, lambda w: -(_mean(w) - RISK_FREE) / _std(w)),
    "max-growth": ({}, lambda w: -float(np.mean(np.log1p(RETURNS @ w)))),
    "crra": ({"risk_aversion": 4.0}, lambda w: float(np.mean((1 + RETURNS @ w) ** -3.0)) / 3.0),
    "min-tracking-error": (
        {},
        lambda w: float(np.std(RETURNS @ (w - np.array(list(BENCHMARK.values()))))) ** 2,
    ),
}


@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_cvxpy_matches_slsqp(objective: str) -> None:
    fields, loss = OBJECTIVES[objective]
    allocation = optimize_weights(
        RETURNS,
        ASSETS,
        request(objective=objective, bounds=BOUNDS, **fields),
        BENCHMARK,
        risk_free=RISK_FREE,
    )
    scale = 1.0 / abs(loss(np.full(3, 1.0 / 3.0)))  # objectives of order 1 for ftol
    reference = minimize(
        lambda w: scale * loss(w),
        np.full(3, 1.0 / 3.0),
        method="SLSQP",
        bounds=[tuple(BOUNDS[a]) for a in ASSETS],
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}],
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    assert reference.success, reference.message
    assert np.abs(allocation.weights - reference.x).max() <= 1e-5


def test_reported_values_are_the_formulas_recomputed() -> None:
    current = {"small": 0.2, "large": 0.5, "bonds": 0.3}
    costs = {"small": 20.0, "default": 5.0}
    w0 = np.array([0.2, 0.5, 0.3])
    c = np.array([0.002, 0.0005, 0.0005])
    beta = 0.9
    k = tail_count(RETURNS.shape[0], beta)
    for objective in OBJECTIVES | {"min-cvar": None, "mean-cvar": None}:
        allocation = optimize_weights(
            RETURNS,
            ASSETS,
            request(
                objective=objective,
                beta=beta,
                risk_aversion=2.0,
                current_weights=current,
                transaction_cost_bps=costs,
            ),
            BENCHMARK,
            risk_free=RISK_FREE,
        )
        w = allocation.weights
        kappa = float(c @ np.abs(w - w0))
        net = RETURNS @ w - kappa
        mean, sd = float(net.mean()), float(net.std())
        cvar = -float(np.sort(net)[:k].mean())
        te = float(np.std(RETURNS @ (w - np.array(list(BENCHMARK.values())))))
        expected = {
            "min-variance": sd + kappa,
            "mean-variance": mean - 1.0 * sd**2,
            "max-sharpe": (mean - RISK_FREE) / sd,
            "min-cvar": cvar,
            "mean-cvar": mean - 2.0 * cvar,
            "max-growth": float(np.mean(np.log1p(net))),
            "crra": float(np.mean((1 + net) ** -1.0)) / -1.0,
            "min-tracking-error": te + kappa,
        }[objective]
        assert allocation.objective_value == pytest.approx(expected, abs=1e-12), objective
        assert allocation.expected_return == pytest.approx(mean, abs=1e-12)
        assert allocation.cvar == pytest.approx(cvar, abs=1e-12)
        assert allocation.trading_cost == pytest.approx(kappa, abs=1e-15)


def test_solver_optimum_equals_the_measured_value() -> None:
    """The optimizer's own optimum (cvxpy's problem value, the cutting plane's bounds) is the
    numpy measure of the weights it returns (1e-8: solver tolerances are 1e-10)."""
    spec_request = request(objective="min-cvar", min_return=0.006)
    optimizer = PortfolioOptimizer(ASSETS, spec_request, method="cvxpy")
    allocation = optimizer.solve(RETURNS)
    problem = optimizer.convex_problem(optimizer.spec, RETURNS, utility_model=False)
    assert problem.problem.value == pytest.approx(allocation.cvar, abs=1e-8)
    cuts = PortfolioOptimizer(ASSETS, spec_request, method="cutting-plane")
    engine = cuts.engine(RETURNS, cuts.spec)
    result = engine.solve(cuts.cut_model(RETURNS, cuts.spec))
    assert result.value == pytest.approx(allocation.cvar, abs=1e-8)
    assert result.lower_bound <= result.value + 1e-12
    assert result.value - result.lower_bound <= 1e-9 * max(1.0, abs(result.value))
    sharpe = optimize_weights(RETURNS, ASSETS, request(objective="max-sharpe"), risk_free=0.0)
    assert sharpe.objective_value == pytest.approx(
        _mean(sharpe.weights) / _std(sharpe.weights), abs=1e-12
    )
    assert math.isfinite(sharpe.objective_value)
