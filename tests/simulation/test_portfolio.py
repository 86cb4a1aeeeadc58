"""Portfolio accounting on hand-made returns: buy and hold, monthly, quarterly."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.simulation.portfolio import PortfolioPlan, wealth_paths


def _returns() -> np.ndarray:
    rng = np.random.default_rng(11)
    return rng.normal(0.005, 0.05, size=(50, 12, 3))


def test_monthly_rebalancing_compounds_the_weighted_return() -> None:
    r = _returns()
    w = np.array([0.2, 0.5, 0.3])
    wealth = wealth_paths(r, np.cumprod(1 + r, axis=1), PortfolioPlan("p", "p", w, 1))
    expected = np.cumprod(1 + r @ w, axis=1)
    assert np.allclose(wealth[:, 1:], expected, rtol=1e-13)
    assert np.all(wealth[:, 0] == 1.0)


def test_buy_and_hold_is_the_weighted_growth() -> None:
    r = _returns()
    w = np.array([0.2, 0.5, 0.3])
    g = np.cumprod(1 + r, axis=1)
    wealth = wealth_paths(r, g, PortfolioPlan("p", "p", w, 0))
    assert np.allclose(wealth[:, -1], g[:, -1, :] @ w, rtol=1e-13)


def test_quarterly_rebalancing_matches_a_holdings_loop() -> None:
    r = _returns()
    w = np.array([0.2, 0.5, 0.3])
    wealth = wealth_paths(r, np.cumprod(1 + r, axis=1), PortfolioPlan("p", "p", w, 3))
    h = np.tile(w, (r.shape[0], 1))
    for t in range(r.shape[1]):
        h = h * (1 + r[:, t, :])
        v = h.sum(axis=1)
        assert np.allclose(wealth[:, t + 1], v, rtol=1e-13)
        if (t + 1) % 3 == 0:
            h = v[:, None] * w


@pytest.mark.parametrize("every", [0, 1, 3, 12])
def test_all_in_one_asset_is_that_asset_whatever_the_policy(every: int) -> None:
    r = _returns()
    w = np.array([0.0, 1.0, 0.0])
    wealth = wealth_paths(r, np.cumprod(1 + r, axis=1), PortfolioPlan("p", "p", w, every))
    assert np.allclose(wealth[:, 1:], np.cumprod(1 + r[:, :, 1], axis=1), rtol=1e-13)


@pytest.mark.parametrize("every", [2, 5, 7])
def test_rebalancing_with_a_partial_last_segment_matches_a_holdings_loop(every: int) -> None:
    r = _returns()  # 12 months: 5 and 7 leave a partial last segment
    w = np.array([0.5, 0.25, 0.25])
    wealth = wealth_paths(r, np.cumprod(1 + r, axis=1), PortfolioPlan("p", "p", w, every))
    h = np.tile(w, (r.shape[0], 1))
    for t in range(r.shape[1]):
        h = h * (1 + r[:, t, :])
        v = h.sum(axis=1)
        assert np.allclose(wealth[:, t + 1], v, rtol=1e-12)
        if (t + 1) % every == 0:
            h = v[:, None] * w
