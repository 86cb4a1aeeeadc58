"""Trading costs, written once. The simulator uses these NumPy forms; the optimizer's cvxpy
forms (``allocator.optimize``) are the same formulas on expressions."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def proportional_cost(trades: FloatArray, rate: FloatArray | None) -> FloatArray:
    """``sum_i rate_i |z_i|`` over the last axis: bps of traded value (``rate`` = bps / 1e4)."""
    if rate is None:
        return np.zeros(trades.shape[:-1])
    return np.asarray(np.abs(trades) @ rate, dtype=np.float64)
