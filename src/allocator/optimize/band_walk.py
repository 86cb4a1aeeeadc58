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

import numpy as np
import numpy.typing as npt

from allocator.optimize.lp_master import IntArray
from allocator.optimize.measures import FloatArray

#: Steps before the walk gives up (degenerate cycling; the caller's HiGHS then decides).
MAX_STEPS = 500
#: Slack allowed on a bound side at the start (the LP's own feasibility tolerance).
FEASIBILITY = 1e-10


@dataclass(frozen=True)
class Vertex:
    """Active planes: ``bounds`` (bound multipliers' columns of ``band_dual``) and ``kinks``
    (scenario numbers), ``len(bounds) + len(kinks) = dim x``."""

    bounds: IntArray
    kinks: IntArray


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
    index = np.concatenate([start.bounds, position]).astype(np.intp)
    inequality = ~free
    matrix = np.empty((r, r))
    rhs = np.zeros(r)
    for steps in range(MAX_STEPS):
        matrix[~is_kink] = normals[index[~is_kink]]
        matrix[is_kink] = kink_rows[index[is_kink]]
        rhs[:] = 0.0
        rhs[~is_kink] = prices[index[~is_kink]]
        try:
            inverse = np.linalg.inv(matrix)
        except np.linalg.LinAlgError:
            return None
        x = inverse @ rhs
        slack = normals @ x - prices
        if steps == 0 and np.any(slack[inequality] < -FEASIBILITY):
            return None  # the new target moved the old vertex out of bounds
        excess = -(kink_rows @ x)
        active_kink = np.zeros(band.size, dtype=bool)
        active_kink[index[is_kink]] = True
        losing = (excess > 0.0) & ~active_kink
        q = cost - t * kink_rows[losing].sum(axis=0)
        y = inverse.T @ q
        scale = 1e-12 * max(1.0, float(np.max(np.abs(q))))
        # rates of the moves off each plane: + for every inequality and kink, - for kinks
        is_free = np.zeros(r, dtype=bool)
        is_free[~is_kink] = free[index[~is_kink]]
        plus = np.where(is_free, np.inf, y)
        minus = np.where(is_kink, t - y, np.inf)
        best_plus, best_minus = int(np.argmin(plus)), int(np.argmin(minus))
        if min(plus[best_plus], minus[best_minus]) >= -scale:
            value = float(cost @ x) + t * float(np.maximum(excess, 0.0).sum())
            kinks = np.sort(band[index[is_kink]])
            vertex = Vertex(np.sort(index[~is_kink]), kinks)
            return WalkResult(x, value, vertex, steps)
        if plus[best_plus] <= minus[best_minus]:
            leave, direction, rate = best_plus, inverse[:, best_plus], plus[best_plus]
        else:
            leave, direction, rate = best_minus, -inverse[:, best_minus], minus[best_minus]
        # how far: the first bound side reached ...
        speed = normals @ direction
        blocking = inequality & (speed < 0.0)
        blocking[index[~is_kink]] = False
        limit, enter_bound = np.inf, -1
        if np.any(blocking):
            room = np.full(speed.size, np.inf)
            room[blocking] = np.maximum(slack[blocking], 0.0) / -speed[blocking]
            enter_bound = int(np.argmin(room))
            limit = float(room[enter_bound])
        # ... or the kink at which the slope turns non-negative
        turn = kink_rows @ direction  # excess falls at this rate
        crossing = ~active_kink & (excess * turn > 0.0)
        when = np.full(band.size, np.inf)
        when[crossing] = excess[crossing] / turn[crossing]
        ahead = np.flatnonzero(when < limit)
        enter_kink = -1
        if ahead.size:
            order = ahead[np.argsort(when[ahead])]
            slope = rate + t * np.cumsum(np.abs(turn[order]))
            stop = int(np.searchsorted(slope >= 0.0, True))
            if stop < order.size:
                enter_kink = int(order[stop])
        if enter_kink < 0 and enter_bound < 0:
            return None  # unbounded along an edge: not a model the caller can use
        if enter_kink >= 0:
            is_kink[leave], index[leave] = True, enter_kink
        else:
            is_kink[leave], index[leave] = False, enter_bound
    return None
