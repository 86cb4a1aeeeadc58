"""Portfolio accounting, compiled, on a group of paths at a time, month-major.

Every rule goes through ``account_group``: buy-and-hold, calendar, threshold and hybrid bands
(to target or to the band's edge), proportional and fixed costs, cash flows, staged entry,
ruin. Arrays are laid out (assets or months, paths of the group) so that the steps every path
takes alike (drift, flows, costs, wealth) are loops across the group's paths that LLVM
vectorizes; the decisions that differ by path (is this path outside its band? did its price
trigger the entry?) are taken per path.

Order of events within month t: returns accrue (h_t = h_{t-1} (1 + R_t)); the cash flow is
added or taken per the effective target weights; staged-entry purchases; the rule's rebalance
(never in the last month); costs are paid out of wealth, pro rata. The monthly return used for
Sharpe, Sortino and tracking error is time-weighted: the flow is taken out, costs are kept in.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from allocator.simulation.portfolio import PortfolioPlan

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

RULES = {"none": 0, "calendar": 1, "threshold": 2, "hybrid": 3}
EDGE_ITERATIONS = 8
TRADE_EPSILON = 1e-12
#: wealth at or below this (in units of the initial wealth) is ruin: zero from then on
RUIN_LEVEL = 1e-15


@dataclass(frozen=True)
class PortfolioArrays:
    """Compiled portfolios stacked along a first axis of length P, for the compiled kernels.

    ``entry_asset`` -1: no staged entry; ``above`` / ``zone_low`` NaN: no price trigger.
    """

    weights: FloatArray  # (P, A)
    rule: IntArray  # (P,) RULES
    every: IntArray  # (P,)
    band: FloatArray  # (P,)
    relative: BoolArray  # (P,)
    to_edge: BoolArray  # (P,)
    watched: BoolArray  # (P, A)
    cost_rate: FloatArray  # (P, A)
    fixed_cost: FloatArray  # (P,)
    flows: FloatArray  # (P, T + 1)
    entry_asset: IntArray  # (P,)
    park: IntArray  # (P,)
    schedule: FloatArray  # (P, T + 1)
    start_price: FloatArray  # (P,)
    above: FloatArray  # (P,)
    zone_low: FloatArray  # (P,)
    zone_high: FloatArray  # (P,)

    @classmethod
    def of(cls, plans: Sequence[PortfolioPlan], n_months: int, n_assets: int) -> PortfolioArrays:
        nan = float("nan")

        def stack(values: list[Any], dtype: npt.DTypeLike, shape: tuple[int, ...]) -> Any:
            return np.array(values, dtype=dtype).reshape(len(plans), *shape)

        entries = [p.entry for p in plans]
        return cls(
            weights=stack([p.weights for p in plans], np.float64, (n_assets,)),
            rule=stack([RULES[p.rule] for p in plans], np.int64, ()),
            every=stack([max(p.every, 1) for p in plans], np.int64, ()),
            band=stack([p.band for p in plans], np.float64, ()),
            relative=stack([p.relative_band for p in plans], np.bool_, ()),
            to_edge=stack(
                [p.to_edge and p.rule in ("threshold", "hybrid") for p in plans], np.bool_, ()
            ),
            watched=stack(
                [np.ones(n_assets, bool) if p.watched is None else p.watched for p in plans],
                np.bool_,
                (n_assets,),
            ),
            cost_rate=stack(
                [np.zeros(n_assets) if p.cost_rate is None else p.cost_rate for p in plans],
                np.float64,
                (n_assets,),
            ),
            fixed_cost=stack([p.fixed_cost for p in plans], np.float64, ()),
            flows=stack(
                [np.zeros(n_months + 1) if p.flows is None else p.flows for p in plans],
                np.float64,
                (n_months + 1,),
            ),
            entry_asset=stack([-1 if e is None else e.asset for e in entries], np.int64, ()),
            park=stack([-1 if e is None else e.park for e in entries], np.int64, ()),
            schedule=stack(
                [np.ones(n_months + 1) if e is None else e.schedule for e in entries],
                np.float64,
                (n_months + 1,),
            ),
            start_price=stack(
                [1.0 if e is None else e.start_price for e in entries], np.float64, ()
            ),
            above=stack(
                [nan if e is None or e.above is None else e.above for e in entries], np.float64, ()
            ),
            zone_low=stack(
                [nan if e is None or e.zone is None else e.zone[0] for e in entries], np.float64, ()
            ),
            zone_high=stack(
                [nan if e is None or e.zone is None else e.zone[1] for e in entries], np.float64, ()
            ),
        )

    def fields(self) -> tuple[Any, ...]:
        """The arrays in declaration order: the kernels' arguments after ``j``."""
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))


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
def _to_edge(
    current: FloatArray,
    target: FloatArray,
    band: float,
    relative: bool,
    watched: BoolArray,
    lo: FloatArray,
    hi: FloatArray,
    new: FloatArray,
) -> None:
    """Into ``new``: watched weights clipped into target ± band; what that frees or needs is
    spread over the assets not at an edge, in proportion to their targets, until the weights
    sum to 1. ``lo`` and ``hi`` are scratch."""
    n = current.shape[0]
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


@numba.njit(cache=True, nogil=True)
def _active_assets(w: FloatArray, entry: int, parked: int) -> IntArray:
    """The assets a portfolio can ever hold: a nonzero target weight, or the staged entry's
    asset and where it is parked. Every other holding starts at 0 and stays 0 (its target
    is 0, so no flow, trade or rebalance moves it), so sums over these assets alone are the
    same numbers as over all."""
    n = 0
    keep = np.empty(w.shape[0], dtype=np.int64)
    for i in range(w.shape[0]):
        if w[i] != 0.0 or (entry >= 0 and i in (entry, parked)):
            keep[n] = i
            n += 1
    return keep[:n]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def account_group(
    returns: FloatArray,
    growth: FloatArray,
    n_group: int,
    j: int,
    weights: FloatArray,
    rule: IntArray,
    every: IntArray,
    band: FloatArray,
    relative: BoolArray,
    to_edge: BoolArray,
    watched: BoolArray,
    cost_rate: FloatArray,
    fixed_cost: FloatArray,
    flows: FloatArray,
    entry_asset: IntArray,
    park: IntArray,
    schedule: FloatArray,
    start_price: FloatArray,
    above: FloatArray,
    zone_low: FloatArray,
    zone_high: FloatArray,
    wealth: FloatArray,
    monthly: FloatArray,
    totals: FloatArray,
    work: FloatArray,
    lanes: FloatArray,
    weights_scratch: FloatArray,
) -> None:
    """Portfolio ``j`` of the stacked ``PortfolioArrays`` fields on a group of paths.

    ``returns`` (A, T, G) simple returns; ``growth`` (T + 1, A, G) each asset's growth of 1
    (read only for a staged entry's price). Writes ``wealth`` (T + 1, G) and ``monthly``
    (T, G) and the per-path totals ``totals`` (4, G): turnover (one-way, as a fraction of
    wealth), costs (initial wealth), rebalances (months with a rule-driven trade), ruined
    (1.0 if wealth reached zero). Scratch: ``work`` (3, A, G), ``lanes`` (4, G),
    ``weights_scratch`` (4, A).
    """
    n_assets, n_months, _ = returns.shape
    w = weights[j]
    code = rule[j]
    period = every[j]
    width = band[j]
    rel = relative[j]
    edge = to_edge[j]
    seen = watched[j]
    rate = cost_rate[j]
    fixed = fixed_cost[j]
    flow_at = flows[j]
    e = entry_asset[j]
    parked = park[j]
    plan = schedule[j]
    price0 = start_price[j]
    up = above[j]
    lo = zone_low[j]
    hi = zone_high[j]
    staged = e >= 0
    h, target, trades = work[0], work[1], work[2]
    bought, before, v, due = lanes[0], lanes[1], lanes[2], lanes[3]
    current, new = weights_scratch[0], weights_scratch[1]
    low, high = weights_scratch[2], weights_scratch[3]
    bought[:n_group] = 1.0
    totals[:, :n_group] = 0.0
    turnover, costs, rebalances, ruined = totals[0], totals[1], totals[2], totals[3]
    for i in range(n_assets):
        target[i, :n_group] = w[i]
    if staged:
        for g in range(n_group):
            bought[g] = _entry_share(plan, 0, price0, 0.0, up, lo, hi)
            waiting = (1.0 - bought[g]) * w[e]
            target[e, g] -= waiting
            target[parked, g] += waiting
    h[:, :n_group] = target[:, :n_group]
    active = _active_assets(w, e if staged else -1, parked)
    wealth[0, :n_group] = 1.0
    for t in range(1, n_months + 1):
        v[:n_group] = 0.0
        for i in active:  # returns accrue
            held = h[i]
            r = returns[i, t - 1]
            for g in range(n_group):
                held[g] *= 1.0 + r[g]
                v[g] += held[g]
        flow = flow_at[t]
        if staged:  # the entry's progress, and the targets it implies
            for g in range(n_group):
                before[g] = bought[g]
                price = price0 * growth[t, e, g]
                bought[g] = _entry_share(plan, t, price, bought[g], up, lo, hi)
            for g in range(n_group):
                waiting = (1.0 - bought[g]) * w[e]
                for i in range(n_assets):
                    target[i, g] = w[i]
                target[e, g] -= waiting
                target[parked, g] += waiting
        if flow != 0.0:
            for g in range(n_group):
                short = 0.0
                for i in range(n_assets):
                    h[i, g] += flow * target[i, g]
                    if h[i, g] < 0.0:
                        short += h[i, g]
                        h[i, g] = 0.0
                if short < 0.0:  # what a holding could not give is taken pro rata
                    total = 0.0
                    for i in range(n_assets):
                        total += h[i, g]
                    scale = max(total + short, 0.0) / total if total > 0 else 0.0
                    for i in range(n_assets):
                        h[i, g] *= scale
            v[:n_group] = 0.0
            for i in active:
                held = h[i]
                for g in range(n_group):
                    v[g] += held[g]
        trading = False  # any trade this month on any path of the group
        rule_day = t < n_months and code != 0 and (code == 2 or t % period == 0)
        if staged or rule_day:
            trades[:, :n_group] = 0.0
        if staged:
            for g in range(n_group):
                if bought[g] > before[g]:
                    trading = True
                    amount = min((bought[g] - before[g]) * w[e] * v[g], h[parked, g])
                    trades[e, g] += amount
                    trades[parked, g] -= amount
        if rule_day:
            if code == 1:
                for g in range(n_group):
                    due[g] = 1.0 if v[g] > 0.0 else 0.0
            else:  # a band rule: trade only where a watched weight is outside its band
                due[:n_group] = 0.0
                for i in active:
                    if not seen[i]:
                        continue
                    held = h[i]
                    bought_now = trades[i]
                    aim = target[i]
                    for g in range(n_group):
                        gap = abs((held[g] + bought_now[g]) / v[g] - aim[g])
                        outside = (gap > _width(width, rel, aim[g]) + 1e-15) & (v[g] > 0.0)
                        due[g] = 1.0 if outside else due[g]
            for g in range(n_group):
                if due[g] == 0.0:
                    continue
                if edge:
                    for i in range(n_assets):
                        current[i] = (h[i, g] + trades[i, g]) / v[g]
                    _to_edge(current, target[:, g], width, rel, seen, low, high, new)
                    for i in range(n_assets):
                        trades[i, g] = new[i] * v[g] - h[i, g]
                else:
                    for i in range(n_assets):
                        trades[i, g] = target[i, g] * v[g] - h[i, g]
                rebalances[g] += 1.0
                trading = True
        for g in range(n_group if trading else 0):  # costs, paid out of wealth pro rata
            if rule_day and not staged and due[g] == 0.0:
                continue  # this path has no trade: nothing to pay or move
            abs_sum = 0.0
            cost = 0.0
            traded = 0
            for i in range(n_assets):
                z = abs(trades[i, g])
                abs_sum += z
                cost += rate[i] * z
                traded += 1 if z > TRADE_EPSILON else 0
            if abs_sum > 0.0:
                cost = min(cost + fixed * traded, v[g])
                keep = (v[g] - cost) / v[g] if v[g] > 0 else 0.0
                for i in range(n_assets):
                    h[i, g] = (h[i, g] + trades[i, g]) * keep
                if v[g] > 0:
                    turnover[g] += abs_sum / (2.0 * v[g])
                costs[g] += cost
        if trading:
            v[:n_group] = 0.0
            for i in active:
                held = h[i]
                for g in range(n_group):
                    v[g] += held[g]
        start = wealth[t - 1]
        now = wealth[t]
        out = monthly[t - 1]
        hit = False
        for g in range(n_group):  # branch-free, so that it vectorizes
            value = max(v[g], 0.0)
            gone = value <= RUIN_LEVEL
            hit |= gone
            value = 0.0 if gone else value
            ruined[g] = 1.0 if gone else ruined[g]
            now[g] = value
            out[g] = (value - flow) / start[g] - 1.0 if start[g] > 0 else 0.0
        if hit:  # ruined paths hold nothing from now on
            for g in range(n_group):
                if now[g] == 0.0:
                    for i in range(n_assets):
                        h[i, g] = 0.0


@numba.njit(cache=True, nogil=True)
def scratch(n_assets: int, size: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The scratch arrays ``account_group`` takes last, for groups of ``size`` paths."""
    return np.empty((3, n_assets, size)), np.empty((4, size)), np.empty((4, n_assets))
