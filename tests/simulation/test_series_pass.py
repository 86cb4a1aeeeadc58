"""The engine's compiled pass over every series equals accounting that keeps every path
(``account``, itself checked against a plain reference in test_accounting) followed by the
per-path statistics."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.market.vector_math import expm1_in_place
from allocator.simulation.accounting import account
from allocator.simulation.group_accounting import PortfolioArrays
from allocator.simulation.kernels import GROUP_PATHS, series_statistics, vector_log
from allocator.simulation.portfolio import EntryPlan, PortfolioPlan
from allocator.simulation.series_pass import PENDING_BYTES, SeriesOutputs, series_pass
from allocator.simulation.summary import BLOCK_SUM_FIELDS, LOG_WEALTH_GRID

N_PATHS = 2 * GROUP_PATHS + 37  # two full groups and a partial one
N_MONTHS = 25  # a partial last calendar segment for every period below
CASH = 3
#: volatility and tracking error are sqrt(s2 - s1²/k): for a near-constant series (the cash
#: asset) the rounding of s2 - s1²/k (~1e-16 · s2) becomes ~1e-8 · |step| after the sqrt, per
#: path; summed over the paths this bounds what either computation can resolve
SQRT_NOISE = N_PATHS * 1e-8


def _log_returns() -> np.ndarray:
    rng = np.random.default_rng(11)
    g = rng.normal(0.006, 0.06, size=(N_PATHS, N_MONTHS, 4))
    g[:, :, CASH] = np.log1p(0.003)
    return g


def _simple(log_returns: np.ndarray) -> np.ndarray:
    """The simple returns the pass derives from log returns (the market's expm1)."""
    r = log_returns.copy()
    expm1_in_place(r.reshape(-1), np.empty(r.size))
    return r


def _plans() -> list[PortfolioPlan]:
    """The benchmark first, then one of each rule and feature the accounting has."""
    cost = np.array([0.001, 0.003, 0.002, 0.0])
    flows = np.zeros(N_MONTHS + 1)
    flows[3::6] = -0.04  # withdrawals
    flows[5::12] = 0.1  # contributions
    entry = EntryPlan(
        asset=1,
        park=CASH,
        schedule=np.minimum(1.0, (np.arange(N_MONTHS + 1) + 1) / 6),
        start_price=100.0,
        above=112.0,
        zone=None,
    )
    watched = np.array([True, True, False, False])
    p = PortfolioPlan
    return [
        p("bench", "b", np.array([0.9, 0.0, 0.0, 0.1]), rule="none"),
        p("monthly", "m", np.array([0.5, 0.2, 0.2, 0.1]), every=1, cost_rate=cost),
        p("quarterly", "q", np.array([0.4, 0.3, 0.3, 0.0]), every=3),
        p("odd", "o", np.array([0.25, 0.25, 0.25, 0.25]), every=7, cost_rate=cost),
        p("band", "t", np.array([0.5, 0.3, 0.1, 0.1]), rule="threshold", band=0.04),
        p(
            "edge",
            "e",
            np.array([0.5, 0.3, 0.1, 0.1]),
            rule="hybrid",
            every=2,
            band=0.2,
            relative_band=True,
            to_edge=True,
            watched=watched,
            cost_rate=cost,
            fixed_cost=1e-4,
        ),
        p("flows", "f", np.array([0.6, 0.2, 0.1, 0.1]), every=12, flows=flows),
        p("entry", "n", np.array([0.6, 0.3, 0.0, 0.1]), rule="none", entry=entry),
    ]


def _outputs(n_series: int, n_portfolios: int) -> SeriesOutputs:
    return SeriesOutputs(
        terminal=np.empty((n_series, N_PATHS)),
        max_drawdown=np.empty((n_series, N_PATHS), dtype=np.float32),
        sums=np.zeros((n_series, len(BLOCK_SUM_FIELDS))),
        counts=np.zeros((n_portfolios, N_MONTHS + 1, LOG_WEALTH_GRID.bins + 2), dtype=np.int32),
        first_asset=n_portfolios,
    )


@pytest.mark.parametrize("pending_bytes", [PENDING_BYTES, 1])  # 1: bins counted every group
def test_series_pass_equals_accounting_then_statistics(pending_bytes: int) -> None:
    g = _log_returns()
    r = _simple(g)
    growth = np.cumprod(1 + r, axis=1)
    plans = _plans()
    n_assets = r.shape[2]
    out = _outputs(len(plans) + n_assets, len(plans))
    series_pass(g, PortfolioArrays.of(plans, N_MONTHS, n_assets), CASH, out, pending_bytes)
    reference = [account(r, growth, p) for p in plans]
    # every feature was exercised on these paths
    assert all(p.rebalances.sum() > 0 for p in reference[1:6])
    assert reference[7].turnover.min() > 0  # the staged entry bought on every path
    cash = r[:, :, CASH]
    benchmark = reference[0].returns
    for index in range(len(plans) + n_assets):
        if index < len(plans):
            wealth, monthly = reference[index].wealth, reference[index].returns
            counts = np.zeros_like(out.counts[index])
        else:
            asset = index - len(plans)
            wealth = np.concatenate([np.ones((N_PATHS, 1)), growth[:, :, asset]], axis=1)
            monthly, counts = r[:, :, asset], None
        drawdown, stats = series_statistics(wealth, monthly, cash, benchmark, counts)
        assert np.array_equal(out.terminal[index], wealth[:, -1])
        assert np.allclose(out.max_drawdown[index], drawdown, rtol=1e-6, atol=1e-7)  # float32
        for column, name in enumerate(BLOCK_SUM_FIELDS[: len(stats)]):
            assert out.sums[index, column] == pytest.approx(stats[name], rel=1e-11, abs=SQRT_NOISE)
        if index < len(plans):
            p = reference[index]
            trading = {
                "turnover": p.turnover.sum(),
                "costs": p.costs.sum(),
                "rebalances": p.rebalances.sum(),
                "ruined": float(np.count_nonzero(p.ruined)),
            }
            for name, value in trading.items():
                column = BLOCK_SUM_FIELDS.index(name)
                assert out.sums[index, column] == pytest.approx(value, rel=1e-12, abs=1e-15)
            assert counts is not None
            assert np.array_equal(out.counts[index], counts)


def test_an_asset_whose_price_reaches_zero_is_ruined_from_that_month() -> None:
    g = _log_returns()
    # expm1 → -1: the price is 0 from month 8 on; one such path in every group, so that
    # each group's expm1 takes the same (scalar) branch as _simple's over the whole array
    ruined = np.arange(0, N_PATHS, GROUP_PATHS)
    g[ruined, 7, 1] = -800.0
    r = _simple(g)
    assert np.all(r[ruined, 7, 1] == -1.0)
    plans = [PortfolioPlan("bench", "b", np.array([0.9, 0.0, 0.0, 0.1]), rule="none")]
    out = _outputs(1 + 4, 1)
    series_pass(g, PortfolioArrays.of(plans, N_MONTHS, 4), CASH, out)
    benchmark = account(r, np.cumprod(1 + r, axis=1), plans[0]).returns
    wealth = np.concatenate([np.ones((N_PATHS, 1)), np.cumprod(1 + r[:, :, 1], axis=1)], axis=1)
    drawdown, stats = series_statistics(wealth, r[:, :, 1], r[:, :, CASH], benchmark, None)
    assert np.all(out.terminal[2, ruined] == 0.0) and np.all(out.max_drawdown[2, ruined] == 1.0)
    assert np.array_equal(out.terminal[2], wealth[:, -1])
    assert np.allclose(out.max_drawdown[2], drawdown, rtol=1e-6, atol=1e-7)
    for column, name in enumerate(BLOCK_SUM_FIELDS[: len(stats)]):
        assert out.sums[2, column] == pytest.approx(stats[name], rel=1e-11, abs=SQRT_NOISE)


def test_vector_log_is_within_four_ulp_of_libm() -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate(
        [np.exp(rng.uniform(-700, 700, 100_000)), rng.uniform(0.5, 2.0, 100_000), [1.0, 2.0]]
    )
    out = np.empty_like(x)
    vector_log(x, out, np.empty_like(x))
    exact = np.log(x)
    ulp = np.spacing(np.abs(exact))
    ulp[exact == 0.0] = np.spacing(1.0)  # log 1 = 0: measure against the scale of its input
    assert np.max(np.abs(out - exact) / ulp) <= 4.0
    assert out[-2] == 0.0


def test_vector_log_of_zero_and_negative_wealth_is_minus_infinity() -> None:
    x = np.array([0.0, -1.0, 1e-300])
    out = np.empty_like(x)
    vector_log(x, out, np.empty_like(x))
    assert out[0] == -np.inf and out[1] == -np.inf and out[2] == pytest.approx(np.log(1e-300))
