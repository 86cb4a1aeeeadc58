"""Data builders for the optimizer tests: seeded scenario matrices with known moments."""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.scenario.optimize_schema import Optimization

#: Standard errors allowed by the statistical tests (|estimate - truth| <= K_SE * SE).
K_SE = 4.0

ASSETS = ("small", "large", "bonds")
MEAN = np.array([0.010, 0.008, 0.004])
VOL = np.array([0.060, 0.045, 0.020])
CORRELATION = np.array([[1.0, 0.8, 0.1], [0.8, 1.0, 0.2], [0.1, 0.2, 1.0]])
COVARIANCE = np.outer(VOL, VOL) * CORRELATION


def normal_returns(n: int, seed: int, mean: Any = MEAN, cov: Any = COVARIANCE) -> np.ndarray:
    """``n`` i.i.d. normal scenarios ``(n, len(mean))``."""
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(np.asarray(mean), np.asarray(cov), size=n)


def request(**fields: Any) -> Optimization:
    return Optimization.model_validate(fields)
