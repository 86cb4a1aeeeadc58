"""Measures of the portfolios along one straight piece of a frontier, from one pass over the
scenario matrix.

Between two breakpoints of a min-variance frontier with linear constraints (``active_set``)
the weights are affine in the target, ``w(s) = w0 + s d``, so the scenario returns are too:
``r(s) = a + s b`` with ``a = R w0`` and ``b = R d``. One pass over ``R`` gives ``a`` and
``b``; then

* mean and variance need no pass: they are ``mu^T w`` and ``w^T Sigma w`` of the scenario
  moments (``ddof = 0``, the same numbers as ``measures``' values up to rounding);
* VaR and CVaR need the ``k`` worst of ``r(s)``, and only few scenarios can be among them for
  any ``s`` in ``[0, reach]``: with ``hi = max(a, a + reach b)`` and ``lo = min(a, a + reach b)``
  (``r_i(s)`` lies between them, being affine), the ``k``-th smallest of ``r(s)`` is at most
  ``u``, the ``k``-th smallest of ``hi``; so a scenario with ``lo_i > u`` is never in the tail.
  The candidates ``lo_i <= u`` (at least ``k`` of them) hold every tail, and each point's VaR
  and CVaR come from a partial sort of the candidates alone.

A frontier point then costs a few small array operations instead of a pass over ``R`` and a
partial sort of all ``n`` scenarios (at 10^6 scenarios ≈ 10 ms a point).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.metrics import tail_count
from allocator.optimize.measures import FloatArray, portfolio_returns


@dataclass(frozen=True)
class PortfolioFigures:
    """Per-period measures of one portfolio's scenario returns (VaR and CVaR as losses;
    the tracking error against the request's benchmark, if it has one)."""

    expected_return: float
    volatility: float
    value_at_risk: float
    cvar: float
    tracking_error: float | None = None


class PortfolioLine:
    """Tails of the portfolios ``start + s direction``, ``0 <= s <= reach``, on ``returns``
    ``(n, m)`` at ``beta``."""

    def __init__(
        self,
        returns: FloatArray,
        start: FloatArray,
        direction: FloatArray,
        reach: float,
        beta: float,
    ) -> None:
        if reach < 0.0:
            raise ValueError(f"expected a reach >= 0, found {reach}")
        self.start = np.asarray(start, dtype=np.float64)
        self.direction = np.asarray(direction, dtype=np.float64)
        self.reach = reach
        pair = portfolio_returns(returns, np.column_stack([self.start, self.direction]))
        a, b = pair[:, 0], pair[:, 1]
        self.tail = tail_count(a.shape[0], beta)
        far = b * reach
        far += a
        high = np.maximum(a, far)
        bound = np.partition(high, self.tail - 1)[self.tail - 1]
        np.minimum(a, far, out=high)
        candidates = np.flatnonzero(high <= bound)
        self.base = a[candidates]
        self.slope = b[candidates]

    @property
    def n_candidates(self) -> int:
        """Scenarios kept for the tails."""
        return int(self.base.shape[0])

    def weights(self, s: float) -> FloatArray:
        return np.asarray(self.start + s * self.direction, dtype=np.float64)

    def tail_values(self, s: float) -> tuple[float, float]:
        """``(VaR, CVaR)`` of ``start + s direction`` (``0 <= s <= reach``), as ``measures``'
        ``tail_values`` gives them from all the scenarios."""
        if not 0.0 <= s <= self.reach:
            raise ValueError(f"expected 0 <= s <= {self.reach}, found {s}")
        k = self.tail
        worst = np.partition(self.base + s * self.slope, k - 1)[:k]
        return float(-worst[k - 1]), float(-worst.mean())
