"""Checks that need the whole scenario: references to assets, regimes and portfolios exist,
weights sum to 1, months fall inside the horizon. Each finding names its own field path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from allocator.scenario.market_schema import HistoricalModel, MacroModel, ParametricModel
from allocator.scenario.schema import Outlook, Scenario
from allocator.scenario.yaml_source import Path_

WEIGHT_SUM_TOLERANCE = 1e-6
Finding = tuple[Path_, str]


def _unknown(
    ids: Iterable[str], known: Iterable[str], path: Path_, what: str = "asset"
) -> Iterator[Finding]:
    known_list = list(known)
    for key in ids:
        if key not in known_list:
            yield (*path, key), f"unknown {what} '{key}', expected one of: {', '.join(known_list)}"


def _unknown_ref(
    value: str, known: Iterable[str], path: Path_, what: str = "asset"
) -> Iterator[Finding]:
    """One reference held by a field (not a mapping key): the finding names the field itself."""
    known_list = list(known)
    if value not in known_list:
        yield path, f"unknown {what} '{value}', expected one of: {', '.join(known_list)}"


def _sums_to_one(weights: dict[str, float], path: Path_, what: str) -> Iterator[Finding]:
    total = sum(weights.values())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        yield path, f"expected {what} summing to 1, found {total:.6g}"


def _macro(m: MacroModel, s: Scenario) -> Iterator[Finding]:
    assets = s.asset_ids
    base: Path_ = ("market",)
    states = list(m.regimes.states)
    reg: Path_ = (*base, "regimes")
    if isinstance(m.regimes.initial, str):
        yield from _unknown_ref(m.regimes.initial, states, (*reg, "initial"), "regime")
    else:
        yield from _unknown(m.regimes.initial, states, (*reg, "initial"), "regime")
        yield from _sums_to_one(m.regimes.initial, (*reg, "initial"), "initial probabilities")
    for name, state in m.regimes.states.items():
        here = (*reg, "states", name)
        yield from _unknown(state.drift, assets, (*here, "drift"))
        yield from _unknown(state.vol, assets, (*here, "vol"))
        if state.correlation is not None:
            for i, a in enumerate(state.correlation.assets):
                if a not in assets:
                    yield (
                        (*here, "correlation", "assets", i),
                        f"unknown asset '{a}', expected one of: {', '.join(assets)}",
                    )
        for asset_id, asset in s.assets.items():
            if asset.kind == "equity":
                if asset_id not in state.drift:
                    yield (*here, "drift"), f"expected a drift for equity '{asset_id}', found none"
                if asset_id not in state.vol:
                    yield (*here, "vol"), f"expected a vol for equity '{asset_id}', found none"
    yield from _unknown(m.regimes.transition, states, (*reg, "transition"), "regime")
    for name in states:
        if name not in m.regimes.transition:
            yield (*reg, "transition"), f"expected a row for regime '{name}', found none"
    for row_name, row in m.regimes.transition.items():
        yield from _unknown(row, states, (*reg, "transition", row_name), "regime")
    for i, window in enumerate(m.regimes.windows):
        yield from _unknown_ref(window.state, states, (*reg, "windows", i, "state"), "regime")
        if window.end_month > s.horizon_months:
            yield (
                (*reg, "windows", i, "end_month"),
                f"expected a month within the horizon ({s.horizon_months}), "
                f"found {window.end_month}",
            )
    yield from _unknown(m.rate_sensitivity, assets, (*base, "rate_sensitivity"))
    for name, event in m.events.items():
        here = (*base, "events", name)
        yield from _unknown(event.impact, assets, (*here, "impact"))
        if isinstance(event.recovery_half_life_months, dict):
            yield from _unknown(
                event.recovery_half_life_months, assets, (*here, "recovery_half_life_months")
            )
        if event.month is not None and event.month > s.horizon_months:
            yield (
                (*here, "month"),
                (f"expected a month within the horizon ({s.horizon_months}), found {event.month}"),
            )
        for asset_id, move in event.impact.items():
            if move <= -1.0:
                yield (
                    (*here, "impact", asset_id),
                    f"expected an impact above -100%, found {move:.4g}",
                )
    for name, theme in m.themes.items():
        yield from _unknown(theme.premium, assets, (*base, "themes", name, "premium"))
    yield from _unknown(m.valuation, assets, (*base, "valuation"))
    for asset_id in m.valuation:
        if asset_id in s.assets and s.assets[asset_id].kind != "equity":
            yield (
                (*base, "valuation", asset_id),
                f"expected an equity asset, found kind '{s.assets[asset_id].kind}'",
            )
    for asset_id, asset in s.assets.items():
        if asset.kind == "bond" and asset.duration is None:
            yield (
                ("assets", asset_id, "duration"),
                "expected a duration (years) for a bond asset, found none",
            )


def _parametric(m: ParametricModel, s: Scenario) -> Iterator[Finding]:
    assets = s.asset_ids
    base: Path_ = ("market",)
    yield from _unknown(m.mean, assets, (*base, "mean"))
    for asset_id in assets:
        if asset_id not in m.mean:
            yield (*base, "mean"), f"expected a mean for asset '{asset_id}', found none"
    if m.vol is not None:
        yield from _unknown(m.vol, assets, (*base, "vol"))
        for asset_id in assets:
            if asset_id not in m.vol:
                yield (*base, "vol"), f"expected a vol for asset '{asset_id}', found none"
    for key, matrix in (("correlation", m.correlation), ("covariance", m.covariance)):
        if matrix is not None:
            for i, a in enumerate(matrix.assets):
                if a not in assets:
                    yield (
                        (*base, key, "assets", i),
                        f"unknown asset '{a}', expected one of: {', '.join(assets)}",
                    )
    if m.covariance is not None:
        for asset_id in assets:
            if asset_id not in m.covariance.assets:
                yield (
                    (*base, "covariance", "assets"),
                    f"expected asset '{asset_id}' in the covariance, found none",
                )


def _historical(m: HistoricalModel, s: Scenario) -> Iterator[Finding]:
    if not Path(m.file).is_file():
        yield ("market", "file"), f"expected an existing CSV file, found no file at {m.file}"
    if m.columns is not None:
        yield from _unknown(m.columns, s.asset_ids, ("market", "columns"))


def _portfolios(s: Scenario) -> Iterator[Finding]:
    assets = s.asset_ids
    for pid, p in s.portfolios.items():
        here: Path_ = ("portfolios", pid)
        yield from _unknown(p.weights, assets, (*here, "weights"))
        yield from _sums_to_one(p.weights, (*here, "weights"), "weights")
        yield from _unknown(
            [k for k in p.costs.proportional_bps if k != "default"],
            assets,
            (*here, "costs", "proportional_bps"),
        )
        if p.rebalance.policy in ("threshold", "hybrid") and p.rebalance.assets:
            for i, a in enumerate(p.rebalance.assets):
                yield from _unknown_ref(a, assets, (*here, "rebalance", "assets", i))
        if p.entry is not None:
            entry_path = (*here, "entry")
            yield from _unknown_ref(p.entry.asset, assets, (*entry_path, "asset"))
            if p.entry.park_in is not None:
                yield from _unknown_ref(p.entry.park_in, assets, (*entry_path, "park_in"))
            asset = s.assets.get(p.entry.asset)
            if (
                asset is not None
                and p.entry.method not in ("lump_sum", "dca")
                and asset.start_price is None
            ):
                yield (
                    (*entry_path, "method"),
                    f"expected assets.{p.entry.asset}.start_price for a price-triggered "
                    "entry, found none",
                )
            if p.entry.asset in assets and p.weights.get(p.entry.asset, 0.0) <= 0.0:
                yield (
                    (*entry_path, "asset"),
                    f"expected a positive target weight for '{p.entry.asset}', found 0",
                )
    if s.benchmark is not None:
        yield from _unknown_ref(s.benchmark, s.portfolios, ("benchmark",), "portfolio")
    if s.sweep is not None:
        yield from _unknown_ref(s.sweep.asset, assets, ("sweep", "asset"))
        yield from _unknown_ref(s.sweep.funded_from, assets, ("sweep", "funded_from"))
        if s.sweep.base is not None:
            yield from _unknown_ref(s.sweep.base, s.portfolios, ("sweep", "base"), "portfolio")
        if s.sweep.asset == s.sweep.funded_from:
            yield (
                ("sweep", "funded_from"),
                f"expected an asset other than '{s.sweep.asset}', found the same",
            )


def _optimization(s: Scenario) -> Iterator[Finding]:
    o = s.optimization
    assets = s.asset_ids
    yield from _unknown(o.bounds, assets, ("optimization", "bounds"))
    for name, group in o.groups.items():
        for i, a in enumerate(group.assets):
            if a not in assets:
                yield (
                    ("optimization", "groups", name, "assets", i),
                    f"unknown asset '{a}', expected one of: {', '.join(assets)}",
                )
    if o.current_weights is not None:
        yield from _unknown(o.current_weights, assets, ("optimization", "current_weights"))
        yield from _sums_to_one(o.current_weights, ("optimization", "current_weights"), "weights")
    yield from _unknown(
        [k for k in o.transaction_cost_bps if k != "default"],
        assets,
        ("optimization", "transaction_cost_bps"),
    )
    if o.benchmark is not None:
        yield from _unknown_ref(
            o.benchmark, s.portfolios, ("optimization", "benchmark"), "portfolio"
        )
    lows = sum(b.min for b in o.bounds.values())
    if lows > 1.0 + WEIGHT_SUM_TOLERANCE:
        yield (
            ("optimization", "bounds"),
            f"expected the lower bounds to sum to at most 1, found {lows:.6g}",
        )


def check_scenario(s: Scenario) -> list[Finding]:
    findings: list[Finding] = []
    market = s.market
    if isinstance(market, MacroModel):
        findings += _macro(market, s)
    elif isinstance(market, ParametricModel):
        findings += _parametric(market, s)
    else:
        findings += _historical(market, s)
    findings += _portfolios(s)
    findings += _optimization(s)
    return findings


def check_outlook(o: Outlook) -> list[Finding]:
    findings: list[Finding] = []
    total = sum(e.probability for e in o.scenarios)
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        findings.append((("scenarios",), f"expected probabilities summing to 1, found {total:.6g}"))
    return findings
