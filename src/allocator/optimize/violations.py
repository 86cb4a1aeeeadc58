"""How far given weights are from meeting each constraint of a request (0 when met).

The check every solution passes before it is reported (``FEASIBILITY_TOLERANCE`` in
``convex``), and what the tests assert: budget, bounds, groups, turnover, leverage, return
target, tracking-error and CVaR limits, all measured on the scenario matrix with the
``measures`` value functions.
"""

from __future__ import annotations

import numpy as np

from allocator.optimize.measures import (
    FloatArray,
    cvar_value,
    expected_return_value,
    portfolio_returns,
    tracking_error_value,
)
from allocator.optimize.spec import ProblemSpec


def constraint_violations(
    spec: ProblemSpec,
    returns: FloatArray,
    weights: FloatArray,
    portfolio: FloatArray | None = None,
    expected_return: float | None = None,
) -> dict[str, float]:
    """Violation per constraint name (``budget``, ``bounds.<asset>``, ``groups.<name>``,
    ``turnover_limit``, ``leverage_limit``, ``min_return``, ``tracking_error_limit``,
    ``cvar_limit``), each ``>= 0`` and in the constraint's units (weight or return).
    ``portfolio`` is ``returns @ weights`` and ``expected_return`` its mean (gross of costs),
    if already known."""
    w = weights
    found: dict[str, float] = {"budget": abs(float(w.sum()) - 1.0)}
    for i, asset in enumerate(spec.asset_ids):
        found[f"bounds.{asset}"] = max(0.0, spec.lower[i] - w[i], w[i] - spec.upper[i])
    for group in spec.groups:
        total = float(w[group.members].sum())
        found[f"groups.{group.name}"] = max(0.0, group.lower - total, total - group.upper)
    if spec.turnover_limit is not None:
        turnover = float(np.abs(w - spec.current).sum())
        found["turnover_limit"] = max(0.0, turnover - spec.turnover_limit)
    found["leverage_limit"] = max(0.0, float(np.abs(w).sum()) - spec.leverage_limit)
    kappa = spec.trading_cost(w)
    needs_mean = spec.min_return is not None and expected_return is None
    if portfolio is None:
        needs_portfolio = needs_mean or spec.cvar_limit is not None
        portfolio = portfolio_returns(returns, w) if needs_portfolio else np.zeros(0)
    if spec.min_return is not None:
        mean = expected_return_value(portfolio) if expected_return is None else expected_return
        achieved = mean - kappa
        found["min_return"] = max(0.0, spec.min_return - achieved)
    if spec.tracking_error_limit is not None and spec.benchmark is not None:
        te = tracking_error_value(portfolio_returns(returns, w - spec.benchmark))
        found["tracking_error_limit"] = max(0.0, te - spec.tracking_error_limit)
    if spec.cvar_limit is not None:
        cvar = cvar_value(portfolio, spec.beta) + kappa
        found["cvar_limit"] = max(0.0, cvar - spec.cvar_limit)
    return found


def max_violation(
    spec: ProblemSpec,
    returns: FloatArray,
    weights: FloatArray,
    portfolio: FloatArray | None = None,
    expected_return: float | None = None,
) -> float:
    """The largest entry of ``constraint_violations`` (``inf`` for non-finite weights)."""
    if not np.all(np.isfinite(weights)):
        return float("inf")
    found = constraint_violations(spec, returns, weights, portfolio, expected_return)
    return max(found.values())
