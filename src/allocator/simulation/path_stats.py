"""Per-path statistics of one wealth series, computed together in log space.

The same quantities as ``allocator.metrics`` (which states the definitions and is the
reference in tests), fused so that the log of wealth, its running peak and its increments
are computed once per block: this is the engine's hot loop.
"""

from __future__ import annotations

import numpy as np

from allocator import metrics
from allocator.simulation.summary import FloatArray

SQRT_12 = float(np.sqrt(metrics.MONTHS_PER_YEAR))


def path_values(wealth: FloatArray) -> tuple[dict[str, FloatArray], FloatArray]:
    """Per-path terminal wealth, max drawdown, volatility and months under water.

    Parameters
    ----------
    wealth : (n_paths, n_months + 1) wealth ratios, column 0 equal to 1.

    Returns
    -------
    The per-path values (each ``(n_paths,)``) and ``log(wealth)`` (-inf after ruin), which
    the caller reuses for the band histograms.
    """
    with np.errstate(divide="ignore"):
        log_w = np.log(wealth)
    peak = np.maximum.accumulate(log_w, axis=1)
    with np.errstate(invalid="ignore"):
        gap = np.subtract(log_w, peak, out=peak)  # <= 0; -inf once ruined
    max_drawdown = -np.expm1(gap.min(axis=1))  # 1 - W/peak at the deepest point
    under_water = np.count_nonzero(gap < 0.0, axis=1).astype(np.float64)
    n_steps = log_w.shape[1] - 1
    if n_steps < 2:
        volatility = np.zeros(log_w.shape[0])
    elif np.isfinite(log_w[:, -1]).all():
        steps = np.diff(log_w, axis=1)
        total = log_w[:, -1] - log_w[:, 0]
        sum_sq = np.einsum("ij,ij->i", steps, steps)
        variance = np.maximum(sum_sq - total * total / n_steps, 0.0) / (n_steps - 1)
        volatility = np.sqrt(variance) * SQRT_12
    else:  # some path was ruined: measure each up to ruin
        volatility = metrics.annualized_volatility(wealth)
    values = {
        "terminal": wealth[:, -1].copy(),
        "max_drawdown": max_drawdown,
        "volatility": volatility,
        "months_under_water": under_water,
    }
    return values, log_w
