"""Portfolio accounting on simulated returns: drift, rebalancing, costs, cash flows, staged
entry, ruin, month by month on each path (compiled in ``stepwise``). The engine uses it for
portfolios whose trades depend on the path; calendar portfolios go through the faster
``series_pass``, which the tests check against this.

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


def account(returns: FloatArray, growth: FloatArray, plan: PortfolioPlan) -> PortfolioPaths:
    """Account ``plan`` on ``returns`` (n_paths, n_months, n_assets) simple returns, with
    ``growth`` = their cumulative product along months, month by month on each path."""
    return _stepwise(returns, growth, plan)


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
