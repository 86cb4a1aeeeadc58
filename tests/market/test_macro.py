"""Macro model: regimes, policy rate, deterministic terms, events.

Statistical checks use fixed seeds and k = 4 Monte Carlo standard errors derived from theory
(stated at each check); deterministic checks are exact to 1e-12.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from allocator.market import compile_market, sample_market
from tests.market.helpers import equity, log_returns, macro, sample, scenario

K_SE = 4.0
DELTA = 1.0 / 12.0


def _one_equity(vol: float = 0.0, drift: float = 0.0) -> dict[str, Any]:
    return {"only": {"drift": {"eq": drift}, "vol": {"eq": vol}}}


# ----------------------------------------------------------------------------- regimes


def test_regime_occupation_matches_the_stationary_distribution() -> None:
    transition = {
        "calm": {"calm": 0.90, "slow": 0.08, "crash": 0.02},
        "slow": {"calm": 0.10, "slow": 0.85, "crash": 0.05},
        "crash": {"calm": 0.20, "slow": 0.20, "crash": 0.60},
    }
    names = list(transition)
    p = np.array([[transition[a][b] for b in names] for a in names])
    w, v = np.linalg.eig(p.T)
    pi = np.real(v[:, np.argmin(np.abs(w - 1))])
    pi /= pi.sum()
    states = {n: {"drift": {"eq": 0.0}, "vol": {"eq": 0.0}} for n in names}
    market = macro(states, transition, initial=dict(zip(names, pi.tolist(), strict=True)))
    spec, paths = sample(scenario({"eq": equity()}, market, horizon=36), 8192, seed=11)
    assert spec.regime_names == tuple(names)
    assert paths.regimes is not None and paths.regimes.dtype == np.int8
    # Started from π, every month's marginal is π, so each path's occupation fraction f_p has
    # mean π_k; paths are independent, so SE = std(f_p) / sqrt(n_paths) (batch means over
    # whole paths; it accounts for the autocorrelation inside a path).
    for k in range(3):
        f = (paths.regimes == k).mean(axis=1)
        se = f.std(ddof=1) / math.sqrt(f.size)
        assert abs(f.mean() - pi[k]) <= K_SE * se, (names[k], f.mean(), pi[k], se)


def test_a_window_with_probability_one_forces_the_state() -> None:
    states = {n: {"drift": {"eq": 0.0}, "vol": {"eq": 0.0}} for n in ("up", "down")}
    transition = {"up": {"up": 0.5, "down": 0.5}, "down": {"up": 0.5, "down": 0.5}}
    windows = [{"state": "down", "start_month": 4, "end_month": 9, "probability": 1.0}]
    market = macro(states, transition, initial="up", windows=windows)
    _, paths = sample(scenario({"eq": equity()}, market, horizon=12), 2000)
    assert paths.regimes is not None
    assert np.all(paths.regimes[:, 3:9] == 1)  # months 4..9
    assert np.any(paths.regimes[:, 9] == 0) and np.any(paths.regimes[:, 2] == 0)


def test_a_window_with_probability_p_moves_that_share_of_paths() -> None:
    # absorbing states: paths leave 'a' only through the window, at month 3
    states = {n: {"drift": {"eq": 0.0}, "vol": {"eq": 0.0}} for n in ("a", "b")}
    transition = {"a": {"a": 1.0}, "b": {"b": 1.0}}
    windows = [{"state": "b", "start_month": 3, "end_month": 3, "probability": 0.3}]
    market = macro(states, transition, initial="a", windows=windows)
    _, paths = sample(scenario({"eq": equity()}, market, horizon=6), 10000, seed=2)
    assert paths.regimes is not None
    assert np.all(paths.regimes[:, :2] == 0)
    moved = paths.regimes[:, 2] == 1
    # Bernoulli(0.3) per path: SE = sqrt(p (1 - p) / n)
    assert abs(moved.mean() - 0.3) <= K_SE * math.sqrt(0.3 * 0.7 / moved.size)
    assert np.all(paths.regimes[moved, 2:] == 1) and np.all(paths.regimes[~moved, 2:] == 0)


def test_regime_drift_and_vol_apply_in_their_month() -> None:
    states = {
        "good": {"drift": {"eq": 0.12}, "vol": {"eq": 0.0}},
        "bad": {"drift": {"eq": -0.30}, "vol": {"eq": 0.0}},
    }
    transition = {"good": {"good": 0.8, "bad": 0.2}, "bad": {"good": 0.5, "bad": 0.5}}
    _, paths = sample(scenario({"eq": equity()}, macro(states, transition), horizon=24), 500)
    assert paths.regimes is not None
    expected = np.where(paths.regimes == 0, 0.12, -0.30) * DELTA
    assert np.abs(log_returns(paths)[..., 0] - expected).max() <= 1e-15


# ----------------------------------------------------------------------------- policy rate


def test_rate_deviation_has_the_ou_variance() -> None:
    noise_vol, half_life = 0.01, 6.0
    rates = {
        "start": 0.03,
        "neutral": 0.03,
        "noise_vol": noise_vol,
        "reversion_half_life_months": half_life,
        "floor": -1.0,  # far below: never binds
    }
    market = macro(_one_equity(), rates=rates)
    _, paths = sample(scenario({"eq": equity()}, market, horizon=120), 8192, seed=5)
    assert paths.rates is not None and paths.rates.shape == (8192, 121)
    assert np.all(paths.rates[:, 0] == 0.03)
    x = paths.rates - 0.03
    kappa = math.log(2) / half_life
    phi = math.exp(-kappa)
    sigma_m = noise_vol / math.sqrt(12)
    n = x.shape[0]
    for t in (1, 3, 12, 60, 120):
        var = sigma_m**2 * (1 - phi ** (2 * t)) / (2 * kappa)
        # x_t is normal with mean 0: SE of its sample variance (mean known) = var sqrt(2 / n),
        # SE of its sample mean = sqrt(var / n)
        assert abs(np.mean(x[:, t] ** 2) - var) <= K_SE * var * math.sqrt(2 / n), t
        assert abs(np.mean(x[:, t])) <= K_SE * math.sqrt(var / n), t


def test_rate_floor_binds() -> None:
    rates = {"start": 0.001, "neutral": 0.02, "noise_vol": 0.02, "floor": 0.0}
    _, paths = sample(scenario({"eq": equity()}, macro(_one_equity(), rates=rates)), 1000)
    assert paths.rates is not None
    assert paths.rates.min() == 0.0 and np.mean(paths.rates[:, 1:] == 0.0) > 0.2


@pytest.mark.parametrize(
    ("rates", "expected"),
    [
        ({"start": 0.04, "neutral": 0.03}, [0.04] * 5),
        (
            {"start": 0.04, "neutral": 0.03, "target": [{"month": 2, "rate": 0.03}]},
            [0.04, 0.035, 0.03, 0.03, 0.03],
        ),
        (
            {
                "start": 0.04,
                "neutral": 0.03,
                "target": [{"month": 0, "rate": 0.05}, {"month": 4, "rate": 0.01}],
            },
            [0.04, 0.04, 0.03, 0.02, 0.01],  # r_0 = start even with a knot at 0
        ),
        (
            {
                "start": 0.04,
                "neutral": 0.03,
                "moves": [{"month": 1, "change": -0.0025}, {"month": 3, "change": -0.0025}],
            },
            [0.04, 0.0375, 0.0375, 0.035, 0.035],
        ),
    ],
    ids=["flat", "knot", "knot-at-0", "moves"],
)
def test_deterministic_rate_paths(rates: dict[str, Any], expected: list[float]) -> None:
    _, paths = sample(scenario({"eq": equity()}, macro(_one_equity(), rates=rates), 4), 3)
    assert paths.rates is not None
    np.testing.assert_allclose(paths.rates, np.tile(expected, (3, 1)), rtol=0, atol=1e-15)


# ----------------------------------------------------------------------------- exact terms


def _full_deterministic_market() -> tuple[dict[str, Any], dict[str, Any]]:
    assets = {
        "eq": equity(fee=0.002),
        "bd": {
            "name": "bond",
            "kind": "bond",
            "expense_ratio": 0.0005,
            "duration": 5.0,
            "spread": 0.01,
        },
        "cash": {"name": "cash", "kind": "cash", "expense_ratio": 0.001},
    }
    states = {
        "boom": {"drift": {"eq": 0.08, "bd": 0.001}, "vol": {"eq": 0.0, "bd": 0.0}},
        "bust": {"drift": {"eq": 0.02}, "vol": {"eq": 0.0}},
    }
    transition = {"boom": {"boom": 0.5, "bust": 0.5}, "bust": {"boom": 0.5, "bust": 0.5}}
    windows = [
        {"state": "boom", "start_month": 1, "end_month": 12, "probability": 1.0},
        {"state": "bust", "start_month": 13, "end_month": 24, "probability": 1.0},
    ]
    market = macro(
        states,
        transition,
        windows=windows,
        rates={
            "start": 0.04,
            "neutral": 0.03,
            "target": [{"month": 6, "rate": 0.03}, {"month": 18, "rate": 0.025}],
        },
        rate_sensitivity={"eq": {"level": -1.5, "change": -4.0}, "bd": {"change": 1.0}},
        themes={"ai": {"premium": {"eq": 0.02}, "half_life_months": 12}},
        valuation={"eq": {"pe": 20, "long_run_pe": 16, "half_life_months": 60}},
        events={
            "shock": {
                "month": 5,
                "impact": {"eq": -0.2, "bd": 0.02, "cash": -0.5},
                "recovery_half_life_months": {"eq": 6},
                "recovery_fraction": 0.8,
                "vol_multiplier": 2.0,
            }
        },
    )
    return assets, market


def _expected_log_returns(horizon: int) -> np.ndarray:
    """MODEL.md written out term by term, month by month (independent of the implementation)."""
    months = np.arange(horizon + 1)
    tau = np.interp(months, [0, 6, 18], [0.04, 0.03, 0.025])
    r = np.maximum(0.0, tau)
    r[0] = 0.04
    g = np.zeros((horizon, 3))
    for t in range(1, horizon + 1):
        boom = t <= 12
        dr = r[t] - r[t - 1]
        theme = 0.02 * 2 ** (-(t - 1) / 12)
        val = math.log(20 / 16) * (2 ** (-t / 60) - 2 ** (-(t - 1) / 60))
        a = math.log(1 - 0.2)
        if t == 5:
            jump = a
        elif t > 5:
            u = t - 5
            jump = 0.8 * (-a) * (2 ** (-(u - 1) / 6) - 2 ** (-u / 6))
        else:
            jump = 0.0
        mu = 0.08 if boom else 0.02
        g[t - 1, 0] = (
            (mu + theme + -1.5 * (r[t - 1] - 0.03) - 0.002) * DELTA - 4.0 * dr + val + jump
        )
        mu_b = 0.001 if boom else 0.0
        bond = (r[t - 1] + 0.01) * DELTA - 5.0 * dr
        g[t - 1, 1] = (mu_b - 0.0005) * DELTA + 1.0 * dr + bond + (math.log(1.02) if t == 5 else 0)
        g[t - 1, 2] = math.log(1 + r[t - 1] * DELTA) - 0.001 * DELTA
    return g


def test_zero_volatility_returns_compound_exactly() -> None:
    assets, market = _full_deterministic_market()
    horizon = 24
    _, paths = sample(scenario(assets, market, horizon=horizon), 7)
    expected = np.expm1(_expected_log_returns(horizon))
    assert np.abs(paths.returns - expected[None]).max() <= 1e-12
    assert paths.regimes is not None
    assert np.all(paths.regimes[:, :12] == 0) and np.all(paths.regimes[:, 12:] == 1)
    # the terminal growth of each asset is the product of its monthly growths
    growth = np.prod(1 + paths.returns, axis=1)
    terminal = np.exp(_expected_log_returns(horizon).sum(axis=0))
    np.testing.assert_allclose(growth, np.broadcast_to(terminal, growth.shape), rtol=1e-12)


def test_a_dated_event_moves_its_month_and_half_recovers_after_the_half_life() -> None:
    impact, half_life, month = -0.25, 6, 10
    base = macro(_one_equity(drift=0.05))
    hit = macro(
        _one_equity(drift=0.05),
        events={
            "crash": {
                "month": month,
                "impact": {"eq": impact},
                "recovery_half_life_months": half_life,
            }
        },
    )
    _, calm = sample(scenario({"eq": equity()}, base, horizon=36), 2)
    _, shocked = sample(scenario({"eq": equity()}, hit, horizon=36), 2)
    diff = log_returns(shocked)[0, :, 0] - log_returns(calm)[0, :, 0]
    a = math.log1p(impact)
    assert np.all(np.abs(diff[: month - 1]) <= 1e-15)
    assert abs(diff[month - 1] - a) <= 1e-12
    recovered = diff[month : month + half_life].sum()
    assert abs(recovered - (-a) / 2) <= 1e-12  # half the log loss is back after h months
    assert abs(diff.sum() - a - (-a) * (1 - 2 ** (-(36 - month) / half_life))) <= 1e-12


def test_the_vol_multiplier_raises_realized_vol_at_the_event() -> None:
    vol, mult, month = 0.16, 3.0, 6
    market = macro(
        _one_equity(vol=vol),
        events={
            "spike": {
                "month": month,
                "impact": {"eq": 0.0},
                "vol_multiplier": mult,
                "vol_half_life_months": 2,
            }
        },
    )
    _, paths = sample(scenario({"eq": equity()}, market, horizon=10), 8192, seed=9)
    g = log_returns(paths)[..., 0]
    base = vol * math.sqrt(DELTA)
    n = g.shape[0]
    # normal shocks: SE of a sample standard deviation ≈ σ / sqrt(2 n)
    for t, factor in ((month - 1, 1.0), (month, mult), (month + 2, 1 + (mult - 1) / 2)):
        sd = base * factor
        assert abs(g[:, t - 1].std() - sd) <= K_SE * sd / math.sqrt(2 * n), t


def test_random_events_hit_at_most_max_occurrences_inside_their_window() -> None:
    p, first, last, cap = 0.1, 3, 10, 2
    market = macro(
        _one_equity(),
        events={
            "jolt": {
                "probability_per_month": p,
                "window": [first, last],
                "max_occurrences": cap,
                "impact": {"eq": -0.1},
            }
        },
    )
    _, paths = sample(scenario({"eq": equity()}, market, horizon=12), 20000, seed=4)
    g = log_returns(paths)[..., 0]
    hits = np.abs(g - math.log(0.9)) < 1e-12
    assert np.all(np.abs(g[~hits]) < 1e-15)
    assert not hits[:, : first - 1].any() and not hits[:, last:].any()
    count = hits.sum(axis=1)
    months = last - first + 1
    expect = {0: (1 - p) ** months, 1: months * p * (1 - p) ** (months - 1)}
    expect[2] = 1 - expect[0] - expect[1]
    for k, q in expect.items():
        # multinomial share: SE = sqrt(q (1 - q) / n)
        assert abs(np.mean(count == k) - q) <= K_SE * math.sqrt(q * (1 - q) / count.size), k
    # the first hit month is the first month with u < p: geometric over the window
    first_hit = np.argmax(hits, axis=1)[count > 0] + 1
    share_first = np.mean(first_hit == first)
    q = p / (1 - (1 - p) ** months)
    assert abs(share_first - q) <= K_SE * math.sqrt(q * (1 - q) / first_hit.size)


def test_random_event_recovery_follows_the_hit() -> None:
    market = macro(
        _one_equity(),
        events={
            "jolt": {
                "probability_per_month": 0.2,
                "impact": {"eq": -0.2},
                "recovery_half_life_months": 3,
                "recovery_fraction": 0.5,
                "vol_multiplier": 4,
            }
        },
    )
    _, paths = sample(scenario({"eq": equity()}, market, horizon=12), 400, seed=8)
    g = log_returns(paths)[..., 0]
    a = math.log(0.8)
    for row in g:
        hit = int(np.argmax(np.abs(row - a) < 1e-12)) if np.any(np.abs(row - a) < 1e-12) else -1
        if hit < 0:
            assert np.all(np.abs(row) < 1e-15)
            continue
        u = np.arange(1, 12 - hit)
        rec = 0.5 * (-a) * (2 ** (-(u - 1) / 3) - 2 ** (-u / 3))
        np.testing.assert_allclose(row[hit + 1 :], rec, rtol=0, atol=1e-15)


def test_random_event_vol_multiplier_follows_the_hit() -> None:
    # probability 1 inside a one-month window: the random mechanism hits at month 4 on every path
    vol, mult = 0.16, 4.0
    market = macro(
        _one_equity(vol=vol),
        events={
            "sure": {
                "probability_per_month": 1.0,
                "window": [4, 4],
                "impact": {"eq": 0.0},
                "vol_multiplier": mult,
            }
        },
    )
    _, paths = sample(scenario({"eq": equity()}, market, horizon=6), 8192, seed=12)
    g = log_returns(paths)[..., 0]
    base = vol * math.sqrt(DELTA)
    n = g.shape[0]
    # normal shocks: SE of a sample standard deviation ≈ σ / sqrt(2 n)
    for t, factor in ((3, 1.0), (4, mult), (5, 1 + (mult - 1) * 2**-0.5)):
        sd = base * factor
        assert abs(g[:, t - 1].std() - sd) <= K_SE * sd / math.sqrt(2 * n), t


# ----------------------------------------------------------------------------- randomness


def _rich_market() -> tuple[dict[str, Any], dict[str, Any]]:
    assets, market = _full_deterministic_market()
    market["innovations"] = {"distribution": "student_t", "dof": 5}
    market["rates"]["noise_vol"] = 0.005
    market["regimes"]["windows"] = []
    market["regimes"]["states"]["boom"]["vol"] = {"eq": 0.15, "bd": 0.04}
    market["regimes"]["states"]["bust"]["vol"] = {"eq": 0.3}
    market["regimes"]["states"]["bust"]["correlation"] = {
        "assets": ["eq", "bd"],
        "matrix": [[1, -0.3], [-0.3, 1]],
    }
    market["events"]["random"] = {
        "probability_per_month": 0.05,
        "impact": {"eq": -0.1},
        "vol_multiplier": 2,
    }
    return assets, market


def test_same_seed_same_paths_different_seed_different_paths() -> None:
    assets, market = _rich_market()
    spec = compile_market(scenario(assets, market, horizon=30))
    a = sample_market(spec, np.random.default_rng(1), 500)
    b = sample_market(spec, np.random.default_rng(1), 500)
    c = sample_market(spec, np.random.default_rng(2), 500)
    for x, y in ((a.returns, b.returns), (a.rates, b.rates), (a.regimes, b.regimes)):
        assert x is not None and y is not None and np.array_equal(x, y)
    assert not np.array_equal(a.returns, c.returns)
    assert a.rates is not None and c.rates is not None
    assert not np.array_equal(a.rates, c.rates)
    assert a.returns.shape == (500, 30, 3) and a.returns.flags.c_contiguous
    assert a.rates.shape == (500, 31)
    assert a.regimes is not None and a.regimes.shape == (500, 30)
    assert np.all(np.isfinite(a.returns)) and np.all(a.returns > -1)
