"""Cutting-plane solves on a candidate tail (the scenarios that lost most at a nearby point,
e.g. the previous frontier point), verified on every scenario: exact, at a fraction of the cost.

With ``C`` a set of scenarios and ``CVaR_C(w)`` the mean of the ``k`` largest losses among ``C``
(``k`` the full problem's tail size), ``CVaR_C(w) <= CVaR(w)`` for every ``w``, with equality
where the ``k`` largest losses are all in ``C``. The cutting plane run with the restricted oracle
(``CvarOracle.restricted``: cuts summing over candidate rows only, valid cuts of the full
problem too) ends at ``w*`` with an upper value ``U`` computed with ``CVaR_C`` and a lower bound
``L`` on the *full* optimum (the master only ever holds valid cuts of the full problem),
``U - L <= tol``. One pass over every scenario at ``w*`` checks that no scenario outside ``C``
loses more than the ``k``-th largest candidate loss. If none does, ``CVaR(w*) = CVaR_C(w*)``:
``w*`` meets the CVaR limits and its gap to the full optimum is at most ``U - L``, the same
certificate a full solve gives. If some do, they (and the largest losses at ``w*``) join ``C``
and the solve resumes from ``w*`` with every cut kept; after ``MAX_ROUNDS`` the full solve
decides. An infeasible verdict needs no check: the candidate problem is a relaxation.

The check's pass is the one that measuring the point needs anyway (``R w*``, returned), so a
frontier point costs one pass over the matrix plus iterations over about
``CANDIDATE_SHARE * k`` rows.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from allocator.optimize.cutting_plane import CutSolution, CvarCuttingPlane
from allocator.optimize.cvar_oracle import IntArray
from allocator.optimize.linear_model import LinearModel
from allocator.optimize.measures import FloatArray, portfolio_returns

#: Candidates: about this many tail sizes ``k`` of the largest losses at the nearby point.
CANDIDATE_SHARE = 2.5
#: Candidate rounds before the full solve decides.
MAX_ROUNDS = 4
#: The candidates' loss level is read from every SAMPLE_STRIDE-th scenario (a partial sort
#: of all of them costs more than the rest of a frontier point).
SAMPLE_STRIDE = 16


def largest_losses(portfolio: FloatArray, count: int) -> IntArray:
    """Sorted row numbers of at least ``count`` (about 5% more) scenarios with the lowest
    returns ``portfolio`` ``(n,)``: below a quantile of a strided sample, or of all of them
    when the sample misleads."""
    n = portfolio.shape[0]
    if count >= n:
        return np.arange(n, dtype=np.intp)
    sample = portfolio[::SAMPLE_STRIDE]
    rank = min(sample.shape[0] - 1, math.ceil(1.05 * count / SAMPLE_STRIDE))
    level = float(np.partition(sample, rank)[rank])
    chosen = np.flatnonzero(portfolio <= level)
    if chosen.size < count:
        level = float(np.partition(portfolio, count - 1)[count - 1])
        chosen = np.flatnonzero(portfolio <= level)
    return chosen


def outside_tail(portfolio: FloatArray, candidates: IntArray, tail: int) -> IntArray:
    """Scenarios not in ``candidates`` whose return ``portfolio`` is below the ``tail``-th
    lowest candidate return (empty: the ``tail`` largest losses are all candidates; ties do
    not change their mean)."""
    inside = portfolio[candidates]
    level = np.partition(inside, tail - 1)[tail - 1]
    if np.count_nonzero(portfolio < level) == np.count_nonzero(inside < level):
        return np.zeros(0, dtype=np.intp)
    below = portfolio < level
    below[candidates] = False
    return np.flatnonzero(below)


def solve_from_candidates(
    engine: CvarCuttingPlane,
    model: LinearModel,
    nearby: FloatArray,
    start: FloatArray | None = None,
    tolerance: float = 1e-9,
) -> tuple[CutSolution, FloatArray | None]:
    """Solve ``model`` with candidates taken from ``nearby`` = ``R w_near`` ``(n,)``.

    Returns the solution (its ``iterations`` summed over the rounds) and ``R w*`` when it was
    computed for the check (None otherwise)."""
    n = engine.returns.shape[0]
    k = engine.oracle.tail
    count = math.ceil(CANDIDATE_SHARE * k)
    if 2 * count > n:  # a restriction to most of the scenarios would not pay
        return engine.solve(model, start=start, tolerance=tolerance), None
    candidates = largest_losses(nearby, count)
    iterations = 0
    for _ in range(MAX_ROUNDS):
        oracle = engine.oracle.restricted(candidates)
        solution = engine.solve(model, start=start, tolerance=tolerance, oracle=oracle)
        iterations += solution.iterations
        if solution.weights is None:
            return replace(solution, iterations=iterations), None
        portfolio = portfolio_returns(engine.returns, solution.weights)
        missing = outside_tail(portfolio, candidates, k)
        if missing.size == 0:
            return replace(solution, iterations=iterations), portfolio
        worst = largest_losses(portfolio, count)
        candidates = np.union1d(candidates, np.union1d(missing, worst))
        start = solution.weights
    solution = engine.solve(model, start=start, tolerance=tolerance)
    return replace(solution, iterations=iterations + solution.iterations), None
