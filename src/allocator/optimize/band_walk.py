"""The band LP (``band_lp``) solved by walking from vertex to vertex of its primal, started at
the last solve's vertex: a handful of dense steps where HiGHS spends milliseconds on set-up.

In the master's columns without the ``theta_j`` (``x``; ``band_dual`` has the notation) the band
LP is

    min  f(x) = q0^T x + t sum_{i in band} (-h_i^T x)_+   s.t.  n_f^T x >= p_f  (= for equations)

with ``h_i = [R_i, 1]`` on ``(w, a)`` (so ``-h_i^T x = L_i(w) - a``), ``q0`` the costs with the
sure tail folded in, and ``(n_f, p_f)`` the bound multipliers' columns and prices of
``band_dual`` (each a bound side written as ``>=``). A vertex is ``r = dim x`` active planes
(bound sides ``n_f^T x = p_f``, kinks ``h_i^T x = 0``) with normals ``N`` (``r x r``,
invertible): ``x = N^-1 p``. With ``q`` the gradient of the smooth part (``q0 - t h_i`` summed over
inactive band scenarios losing more than ``a``) and ``y = N^-T q``, moving off plane ``j`` along
``+-N^-1 e_j`` changes ``f`` at the rate ``y_j`` (``+``) or, for a kink, ``t - y_j`` (``-``). The
vertex is optimal when ``y_j >= 0`` for bound sides and ``0 <= y_j <= t`` for kinks (``y`` is then
a feasible point of the dual, ``pi_i = y_i``, with the same objective: ``f(x)`` is the LP's
minimum). Otherwise the steepest move is taken as far as ``f`` keeps falling: past every kink
whose crossing leaves the slope negative (each crossing raises it by ``t |h_i^T d|``), stopping
at the kink that turns it, or at the first bound side reached. That plane replaces plane ``j``.

The start is the previous solve's vertex (planes, not point): its kinks join the band, and with
the new return target ``x = N^-1 p`` moves along with it. When that point breaks a bound, the
walk declines and the caller solves with HiGHS; it declines too after ``MAX_STEPS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from allocator.optimize.band_dual import Vertex
from allocator.optimize.lp_master import IntArray
from allocator.optimize.measures import FloatArray

#: Steps before the walk gives up (degenerate cycling; the caller's HiGHS then decides).
MAX_STEPS = 500
#: Slack allowed on a bound side at the start (the LP's own feasibility tolerance).
FEASIBILITY = 1e-10


@dataclass(frozen=True, eq=False)
class WalkResult:
    x: FloatArray
    value: float
    vertex: Vertex
    steps: int


def walk(
    start: Vertex,
    cost: FloatArray,
    t: float,
    normals: FloatArray,
    prices: FloatArray,
    free: npt.NDArray[np.bool_],
    returns: FloatArray,
    band: IntArray,
    m: int,
    alpha: int,
) -> WalkResult | None:
    """Minimize the band LP (``cost`` = ``q0``; bound sides ``normals`` ``(F, r)``, ``prices``,
    ``free`` for equations; kinks of scenarios ``band``, rows of ``returns``, ``w`` the first
    ``m`` columns of ``x`` and ``a`` column ``alpha``) from the vertex ``start``, whose kinks must
    be in ``band``. None when the start is not a feasible vertex or the walk stalls."""
    r = cost.size
    kink_rows = np.zeros((band.size, r))
    kink_rows[:, :m] = np.take(returns, band, axis=0)
    kink_rows[:, alpha] = 1.0
    position = np.minimum(np.searchsorted(band, start.kinks), max(0, band.size - 1))
    if start.kinks.size and (band.size == 0 or np.any(band[position] != start.kinks)):
        return None  # a kink of the start left the band
    if start.bounds.size + start.kinks.size != r or not np.all(
        np.isin(np.flatnonzero(free), start.bounds)
    ):
        return None  # not a vertex, or an equation left out
    # the active planes: a bound side (index into normals) or a kink (index into band)
    is_kink = np.concatenate([np.zeros(start.bounds.size, bool), np.ones(start.kinks.size, bool)])
    index = np.concatenate([start.bounds, position]).astype(np.int64)
    status, steps, x = _steps(
        np.ascontiguousarray(normals, dtype=np.float64),
        np.ascontiguousarray(prices, dtype=np.float64),
        np.ascontiguousarray(free, dtype=np.bool_),
        kink_rows,
        np.ascontiguousarray(cost, dtype=np.float64),
        float(t),
        is_kink,
        index,
        MAX_STEPS,
        FEASIBILITY,
    )
    if status != OPTIMAL:
        return None
    excess = -(kink_rows @ x)
    value = float(cost @ x) + t * float(np.maximum(excess, 0.0).sum())
    vertex = Vertex(np.sort(index[~is_kink]).astype(np.intp), np.sort(band[index[is_kink]]))
    return WalkResult(x, value, vertex, steps)


OPTIMAL, OUT_OF_BOUNDS, SINGULAR, UNBOUNDED, STALLED = range(5)


@numba.njit(cache=True, nogil=True)
def _inverse(matrix: FloatArray) -> tuple[bool, FloatArray]:
    """Gauss-Jordan with partial pivoting on a small matrix: ``(False, _)`` if singular."""
    r = matrix.shape[0]
    work = matrix.copy()
    inverse = np.eye(r)
    for col in range(r):
        pivot = col + int(np.argmax(np.abs(work[col:, col])))
        if abs(work[pivot, col]) < 1e-14 * max(1.0, np.max(np.abs(work))):
            return False, inverse
        if pivot != col:
            for j in range(r):
                work[col, j], work[pivot, j] = work[pivot, j], work[col, j]
                inverse[col, j], inverse[pivot, j] = inverse[pivot, j], inverse[col, j]
        scale = 1.0 / work[col, col]
        for j in range(r):
            work[col, j] *= scale
            inverse[col, j] *= scale
        for i in range(r):
            if i != col and work[i, col] != 0.0:
                factor = work[i, col]
                for j in range(r):
                    work[i, j] -= factor * work[col, j]
                    inverse[i, j] -= factor * inverse[col, j]
    return True, inverse


@numba.njit(cache=True, nogil=True)
def _steps(
    normals: FloatArray,
    prices: FloatArray,
    free: npt.NDArray[np.bool_],
    kink_rows: FloatArray,
    cost: FloatArray,
    t: float,
    is_kink: npt.NDArray[np.bool_],
    index: npt.NDArray[np.int64],
    max_steps: int,
    feasibility: float,
) -> tuple[int, int, FloatArray]:
    """The walk's steps (the planes ``is_kink``/``index`` updated in place): ``(status,
    steps, x)``."""
    r = cost.size
    n_kinks = kink_rows.shape[0]
    n_bounds = normals.shape[0]
    matrix = np.empty((r, r))
    rhs = np.zeros(r)
    x = np.zeros(r)
    active = np.zeros(n_kinks, dtype=np.bool_)
    in_set = np.zeros(n_bounds, dtype=np.bool_)
    excess = np.empty(n_kinks)
    for steps in range(max_steps):
        active[:] = False
        in_set[:] = False
        for j in range(r):
            if is_kink[j]:
                matrix[j] = kink_rows[index[j]]
                rhs[j] = 0.0
                active[index[j]] = True
            else:
                matrix[j] = normals[index[j]]
                rhs[j] = prices[index[j]]
                in_set[index[j]] = True
        ok, inverse = _inverse(matrix)
        if not ok:
            return SINGULAR, steps, x
        x = inverse @ rhs
        slack = normals @ x - prices
        if steps == 0:
            for f in range(n_bounds):
                if not free[f] and slack[f] < -feasibility:
                    return OUT_OF_BOUNDS, steps, x
        q = cost.copy()
        for i in range(n_kinks):
            e = 0.0
            for c in range(r):
                e -= kink_rows[i, c] * x[c]
            excess[i] = e
            if e > 0.0 and not active[i]:
                for c in range(r):
                    q[c] -= t * kink_rows[i, c]
        y = inverse.T @ q
        tolerance = 1e-12 * max(1.0, np.max(np.abs(q)))
        # the steepest move off a plane: + for inequalities and kinks, - for kinks
        leave, rate, sign = -1, -tolerance, 1.0
        for j in range(r):
            if not (not is_kink[j] and free[index[j]]) and y[j] < rate:
                leave, rate, sign = j, y[j], 1.0
            if is_kink[j] and t - y[j] < rate:
                leave, rate, sign = j, t - y[j], -1.0
        if leave < 0:
            return OPTIMAL, steps, x
        direction = sign * inverse[:, leave]
        # how far: the first bound side reached ...
        speed = normals @ direction
        limit, enter_bound = np.inf, -1
        for f in range(n_bounds):
            if not free[f] and not in_set[f] and speed[f] < 0.0:
                room = max(slack[f], 0.0) / -speed[f]
                if room < limit:
                    limit, enter_bound = room, f
        # ... or the kink at which the slope turns non-negative
        turn = kink_rows @ direction  # the excess falls at this rate
        when = np.empty(n_kinks)
        count = 0
        candidates = np.empty(n_kinks, dtype=np.int64)
        for i in range(n_kinks):
            if not active[i] and excess[i] * turn[i] > 0.0:
                tau = excess[i] / turn[i]
                if tau < limit:
                    when[count] = tau
                    candidates[count] = i
                    count += 1
        enter_kink = -1
        if count:
            order = np.argsort(when[:count])
            slope = rate
            for o in order:
                slope += t * abs(turn[candidates[o]])
                if slope >= 0.0:
                    enter_kink = candidates[o]
                    break
        if enter_kink >= 0:
            is_kink[leave], index[leave] = True, enter_kink
        elif enter_bound >= 0:
            is_kink[leave], index[leave] = False, enter_bound
        else:
            return UNBOUNDED, steps, x
    return STALLED, max_steps, x
