"""Each measure's cvxpy expression equals its numpy value (what is optimized is what is
measured): evaluated at fixed weights, expressions are exact up to float rounding (1e-12)."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from allocator.metrics import tail_count
from allocator.optimize import measures as ms
from tests.optimize.helpers import normal_returns

RETURNS = normal_returns(2_000, seed=11)
WEIGHTS = np.array([0.5, 0.3, 0.2])
EXACT = 1e-12


def test_moments_factor_reproduces_the_covariance() -> None:
    moments = ms.scenario_moments(RETURNS)
    assert np.allclose(moments.factor.T @ moments.factor, moments.covariance, atol=EXACT)
    assert np.allclose(moments.covariance, np.cov(RETURNS, rowvar=False, ddof=0), atol=EXACT)


def test_moments_of_a_constant_column_are_singular_but_factored() -> None:
    returns = RETURNS.copy()
    returns[:, 2] = 0.002  # cash: no variance
    moments = ms.scenario_moments(returns)
    assert np.allclose(moments.factor.T @ moments.factor, moments.covariance, atol=EXACT)


@pytest.mark.parametrize("measure", ["variance", "volatility", "tracking_error"])
def test_moment_measures_agree(measure: str) -> None:
    moments = ms.scenario_moments(RETURNS)
    w = cp.Constant(WEIGHTS)
    benchmark = np.array([0.0, 0.6, 0.4])
    if measure == "variance":
        expr = ms.variance_expr(moments.factor, w)
        value = ms.variance_value(RETURNS @ WEIGHTS)
    elif measure == "volatility":
        expr = ms.volatility_expr(moments.factor, w)
        value = ms.volatility_value(RETURNS @ WEIGHTS)
    else:
        expr = ms.tracking_error_expr(moments.factor, w, moments.factor @ benchmark)
        value = ms.tracking_error_value(RETURNS @ (WEIGHTS - benchmark))
    assert float(expr.value) == pytest.approx(value, abs=EXACT)


def test_cvar_expression_is_the_mean_of_the_k_worst() -> None:
    beta = 0.95
    k = tail_count(RETURNS.shape[0], beta)
    expr = ms.cvar_expr(RETURNS, cp.Constant(WEIGHTS), k)
    worst = np.sort(RETURNS @ WEIGHTS)[:k]
    assert float(expr.value) == pytest.approx(-worst.mean(), abs=EXACT)
    assert ms.cvar_value(RETURNS @ WEIGHTS, beta) == pytest.approx(-worst.mean(), abs=EXACT)
    assert ms.var_value(RETURNS @ WEIGHTS, beta) == pytest.approx(-worst[-1], abs=EXACT)


@pytest.mark.parametrize("gamma", [1.0, 0.5, 3.0])
def test_utility_expressions_agree(gamma: float) -> None:
    cost = 0.001
    expr = ms.crra_expr(RETURNS, cp.Constant(WEIGHTS), cost, gamma)
    value = ms.crra_value(RETURNS @ WEIGHTS, cost, gamma)
    assert float(expr.value) == pytest.approx(value, rel=1e-10)
    if gamma == 1.0:
        assert value == pytest.approx(np.mean(np.log1p(RETURNS @ WEIGHTS - cost)), abs=EXACT)


def test_trading_cost_expression_at_tight_trades() -> None:
    current = np.array([0.2, 0.5, 0.3])
    cost = np.array([0.001, 0.0005, 0.0002])
    trades = np.abs(WEIGHTS - current)
    expr = ms.trading_cost_expr(cost, cp.Constant(trades))
    assert float(expr.value) == pytest.approx(
        ms.trading_cost_value(cost, WEIGHTS, current), abs=EXACT
    )


def test_utility_outside_its_domain_is_minus_infinity() -> None:
    returns = np.array([[-1.5, 0.0], [0.1, 0.0]])
    assert ms.log_growth_value(returns @ np.array([1.0, 0.0]), 0.0) == float("-inf")
    assert ms.crra_value(returns @ np.array([1.0, 0.0]), 0.0, 3.0) == float("-inf")


@pytest.mark.parametrize("n", [100, ms.MATVEC_ROWS + 1_001])  # one block, and several
def test_portfolio_returns_block_by_block_equal_the_product(n: int) -> None:
    returns = normal_returns(n, seed=12)
    several = np.column_stack([WEIGHTS, [0.2, 0.2, 0.6]])
    assert np.allclose(ms.portfolio_returns(returns, WEIGHTS), returns @ WEIGHTS, atol=1e-15)
    assert np.allclose(ms.portfolio_returns(returns, several), returns @ several, atol=1e-15)
    out = np.empty(n)
    assert ms.portfolio_returns(returns, WEIGHTS, out) is out
