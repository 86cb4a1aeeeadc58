"""Portfolio accounting on simulated returns: target weights, drift, calendar rebalancing.

Vocabulary (after cvxportfolio): ``w`` target weights ``(n_assets,)``; ``h`` holdings in
currency ``(n_paths, n_assets)``; ``v`` wealth ``(n_paths,)``. Wealth is tracked as a ratio to
the initial wealth (``v_0 = 1``). Threshold bands, costs, cash flows and staged entry are the
next step (issue 4): until then such portfolios are run with the closest supported policy and
the run says so in ``notes``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.scenario import Scenario
from allocator.scenario.portfolio_schema import MONTHS_PER_STEP

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PortfolioPlan:
    """A compiled candidate portfolio.

    ``rebalance_every``: months between trades back to target (0 = buy and hold).
    """

    id: str
    name: str
    weights: FloatArray
    rebalance_every: int


def compile_portfolios(scenario: Scenario) -> tuple[tuple[PortfolioPlan, ...], tuple[str, ...]]:
    """Plans for the scenario's portfolios, and notes on what is not modeled yet."""
    ids = scenario.asset_ids
    plans = []
    notes = []
    for pid, p in scenario.portfolios.items():
        w = np.array([p.weights.get(a, 0.0) for a in ids], dtype=np.float64)
        policy = p.rebalance
        if policy.policy == "buy_and_hold":
            every = 0
        elif policy.policy == "calendar":
            every = MONTHS_PER_STEP[policy.every]
        elif policy.policy == "hybrid":
            every = MONTHS_PER_STEP[policy.every]
            notes.append(f"{pid}: band of the hybrid policy not applied yet; calendar rebalance")
        else:
            every = 1
            notes.append(f"{pid}: threshold policy not applied yet; rebalanced monthly")
        if p.costs.proportional_bps or p.costs.fixed_per_trade:
            notes.append(f"{pid}: transaction costs not charged yet")
        if p.cash_flows:
            notes.append(f"{pid}: cash flows not applied yet")
        if p.entry is not None and p.entry.method != "lump_sum":
            notes.append(f"{pid}: staged entry not applied yet; invested at once")
        plans.append(PortfolioPlan(pid, p.name or pid, w, every))
    return tuple(plans), tuple(notes)


def weighted_sum(x: FloatArray, w: FloatArray) -> FloatArray:
    """``x @ w`` over the last axis, as explicit multiply-adds: with 2-6 assets this beats BLAS,
    which would start its own threads for every call and fight the engine's threads."""
    out = np.zeros(x.shape[:-1])
    for i in np.flatnonzero(w):
        out += w[i] * x[..., i]
    return out


def wealth_paths(returns: FloatArray, growth: FloatArray, plan: PortfolioPlan) -> FloatArray:
    """Wealth ratio ``v_t / v_0`` of ``plan`` on each path.

    Parameters
    ----------
    returns : (n_paths, n_months, n_assets) simple returns of month t (column t - 1).
    growth : (n_paths, n_months, n_assets) cumulative growth ``prod_{s<=t} (1 + R_s)``.

    Returns
    -------
    (n_paths, n_months + 1) wealth ratios; column 0 is 1.

    Between rebalances holdings drift: ``h_t = h_{t-1} * (1 + R_t)``; on a rebalance month the
    holdings are reset to ``v_t * w``. Monthly rebalancing is ``v_t = v_{t-1} (1 + w·R_t)``;
    buy and hold is ``v_t = w·G_t``.
    """
    n_paths, n_months, _ = returns.shape
    out = np.empty((n_paths, n_months + 1))
    out[:, 0] = 1.0
    w = plan.weights
    every = plan.rebalance_every
    if every == 0 or every >= n_months:
        out[:, 1:] = weighted_sum(growth, w)
    elif every == 1:
        np.cumprod(1.0 + weighted_sum(returns, w), axis=1, out=out[:, 1:])
    else:
        # Month t's value is v at the last rebalance times the drift since then:
        # v_t = v_a * (G_t / G_a) . w, a = last rebalance before t. Whole segments are a
        # reshape (no copies); v at each rebalance is the product of the earlier segment ends.
        k = every
        full = (n_months // k) * k
        g = growth[:, :full, :].reshape(n_paths, full // k, k, -1)
        anchors = np.ones((n_paths, full // k, 1, growth.shape[2]))
        anchors[:, 1:, 0, :] = g[:, :-1, -1, :]
        drift = weighted_sum(g / anchors, w)  # (n_paths, n_segments, k)
        start_value = np.ones((n_paths, full // k + 1))
        np.cumprod(drift[:, :, -1], axis=1, out=start_value[:, 1:])
        out[:, 1 : full + 1] = (start_value[:, :-1, None] * drift).reshape(n_paths, full)
        if full < n_months:  # a last, partial segment
            tail = weighted_sum(growth[:, full:, :] / growth[:, full - 1, None, :], w)
            out[:, full + 1 :] = start_value[:, -1, None] * tail
    return out
