"""A CVaR limit next to a non-CVaR objective (variance, Sharpe, tracking error) by cutting
planes: Kelley's outer approximation on the cvxpy problem, instead of one variable per scenario.

``CVaR(w) = max_q q^T L(w)`` over ``q_i in [0, 1/k]``, ``sum q = 1`` (``L = -R w``), so it is
convex and positively homogeneous, and at any ``w`` its maximizer (``1/k`` on the ``k``
largest losses) gives ``g = -(1/k) sum_{top k} R_i`` with ``CVaR(w') >= g^T w'`` for every
``w'``, equality at ``w``. The cvxpy problem (``convex``, built once) holds ``CAPACITY`` rows
``g_j^T x <= t``, ``t + kappa <= limit`` as a parameter: the latest cuts, rows not yet made
repeating the first (64 rows, mostly repeats, left CLARABEL inaccurate). Any set of cuts is a
relaxation of the limit, so once its optimum meets the true limit within ``TOLERANCE`` it is
the optimum of the request; otherwise the cut at that optimum is added and the problem
re-solved (parameter values only). ``MAX_ROUNDS`` rounds without that: the caller falls back
to the exact form.
"""

from __future__ import annotations

import numpy as np

from allocator.optimize.measures import FloatArray, portfolio_returns

#: Rows of cuts in the cvxpy problem, and rounds before giving up.
CAPACITY = 32
MAX_ROUNDS = 96
#: Largest excess of the true CVaR over its limit accepted (return units).
TOLERANCE = 1e-9


def cvar_cut(returns: FloatArray, weights: FloatArray, tail: int) -> tuple[float, FloatArray]:
    """``CVaR(w)`` (mean of the ``tail`` largest losses of ``R w``) and its subgradient
    ``g`` ``(n_assets,)``: ``CVaR(w') >= g^T w'`` for all ``w'``."""
    portfolio = portfolio_returns(returns, weights)
    worst = np.argpartition(portfolio, tail - 1)[:tail]
    slope = -np.take(returns, worst, axis=0).sum(axis=0) / tail
    return float(-portfolio[worst].mean()), slope


def cut_rows(slopes: list[FloatArray]) -> FloatArray:
    """The ``(CAPACITY, n_assets)`` parameter value: the latest cuts, then the first
    repeated."""
    latest = slopes[-CAPACITY:]
    rows = np.repeat(latest[0][None, :], CAPACITY, axis=0)
    rows[: len(latest)] = np.array(latest)
    return rows
