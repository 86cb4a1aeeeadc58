"""Scenario builders for the market tests (scenarios are built in code, never read from
scenarios/, which other work rewrites)."""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.market import MarketPaths, MarketSpec, compile_market, sample_market
from allocator.scenario import Scenario


def scenario(
    assets: dict[str, dict[str, Any]], market: dict[str, Any], horizon: int = 12, seed: int = 0
) -> Scenario:
    """A minimal valid scenario around ``market`` (one portfolio holding the first asset)."""
    first = next(iter(assets))
    return Scenario.model_validate(
        {
            "name": "market test",
            "horizon_months": horizon,
            "seed": seed,
            "assets": assets,
            "market": market,
            "portfolios": {"only": {"weights": {first: 1.0}}},
        }
    )


def equity(fee: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"name": "equity", "kind": "equity", "expense_ratio": fee, **extra}


def macro(
    states: dict[str, Any],
    transition: dict[str, Any] | None = None,
    initial: Any = None,
    rates: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A macro market; by default one regime 'only' and a flat 3% policy rate."""
    names = list(states)
    return {
        "model": "macro",
        "rates": rates or {"start": 0.03, "neutral": 0.03},
        "regimes": {
            "initial": initial if initial is not None else names[0],
            "states": states,
            "transition": transition or {n: {n: 1.0} for n in names},
            **({"windows": extra.pop("windows")} if "windows" in extra else {}),
        },
        **extra,
    }


def sample(scn: Scenario, n_paths: int, seed: int = 12345) -> tuple[MarketSpec, MarketPaths]:
    spec = compile_market(scn)
    return spec, sample_market(spec, np.random.default_rng(seed), n_paths)


def log_returns(paths: MarketPaths) -> np.ndarray:
    return np.log1p(paths.returns)
