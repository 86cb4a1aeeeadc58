"""Portfolio accounting on simulated returns: drift, rebalancing, costs, cash flows, staged
entry, ruin. ``account`` picks a vectorized formula where wealth depends on cumulative growth
alone, and otherwise steps month by month across all paths at once (the reference the tests
check the vectorized formulas against).

Order of events within month t: returns accrue (``h_t = h_{t-1} (1 + R_t)``); the cash flow
is added or taken per the effective target weights; staged-entry purchases; the rebalancing
rule; costs are paid out of wealth, pro rata. No trade on the last month (it would only cost).
The monthly return used for Sharpe, Sortino and tracking error is time-weighted: the flow is
taken out, costs are kept in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.simulation.costs import fixed_cost, proportional_cost, turnover
from allocator.simulation.portfolio import EntryPlan, FloatArray, PortfolioPlan
from allocator.simulation.rebalancing import should_trade, trade_to

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PortfolioPaths:
    """One portfolio on every path of a block.

    wealth : (n_paths, n_months + 1), units of the initial wealth, column 0 = 1
    returns : (n_paths, n_months) time-weighted monthly returns
    turnover, costs, rebalances : (n_paths,) totals over the horizon (one-way turnover as a
        fraction of wealth; costs in initial wealth; months with a rule-driven trade)
    ruined : (n_paths,) wealth reached zero
    """

    wealth: FloatArray
    returns: FloatArray
    turnover: FloatArray
    costs: FloatArray
    rebalances: FloatArray
    ruined: BoolArray


def weighted_sum(x: FloatArray, w: FloatArray) -> FloatArray:
    """``x @ w`` over the last axis as multiply-adds: with a handful of assets this beats BLAS,
    which would start threads of its own on every call and fight the engine's threads."""
    out = np.zeros(x.shape[:-1])
    for i in np.flatnonzero(w):
        out += w[i] * x[..., i]
    return out


def account(returns: FloatArray, growth: FloatArray, plan: PortfolioPlan) -> PortfolioPaths:
    """Account ``plan`` on ``returns`` (n_paths, n_months, n_assets) simple returns, with
    ``growth`` = their cumulative product along months."""
    if plan.vectorizable:
        return _vectorized(returns, growth, plan)
    return _stepwise(returns, growth, plan)


def _vectorized(returns: FloatArray, growth: FloatArray, plan: PortfolioPlan) -> PortfolioPaths:
    n_paths, n_months, _ = returns.shape
    w = plan.weights
    k = plan.rebalance_every
    wealth = np.empty((n_paths, n_months + 1))
    wealth[:, 0] = 1.0
    zeros = np.zeros(n_paths)
    turn = zeros.copy()
    paid = zeros.copy()
    count = zeros.copy()
    if k == 0 or k >= n_months:
        wealth[:, 1:] = weighted_sum(growth, w)
    elif k == 1 and plan.cost_rate is None:
        np.cumprod(1.0 + weighted_sum(returns, w), axis=1, out=wealth[:, 1:])
        drifted = (
            w * (1.0 + returns[:, :-1, :]) / (1.0 + weighted_sum(returns[:, :-1, :], w))[..., None]
        )
        turn = 0.5 * np.abs(drifted - w).sum(axis=2).sum(axis=1)
        count += n_months - 1
    else:
        # v_t = v_a (G_t / G_a)·w within a segment starting at rebalance a; whole segments
        # are a reshape, and v at each rebalance is the product of earlier segment ends, each
        # net of the proportional cost of trading the drifted weights back to w.
        full = (n_months // k) * k
        g = growth[:, :full, :].reshape(n_paths, full // k, k, -1)
        anchors = np.ones((n_paths, full // k, 1, growth.shape[2]))
        anchors[:, 1:, 0, :] = g[:, :-1, -1, :]
        rel = g / anchors
        drift = weighted_sum(rel, w)  # (n_paths, n_segments, k)
        ends = drift[:, :, -1].copy()
        n_trades = full // k if full < n_months else full // k - 1  # never on the last month
        drifted = w * rel[:, :n_trades, -1, :] / ends[:, :n_trades, None]
        gap = np.abs(drifted - w)  # trade per unit of wealth at each rebalance
        if plan.cost_rate is not None:
            kappa = proportional_cost(gap, plan.cost_rate)
            ends[:, :n_trades] *= 1.0 - kappa
        start_value = np.ones((n_paths, full // k + 1))
        np.cumprod(ends, axis=1, out=start_value[:, 1:])
        seg_values = start_value[:, :-1, None] * drift
        if plan.cost_rate is not None:  # the rebalance month's value is after its costs
            seg_values[:, :n_trades, -1] = start_value[:, 1 : n_trades + 1]
            pre_cost = start_value[:, :n_trades] * drift[:, :n_trades, -1]
            paid = (pre_cost * kappa).sum(axis=1)
        wealth[:, 1 : full + 1] = seg_values.reshape(n_paths, full)
        if full < n_months:  # a last, partial segment
            tail = weighted_sum(growth[:, full:, :] / growth[:, full - 1, None, :], w)
            wealth[:, full + 1 :] = start_value[:, -1, None] * tail
        turn = 0.5 * gap.sum(axis=2).sum(axis=1)
        count += n_trades
    monthly = wealth[:, 1:] / wealth[:, :-1] - 1.0
    return PortfolioPaths(wealth, monthly, turn, paid, count, np.zeros(n_paths, dtype=bool))


def _effective_target(plan: PortfolioPlan, bought: FloatArray) -> FloatArray:
    """Target weights while a staged entry is under way: the part of the entry asset's
    weight not yet bought (``1 - bought``) sits in the parking asset. (n_paths, n_assets)"""
    target = np.tile(plan.weights, (bought.shape[0], 1))
    e = plan.entry
    if e is not None:
        waiting = (1.0 - bought) * plan.weights[e.asset]
        target[:, e.asset] -= waiting
        target[:, e.park] += waiting
    return target


def _entry_share(e: EntryPlan, month: int, price: FloatArray, bought: FloatArray) -> FloatArray:
    """Share of the entry asset's target bought by ``month`` (never decreases)."""
    share = np.maximum(bought, e.schedule[month])
    hit = np.zeros(price.shape[0], dtype=bool)
    if e.above is not None:
        hit |= price > e.above
    if e.zone is not None:
        hit |= (price >= e.zone[0]) & (price <= e.zone[1])
    return np.where(hit, 1.0, share)


def _apply_flow(h: FloatArray, flow: float, target: FloatArray) -> FloatArray:
    """Add (or take) ``flow`` per the target weights; a holding that cannot give its share
    gives what it has and the rest is taken pro rata from the others."""
    h = h + flow * target
    short = np.minimum(h, 0.0).sum(axis=1)
    if np.any(short < 0):
        h = np.maximum(h, 0.0)
        total = h.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(total > 0, np.maximum(total + short, 0.0) / total, 0.0)
        h *= scale[:, None]
    return h


def _stepwise(returns: FloatArray, growth: FloatArray, plan: PortfolioPlan) -> PortfolioPaths:
    n_paths, n_months, _ = returns.shape
    e = plan.entry
    bought = np.ones(n_paths)
    if e is not None:
        bought = _entry_share(e, 0, np.full(n_paths, e.start_price), np.zeros(n_paths))
    bought_before = bought
    h = _effective_target(plan, bought)  # month 0: bought as targeted, no cost
    wealth = np.empty((n_paths, n_months + 1))
    wealth[:, 0] = 1.0
    monthly = np.empty((n_paths, n_months))
    turn = np.zeros(n_paths)
    paid = np.zeros(n_paths)
    count = np.zeros(n_paths)
    for t in range(1, n_months + 1):
        h *= 1.0 + returns[:, t - 1, :]
        start = wealth[:, t - 1]
        flow = 0.0 if plan.flows is None else float(plan.flows[t])
        if e is not None:
            price = e.start_price * growth[:, t - 1, e.asset]
            bought_before = bought
            bought = _entry_share(e, t, price, bought)
        target = _effective_target(plan, bought)
        if flow != 0.0:
            h = _apply_flow(h, flow, target)
        v = h.sum(axis=1)
        cost = np.zeros(n_paths)
        trades = np.zeros_like(h)
        if e is not None and np.any(bought > bought_before):
            amount = np.minimum((bought - bought_before) * plan.weights[e.asset] * v, h[:, e.park])
            trades[:, e.asset] += amount
            trades[:, e.park] -= amount
        if t < n_months:
            with np.errstate(divide="ignore", invalid="ignore"):
                current = np.where(v[:, None] > 0, (h + trades) / v[:, None], target)
            rebalance = should_trade(plan, t, current, target) & (v > 0)
            if np.any(rebalance):
                new = trade_to(plan, current[rebalance], target[rebalance])
                trades[rebalance] = new * v[rebalance, None] - h[rebalance]
                count += rebalance
        traded = np.any(np.abs(trades) > 0, axis=1)
        if np.any(traded):
            cost = proportional_cost(trades, plan.cost_rate) + fixed_cost(trades, plan.fixed_cost)
            cost = np.minimum(cost, v)
            after = h + trades
            with np.errstate(divide="ignore", invalid="ignore"):
                keep = np.where(v > 0, (v - cost) / v, 0.0)
            h = after * keep[:, None]
            turn += turnover(trades, v)
            paid += cost
        v = np.maximum(h.sum(axis=1), 0.0)
        ruined_now = v <= 1e-15
        h[ruined_now] = 0.0
        v[ruined_now] = 0.0
        wealth[:, t] = v
        with np.errstate(divide="ignore", invalid="ignore"):
            monthly[:, t - 1] = np.where(start > 0, (v - flow) / start - 1.0, 0.0)
    ruined = wealth[:, 1:].min(axis=1) <= 0.0
    return PortfolioPaths(wealth, monthly, turn, paid, count, ruined)
