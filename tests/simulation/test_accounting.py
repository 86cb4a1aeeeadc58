"""Portfolio accounting against theory and an independent, plain per-path reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.simulation.accounting import account
from allocator.simulation.portfolio import EntryPlan, PortfolioPlan

K = 4.0  # standard errors allowed in the statistical checks below


def _plan(w: list[float], **kw: object) -> PortfolioPlan:
    return PortfolioPlan(id="p", name="p", weights=np.array(w, dtype=float), **kw)  # type: ignore[arg-type]


def _returns(n: int = 200, months: int = 24, assets: int = 3, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.006, 0.05, size=(n, months, assets))


def _acc(r: np.ndarray, plan: PortfolioPlan):  # type: ignore[no-untyped-def]
    return account(r, np.cumprod(1 + r, axis=1), plan)


# --- theory ---------------------------------------------------------------------------------


def test_rebalanced_log_growth_matches_the_excess_growth_formula() -> None:
    # Monthly-rebalanced portfolio of GBM-like assets: E[log growth] per year is
    # w·mu - ½ wᵀΣw with mu the arithmetic drifts (Fernholz's excess growth). Discretization
    # bias at monthly steps is about E[r³]/3 per month, < 1e-4 per year here: far below the
    # K·SE tolerance (SE ≈ 0.0004 per year with 20,000 paths × 10 years).
    rng = np.random.default_rng(2026)
    mu = np.array([0.09, 0.07])
    sigma = np.array([0.20, 0.16])
    corr = np.array([[1.0, 0.8], [0.8, 1.0]])
    cov = np.outer(sigma, sigma) * corr
    n, months = 20_000, 120
    log_r = rng.multivariate_normal((mu - 0.5 * sigma**2) / 12, cov / 12, size=(n, months))
    w = np.array([0.3, 0.7])
    paths = _acc(np.expm1(log_r), _plan(list(w), rule="calendar", every=1))
    growth = np.log(paths.wealth[:, -1]) / (months / 12)
    expected = w @ mu - 0.5 * w @ cov @ w
    se = growth.std(ddof=1) / np.sqrt(n)
    assert abs(growth.mean() - expected) < K * se


def test_volatility_pumping_grows_at_the_textbook_rate() -> None:
    # An asset that doubles or halves with equal odds, held 50/50 with cash and rebalanced
    # every period, grows at ½ln(1.5) + ½ln(0.75) per period (log growth of each period is
    # ln 1.5 or ln 0.75 with equal odds; SE from that two-point distribution).
    rng = np.random.default_rng(7)
    n, months = 4000, 50
    risky = np.where(rng.random((n, months)) < 0.5, 1.0, -0.5)
    r = np.stack([risky, np.zeros_like(risky)], axis=2)
    paths = _acc(r, _plan([0.5, 0.5], rule="calendar", every=1))
    per_period = np.log(paths.wealth[:, -1]).mean() / months
    expected = 0.5 * np.log(1.5) + 0.5 * np.log(0.75)
    se = 0.5 * (np.log(1.5) - np.log(0.75)) / np.sqrt(n * months)
    assert abs(per_period - expected) < K * se
    assert expected > 0  # the asset alone has zero median growth, the mix grows


def test_buy_and_hold_never_trades() -> None:
    paths = _acc(_returns(), _plan([0.2, 0.5, 0.3], rule="none", cost_rate=np.full(3, 0.01)))
    assert np.all(paths.turnover == 0) and np.all(paths.costs == 0)
    assert np.all(paths.rebalances == 0)


def test_without_costs_a_rebalance_leaves_wealth_unchanged() -> None:
    r = _returns()
    hold = _acc(r, _plan([0.2, 0.5, 0.3], rule="none"))
    calendar = _acc(r, _plan([0.2, 0.5, 0.3], rule="calendar", every=6))
    # up to and including the first rebalance (month 6) identical to buy and hold
    assert np.allclose(calendar.wealth[:, :7], hold.wealth[:, :7], rtol=1e-13)
    for plan in (
        _plan([0.2, 0.5, 0.3], rule="calendar", every=6),
        _plan([0.2, 0.5, 0.3], rule="threshold", band=0.02),
    ):
        paths = _acc(r, plan)
        assert np.all(paths.costs == 0) and np.any(paths.rebalances > 0)
        # wealth at each month equals last month's times 1 + a convex mix of asset returns
        lo, hi = r.min(axis=2), r.max(axis=2)
        assert np.all(paths.returns >= lo - 1e-12) and np.all(paths.returns <= hi + 1e-12)


# --- staged entry, flows, ruin -------------------------------------------------------------


def _entry(schedule: np.ndarray, **kw: object) -> EntryPlan:
    return EntryPlan(asset=0, park=2, schedule=schedule, start_price=100.0, **kw)  # type: ignore[arg-type]


def test_dca_buys_equal_instalments() -> None:
    r = np.zeros((1, 6, 3))
    schedule = np.minimum(1.0, (np.arange(7) + 1) / 4)
    paths = _acc(
        r, _plan([0.4, 0.6, 0.0], rule="none", entry=_entry(schedule, above=None, zone=None))
    )
    # each instalment moves 0.1 of wealth from cash to the asset: turnover 0.1 per month
    assert paths.turnover[0] == pytest.approx(0.3)  # months 1, 2, 3 (month 0 is the start)


def test_breakout_buys_at_the_first_close_above_the_level() -> None:
    r = np.zeros((2, 6, 3))
    r[0, 2, 0] = 0.30  # path 0: price 130 at month 3
    entry = _entry(np.zeros(7), above=120.0, zone=None)
    paths = _acc(r, _plan([0.5, 0.5, 0.0], rule="none", entry=entry))
    assert paths.turnover[0] > 0 and paths.turnover[1] == 0
    # bought at month 3: wealth at month 3 is the park (cash) value; after that it drifts
    assert paths.wealth[0, 3] == pytest.approx(1.0)


def test_deadline_buys_the_rest() -> None:
    r = np.zeros((1, 6, 3))
    schedule = np.where(np.arange(7) >= 4, 1.0, 0.0)
    entry = _entry(schedule, above=1e9, zone=None)
    paths = _acc(r, _plan([0.5, 0.5, 0.0], rule="none", entry=entry))
    assert paths.turnover[0] == pytest.approx(0.5)


def test_withdrawals_larger_than_wealth_ruin_the_path() -> None:
    r = np.full((3, 12, 2), -0.05)
    flows = np.zeros(13)
    flows[1:] = -0.2
    paths = _acc(r, _plan([0.5, 0.5], rule="calendar", every=1, flows=flows))
    assert np.all(paths.ruined)
    assert np.all(paths.wealth[:, -1] == 0.0)
    assert np.all(paths.wealth >= 0.0)


# --- an independent reference on hypothesis-generated policies -----------------------------


def _edge(u: np.ndarray, w: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Band-edge target, written plainly: clip, then share the remainder by target weight."""
    lo, hi = w - width, w + width
    new = np.clip(u, lo, hi)
    for _ in range(8):
        residual = 1 - new.sum()
        if abs(residual) < 1e-13:
            break
        room = [
            (x < b - 1e-15 if residual > 0 else x > a + 1e-15) and t > 0
            for x, a, b, t in zip(new, lo, hi, w, strict=True)
        ]
        total = sum(t for t, ok in zip(w, room, strict=True) if ok)
        if total <= 0:
            break
        for i, ok in enumerate(room):
            if ok:
                new[i] = min(max(new[i] + residual * w[i] / total, lo[i]), hi[i])
    return new + (1 - new.sum()) * w


def _reference(r: np.ndarray, plan: PortfolioPlan) -> np.ndarray:
    """Plain per-path loop over months: flows, staged entry, rules, edges, costs, ruin."""
    n, months, a = r.shape
    out = np.ones((n, months + 1))
    rate = np.zeros(a) if plan.cost_rate is None else plan.cost_rate
    e = plan.entry
    for p in range(n):
        price = 100.0 if e is None else e.start_price

        def share(t: int, price: float, bought: float, e: EntryPlan | None = e) -> float:
            if e is None:
                return 1.0
            hit = (e.above is not None and price > e.above) or (
                e.zone is not None and e.zone[0] <= price <= e.zone[1]
            )
            return 1.0 if hit else max(bought, e.schedule[t])

        def target_of(bought: float, e: EntryPlan | None = e) -> np.ndarray:
            w = plan.weights.copy()
            if e is not None:
                w[e.asset] -= (1 - bought) * plan.weights[e.asset]
                w[e.park] += (1 - bought) * plan.weights[e.asset]
            return w

        bought = share(0, price, 0.0)
        h = target_of(bought)
        for t in range(1, months + 1):
            h = h * (1 + r[p, t - 1])
            before = bought
            if e is not None:
                price *= 1 + r[p, t - 1, e.asset]
                bought = share(t, price, bought)
            w = target_of(bought)
            if plan.flows is not None and plan.flows[t] != 0:
                h = h + plan.flows[t] * w
                if np.any(h < 0):
                    short = h[h < 0].sum()
                    h = np.maximum(h, 0)
                    h = h * max(h.sum() + short, 0) / h.sum() if h.sum() > 0 else h
            v = h.sum()
            z = np.zeros(a)
            if e is not None and bought > before:
                amount = min((bought - before) * plan.weights[e.asset] * v, h[e.park])
                z[e.asset] += amount
                z[e.park] -= amount
            if t < months and v > 0:
                u = (h + z) / v
                width = plan.band * w if plan.relative_band else np.full(a, plan.band)
                outside = np.abs(u - w) > width + 1e-15
                trade = {
                    "none": False,
                    "calendar": t % plan.every == 0,
                    "threshold": bool(outside.any()),
                    "hybrid": t % plan.every == 0 and bool(outside.any()),
                }[plan.rule]
                if trade:
                    new = (
                        _edge(u, w, width)
                        if plan.to_edge and plan.rule in ("threshold", "hybrid")
                        else w
                    )
                    z = new * v - h
            if np.any(z != 0):
                cost = abs(z) @ rate + plan.fixed_cost * np.count_nonzero(abs(z) > 1e-12)
                cost = min(cost, v)
                h = (h + z) * ((v - cost) / v if v > 0 else 0.0)
            v = max(h.sum(), 0.0)
            if v <= 1e-15:
                h = h * 0
                v = 0.0
            out[p, t] = v
    return out


@settings(max_examples=60, deadline=None)
@given(
    rule=st.sampled_from(["none", "calendar", "threshold", "hybrid"]),
    every=st.sampled_from([1, 2, 3, 6]),
    band=st.floats(0.01, 0.2),
    relative=st.booleans(),
    to_edge=st.booleans(),
    bps=st.floats(0.0, 50.0),
    fixed=st.sampled_from([0.0, 0.001]),
    flow=st.sampled_from([0.0, 0.01, -0.02]),
    entry=st.sampled_from([None, "dca", "breakout", "zone", "first_of"]),
    seed=st.integers(0, 10_000),
)
def test_accounting_matches_an_independent_reference(
    rule: str,
    every: int,
    band: float,
    relative: bool,
    to_edge: bool,
    bps: float,
    fixed: float,
    flow: float,
    entry: str | None,
    seed: int,
) -> None:
    months = 13
    r = np.random.default_rng(seed).normal(0.005, 0.08, size=(6, months, 3))
    flows = None if flow == 0.0 else np.r_[0.0, np.full(months, flow)]
    entry_plan = None
    if entry is not None:
        schedule = (
            np.minimum(1.0, (np.arange(months + 1) + 1) / 4)
            if entry == "dca"
            else np.where(np.arange(months + 1) >= 9, 1.0, 0.0)  # deadline at month 9
        )
        entry_plan = EntryPlan(
            asset=0,
            park=2,
            schedule=schedule,
            start_price=100.0,
            above=110.0 if entry in ("breakout", "first_of") else None,
            zone=(85.0, 95.0) if entry in ("zone", "first_of") else None,
        )
    plan = _plan(
        [0.5, 0.3, 0.2],
        rule=rule,
        every=every,
        band=band,
        relative_band=relative,
        to_edge=to_edge,
        cost_rate=np.full(3, bps / 1e4) if bps > 0 else None,
        fixed_cost=fixed,
        flows=flows,
        entry=entry_plan,
    )
    paths = _acc(r, plan)
    assert np.allclose(paths.wealth, _reference(r, plan), rtol=1e-10, atol=1e-13)
    # value only moves by returns, flows and costs: costs are never negative, and a path
    # with no cost rate and no fixed cost pays nothing
    assert np.all(paths.costs >= 0)
    if bps == 0 and fixed == 0:
        assert np.all(paths.costs == 0)
