"""What each objective means, as a number: the value ``optimize`` reports and tests recompute.

Net return in scenario i: ``R_i w - kappa(w)`` (see ``spec``). With ``sigma`` the volatility,
``lambda`` / ``gamma`` the request's ``risk_aversion`` and ``r_f`` the risk-free rate:

============================  =====================================================  =====
objective                     value                                                  sense
============================  =====================================================  =====
``min-variance``              ``sigma + kappa`` (the variance's minimizer when no    min
                              costs; costs and risk both in return units)
``mean-variance``             ``mu^T w - kappa - lambda/2 sigma^2``                  max
``max-sharpe``                ``(mu^T w - kappa - r_f) / sigma``                     max
``min-cvar``                  ``CVaR_beta(net return) = CVaR_beta(R w) + kappa``     min
``mean-cvar``                 ``mu^T w - kappa - lambda (CVaR_beta(R w) + kappa)``   max
``max-growth``                ``mean_i log(1 + R_i w - kappa)``                      max
``crra``                      ``mean_i (1 + R_i w - kappa)^(1-gamma) / (1-gamma)``   max
``min-tracking-error``        ``TE(w) + kappa``, ``TE = std_i(R_i (w - b))``         min
============================  =====================================================  =====

The cvxpy side (``convex.py``) builds these from the same ``measures`` pairs.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from allocator.optimize.measures import (
    FloatArray,
    crra_value,
    cvar_value,
    expected_return_value,
    log_growth_value,
    tracking_error_value,
    variance_value,
    volatility_value,
)
from allocator.optimize.spec import ProblemSpec

Sense = Literal["min", "max"]

SENSE: dict[str, Sense] = {
    "min-variance": "min",
    "mean-variance": "max",
    "max-sharpe": "max",
    "min-cvar": "min",
    "mean-cvar": "max",
    "max-growth": "max",
    "crra": "max",
    "min-tracking-error": "min",
}

#: Objectives whose value reads every scenario (not only the mean and covariance).
SCENARIO_OBJECTIVES = frozenset({"min-cvar", "mean-cvar", "max-growth", "crra"})

#: Risk measure along the efficient frontier of each objective.
FRONTIER_RISK: dict[str, str] = {
    "min-variance": "volatility",
    "mean-variance": "volatility",
    "max-sharpe": "volatility",
    "min-cvar": "cvar",
    "mean-cvar": "cvar",
    "max-growth": "objective",
    "crra": "objective",
    "min-tracking-error": "tracking_error",
}


def objective_value(
    spec: ProblemSpec,
    portfolio: FloatArray | None,
    weights: FloatArray,
    active: FloatArray | None = None,
    volatility: float | None = None,
    cvar: float | None = None,
) -> float:
    """The value of ``spec.objective`` (see the table above) for ``weights`` whose scenario
    returns are ``portfolio = R w`` (``active = R (w - b)`` for tracking error;
    ``volatility`` and ``cvar``, if given, are ``volatility_value(portfolio)`` and
    ``cvar_value(portfolio, spec.beta)``: a partial sort saved at 10^6 scenarios).
    ``portfolio`` may be None only for ``min-variance`` with ``volatility`` given."""
    kappa = spec.trading_cost(weights)
    name = spec.objective
    lam = spec.risk_aversion
    if name == "min-variance" and volatility is not None:
        return volatility + kappa
    if portfolio is None:
        raise ValueError(f"the '{name}' objective needs the portfolio's scenario returns")
    if name == "min-variance":
        return volatility_value(portfolio) + kappa
    if name == "mean-variance":
        mean = expected_return_value(portfolio) - kappa
        return mean - 0.5 * lam * variance_value(portfolio)
    if name == "max-sharpe":
        excess = expected_return_value(portfolio) - kappa - spec.risk_free
        sigma = volatility_value(portfolio)
        return excess / sigma if sigma > 0.0 else float(np.sign(excess)) * float("inf")
    if name in ("min-cvar", "mean-cvar"):
        tail_mean = cvar_value(portfolio, spec.beta) if cvar is None else cvar
        if name == "min-cvar":
            return tail_mean + kappa
        mean = expected_return_value(portfolio) - kappa
        return mean - lam * (tail_mean + kappa)
    if name == "max-growth":
        return log_growth_value(portfolio, kappa)
    if name == "crra":
        return crra_value(portfolio, kappa, lam)
    if name == "min-tracking-error":
        assert active is not None
        return tracking_error_value(active) + kappa
    raise ValueError(f"unknown objective '{name}'")
