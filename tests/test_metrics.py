"""Metrics against hand-computed values and their definitions."""

from __future__ import annotations

import numpy as np
import pytest

from allocator import metrics


def test_cagr_of_doubling_in_ten_years() -> None:
    out = metrics.cagr(np.array([2.0, 1.0, 0.0]), 120)
    assert out == pytest.approx([2**0.1 - 1, 0.0, -1.0])


def test_max_drawdown_and_time_under_water() -> None:
    wealth = np.array([[1.0, 1.2, 0.9, 1.0, 1.3, 1.1], [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]])
    assert metrics.max_drawdown(wealth) == pytest.approx([1 - 0.9 / 1.2, 0.0])
    # below the running peak at months 2, 3 and 5
    assert metrics.months_under_water(wealth).tolist() == [3.0, 0.0]


def test_annualized_volatility_of_alternating_returns() -> None:
    r = np.log(np.array([1.1, 1 / 1.1] * 6))
    wealth = np.exp(np.concatenate([[0.0], np.cumsum(r)]))[None, :]
    expected = np.std(r, ddof=1) * np.sqrt(12)
    assert metrics.annualized_volatility(wealth)[0] == pytest.approx(expected)


def test_var_and_cvar_on_a_uniform_grid() -> None:
    h = np.linspace(-0.99, 0.0, 100)  # 100 equally likely horizon returns
    # worst 5 outcomes: -0.99 .. -0.95; VaR is the 5th worst
    assert metrics.value_at_risk(h, 0.95) == pytest.approx(0.95)
    assert metrics.conditional_value_at_risk(h, 0.95) == pytest.approx(0.97)
    assert metrics.conditional_value_at_risk(h, 0.95) >= metrics.value_at_risk(h, 0.95)


def test_probability_below() -> None:
    assert metrics.probability_below(np.array([-0.1, 0.0, 0.2, -0.3]), 0.0) == 0.5


def test_sharpe_and_sortino_from_sums_match_direct_formulas() -> None:
    x = np.random.default_rng(1).normal(0.004, 0.04, size=5000)
    sharpe = metrics.sharpe_ratio(x.sum(), (x * x).sum(), x.size)
    assert sharpe == pytest.approx(x.mean() / x.std() * np.sqrt(12), rel=1e-9)
    down = np.minimum(x, 0.0)
    sortino = metrics.sortino_ratio(x.sum(), (down * down).sum(), x.size)
    assert sortino == pytest.approx(x.mean() * 12 / (np.sqrt((down**2).mean()) * np.sqrt(12)))
    assert metrics.sharpe_ratio(1.0, 1.0, 1) == 0.0  # no variance: defined as 0


def test_tracking_error_and_standard_error() -> None:
    active = np.array([[0.01, -0.01, 0.01, -0.01], [0.0, 0.0, 0.0, 0.0]])
    te = metrics.tracking_error(active)
    assert te[0] == pytest.approx(np.std(active[0], ddof=1) * np.sqrt(12)) and te[1] == 0.0
    assert metrics.standard_error(np.array([1.0, 2.0, 3.0])) == pytest.approx(1.0 / np.sqrt(3))
    assert np.isnan(metrics.standard_error(np.array([1.0])))
    assert metrics.probability_beat(np.array([1.0, 2.0]), np.array([1.5, 1.5])) == 0.5
