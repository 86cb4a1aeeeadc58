"""Each bundled scenario produces what its story says.

Every comparison is a difference of means over independent paths, asserted to be at least
K = 4 Monte Carlo standard errors away from zero in the story's direction (seeded, so the
outcome is fixed; with K = 4 a story that did not hold would pass by chance with odds below
1 in 30,000)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from allocator.market import MarketPaths, compile_market, sample_market
from allocator.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
K = 4.0
N_PATHS = 6000


def _run(name: str, n: int = N_PATHS) -> tuple[Scenario, MarketPaths]:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    spec = compile_market(scenario)
    return scenario, sample_market(spec, np.random.default_rng(20261122), n)


def _col(scenario: Scenario, asset: str) -> int:
    return list(scenario.assets).index(asset)


def _log_growth(paths: MarketPaths, col: int, first: int, last: int) -> np.ndarray:
    """Per-path log growth over months first..last (1-based, inclusive)."""
    return np.log1p(paths.returns[:, first - 1 : last, col]).sum(axis=1)


def _assert_positive(diff: np.ndarray, what: str) -> None:
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    assert diff.mean() > K * se, f"{what}: mean {diff.mean():.4f}, SE {se:.4f}"


@pytest.mark.parametrize(
    "name",
    sorted(p.stem for p in SCENARIOS.glob("*.yaml") if p.stem != "outlook"),
)
def test_every_bundled_scenario_simulates_finite_returns(name: str) -> None:
    scenario, paths = _run(name, 500)
    assert paths.returns.shape == (500, scenario.horizon_months, len(scenario.assets))
    assert np.all(np.isfinite(paths.returns)) and np.all(paths.returns > -1.0)


def test_tariff_shock_small_caps_fall_further_and_recover_later() -> None:
    scenario, paths = _run("tariff_shock")
    small, large = _col(scenario, "small"), _col(scenario, "large")
    event_month = next(iter(scenario.market.events.values())).month  # type: ignore[union-attr]
    assert event_month is not None
    # deeper fall in the shock month
    fall = paths.returns[:, event_month - 1, large] - paths.returns[:, event_month - 1, small]
    _assert_positive(fall, "small caps fall further in the shock month")

    # later recovery: months until the price is back to its pre-shock level
    def months_to_recover(col: int) -> np.ndarray:
        level = np.cumsum(np.log1p(paths.returns[:, event_month - 1 :, col]), axis=1)
        back = level >= 0.0
        return np.where(back.any(axis=1), back.argmax(axis=1), level.shape[1]).astype(float)

    later = months_to_recover(small) - months_to_recover(large)
    _assert_positive(later, "small caps take longer to recover")


def test_rate_cuts_first_cut_jump_and_small_cap_lead_in_months_1_to_24() -> None:
    scenario, paths = _run("rate_cuts")
    small, large = _col(scenario, "small"), _col(scenario, "large")
    _assert_positive(paths.returns[:, 0, small] - paths.returns[:, 0, large], "first-cut jump")
    lead = _log_growth(paths, small, 1, 24) - _log_growth(paths, large, 1, 24)
    _assert_positive(lead, "small caps lead in the first 24 months")
    assert paths.rates is not None
    assert np.median(paths.rates[:, 18]) < np.median(paths.rates[:, 0])  # the Fed cuts


def test_higher_for_longer_keeps_rates_up_and_small_caps_lag() -> None:
    scenario, paths = _run("higher_for_longer")
    small, large = _col(scenario, "small"), _col(scenario, "large")
    assert paths.rates is not None
    assert np.median(paths.rates[:, 18]) >= np.median(paths.rates[:, 0])
    horizon = scenario.horizon_months
    lag = _log_growth(paths, large, 1, horizon) - _log_growth(paths, small, 1, horizon)
    _assert_positive(lag, "small caps lag large caps")


def test_recession_forces_the_window_and_hits_small_caps_harder() -> None:
    scenario, paths = _run("recession")
    small, large = _col(scenario, "small"), _col(scenario, "large")
    assert paths.regimes is not None
    spec = compile_market(scenario)
    recession = spec.regime_names.index("recession")
    window = scenario.market.regimes.windows[0]  # type: ignore[union-attr]
    months = slice(window.start_month - 1, window.end_month)
    if window.probability == 1.0:
        assert np.all(paths.regimes[:, months] == recession)
    hit = _log_growth(paths, large, 1, 12) - _log_growth(paths, small, 1, 12)
    _assert_positive(hit, "small caps fall harder in the first year")


def test_ai_momentum_growth_leads_and_small_caps_lag() -> None:
    scenario, paths = _run("ai_momentum")
    small, large, growth = (_col(scenario, a) for a in ("small", "large", "growth"))
    horizon = scenario.horizon_months
    _assert_positive(
        _log_growth(paths, growth, 1, 36) - _log_growth(paths, large, 1, 36),
        "mega-cap growth leads large caps over 3 years",
    )
    _assert_positive(
        _log_growth(paths, large, 1, horizon) - _log_growth(paths, small, 1, horizon),
        "small caps lag large caps",
    )


def test_small_cap_renaissance_small_caps_lead() -> None:
    scenario, paths = _run("small_cap_renaissance")
    small, large = _col(scenario, "small"), _col(scenario, "large")
    horizon = scenario.horizon_months
    lead = _log_growth(paths, small, 1, horizon) - _log_growth(paths, large, 1, horizon)
    _assert_positive(lead, "small caps lead as the valuation gap closes")
