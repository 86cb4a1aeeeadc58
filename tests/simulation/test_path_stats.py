"""The engine's fused per-path statistics equal the reference definitions in metrics."""

from __future__ import annotations

import numpy as np

from allocator import metrics
from allocator.simulation.path_stats import path_values


def _wealth(ruin: bool) -> np.ndarray:
    rng = np.random.default_rng(5)
    r = rng.normal(0.004, 0.06, size=(300, 60))
    wealth = np.concatenate([np.ones((300, 1)), np.cumprod(1 + r, axis=1)], axis=1)
    if ruin:
        wealth[:5, 30:] = 0.0
    return wealth


def test_fused_values_match_the_metric_definitions() -> None:
    for ruin in (False, True):
        wealth = _wealth(ruin)
        values, log_w = path_values(wealth)
        assert np.array_equal(values["terminal"], wealth[:, -1])
        assert np.allclose(values["max_drawdown"], metrics.max_drawdown(wealth), atol=1e-12)
        assert np.array_equal(values["months_under_water"], metrics.months_under_water(wealth))
        assert np.allclose(
            values["volatility"], metrics.annualized_volatility(wealth), rtol=1e-9, atol=1e-12
        )
        assert np.allclose(np.exp(log_w), wealth, rtol=1e-14, atol=0)


def test_ruined_paths_have_full_drawdown() -> None:
    values, _ = path_values(_wealth(True))
    assert np.all(values["max_drawdown"][:5] == 1.0)
