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
partial sort of all ``n`` scenarios (at 10^6 scenarios ≈ 10 ms a point). ``WalkedLines``
keeps the piece the walk's latest points lie on and starts a new one when its active set
changes.
"""

from __future__ import annotations

import numpy as np

from allocator.metrics import tail_count
from allocator.optimize.active_set import FrontierWalk
from allocator.optimize.measures import (
    FloatArray,
    PortfolioFigures,
    ScenarioMoments,
    portfolio_returns,
)
from allocator.optimize.spec import ProblemSpec


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


class WalkedLines:
    """The straight piece of a walked frontier (``PortfolioLine``) its latest points lie on,
    replaced when the walk's active set changes. Targets run up to ``top``."""

    #: Largest distance (in weights) between a certified point and the piece's line at which
    #: the piece still measures it (the line's measures then move by ~1e-13 at most).
    ON_LINE = 1e-12

    def __init__(
        self,
        returns: FloatArray,
        moments: ScenarioMoments,
        spec: ProblemSpec,
        top: float,
    ) -> None:
        self.returns = returns
        self.moments = moments
        self.beta = spec.beta
        self.benchmark = spec.benchmark
        self.top = top
        self.line: PortfolioLine | None = None
        self.target = 0.0  # where the line starts
        self.side = b""  # the active set it belongs to

    def figures(
        self, walk: FrontierWalk, weights: FloatArray, target: float
    ) -> PortfolioFigures | None:
        """Measures of the walk's certified point ``weights`` at ``target``, from the current
        piece or a new one (None: the target does not bind, so there is no piece)."""
        side = walk.side.tobytes()
        line, s = self.line, target - self.target
        on_line = (
            line is not None
            and side == self.side
            and 0.0 <= s <= line.reach
            and np.abs(line.weights(s) - weights).max() <= self.ON_LINE
        )
        if not on_line:
            piece = walk.segment(max(0.0, self.top - target))
            if piece is None:
                self.line = None
                return None
            direction, reach = piece
            line = PortfolioLine(self.returns, weights, direction, reach, self.beta)
            self.line, self.target, self.side, s = line, target, side, 0.0
        assert line is not None
        var, cvar = line.tail_values(s)
        tracking_error = None
        if self.benchmark is not None:
            tracking_error = self._volatility(weights - self.benchmark)
        return PortfolioFigures(
            expected_return=float(self.moments.mean @ weights),
            volatility=self._volatility(weights),
            value_at_risk=var,
            cvar=cvar,
            tracking_error=tracking_error,
        )

    def _volatility(self, weights: FloatArray) -> float:
        """``std(R w)`` (``ddof = 0``) as ``sqrt(w^T Sigma w)``: the same number to rounding."""
        variance = float(weights @ self.moments.covariance @ weights)
        return float(np.sqrt(max(variance, 0.0)))
