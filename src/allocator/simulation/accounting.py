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

from allocator.simulation.costs import proportional_cost
from allocator.simulation.portfolio import FloatArray, PortfolioPlan
from allocator.simulation.stepwise import RULES, stepwise_kernel

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


def _stepwise(returns: FloatArray, growth: FloatArray, plan: PortfolioPlan) -> PortfolioPaths:
    n_paths, n_months, n_assets = returns.shape
    e = plan.entry
    nan = float("nan")
    wealth = np.empty((n_paths, n_months + 1))
    monthly = np.empty((n_paths, n_months))
    turn = np.zeros(n_paths)
    paid = np.zeros(n_paths)
    count = np.zeros(n_paths)
    stepwise_kernel(
        np.ascontiguousarray(returns),
        np.ascontiguousarray(growth),
        plan.weights,
        RULES[plan.rule],
        plan.every,
        plan.band,
        plan.relative_band,
        plan.to_edge,
        np.ones(n_assets, dtype=bool) if plan.watched is None else plan.watched,
        np.zeros(n_assets) if plan.cost_rate is None else plan.cost_rate,
        plan.fixed_cost,
        np.zeros(n_months + 1) if plan.flows is None else plan.flows,
        -1 if e is None else e.asset,
        -1 if e is None else e.park,
        np.ones(n_months + 1) if e is None else e.schedule,
        1.0 if e is None else e.start_price,
        nan if e is None or e.above is None else e.above,
        nan if e is None or e.zone is None else e.zone[0],
        nan if e is None or e.zone is None else e.zone[1],
        wealth,
        monthly,
        turn,
        paid,
        count,
    )
    ruined = wealth[:, 1:].min(axis=1) <= 0.0
    return PortfolioPaths(wealth, monthly, turn, paid, count, ruined)
