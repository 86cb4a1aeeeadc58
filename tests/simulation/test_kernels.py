"""The engine's compiled per-path pass equals the NumPy reference definitions in metrics."""

from __future__ import annotations

import numpy as np
import pytest

from allocator import metrics
from allocator.simulation.kernels import series_statistics
from allocator.simulation.summary import LOG_WEALTH_GRID


def _series(ruin: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    r = rng.normal(0.004, 0.06, size=(300, 60))
    wealth = np.concatenate([np.ones((300, 1)), np.cumprod(1 + r, axis=1)], axis=1)
    if ruin:
        wealth[:5, 30:] = 0.0
        r[:5, 29] = -1.0
        r[:5, 30:] = 0.0
    cash = np.full_like(r, 0.003)
    bench = rng.normal(0.005, 0.05, size=r.shape)
    return wealth, r, cash, bench


@pytest.mark.parametrize("ruin", [False, True])
def test_kernel_matches_the_metric_definitions(ruin: bool) -> None:
    wealth, r, cash, bench = _series(ruin)
    counts = np.zeros((61, LOG_WEALTH_GRID.bins + 2), dtype=np.int32)
    drawdown, sums = series_statistics(wealth, r, cash, bench, counts)
    assert np.allclose(drawdown, metrics.max_drawdown(wealth), atol=1e-12)
    assert sums["months_under_water"] == metrics.months_under_water(wealth).sum()
    assert sums["volatility"] == pytest.approx(
        metrics.annualized_volatility(wealth).sum(), rel=1e-9
    )
    x = r - cash
    assert sums["excess_sum"] == pytest.approx(x.sum(), rel=1e-12)
    assert sums["excess_sq"] == pytest.approx((x * x).sum(), rel=1e-12)
    assert sums["downside_sq"] == pytest.approx((np.minimum(x, 0) ** 2).sum(), rel=1e-12)
    te = metrics.tracking_error(r - bench).sum()
    assert sums["tracking_error"] == pytest.approx(te, rel=1e-9)
    # the histogram counts every path at every month, and its quantiles are within one bin
    assert np.all(counts.sum(axis=1) == 300)
    probs = np.array([0.05, 0.5, 0.95])
    with np.errstate(divide="ignore"):
        exact = np.quantile(np.log(wealth), probs, axis=0, method="inverted_cdf").T
    est = LOG_WEALTH_GRID.quantiles(counts, probs)
    finite = np.isfinite(exact)
    assert np.max(np.abs(est - exact)[finite]) <= LOG_WEALTH_GRID.width


def test_ruined_paths_have_full_drawdown() -> None:
    wealth, r, cash, bench = _series(True)
    drawdown, _ = series_statistics(wealth, r, cash, bench, None)
    assert np.all(drawdown[:5] == 1.0)
