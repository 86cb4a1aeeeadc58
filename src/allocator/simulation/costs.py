"""Trading costs, written once. The simulator uses these NumPy forms; the optimizer's cvxpy
forms (``allocator.optimize``) are the same formulas on expressions."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
TRADE_EPSILON = 1e-12


def proportional_cost(trades: FloatArray, rate: FloatArray | None) -> FloatArray:
    """``sum_i rate_i |z_i|`` over the last axis: bps of traded value (``rate`` = bps / 1e4)."""
    if rate is None:
        return np.zeros(trades.shape[:-1])
    return np.asarray(np.abs(trades) @ rate, dtype=np.float64)


def fixed_cost(trades: FloatArray, per_trade: float) -> FloatArray:
    """``per_trade`` for each asset actually traded (``|z_i| > 1e-12``)."""
    if per_trade == 0.0:
        return np.zeros(trades.shape[:-1])
    traded = np.count_nonzero(np.abs(trades) > TRADE_EPSILON, axis=-1)
    return np.asarray(per_trade * traded, dtype=np.float64)


def turnover(trades: FloatArray, value: FloatArray) -> FloatArray:
    """One-way turnover of a trade as a fraction of wealth: ``sum_i |z_i| / (2 v)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.abs(trades).sum(axis=-1) / (2.0 * value)
    return np.where(value > 0, out, 0.0)
