"""Optimizer results against closed forms and published results, with stated tolerances.

* Unconstrained min-variance: ``w = Sigma^-1 1 / 1^T Sigma^-1 1`` (Sigma the sample covariance,
  ddof 0) to 1e-6 (CLARABEL at 1e-10 gap/feasibility tolerances).
* Normal scenarios: at a return target, min-CVaR and min-variance pick the same portfolio
  (CVaR = -mu^T w + c_beta sigma(w) for elliptical returns), up to Monte Carlo error; the CVaR
  achieved matches the analytic normal CVaR up to its standard error.
* Merton: with one lognormal risky asset and cash, CRRA (gamma = 3) and max-growth (gamma = 1)
  recover (mu - r) / (gamma sigma^2) up to the monthly discretization error (computed exactly
  by Gauss-Hermite quadrature, < 1e-3) plus Monte Carlo error.

Every statistical check allows ``K_SE`` = 4 standard errors, seeds fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from allocator.metrics import tail_count
from allocator.optimize import optimize_weights
from tests.optimize.helpers import ASSETS, COVARIANCE, K_SE, MEAN, normal_returns, request


def test_unconstrained_min_variance_is_the_closed_form() -> None:
    returns = normal_returns(5_000, seed=1)
    wide = {a: {"min": -10.0, "max": 10.0} for a in ASSETS}
    allocation = optimize_weights(
        returns, ASSETS, request(objective="min-variance", bounds=wide, leverage_limit=10.0)
    )
    sigma = np.cov(returns, rowvar=False, ddof=0)
    inverse_one = np.linalg.solve(sigma, np.ones(3))
    expected = inverse_one / inverse_one.sum()
    assert np.abs(allocation.weights - expected).max() <= 1e-6
    assert allocation.objective_value == pytest.approx(math.sqrt(1.0 / inverse_one.sum()))


def _line_direction(mean: np.ndarray) -> np.ndarray:
    """Unit vector d with 1^T d = 0 and mean^T d = 0 (3 assets: a line of portfolios)."""
    d = np.cross(np.ones(3), mean)
    return d / np.linalg.norm(d)


def test_min_cvar_equals_min_variance_at_a_return_target_on_normal_scenarios() -> None:
    n, beta, target = 200_000, 0.95, 0.008
    returns = normal_returns(n, seed=2)
    cvar = optimize_weights(returns, ASSETS, request(objective="min-cvar", min_return=target))
    var = optimize_weights(returns, ASSETS, request(objective="min-variance", min_return=target))
    assert cvar.solver.startswith("cutting-plane")
    mean = returns.mean(axis=0)
    d = _line_direction(mean)
    # Both meet sum w = 1 and mean^T w = target exactly: they differ only along d.
    t = float(d @ (cvar.weights - var.weights))
    assert np.abs(cvar.weights - var.weights - t * d).max() <= 1e-7
    # Monte Carlo error of each estimator along d (M-estimation: gradient noise / curvature).
    centered = returns - mean
    w = cvar.weights
    sigma_w = math.sqrt(w @ COVARIANCE @ w)
    c_beta = norm.pdf(norm.ppf(beta)) / (1.0 - beta)
    curvature_cvar = c_beta * (
        d @ COVARIANCE @ d / sigma_w - (d @ COVARIANCE @ w) ** 2 / sigma_w**3
    )
    losses = -(centered @ w)
    k = tail_count(n, beta)
    in_tail = losses >= np.partition(losses, n - k)[n - k]
    slope_cvar = -(centered @ d) * in_tail / (1.0 - beta)
    se_cvar = slope_cvar.std() / math.sqrt(n) / curvature_cvar
    slope_var = 2.0 * (centered @ d) * (centered @ var.weights)
    se_var = slope_var.std() / math.sqrt(n) / (2.0 * d @ COVARIANCE @ d)
    assert abs(t) <= K_SE * (se_cvar + se_var)
    # The CVaR achieved is the normal CVaR of the chosen portfolio within its standard error.
    analytic = -MEAN @ w + sigma_w * c_beta
    var_level = np.partition(-(returns @ w), n - k)[n - k]
    excess = np.maximum(-(returns @ w) - var_level, 0.0)
    se_level = excess.std() / math.sqrt(n) / (1.0 - beta)
    assert abs(cvar.cvar - analytic) <= K_SE * se_level


MU, RATE, VOL, DT = 0.08, 0.03, 0.20, 1.0 / 12.0


def _lognormal_and_cash(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    risky = np.expm1((MU - VOL**2 / 2) * DT + VOL * math.sqrt(DT) * rng.standard_normal(n))
    cash = np.full(n, math.expm1(RATE * DT))
    return np.column_stack([risky, cash])


def _discrete_optimum(gamma: float) -> float:
    """Exact one-month optimum of E u(1 + r_f + w (R - r_f)) by 80-point Gauss-Hermite."""
    x, weights = np.polynomial.hermite_e.hermegauss(80)
    weights = weights / weights.sum()
    risky = np.expm1((MU - VOL**2 / 2) * DT + VOL * math.sqrt(DT) * x)
    rf = math.expm1(RATE * DT)

    def first_order(w: float) -> float:
        return float(np.sum(weights * (1 + rf + w * (risky - rf)) ** -gamma * (risky - rf)))

    return float(brentq(first_order, 0.01, 3.0))


@pytest.mark.parametrize("gamma", [3.0, 1.0])
def test_crra_and_growth_recover_the_merton_fraction(gamma: float) -> None:
    n = 400_000
    returns = _lognormal_and_cash(n, seed=3)
    merton = (MU - RATE) / (gamma * VOL**2)
    discretization = abs(_discrete_optimum(gamma) - merton)
    assert discretization < 1e-3  # O(dt): 6.7e-5 (gamma 3), 7.8e-4 (gamma 1)
    if gamma == 1.0:  # w = 1.25: the risky asset is bought with borrowed cash
        fields = {
            "objective": "max-growth",
            "bounds": {"risky": [0, 2], "cash": [-1, 1]},
            "leverage_limit": 3.0,
        }
    else:
        fields = {"objective": "crra", "risk_aversion": gamma}
    allocation = optimize_weights(returns, ("risky", "cash"), request(**fields))
    w = allocation.weights[0]
    # Monte Carlo error of the first-order condition's root: sd(psi) / (sqrt(n) |E psi'|)
    excess = returns[:, 0] - returns[:, 1]
    wealth = 1.0 + returns @ allocation.weights
    psi = wealth**-gamma * excess
    psi_prime = -gamma * wealth ** (-gamma - 1) * excess**2
    se = psi.std() / math.sqrt(n) / abs(psi_prime.mean())
    assert abs(w - merton) <= discretization + K_SE * se
    assert allocation.iterations is not None and allocation.iterations <= 20
