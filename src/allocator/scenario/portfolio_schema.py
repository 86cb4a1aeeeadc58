"""Candidate portfolios: target weights, rebalancing policy, costs, cash flows, staged entry.

Weights are fractions of wealth (sum to 1); costs are in basis points of the traded value.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from allocator.scenario.base import Strict
from allocator.scenario.units import (
    Identifier,
    Months,
    NonNegativeFloat,
    Number,
    PositiveFloat,
    Probability,
    Rate,
)

Frequency = Literal["monthly", "quarterly", "semiannual", "annual"]
MONTHS_PER_STEP: dict[str, int] = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


class BuyAndHold(Strict):
    """Never trade after the start: weights drift with returns."""

    policy: Literal["buy_and_hold"]


class CalendarRebalance(Strict):
    """Trade back to target on a fixed calendar."""

    policy: Literal["calendar"]
    every: Frequency = "monthly"


class _Band(Strict):
    band: Annotated[Rate, Field(gt=0.0, le=1.0)]
    """Allowed deviation from target before trading ("5%" = 0.05)."""
    band_type: Literal["absolute", "relative"] = "absolute"
    """absolute: |w - target| > band; relative: |w - target| > band * target."""
    to: Literal["target", "edge"] = "target"
    """Trade fully back to target, or only back to the band's edge."""
    assets: list[Identifier] | None = None
    """Assets whose bands are watched (default: all)."""


class ThresholdRebalance(_Band):
    """Checked every month; trades when any watched weight leaves its band."""

    policy: Literal["threshold"]


class HybridRebalance(_Band):
    """Checked on a calendar; trades only when a weight is outside its band then."""

    policy: Literal["hybrid"]
    every: Frequency = "quarterly"


Rebalance = Annotated[
    BuyAndHold | CalendarRebalance | ThresholdRebalance | HybridRebalance,
    Field(discriminator="policy"),
]


class Costs(Strict):
    """Frictions of trading: proportional cost per asset and a fixed cost per trade."""

    proportional_bps: dict[str, NonNegativeFloat] = Field(default_factory=dict)
    """Cost in basis points of traded value, per asset id; key 'default' for the rest."""
    fixed_per_trade: NonNegativeFloat = 0.0
    """Currency units paid per asset traded in a rebalance."""


class CashFlow(Strict):
    """A periodic contribution (positive) or withdrawal (negative), split by target weights."""

    amount: Number
    """Currency units per occurrence (negative = withdrawal)."""
    every: Frequency = "monthly"
    start_month: Months = 1
    end_month: Months | None = None
    """Last month with a flow (default: the horizon)."""
    indexed: Rate = 0.0
    """Annual growth of the amount (e.g. inflation "2.5%")."""

    @model_validator(mode="after")
    def _ordered(self) -> CashFlow:
        if self.end_month is not None and self.end_month < self.start_month:
            raise ValueError(
                f"expected end_month >= start_month ({self.start_month}), found {self.end_month}"
            )
        return self


class StagedEntry(Strict):
    """How the target weight of ``asset`` is bought: at once, over time, or on a price signal.
    Money not yet invested waits in ``park_in``."""

    asset: Identifier
    method: Literal["lump_sum", "dca", "breakout", "zone", "first_of"]
    """lump_sum: now; dca: equal parts over ``months``; breakout: when the price closes above
    ``above``; zone: when it closes inside [zone_low, zone_high]; first_of: breakout or zone."""
    months: Months | None = None
    """Number of monthly instalments (dca)."""
    above: PositiveFloat | None = None
    """Breakout price level (e.g. IWM 245)."""
    zone_low: PositiveFloat | None = None
    zone_high: PositiveFloat | None = None
    deadline_month: Months | None = None
    """Month by which whatever is left is bought regardless (default: never)."""
    park_in: Identifier | None = None
    """Asset holding the money until it is invested (default: the cash asset)."""

    @model_validator(mode="after")
    def _method_fields(self) -> StagedEntry:
        need: dict[str, tuple[str, ...]] = {
            "lump_sum": (),
            "dca": ("months",),
            "breakout": ("above",),
            "zone": ("zone_low", "zone_high"),
            "first_of": ("above", "zone_low", "zone_high"),
        }
        missing = [f for f in need[self.method] if getattr(self, f) is None]
        if missing:
            raise ValueError(
                f"expected {', '.join(missing)} with method '{self.method}', found none"
            )
        if (
            self.zone_low is not None
            and self.zone_high is not None
            and self.zone_low >= self.zone_high
        ):
            raise ValueError(
                f"expected zone_low < zone_high, found {self.zone_low} >= {self.zone_high}"
            )
        return self


class Portfolio(Strict):
    name: str | None = Field(default=None, max_length=200)
    """Display name (default: the portfolio id)."""
    weights: dict[Identifier, Probability] = Field(min_length=1)
    """Target weights per asset id; they sum to 1."""
    rebalance: Rebalance = Field(default_factory=lambda: CalendarRebalance(policy="calendar"))
    costs: Costs = Field(default_factory=Costs)
    cash_flows: list[CashFlow] = Field(default_factory=list)
    entry: StagedEntry | None = None


class Sweep(Strict):
    """A grid of small-cap weights funded from another asset, run on the same paths."""

    asset: Identifier
    """The asset whose weight is swept (the small caps)."""
    funded_from: Identifier
    """The asset the swept weight is taken from (the large caps)."""
    base: Identifier | None = None
    """Portfolio whose weights, rebalancing and costs the sweep starts from (default: benchmark)."""
    start: Probability = 0.0
    stop: Probability = 0.4
    step: Annotated[Rate, Field(gt=0.0, le=1.0)] = 0.05

    @model_validator(mode="after")
    def _ordered(self) -> Sweep:
        if self.stop < self.start:
            raise ValueError(f"expected stop >= start ({self.start}), found {self.stop}")
        if (self.stop - self.start) / self.step > 200:
            raise ValueError("expected at most 200 sweep points; widen 'step'")
        return self


class Goal(Strict):
    """What counts as falling short; probability of shortfall is reported against it."""

    terminal_wealth: PositiveFloat | None = None
    annual_return: Rate | None = None

    @model_validator(mode="after")
    def _one(self) -> Goal:
        if (self.terminal_wealth is None) == (self.annual_return is None):
            raise ValueError("expected exactly one of 'terminal_wealth' or 'annual_return'")
        return self
