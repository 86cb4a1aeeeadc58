"""Parametric model: moments of the simulated log returns against the inputs.

Tolerances are k = 4 Monte Carlo standard errors (two-sided normal tail 6e-5 per check), with
the standard error derived from theory for i.i.d. months, and fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from allocator.market import compile_market, sample_market
from tests.market.helpers import equity, log_returns, sample, scenario

K_SE = 4.0


def _two_assets() -> dict[str, dict[str, object]]:
    return {"a": equity(), "b": equity()}


@pytest.mark.parametrize(
    "market",
    [
        {
            "frequency": "annual",
            "mean": {"a": 0.08, "b": 0.05},
            "vol": {"a": 0.20, "b": 0.12},
            "correlation": {"assets": ["a", "b"], "matrix": [[1, 0.6], [0.6, 1]]},
        },
        {
            "frequency": "monthly",
            "mean": {"a": 0.006, "b": -0.002},
            "covariance": {"assets": ["b", "a"], "matrix": [[0.0016, -0.0008], [-0.0008, 0.0036]]},
        },
    ],
    ids=["annual-vol-correlation", "monthly-covariance"],
)
def test_normal_mean_and_covariance_match_the_inputs(market: dict[str, object]) -> None:
    scn = scenario(_two_assets(), {"model": "parametric", **market}, horizon=60)
    _, paths = sample(scn, 4096, seed=7)
    g = log_returns(paths).reshape(-1, 2)  # i.i.d. months (expense ratios are 0)
    n = g.shape[0]
    if market["frequency"] == "annual":
        mean = np.array([0.08, 0.05]) / 12
        vol = np.array([0.20, 0.12])
        cov = np.outer(vol, vol) * np.array([[1, 0.6], [0.6, 1]]) / 12
    else:
        mean = np.array([0.006, -0.002])
        cov = np.array([[0.0036, -0.0008], [-0.0008, 0.0016]])
    # SE of a sample mean: sqrt(Σ_ii / n)
    mean_se = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(g.mean(axis=0) - mean) <= K_SE * mean_se)
    # SE of a sample covariance of normals: sqrt((Σ_ii Σ_jj + Σ_ij²) / n)
    cov_se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
    sample_cov = np.cov(g, rowvar=False)
    assert np.all(np.abs(sample_cov - cov) <= K_SE * cov_se)


def _t_moment(order: int, dof: float) -> float:
    """E[ε^order] of the unit-variance t shock ε = z √((ν − 2) / W), W ~ χ²_ν (order even):
    (order − 1)!! · ((ν − 2)/2)^k · Γ(ν/2 − k) / Γ(ν/2), k = order / 2."""
    k = order // 2
    double_factorial = math.prod(range(order - 1, 0, -2))
    return (
        double_factorial
        * ((dof - 2) / 2) ** k
        * math.exp(math.lgamma(dof / 2 - k) - math.lgamma(dof / 2))
    )


def test_student_t_has_unit_variance_and_excess_kurtosis_6_over_nu_minus_4() -> None:
    # ν = 12, not 8: the standard error of a sample kurtosis needs the 8th moment, finite only
    # for ν > 8.
    dof = 12.0
    vol = 0.2
    market = {
        "model": "parametric",
        "frequency": "annual",
        "mean": {"a": 0.0},
        "vol": {"a": vol},
        "innovations": {"distribution": "student_t", "dof": dof},
    }
    _, paths = sample(scenario({"a": equity()}, market, horizon=120), 16384, seed=3)
    eps = log_returns(paths).ravel() / (vol / math.sqrt(12))
    n = eps.size
    m2, m4, m6, m8 = (_t_moment(k, dof) for k in (2, 4, 6, 8))
    assert m2 == pytest.approx(1.0)
    assert m4 / m2**2 - 3 == pytest.approx(6 / (dof - 4))
    s2 = float(np.mean(eps**2))
    s4 = float(np.mean(eps**4))
    # SE of the sample variance (mean known to be 0): sqrt((μ4 − μ2²) / n)
    assert abs(s2 - 1.0) <= K_SE * math.sqrt((m4 - 1.0) / n)
    # Delta method for K = m4 / m2² − 3 at μ2 = 1:
    # n Var(K) = Var(ε⁴) − 4 μ4 Cov(ε², ε⁴) + 4 μ4² Var(ε²)
    var_k = ((m8 - m4**2) - 4 * m4 * (m6 - m4) + 4 * m4**2 * (m4 - 1)) / n
    kurtosis = s4 / s2**2 - 3
    assert abs(kurtosis - 6 / (dof - 4)) <= K_SE * math.sqrt(var_k)


def test_student_t_shares_one_tail_draw_across_assets() -> None:
    # Uncorrelated assets with a shared W are dependent: E[ε_a² ε_b²] = E[(ν−2)²/W²]
    # = μ4 / 3 > 1 although corr(ε_a, ε_b) = 0.
    dof = 12.0
    market = {
        "model": "parametric",
        "frequency": "monthly",
        "mean": {"a": 0.0, "b": 0.0},
        "vol": {"a": 1.0, "b": 1.0},
        "innovations": {"distribution": "student_t", "dof": dof},
    }
    _, paths = sample(scenario(_two_assets(), market, horizon=24), 8192, seed=5)
    g = log_returns(paths).reshape(-1, 2)
    cross = g[:, 0] ** 2 * g[:, 1] ** 2
    expected = _t_moment(4, dof) / 3
    # SE from the sample itself (i.i.d. months): std / sqrt(n)
    se = cross.std() / math.sqrt(cross.size)
    assert abs(cross.mean() - expected) <= K_SE * se
    assert expected > 1.1


def test_zero_volatility_compounds_mean_net_of_fees_exactly() -> None:
    assets = {"a": equity(fee=0.003), "b": equity(fee=0.0)}
    market = {"model": "parametric", "mean": {"a": 0.07, "b": -0.01}, "vol": {"a": 0, "b": 0}}
    spec, paths = sample(scenario(assets, market, horizon=36), 5)
    expected = np.expm1(np.array([0.07 - 0.003, -0.01]) / 12)
    assert np.abs(paths.returns - expected).max() <= 1e-15
    assert paths.rates is None and paths.regimes is None
    assert spec.model == "parametric" and spec.regime_names == ()


def test_singular_covariance_is_factored() -> None:
    # a correlation of exactly 1 (rank 1): both assets move together exactly
    market = {
        "model": "parametric",
        "frequency": "monthly",
        "mean": {"a": 0.0, "b": 0.0},
        "vol": {"a": 0.04, "b": 0.02},
        "correlation": {"assets": ["a", "b"], "matrix": [[1, 1], [1, 1]]},
    }
    _, paths = sample(scenario(_two_assets(), market), 256)
    g = log_returns(paths)
    np.testing.assert_allclose(g[..., 0], 2 * g[..., 1], rtol=1e-9, atol=1e-15)


def test_same_seed_same_paths_different_seed_different_paths() -> None:
    market = {
        "model": "parametric",
        "mean": {"a": 0.05, "b": 0.03},
        "vol": {"a": 0.2, "b": 0.1},
        "innovations": {"distribution": "student_t", "dof": 5},
    }
    spec = compile_market(scenario(_two_assets(), market, horizon=24))
    a = sample_market(spec, np.random.default_rng(1), 300).returns
    b = sample_market(spec, np.random.default_rng(1), 300).returns
    c = sample_market(spec, np.random.default_rng(2), 300).returns
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (300, 24, 2) and a.dtype == np.float64 and a.flags.c_contiguous
