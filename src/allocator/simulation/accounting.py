"""Portfolio accounting on simulated returns, every path's wealth kept: drift, rebalancing,
costs, cash flows, staged entry, ruin (the compiled rules and their order of events are in
``group_accounting``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.simulation.group_accounting import PortfolioArrays, account_group, scratch
from allocator.simulation.kernels import GROUP_PATHS
from allocator.simulation.portfolio import FloatArray, PortfolioPlan

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
    ``growth`` = their cumulative product along months: every path's wealth and totals.

    The engine does the same inside ``series_pass`` without keeping the paths; this form,
    which keeps them, is for tests and for readers."""
    n_paths, n_months, n_assets = returns.shape
    arrays = PortfolioArrays.of([plan], n_months, n_assets)
    size = GROUP_PATHS
    wealth = np.empty((n_paths, n_months + 1))
    monthly = np.empty((n_paths, n_months))
    totals = np.empty((4, n_paths))
    group_returns = np.empty((n_assets, n_months, size))
    group_growth = np.ones((n_months + 1, n_assets, size))
    group_wealth = np.empty((n_months + 1, size))
    group_monthly = np.empty((n_months, size))
    group_totals = np.empty((4, size))
    work = scratch(n_assets, size)
    for first in range(0, n_paths, size):
        n = min(size, n_paths - first)
        rows = slice(first, first + n)
        group_returns[:, :, :n] = returns[rows].transpose(2, 1, 0)
        group_growth[1:, :, :n] = growth[rows].transpose(1, 2, 0)
        group = (group_returns, group_growth, n, 0)
        outputs = (group_wealth, group_monthly, group_totals)
        account_group(*(*group, *arrays.fields(), *outputs, *work))
        wealth[rows] = group_wealth[:, :n].T
        monthly[rows] = group_monthly[:, :n].T
        totals[:, rows] = group_totals[:, :n]
    turnover, costs, rebalances, ruined = totals
    return PortfolioPaths(wealth, monthly, turnover, costs, rebalances, ruined > 0.0)
