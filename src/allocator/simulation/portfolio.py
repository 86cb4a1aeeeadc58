"""Candidate portfolios compiled for the simulator: target weights, rebalancing rule, costs,
cash flows, staged entry; and the small-cap sweep, which adds portfolios on the same paths.

Vocabulary (after cvxportfolio): ``w`` target weights ``(n_assets,)``; ``h`` holdings
``(n_paths, n_assets)``; ``v`` wealth ``(n_paths,)``; ``z`` trades. Money is measured in
units of the initial wealth (``v_0 = 1``), so fixed costs and cash flows are divided by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.scenario import Scenario
from allocator.scenario.portfolio_schema import MONTHS_PER_STEP, Portfolio

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class EntryPlan:
    """Staged purchase of ``asset``'s target weight; the rest waits in ``park``.

    ``schedule[t]`` is the share of the asset's target bought by month t regardless of price
    (DCA instalments, the deadline); price triggers buy everything at the first month whose
    price (start price × cumulative total return) is above ``above`` or inside the zone.
    """

    asset: int
    park: int
    schedule: FloatArray  # (n_months + 1,), non-decreasing, in [0, 1]
    start_price: float
    above: float | None
    zone: tuple[float, float] | None


@dataclass(frozen=True)
class PortfolioPlan:
    """A compiled portfolio. ``rule``: 'none' | 'calendar' | 'threshold' | 'hybrid'."""

    id: str
    name: str
    weights: FloatArray
    rule: str = "calendar"
    every: int = 1
    """Months between calendar dates (calendar and hybrid)."""
    band: float = 0.0
    relative_band: bool = False
    to_edge: bool = False
    watched: BoolArray | None = None
    cost_rate: FloatArray | None = None
    """Proportional cost per asset as a fraction of traded value (bps / 10,000)."""
    fixed_cost: float = 0.0
    """Cost per asset traded, in units of the initial wealth."""
    flows: FloatArray | None = None
    """(n_months + 1,) contribution (+) or withdrawal (-) at each month, in initial wealth."""
    entry: EntryPlan | None = None
    sweep_weight: float | None = None
    """The swept asset's weight, for portfolios made by the sweep."""


def _cost_rate(p: Portfolio, ids: tuple[str, ...]) -> FloatArray | None:
    bps = p.costs.proportional_bps
    if not bps:
        return None
    default = bps.get("default", 0.0)
    rate = np.array([bps.get(a, default) for a in ids]) / 10_000.0
    return rate if np.any(rate > 0) else None


def _flows(p: Portfolio, n_months: int, initial_wealth: float) -> FloatArray | None:
    if not p.cash_flows:
        return None
    flows = np.zeros(n_months + 1)
    for cf in p.cash_flows:
        step = MONTHS_PER_STEP[cf.every]
        last = min(cf.end_month or n_months, n_months)
        months = np.arange(cf.start_month, last + 1, step)
        growth = (1.0 + cf.indexed) ** ((months - cf.start_month) / 12.0)
        flows[months] += cf.amount * growth / initial_wealth
    return flows


def _entry(p: Portfolio, scenario: Scenario, n_months: int) -> EntryPlan | None:
    e = p.entry
    if e is None or e.method == "lump_sum":
        return None
    ids = scenario.asset_ids
    cash = [a for a in ids if scenario.assets[a].kind == "cash"]
    park_id = e.park_in or (cash[0] if cash else None)
    if park_id is None or park_id == e.asset:
        raise ValueError(f"portfolio '{p}': staged entry needs a cash asset or 'park_in'")
    months = np.arange(n_months + 1)
    schedule = np.zeros(n_months + 1)
    if e.method == "dca":  # k equal instalments: now, then at months 1 .. k-1
        schedule = np.minimum(1.0, (months + 1) / (e.months or 1))
    if e.deadline_month is not None:
        schedule[months >= e.deadline_month] = 1.0
    zone = (e.zone_low, e.zone_high) if e.zone_low is not None and e.zone_high is not None else None
    uses_price = e.method in ("breakout", "zone", "first_of")
    return EntryPlan(
        asset=ids.index(e.asset),
        park=ids.index(park_id),
        schedule=schedule,
        start_price=float(scenario.assets[e.asset].start_price or 1.0),
        above=e.above if uses_price and e.method != "zone" else None,
        zone=zone if uses_price and e.method != "breakout" else None,
    )


def compile_portfolio(pid: str, p: Portfolio, scenario: Scenario, n_months: int) -> PortfolioPlan:
    ids = scenario.asset_ids
    w = np.array([p.weights.get(a, 0.0) for a in ids], dtype=np.float64)
    policy = p.rebalance
    rule, every, band, relative, to_edge, watched = "none", 1, 0.0, False, False, None
    if policy.policy == "calendar":
        rule, every = "calendar", MONTHS_PER_STEP[policy.every]
    elif policy.policy in ("threshold", "hybrid"):
        rule = policy.policy
        every = MONTHS_PER_STEP[policy.every] if policy.policy == "hybrid" else 1
        band, relative, to_edge = policy.band, policy.band_type == "relative", policy.to == "edge"
        names = policy.assets or list(ids)
        watched = np.array([a in names for a in ids])
    return PortfolioPlan(
        id=pid,
        name=p.name or pid,
        weights=w,
        rule=rule,
        every=every,
        band=band,
        relative_band=relative,
        to_edge=to_edge,
        watched=watched,
        cost_rate=_cost_rate(p, ids),
        fixed_cost=p.costs.fixed_per_trade / scenario.initial_wealth,
        flows=_flows(p, n_months, scenario.initial_wealth),
        entry=_entry(p, scenario, n_months),
    )


def sweep_plans(scenario: Scenario, n_months: int) -> tuple[PortfolioPlan, ...]:
    """Portfolios with the swept asset's weight on a grid, funded from ``funded_from``; all
    else (rebalancing, costs, flows) as the sweep's base portfolio (default: the benchmark)."""
    sweep = scenario.sweep
    if sweep is None:
        return ()
    base_id = sweep.base or scenario.benchmark_id
    base = scenario.portfolios[base_id]
    plan = compile_portfolio(base_id, base.model_copy(update={"entry": None}), scenario, n_months)
    ids = scenario.asset_ids
    i, j = ids.index(sweep.asset), ids.index(sweep.funded_from)
    grid = np.round(np.arange(sweep.start, sweep.stop + 1e-9, sweep.step), 10)
    plans = []
    for s in grid:
        w = plan.weights.copy()
        w[j] -= s - w[i]
        w[i] = s
        if w[j] < -1e-12:  # not enough to fund this weight: the grid stops here
            break
        w[j] = max(w[j], 0.0)
        swept = scenario.assets[sweep.asset]
        label = f"sweep: {100 * s:g}% {swept.ticker or sweep.asset}"
        plans.append(
            PortfolioPlan(
                **{
                    **plan.__dict__,
                    "id": f"sweep_{round(1000 * s):04d}",
                    "name": label,
                    "weights": w,
                    "sweep_weight": float(s),
                }
            )
        )
    return tuple(plans)


def compile_portfolios(scenario: Scenario, n_months: int) -> tuple[PortfolioPlan, ...]:
    """The benchmark first, then the other candidates in file order, then the sweep."""
    bench = scenario.benchmark_id
    order = [bench] + [pid for pid in scenario.portfolios if pid != bench]
    plans = [compile_portfolio(pid, scenario.portfolios[pid], scenario, n_months) for pid in order]
    return (*plans, *sweep_plans(scenario, n_months))
