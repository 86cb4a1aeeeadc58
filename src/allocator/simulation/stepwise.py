"""Month-by-month accounting of path-dependent portfolios, compiled, one path at a time.

For portfolios whose trades depend on the path (threshold and hybrid bands, fixed costs, cash
flows, staged entry). Order of events within month t, as documented in ``accounting``:
returns accrue; the cash flow is added or taken per the effective target weights; staged-entry
purchases; the rule's rebalance (never in the last month); costs paid pro rata.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

RULES = {"none": 0, "calendar": 1, "threshold": 2, "hybrid": 3}
EDGE_ITERATIONS = 8
TRADE_EPSILON = 1e-12


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _effective_target(w: FloatArray, bought: float, e: int, park: int, out: FloatArray) -> None:
    out[:] = w
    if e >= 0:
        waiting = (1.0 - bought) * w[e]
        out[e] -= waiting
        out[park] += waiting


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _entry_share(
    schedule: FloatArray, t: int, price: float, bought: float, above: float, lo: float, hi: float
) -> float:
    share = max(bought, float(schedule[t]))
    if (not math.isnan(above) and price > above) or (
        not math.isnan(lo) and price >= lo and price <= hi
    ):
        share = 1.0
    return share


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _width(band: float, relative: bool, target: float) -> float:
    return band * target if relative else band


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _outside(
    current: FloatArray, target: FloatArray, band: float, relative: bool, watched: BoolArray
) -> bool:
    for i in range(current.shape[0]):
        if watched[i] and abs(current[i] - target[i]) > _width(band, relative, target[i]) + 1e-15:
            return True
    return False


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _to_edge(
    current: FloatArray, target: FloatArray, band: float, relative: bool, watched: BoolArray
) -> FloatArray:
    """Clip watched weights into target ± band; spread what that frees or needs over the
    assets not at an edge, in proportion to their targets, until the weights sum to 1."""
    n = current.shape[0]
    lo = np.empty(n)
    hi = np.empty(n)
    new = np.empty(n)
    for i in range(n):
        width = _width(band, relative, target[i])
        lo[i] = target[i] - width if watched[i] else -np.inf
        hi[i] = target[i] + width if watched[i] else np.inf
        new[i] = min(max(current[i], lo[i]), hi[i])
    for _ in range(EDGE_ITERATIONS):
        residual = 1.0 - new.sum()
        if abs(residual) < 1e-13:
            break
        total = 0.0
        for i in range(n):
            room = new[i] < hi[i] - 1e-15 if residual > 0 else new[i] > lo[i] + 1e-15
            if room and target[i] > 0:
                total += target[i]
        if total <= 0:
            break
        for i in range(n):
            room = new[i] < hi[i] - 1e-15 if residual > 0 else new[i] > lo[i] + 1e-15
            if room and target[i] > 0:
                new[i] = min(max(new[i] + residual * target[i] / total, lo[i]), hi[i])
    residual = 1.0 - new.sum()
    for i in range(n):
        new[i] += residual * target[i]
    return new


@numba.njit(cache=True, nogil=True, error_model="numpy")
def stepwise_kernel(
    returns: FloatArray,
    growth: FloatArray,
    w: FloatArray,
    rule: int,
    every: int,
    band: float,
    relative: bool,
    to_edge: bool,
    watched: BoolArray,
    cost_rate: FloatArray,
    fixed_cost: float,
    flows: FloatArray,
    entry_asset: int,
    park: int,
    schedule: FloatArray,
    start_price: float,
    above: float,
    zone_lo: float,
    zone_hi: float,
    wealth: FloatArray,
    monthly: FloatArray,
    turnover: FloatArray,
    costs: FloatArray,
    rebalances: FloatArray,
) -> None:
    """Fill ``wealth`` (n, T+1), ``monthly`` (n, T) and the per-path totals for one plan.

    ``entry_asset`` = -1 means no staged entry; ``above``/``zone_lo`` NaN mean no trigger.
    """
    n_paths, n_months, n_assets = returns.shape
    h = np.empty(n_assets)
    target = np.empty(n_assets)
    trades = np.empty(n_assets)
    current = np.empty(n_assets)
    for p in range(n_paths):
        bought = 1.0
        if entry_asset >= 0:
            bought = _entry_share(schedule, 0, start_price, 0.0, above, zone_lo, zone_hi)
        _effective_target(w, bought, entry_asset, park, h)
        wealth[p, 0] = 1.0
        for t in range(1, n_months + 1):
            for i in range(n_assets):
                h[i] *= 1.0 + returns[p, t - 1, i]
            start = wealth[p, t - 1]
            flow = flows[t]
            before = bought
            if entry_asset >= 0:
                price = start_price * growth[p, t - 1, entry_asset]
                bought = _entry_share(schedule, t, price, bought, above, zone_lo, zone_hi)
            _effective_target(w, bought, entry_asset, park, target)
            if flow != 0.0:
                short = 0.0
                for i in range(n_assets):
                    h[i] += flow * target[i]
                    if h[i] < 0.0:
                        short += h[i]
                        h[i] = 0.0
                if short < 0.0:  # what a holding could not give is taken pro rata
                    total = h.sum()
                    scale = max(total + short, 0.0) / total if total > 0 else 0.0
                    for i in range(n_assets):
                        h[i] *= scale
            v = h.sum()
            trades[:] = 0.0
            if entry_asset >= 0 and bought > before:
                amount = min((bought - before) * w[entry_asset] * v, h[park])
                trades[entry_asset] += amount
                trades[park] -= amount
            if t < n_months and v > 0.0 and rule != 0:
                for i in range(n_assets):
                    current[i] = (h[i] + trades[i]) / v
                if rule == 1:
                    trade = t % every == 0
                elif rule == 2:
                    trade = _outside(current, target, band, relative, watched)
                else:
                    trade = t % every == 0 and _outside(current, target, band, relative, watched)
                if trade:
                    edge = to_edge and rule >= 2  # only band rules have an edge
                    new = _to_edge(current, target, band, relative, watched) if edge else target
                    for i in range(n_assets):
                        trades[i] = new[i] * v - h[i]
                    rebalances[p] += 1.0
            traded = 0
            abs_sum = 0.0
            cost = 0.0
            for i in range(n_assets):
                z = abs(trades[i])
                abs_sum += z
                cost += cost_rate[i] * z
                if z > TRADE_EPSILON:
                    traded += 1
            if abs_sum > 0.0:
                cost = min(cost + fixed_cost * traded, v)
                keep = (v - cost) / v if v > 0 else 0.0
                for i in range(n_assets):
                    h[i] = (h[i] + trades[i]) * keep
                if v > 0:
                    turnover[p] += abs_sum / (2.0 * v)
                costs[p] += cost
            v = max(h.sum(), 0.0)
            if v <= 1e-15:
                h[:] = 0.0
                v = 0.0
            wealth[p, t] = v
            monthly[p, t - 1] = (v - flow) / start - 1.0 if start > 0 else 0.0
