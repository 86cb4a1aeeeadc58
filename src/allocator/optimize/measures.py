"""Risk and reward measures, each written once as a cvxpy expression and as a numpy value.

``*_expr(R, w, ...)`` builds what the optimizer minimizes or constrains; ``*_value(r, ...)``
measures the same quantity from the portfolio's scenario returns ``r = R w`` (computed once
per portfolio, so measuring costs one pass over ``R``). The pairs agree exactly (up to solver
tolerance) because both read the same scenario distribution: ``n`` equally likely rows of
``R``, moments with ``ddof = 0`` and ``Sigma = F^T F`` (see ``scenario_moments``).

Shapes: ``R`` / ``returns`` ``(n_scenarios, n_assets)``; ``w``, ``mu``, ``b`` ``(n_assets,)``;
``F`` ``(n_assets, n_assets)``; ``r`` ``(n_scenarios,)``. Losses (VaR, CVaR) are positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cvxpy as _cvxpy
import numpy as np
import numpy.typing as npt

from allocator.metrics import conditional_value_at_risk, tail_count, value_at_risk

cp: Any = _cvxpy  # cvxpy's atoms are untyped

FloatArray = npt.NDArray[np.float64]
Expr = Any  # cvxpy expressions are untyped


@dataclass(frozen=True, eq=False)
class ScenarioMoments:
    """Mean ``mu`` ``(n_assets,)``, covariance ``Sigma`` ``(n_assets, n_assets)`` (``ddof = 0``)
    and a factor ``F`` with ``F^T F = Sigma`` of a scenario matrix."""

    mean: FloatArray
    covariance: FloatArray
    factor: FloatArray


@dataclass(frozen=True)
class PortfolioFigures:
    """Per-period measures of one portfolio's scenario returns (VaR and CVaR as losses;
    the tracking error against the request's benchmark, if it has one)."""

    expected_return: float
    volatility: float
    value_at_risk: float
    cvar: float
    tracking_error: float | None = None


def scenario_moments(returns: FloatArray, mean: FloatArray | None = None) -> ScenarioMoments:
    """Moments of the equally likely rows of ``returns`` ``(n_scenarios, n_assets)`` (``mean``:
    ``returns.mean(axis=0)`` if already known).

    ``F = diag(sqrt(max(lambda, 0))) V^T`` from ``Sigma = V diag(lambda) V^T``, which exists
    for singular ``Sigma`` too (a cash asset with constant returns).
    """
    if mean is None:
        mean = returns.mean(axis=0)
    centered = returns - mean
    covariance = centered.T @ centered / returns.shape[0]
    covariance = 0.5 * (covariance + covariance.T)
    eigenvalues, vectors = np.linalg.eigh(covariance)
    factor = np.sqrt(np.maximum(eigenvalues, 0.0))[:, None] * vectors.T
    return ScenarioMoments(mean, covariance, factor)


#: Rows per block of ``portfolio_returns``: small enough to stay in cache and below the size
#: at which OpenBLAS threads a matrix-vector product (threads that stall on a busy machine).
MATVEC_ROWS = 16_384


def portfolio_returns(
    returns: FloatArray, w: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    """``r = R w`` ``(n_scenarios,)`` — or ``(n_scenarios, k)`` for ``k`` portfolios, ``w``
    ``(n_assets, k)`` — computed block by block (same numbers as ``R @ w``), into ``out`` if
    given (a buffer reused across calls saves page faults at 10^6 rows)."""
    n = returns.shape[0]
    if n <= MATVEC_ROWS and out is None:
        return np.asarray(returns @ w, dtype=np.float64)
    out = np.empty((n, *w.shape[1:])) if out is None else out
    for start in range(0, n, MATVEC_ROWS):
        stop = min(start + MATVEC_ROWS, n)
        np.dot(returns[start:stop], w, out=out[start:stop])
    return out


def expected_return_expr(mu: Expr, w: Expr) -> Expr:
    """``mu^T w`` (gross of trading costs)."""
    return mu @ w


def expected_return_value(portfolio: FloatArray) -> float:
    """``mean_i r_i``."""
    return float(np.mean(portfolio))


def variance_expr(factor: Expr, w: Expr) -> Expr:
    """``w^T Sigma w = ||F w||^2``."""
    return cp.sum_squares(factor @ w)


def variance_value(portfolio: FloatArray) -> float:
    """``var_i(r_i)`` with ``ddof = 0``."""
    return float(np.var(portfolio))


def volatility_expr(factor: Expr, w: Expr) -> Expr:
    """``sqrt(w^T Sigma w) = ||F w||_2``."""
    return cp.norm(factor @ w, 2)


def volatility_value(portfolio: FloatArray) -> float:
    """``std_i(r_i)`` with ``ddof = 0``."""
    return float(np.std(portfolio))


def tracking_error_expr(factor: Expr, w: Expr, factor_benchmark: Expr) -> Expr:
    """``||F (w - b)||_2``, with ``F b`` passed in precomputed (keeps the problem DPP)."""
    return cp.norm(factor @ w - factor_benchmark, 2)


def tracking_error_value(active: FloatArray) -> float:
    """``std_i(R_i (w - b))`` with ``ddof = 0`` of the active returns ``R (w - b)``."""
    return float(np.std(active))


def cvar_expr(returns: FloatArray, w: Expr, tail: int) -> Expr:
    """``CVaR(w) = (1/k) * sum of the k largest losses -R_i w``.

    cvxpy's ``sum_largest`` is the Rockafellar–Uryasev LP with ``(1 - beta) n`` replaced by the
    integer ``k = tail_count(n, beta)``: ``min_a a + (1/k) sum_i max(-R_i w - a, 0)``.
    """
    return cp.sum_largest(-(returns @ w), tail) / tail


def cvar_value(portfolio: FloatArray, beta: float) -> float:
    """Minus the mean of the ``k = tail_count(n, beta)`` worst portfolio returns."""
    return conditional_value_at_risk(portfolio, beta)


def tail_values(portfolio: FloatArray, beta: float) -> tuple[float, float]:
    """``(VaR, CVaR)`` at ``beta`` from one partial sort (same values as ``var_value`` and
    ``cvar_value``)."""
    k = tail_count(portfolio.shape[0], beta)
    worst = np.partition(portfolio, k - 1)[:k]
    return float(-worst[k - 1]), float(-worst.mean())


def var_value(portfolio: FloatArray, beta: float) -> float:
    """Minus the ``k``-th worst portfolio return (the lower empirical ``1 - beta`` quantile)."""
    return value_at_risk(portfolio, beta)


def trading_cost_expr(cost: Expr, trades: Expr) -> Expr:
    """``c^T t`` with ``t >= |w - w0|`` a variable (equal to it wherever ``c > 0`` at an
    optimum, since costs are only ever minimized)."""
    return cost @ trades


def trading_cost_value(cost: FloatArray, w: FloatArray, current: FloatArray) -> float:
    """``kappa(w) = c^T |w - w0|``."""
    return float(cost @ np.abs(w - current))


def log_growth_expr(returns: FloatArray, w: Expr, cost: Expr) -> Expr:
    """``(1/n) sum_i log(1 + R_i w - kappa)``: expected log growth of the net return."""
    return cp.sum(cp.log(1.0 + returns @ w - cost)) / returns.shape[0]


def log_growth_value(portfolio: FloatArray, cost: float) -> float:
    """``mean_i log(1 + r_i - kappa)`` (``-inf`` when some scenario loses everything)."""
    gross = 1.0 + portfolio - cost
    if np.any(gross <= 0.0):
        return float("-inf")
    return float(np.mean(np.log(gross)))


def crra_expr(returns: FloatArray, w: Expr, cost: Expr, gamma: float) -> Expr:
    """Expected power utility ``(1/n) sum_i (1 + R_i w - kappa)^(1 - gamma) / (1 - gamma)``,
    the log growth for ``gamma = 1``. Concave for every ``gamma > 0``; ``gamma`` is a constant
    (an exponent cannot be a DPP parameter), so a new ``gamma`` builds a new problem."""
    if gamma == 1.0:
        return log_growth_expr(returns, w, cost)
    wealth = 1.0 + returns @ w - cost
    power = cp.power(wealth, 1.0 - gamma, approx=False)
    return cp.sum(power) / (returns.shape[0] * (1.0 - gamma))


def crra_value(portfolio: FloatArray, cost: float, gamma: float) -> float:
    """``mean_i (1 + r_i - kappa)^(1 - gamma) / (1 - gamma)``; ``-inf`` outside the domain."""
    if gamma == 1.0:
        return log_growth_value(portfolio, cost)
    gross = 1.0 + portfolio - cost
    if np.any(gross <= 0.0):
        return float("-inf")
    return float(np.mean(np.power(gross, 1.0 - gamma)) / (1.0 - gamma))
