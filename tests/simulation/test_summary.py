"""Streamed histogram quantiles: within one bin of the exact quantile, merge exactly."""

from __future__ import annotations

import numpy as np

from allocator.simulation.summary import LOG_WEALTH_GRID, RATE_GRID, Grid


def test_histogram_quantiles_within_one_bin_of_exact() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(0.3, 0.6, size=(50_000, 3))
    probs = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    est = LOG_WEALTH_GRID.quantiles(LOG_WEALTH_GRID.counts(values), probs)
    exact = np.quantile(values, probs, axis=0, method="inverted_cdf").T
    assert np.max(np.abs(est - exact)) <= LOG_WEALTH_GRID.width


def test_rate_grid_resolution_is_one_basis_point() -> None:
    assert abs(RATE_GRID.width - 1e-4) < 1e-15


def test_under_and_overflow_are_counted_and_clamped() -> None:
    grid = Grid(0.0, 1.0, 10)
    values = np.array([[-np.inf], [-5.0], [0.05], [0.95], [7.0], [np.nan]])
    counts = grid.counts(values)[0]
    assert counts[0] == 3  # -inf, -5 and nan go below
    assert counts[-1] == 1
    assert counts.sum() == values.shape[0]
    assert grid.quantiles(counts[None, :], np.array([0.1]))[0, 0] == 0.0


def test_counts_merge_exactly_whatever_the_split() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=(1000, 4))
    whole = LOG_WEALTH_GRID.counts(values)
    parts = LOG_WEALTH_GRID.counts(values[:333]) + LOG_WEALTH_GRID.counts(values[333:])
    assert np.array_equal(whole, parts)
