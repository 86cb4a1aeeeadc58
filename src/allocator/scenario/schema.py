"""Top-level documents: a ``Scenario`` (one story) and an ``Outlook`` (stories with odds).

Every model is frozen and rejects unknown keys. Checks that need the whole document (asset
references, weights summing to 1) live in ``checks.py`` so each problem names its own field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field

from allocator.scenario.base import Strict
from allocator.scenario.market_schema import MarketModel
from allocator.scenario.optimize_schema import Objective, Optimization
from allocator.scenario.portfolio_schema import Goal, Portfolio, Sweep
from allocator.scenario.units import (
    Float,
    Identifier,
    Int,
    NonNegativeRate,
    PositiveFloat,
    Probability,
    Rate,
)

MAX_PATHS = 10_000_000
MAX_HORIZON_MONTHS = 600


class Asset(Strict):
    name: str = Field(min_length=1, max_length=200)
    """Display name, e.g. 'US small caps (Russell 2000)'."""
    ticker: str | None = Field(default=None, max_length=20)
    kind: Literal["equity", "bond", "cash"]
    """equity: regime model; bond: yield and duration; cash: earns the policy rate."""
    expense_ratio: Annotated[NonNegativeRate, Field(le=0.1)] = 0.0
    """Annual fee deducted monthly, e.g. "0.19%"."""
    start_price: PositiveFloat | None = None
    """Price now, for price-triggered entry (e.g. IWM 232)."""
    duration: Annotated[Float, Field(ge=0.0, le=50.0)] | None = None
    """Bonds: modified duration in years (return ≈ yield/12 - duration × Δyield)."""
    spread: Rate = 0.0
    """Bonds: yield over the policy rate (term and credit premium), annual decimal."""


class ReportOptions(Strict):
    title: str | None = Field(default=None, max_length=200)
    percentiles: list[Annotated[Float, Field(gt=0.0, lt=100.0)]] = Field(
        default_factory=lambda: [5.0, 25.0, 50.0, 75.0, 95.0], min_length=1
    )
    """Percentiles (0-100) of the wealth bands."""
    var_level: Annotated[Float, Field(ge=0.5, lt=1.0)] = 0.95
    """Confidence level of VaR and CVaR."""


class Scenario(Strict):
    """One story about the market, the portfolios to try in it, and what to optimize."""

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=5000)
    extends: str | None = None
    """Base scenario file this one overrides (resolved relative to this file)."""
    sources: list[str] = Field(default_factory=list)
    """Where the numbers come from (article file and figure, data file and column)."""
    start_date: dt.date | None = None
    """Calendar date of month 0, for labels only."""
    horizon_months: Annotated[Int, Field(ge=1, le=MAX_HORIZON_MONTHS)] = 120
    paths: Annotated[Int, Field(ge=1, le=MAX_PATHS)] = 20_000
    """Number of Monte Carlo paths."""
    seed: Annotated[Int, Field(ge=0, lt=2**63)] = 0
    initial_wealth: PositiveFloat = 100_000.0
    currency: str = Field(default="USD", max_length=10)
    assets: dict[Identifier, Asset] = Field(min_length=1, max_length=50)
    market: MarketModel
    portfolios: dict[Identifier, Portfolio] = Field(min_length=1)
    benchmark: Identifier | None = None
    """Portfolio all others are compared with (default: the first)."""
    sweep: Sweep | None = None
    goal: Goal | None = None
    optimization: Optimization = Field(default_factory=Optimization)
    report: ReportOptions = Field(default_factory=ReportOptions)

    @property
    def asset_ids(self) -> tuple[str, ...]:
        return tuple(self.assets)

    @property
    def benchmark_id(self) -> str:
        return self.benchmark if self.benchmark is not None else next(iter(self.portfolios))


class OutlookEntry(Strict):
    file: str = Field(min_length=1)
    """Scenario file, relative to the outlook file."""
    probability: Probability
    label: str | None = Field(default=None, max_length=200)


class AdviceOptions(Strict):
    objective: Objective = "crra"
    risk_aversion: Annotated[Float, Field(gt=0.0, le=1000.0)] = 3.0
    """gamma of crra, lambda of mean-variance / mean-cvar."""
    risk_aversion_grid: list[Annotated[Float, Field(gt=0.0, le=1000.0)]] = Field(
        default_factory=lambda: [1.0, 2.0, 3.0, 5.0, 8.0]
    )
    resamples: Annotated[Int, Field(ge=10, le=10_000)] = 200
    """Bootstrap resamples for the range of the recommended small-cap weight."""
    small_cap_grid_step: Annotated[Float, Field(gt=0.0, le=0.5)] = 0.05


class Outlook(Strict):
    """Competing scenarios with subjective probabilities, for advice across stories."""

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=5000)
    sources: list[str] = Field(default_factory=list)
    scenarios: list[OutlookEntry] = Field(min_length=1, max_length=50)
    paths: Annotated[Int, Field(ge=1, le=MAX_PATHS)] | None = None
    """Overrides each scenario's path count."""
    seed: Annotated[Int, Field(ge=0, lt=2**63)] | None = None
    advice: AdviceOptions = Field(default_factory=AdviceOptions)


_JSON_BOUNDS = {
    "ge": "minimum",
    "gt": "exclusiveMinimum",
    "le": "maximum",
    "lt": "exclusiveMaximum",
}


def _json_bounds(node: Any, names: bool = False) -> Any:
    """Pydantic writes the bounds of validator-wrapped numbers as 'ge'/'le'/...; JSON Schema
    calls them minimum/maximum/... (``names``: the keys of ``node`` are field names)."""
    if isinstance(node, list):
        return [_json_bounds(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        (key if names else _JSON_BOUNDS.get(key, key)): _json_bounds(
            value, not names and key in ("properties", "patternProperties", "$defs")
        )
        for key, value in node.items()
    }


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files, for editor completion."""
    schema: dict[str, Any] = _json_bounds(Scenario.model_json_schema(mode="validation"))
    bounds = schema["$defs"]["Bounds"]
    # `[min, max]` is accepted too (see Bounds._from_pair)
    pair = {"type": "array", "minItems": 2, "maxItems": 2, "items": bounds["properties"]["min"]}
    schema["$defs"]["Bounds"] = {"anyOf": [bounds, pair], "title": bounds.get("title", "Bounds")}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "allocator scenario"
    return schema


__all__ = [
    "MAX_HORIZON_MONTHS",
    "MAX_PATHS",
    "AdviceOptions",
    "Asset",
    "Goal",
    "Outlook",
    "OutlookEntry",
    "ReportOptions",
    "Scenario",
    "scenario_json_schema",
]
