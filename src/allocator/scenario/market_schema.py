"""Market models a scenario can use: ``macro`` (the story model), ``parametric``, ``historical``.

Units: annual rates and returns are decimals per year ("5%" accepted); ``vol`` is an annualized
standard deviation of log returns; months count from the start of the simulation (month 1 is
the first simulated month). Asset references are checked against ``assets`` by the loader.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, Field, model_validator

from allocator.scenario.base import Strict
from allocator.scenario.units import (
    Float,
    Identifier,
    Int,
    MonthIndex,
    Months,
    NonNegativeRate,
    Number,
    PositiveFloat,
    PositiveMonths,
    Probability,
    Rate,
)

SYMMETRY_TOLERANCE = 1e-8
PSD_TOLERANCE = 1e-10


class SquareMatrix(Strict):
    """A matrix over named assets, rows and columns in the order of ``assets``."""

    assets: list[Identifier] = Field(min_length=1)
    """Asset ids naming the rows and columns, in order."""
    matrix: list[list[Number]]
    """Rows of the matrix."""

    def _check_shape_and_symmetry(self) -> np.ndarray:
        n = len(self.assets)
        if len(set(self.assets)) != n:
            raise ValueError(f"expected distinct asset ids, found {self.assets}")
        if len(self.matrix) != n or any(len(row) != n for row in self.matrix):
            lengths = sorted({len(r) for r in self.matrix})
            shape = (
                f"{len(self.matrix)}x{lengths[0]}"
                if len(lengths) == 1
                else f"{len(self.matrix)} rows of lengths {[len(r) for r in self.matrix]}"
            )
            raise ValueError(f"expected a {n}x{n} matrix (one row per asset), found {shape}")
        m = np.asarray(self.matrix, dtype=float)
        asym = float(np.max(np.abs(m - m.T)))
        if asym > SYMMETRY_TOLERANCE:
            i, j = np.unravel_index(int(np.argmax(np.abs(m - m.T))), m.shape)
            raise ValueError(
                f"expected a symmetric matrix, found [{i}][{j}]={m[i, j]} but [{j}][{i}]={m[j, i]}"
            )
        return m

    @staticmethod
    def _check_psd(m: np.ndarray, what: str) -> None:
        smallest = float(np.linalg.eigvalsh(m)[0])
        if smallest < -PSD_TOLERANCE:
            raise ValueError(
                f"expected a positive semidefinite {what}, found smallest eigenvalue {smallest:.6g}"
            )


class Correlation(SquareMatrix):
    """A correlation matrix; assets it does not list are uncorrelated with the others."""

    @model_validator(mode="after")
    def _valid_correlation(self) -> Correlation:
        m = self._check_shape_and_symmetry()
        diag = np.diag(m)
        if not np.allclose(diag, 1.0, atol=1e-9):
            bad = int(np.argmax(np.abs(diag - 1.0)))
            raise ValueError(f"expected a unit diagonal, found [{bad}][{bad}]={diag[bad]}")
        if np.any(np.abs(m) > 1.0 + 1e-12):
            raise ValueError(f"expected entries in [-1, 1], found {float(np.max(np.abs(m)))}")
        self._check_psd(m, "correlation matrix")
        return self


class Covariance(SquareMatrix):
    """A covariance matrix of log returns, per period of ``frequency``."""

    @model_validator(mode="after")
    def _valid_covariance(self) -> Covariance:
        m = self._check_shape_and_symmetry()
        if np.any(np.diag(m) < 0):
            raise ValueError("expected non-negative variances on the diagonal")
        self._check_psd(m, "covariance matrix")
        return self


class Innovations(Strict):
    """The shocks' distribution: normal, or multivariate Student-t (a shared tail)."""

    distribution: Literal["normal", "student_t"] = "normal"
    dof: Annotated[Float, Field(gt=2.0, le=1000.0)] | None = None
    """Degrees of freedom of the Student-t (> 2 so that the variance exists)."""

    @model_validator(mode="after")
    def _dof_matches(self) -> Innovations:
        if self.distribution == "student_t" and self.dof is None:
            raise ValueError("expected 'dof' (> 2) with distribution 'student_t', found none")
        if self.distribution == "normal" and self.dof is not None:
            raise ValueError("expected no 'dof' with distribution 'normal' (use 'student_t')")
        return self


class RateKnot(Strict):
    month: MonthIndex
    """Month at which the target holds (0 = now)."""
    rate: Rate
    """Target policy rate, annual decimal."""


class RateMove(Strict):
    month: Months
    """Month of the meeting (1 = first simulated month)."""
    change: Rate
    """Change of the policy rate at that meeting, e.g. "-0.25%"."""


class PolicyRate(Strict):
    """Policy rate r_t = target path + Ornstein-Uhlenbeck deviation, floored."""

    start: Rate
    """Policy rate now (annual decimal)."""
    neutral: Rate
    """Neutral rate; the level gap r_t - neutral drives the ``level`` sensitivities."""
    target: list[RateKnot] | None = None
    """Knots of the target path, linearly interpolated, flat after the last."""
    moves: list[RateMove] | None = None
    """Meeting-by-meeting changes from ``start`` (instead of ``target``)."""
    noise_vol: NonNegativeRate = 0.0
    """Annualized volatility of the deviation from the target path."""
    reversion_half_life_months: PositiveMonths = 6.0
    """Half-life of the deviation's mean reversion."""
    floor: Rate = 0.0
    """Lowest policy rate allowed."""

    @model_validator(mode="after")
    def _one_path(self) -> PolicyRate:
        if self.target is not None and self.moves is not None:
            raise ValueError("expected either 'target' knots or 'moves', found both")
        for name, items in (("target", self.target), ("moves", self.moves)):
            months = [item.month for item in items or []]
            if months != sorted(set(months)):
                raise ValueError(f"expected '{name}' months strictly increasing, found {months}")
        if self.start < self.floor:
            raise ValueError(f"expected start >= floor ({self.floor}), found {self.start}")
        return self


class RegimeState(Strict):
    """Per-regime annual drift and volatility of each risky asset, and their correlation."""

    drift: dict[Identifier, Rate] = Field(default_factory=dict)
    """Expected annual log return per asset in this regime (before rates, themes, valuation)."""
    vol: dict[Identifier, NonNegativeRate] = Field(default_factory=dict)
    """Annualized volatility per asset in this regime."""
    correlation: Correlation | None = None


class RegimeWindow(Strict):
    """In months [start_month, end_month], each month the chain is sent to ``state`` with
    this probability (1 forces it), whatever the transition matrix says."""

    state: Identifier
    start_month: Months
    end_month: Months
    probability: Probability

    @model_validator(mode="after")
    def _ordered(self) -> RegimeWindow:
        if self.end_month < self.start_month:
            raise ValueError(
                f"expected end_month >= start_month ({self.start_month}), found {self.end_month}"
            )
        return self


def _row_sums_to_one(row: dict[str, float]) -> dict[str, float]:
    total = sum(row.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"expected the row's probabilities to sum to 1, found {total:.6g}")
    return row


#: One row of a transition matrix: probabilities of moving to each regime, summing to 1.
TransitionRow = Annotated[dict[Identifier, Probability], AfterValidator(_row_sums_to_one)]


class RegimeChain(Strict):
    """A Markov chain over named regimes with a monthly transition matrix."""

    initial: Identifier | dict[Identifier, Probability]
    """Starting regime, or probabilities over regimes."""
    states: dict[Identifier, RegimeState] = Field(min_length=1)
    transition: dict[Identifier, TransitionRow]
    """Monthly transition probabilities: transition[from][to]; each row sums to 1."""
    windows: list[RegimeWindow] = Field(default_factory=list)


class RateSensitivity(Strict):
    """How an asset's return moves with the policy rate."""

    level: Number = 0.0
    """Annual return per unit of the gap r_t - neutral (-1.5: 1pp above neutral costs 1.5%/yr)."""
    change: Number = 0.0
    """Immediate return per unit change of the rate (e.g. -4: a 0.25pp cut adds 1%)."""


class Event(Strict):
    """A shock on a dated month or with a monthly probability: an immediate move per asset that
    recovers with a half-life, and a volatility spike that decays."""

    name: str | None = None
    month: Months | None = None
    """Month the event hits (exclusive with ``probability_per_month``)."""
    probability_per_month: Probability | None = None
    """Chance the event hits in any month (at most ``max_occurrences`` times per path)."""
    window: tuple[Months, Months] | None = None
    """Months [first, last] in which a random event may hit (default: the whole horizon)."""
    max_occurrences: Annotated[Int, Field(ge=1, le=100)] = 1
    impact: dict[Identifier, Rate] = Field(min_length=1)
    """Immediate simple return per asset when the event hits, e.g. "-25%"."""
    recovery_half_life_months: dict[Identifier, PositiveMonths] | PositiveMonths | None = None
    """Half-life of the recovery of the impact, per asset or for all; none = no recovery."""
    recovery_fraction: Probability = 1.0
    """Share of the impact eventually recovered."""
    vol_multiplier: Annotated[Float, Field(ge=1.0, le=20.0)] = 1.0
    """Volatility is multiplied by this at the event, decaying back to 1."""
    vol_half_life_months: PositiveMonths = 2.0

    @model_validator(mode="after")
    def _one_timing(self) -> Event:
        if (self.month is None) == (self.probability_per_month is None):
            raise ValueError("expected exactly one of 'month' or 'probability_per_month'")
        if self.window is not None and self.window[1] < self.window[0]:
            raise ValueError(
                f"expected window [first, last] with first <= last, found {self.window}"
            )
        return self


class Theme(Strict):
    """A persistent drift premium that decays with a half-life (e.g. AI momentum)."""

    name: str | None = None
    premium: dict[Identifier, Rate] = Field(min_length=1)
    """Annual drift premium per asset at month 0."""
    half_life_months: PositiveMonths
    """Months for the premium to halve."""


class Valuation(Strict):
    """Forward P/E that mean-reverts toward a long-run multiple; the re-rating adds to return."""

    pe: PositiveFloat
    """Forward P/E now."""
    long_run_pe: PositiveFloat
    """Multiple the P/E reverts toward."""
    half_life_months: PositiveMonths
    """Half-life of the gap log(pe / long_run_pe)."""


class MacroModel(Strict):
    """The story model of DESIGN.md: rates, regimes, sensitivities, events, themes, valuation."""

    model: Literal["macro"]
    innovations: Innovations = Field(default_factory=Innovations)
    rates: PolicyRate
    regimes: RegimeChain
    rate_sensitivity: dict[Identifier, RateSensitivity] = Field(default_factory=dict)
    events: dict[Identifier, Event] = Field(default_factory=dict)
    themes: dict[Identifier, Theme] = Field(default_factory=dict)
    valuation: dict[Identifier, Valuation] = Field(default_factory=dict)


class ParametricModel(Strict):
    """Plain i.i.d. returns: mean vector + covariance (or vols + correlation), normal or t."""

    model: Literal["parametric"]
    frequency: Literal["monthly", "annual"] = "annual"
    """Period the mean, vol and covariance are quoted per (annual figures are scaled to months)."""
    innovations: Innovations = Field(default_factory=Innovations)
    mean: dict[Identifier, Rate] = Field(min_length=1)
    """Expected log return per asset, per period of ``frequency``."""
    vol: dict[Identifier, NonNegativeRate] | None = None
    correlation: Correlation | None = None
    covariance: Covariance | None = None

    @model_validator(mode="after")
    def _one_risk_spec(self) -> ParametricModel:
        if self.covariance is not None and (self.vol is not None or self.correlation is not None):
            raise ValueError("expected either 'covariance' or 'vol' (+ 'correlation'), found both")
        if self.covariance is None and self.vol is None:
            raise ValueError(
                "expected 'covariance' or 'vol' (+ optional 'correlation'), found neither"
            )
        return self


class HistoricalModel(Strict):
    """Stationary block bootstrap of months from a returns or prices CSV the user supplies."""

    model: Literal["historical"]
    file: str = Field(min_length=1)
    """CSV path, relative to the scenario file."""
    data: Literal["returns", "prices"] = "returns"
    """Simple returns per period, or price levels."""
    frequency: Literal["daily", "weekly", "monthly"] = "monthly"
    """Spacing of the CSV's rows; daily and weekly data are compounded to calendar months."""
    date_column: str = "date"
    columns: dict[Identifier, str] | None = None
    """CSV column per asset id (default: a column named like the asset id or its ticker)."""
    block_length_months: Annotated[Float, Field(ge=1.0, le=600.0)] = 12.0
    """Expected block length of the stationary bootstrap, in months."""


MarketModel = Annotated[
    MacroModel | ParametricModel | HistoricalModel, Field(discriminator="model")
]
