"""A CVaR limit next to a variance-family objective, met by cuts on the cvxpy problem: the same
optimum as the exact form over every scenario, the limit held, the cuts valid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from allocator.errors import InfeasibleError
from allocator.metrics import conditional_value_at_risk, tail_count
from allocator.optimize import optimize_weights
from allocator.optimize.cvar_cuts import TOLERANCE, cvar_cut
from tests.optimize.helpers import ASSETS, normal_returns, request

RETURNS = normal_returns(20_000, seed=81)
#: Both forms certify their optimum; the cuts' may exceed the limit by TOLERANCE (1e-9), which
#: moves weights along a flat optimum by far less than this.
WEIGHT_AGREEMENT = 1e-4


def _binding_limit(fields: dict[str, Any]) -> float:
    """Halfway between the lowest CVaR possible (at the request's return target) and the
    CVaR of the unlimited optimum."""
    free = optimize_weights(RETURNS, ASSETS, request(**fields))
    target = fields.get("min_return")
    least = optimize_weights(RETURNS, ASSETS, request(objective="min-cvar", min_return=target))
    # the limit will bind (for normal returns at a fixed mean, min-variance and min-CVaR
    # nearly coincide: a gap of 1.7e-6 there)
    assert free.cvar > least.cvar + 1e-6
    return 0.5 * (free.cvar + least.cvar)


@pytest.mark.parametrize(
    "fields",
    [
        {"objective": "mean-variance", "risk_aversion": 2.0},
        {"objective": "max-sharpe"},
        {"objective": "min-variance", "min_return": 0.006},
    ],
)
def test_cuts_reach_the_exact_optimum(fields: dict[str, Any]) -> None:
    limit = _binding_limit(fields)
    limited = request(cvar_limit=limit, **fields)
    by_cuts = optimize_weights(RETURNS, ASSETS, limited)
    exact = optimize_weights(RETURNS, ASSETS, limited, method="cvxpy")
    assert by_cuts.solver.endswith("CVaR cuts") and not exact.solver.endswith("CVaR cuts")
    assert by_cuts.cvar <= limit + TOLERANCE
    assert exact.cvar == pytest.approx(limit, abs=1e-7)  # binding
    assert np.abs(by_cuts.weights - exact.weights).max() <= WEIGHT_AGREEMENT
    assert by_cuts.objective_value == pytest.approx(exact.objective_value, rel=1e-7, abs=1e-9)


def test_a_cut_bounds_cvar_from_below_and_touches_it() -> None:
    k = tail_count(RETURNS.shape[0], 0.95)
    w = np.array([0.5, 0.3, 0.2])
    cvar, slope = cvar_cut(RETURNS, w, k)
    assert cvar == pytest.approx(conditional_value_at_risk(RETURNS @ w, 0.95), abs=1e-15)
    assert slope @ w == pytest.approx(cvar, abs=1e-15)
    rng = np.random.default_rng(5)
    for other in rng.dirichlet(np.ones(3), size=50):
        assert slope @ other <= conditional_value_at_risk(RETURNS @ other, 0.95) + 1e-15


def test_an_unreachable_limit_is_infeasible() -> None:
    least = optimize_weights(RETURNS, ASSETS, request(objective="min-cvar"))
    with pytest.raises(InfeasibleError, match="cvar_limit"):
        optimize_weights(
            RETURNS, ASSETS, request(objective="min-variance", cvar_limit=0.9 * least.cvar)
        )
