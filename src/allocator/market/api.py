"""The market's entry points: compile a scenario once, then sample blocks of paths.

``sample_market(spec, rng, n)`` first draws every random number of the block, in the order
documented by the model's module (``macro``, ``parametric``, ``historical``), then turns them
into paths without further draws; ``draw_raw_normals`` runs the same draws and discards them.
Same generator state, same paths.
"""

from __future__ import annotations

import numpy as np

from allocator.market.historical import compile_historical, draw_historical, sample_historical
from allocator.market.macro import compile_macro, draw_macro, sample_macro
from allocator.market.parametric import compile_parametric, draw_parametric, sample_parametric
from allocator.market.paths import MarketPaths
from allocator.market.spec import MarketSpec, freeze
from allocator.scenario.market_schema import MacroModel, ParametricModel
from allocator.scenario.schema import Scenario


def compile_market(scenario: Scenario, horizon_months: int | None = None) -> MarketSpec:
    """Compile ``scenario.market`` for ``horizon_months`` (default: the scenario's horizon).

    For the historical model this reads and validates the CSV (raising ``DataError``).
    """
    n_months = scenario.horizon_months if horizon_months is None else int(horizon_months)
    if n_months < 1:
        raise ValueError(f"expected a horizon of at least 1 month, found {n_months}")
    market = scenario.market
    ids = scenario.asset_ids
    if isinstance(market, MacroModel):
        macro = compile_macro(market, scenario.assets, n_months)
        spec = MarketSpec("macro", ids, n_months, macro.regimes.names, macro=macro)
    elif isinstance(market, ParametricModel):
        parametric = compile_parametric(market, scenario.assets, n_months)
        spec = MarketSpec("parametric", ids, n_months, parametric=parametric)
    else:
        historical = compile_historical(market, scenario.assets, n_months)
        spec = MarketSpec("historical", ids, n_months, historical=historical)
    freeze(spec)
    return spec


def sample_market(
    spec: MarketSpec, rng: np.random.Generator, n_paths: int, log_returns: bool = False
) -> MarketPaths:
    """Simulate ``n_paths`` paths of the compiled market, all randomness from ``rng``; with
    ``log_returns``, the paths carry ln(1 + R) instead of R (``MarketPaths.log_returns``)."""
    if spec.macro is not None:
        macro = draw_macro(spec.macro, rng, n_paths)
        return sample_macro(spec.macro, macro, n_paths, log_returns)
    if spec.parametric is not None:
        shocks = draw_parametric(spec.parametric, rng, n_paths)
        return sample_parametric(spec.parametric, shocks, n_paths, log_returns)
    if spec.historical is not None:
        uniforms = draw_historical(spec.historical, rng, n_paths)
        return sample_historical(spec.historical, uniforms, n_paths, log_returns)
    raise ValueError(f"market spec of model '{spec.model}' has no compiled model")


def draw_raw_normals(spec: MarketSpec, rng: np.random.Generator, n_paths: int) -> None:
    """Draw exactly the random numbers ``sample_market`` would (same calls, shapes and
    order) and discard them: the cost of the randomness alone, a benchmark's yardstick."""
    if spec.macro is not None:
        draw_macro(spec.macro, rng, n_paths)
    elif spec.parametric is not None:
        draw_parametric(spec.parametric, rng, n_paths)
    elif spec.historical is not None:
        draw_historical(spec.historical, rng, n_paths)
    else:
        raise ValueError(f"market spec of model '{spec.model}' has no compiled model")
