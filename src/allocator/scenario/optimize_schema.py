"""The optimization request: objective, its parameters, and constraints."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from allocator.scenario.base import Strict
from allocator.scenario.units import (
    Float,
    Identifier,
    Int,
    NonNegativeRate,
    Probability,
    Rate,
)

Objective = Literal[
    "min-variance",
    "mean-variance",
    "max-sharpe",
    "min-cvar",
    "mean-cvar",
    "max-growth",
    "crra",
    "min-tracking-error",
]


class Bounds(Strict):
    min: Rate = 0.0
    max: Rate = 1.0

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: object) -> object:
        # [lo, hi] is the natural way to write a bound in YAML.
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError(f"expected [min, max], found {len(value)} items")
            return {"min": value[0], "max": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min > self.max:
            raise ValueError(f"expected min <= max, found min {self.min} > max {self.max}")
        return self


class GroupBounds(Bounds):
    assets: list[Identifier] = Field(min_length=1)


class Optimization(Strict):
    objective: Objective = "min-cvar"
    beta: Annotated[Float, Field(ge=0.5, lt=1.0)] = 0.95
    """CVaR confidence level (0.95 = mean of the worst 5%)."""
    risk_aversion: Annotated[Float, Field(gt=0.0, le=1000.0)] = 3.0
    """Risk aversion: lambda of mean-variance / mean-cvar, gamma of crra."""
    min_return: Rate | None = None
    """Lowest expected return per decision period (annual decimal for 'year')."""
    decision_period: Literal["month", "year", "horizon"] = "year"
    """Period whose simulated returns the optimizer uses (paths pooled)."""
    bounds: dict[Identifier, Bounds] = Field(default_factory=dict)
    """Per-asset weight bounds (long-only [0, 1] by default)."""
    groups: dict[Identifier, GroupBounds] = Field(default_factory=dict)
    """Bounds on the summed weight of a group of assets (e.g. equities <= 80%)."""
    current_weights: dict[Identifier, Probability] | None = None
    """Holdings now, for the turnover limit and transaction costs."""
    turnover_limit: Annotated[Float, Field(gt=0.0, le=2.0)] | None = None
    """Largest sum of |w - current| allowed."""
    transaction_cost_bps: dict[str, Annotated[Float, Field(ge=0.0)]] = Field(default_factory=dict)
    """Cost per asset in bps of traded weight, charged in the objective ('default' for the rest)."""
    benchmark: Identifier | None = None
    """Portfolio id for tracking error (default: the scenario's benchmark)."""
    tracking_error_limit: NonNegativeRate | None = None
    cvar_limit: NonNegativeRate | None = None
    """Largest CVaR (as a positive loss) allowed at ``beta``."""
    leverage_limit: Annotated[Float, Field(ge=1.0, le=10.0)] = 1.0
    """Largest sum of |w|."""
    frontier_points: Annotated[Int, Field(ge=2, le=500)] = 50
