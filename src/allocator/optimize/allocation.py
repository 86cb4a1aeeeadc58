"""What an optimization returns: ``Allocation``, weights plus the measures they achieve.

Every measure is recomputed from the weights on the scenario matrix by the ``measures`` value
functions (the optimizer's own objective value is not trusted), net of the trading cost
``kappa(w)``: the net return in scenario i is ``R_i w - kappa``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from allocator.optimize.measures import (
    FloatArray,
    PortfolioFigures,
    expected_return_value,
    portfolio_returns,
    tail_values,
    tracking_error_value,
    volatility_value,
)
from allocator.optimize.objectives import objective_value
from allocator.optimize.spec import ProblemSpec


@dataclass(frozen=True, eq=False)
class Allocation:
    """Optimal weights ``(n_assets,)`` for one request on one scenario matrix.

    Return figures are per period of the scenario matrix (a decision period, or a row of the
    data); ``annualized_*`` scale them when ``periods_per_year`` is known (mean x N, volatility
    x sqrt(N)). VaR and CVaR are positive losses at ``beta``, per period.
    """

    asset_ids: tuple[str, ...]
    weights: FloatArray
    objective: str
    objective_value: float
    expected_return: float
    volatility: float
    value_at_risk: float
    cvar: float
    beta: float
    trading_cost: float
    turnover: float
    tracking_error: float | None
    status: str
    solver: str
    fallback_used: bool
    n_scenarios: int
    periods_per_year: float | None = None
    iterations: int | None = None
    notes: tuple[str, ...] = ()

    def weight(self, asset: str) -> float:
        return float(self.weights[self.asset_ids.index(asset)])

    @property
    def weights_by_asset(self) -> dict[str, float]:
        return {a: float(w) for a, w in zip(self.asset_ids, self.weights, strict=True)}

    @property
    def annualized_return(self) -> float | None:
        if self.periods_per_year is None:
            return None
        return self.expected_return * self.periods_per_year

    @property
    def annualized_volatility(self) -> float | None:
        if self.periods_per_year is None:
            return None
        return self.volatility * math.sqrt(self.periods_per_year)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: weights by asset, measures, solver status and name."""
        return {
            "objective": self.objective,
            "objective_value": _finite(self.objective_value),
            "weights": self.weights_by_asset,
            "expected_return": self.expected_return,
            "volatility": self.volatility,
            "var": self.value_at_risk,
            "cvar": self.cvar,
            "beta": self.beta,
            "annualized_return": self.annualized_return,
            "annualized_volatility": self.annualized_volatility,
            "periods_per_year": self.periods_per_year,
            "trading_cost": self.trading_cost,
            "turnover": self.turnover,
            "tracking_error": self.tracking_error,
            "status": self.status,
            "solver": self.solver,
            "fallback_used": self.fallback_used,
            "n_scenarios": self.n_scenarios,
            "iterations": self.iterations,
            "notes": list(self.notes),
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def measure_allocation(
    spec: ProblemSpec,
    returns: FloatArray,
    weights: FloatArray,
    *,
    status: str,
    solver: str,
    fallback_used: bool = False,
    periods_per_year: float | None = None,
    iterations: int | None = None,
    notes: tuple[str, ...] = (),
    portfolio: FloatArray | None = None,
    figures: PortfolioFigures | None = None,
) -> Allocation:
    """Measure ``weights`` on ``returns`` ``(n_scenarios, n_assets)`` for ``spec`` (one pass
    over ``returns`` for the portfolio unless ``portfolio = returns @ weights`` is given, one
    more for the benchmark if any). ``figures``, the portfolio's measures found otherwise
    (``frontier_line``), replace the passes for a min-variance request."""
    kappa = spec.trading_cost(weights)
    active = None
    if figures is not None:
        if spec.objective != "min-variance":
            raise ValueError("precomputed figures measure only min-variance requests")
        if (figures.tracking_error is None) != (spec.benchmark is None):
            raise ValueError("precomputed figures need a tracking error exactly with a benchmark")
        mean, volatility = figures.expected_return, figures.volatility
        var, cvar = figures.value_at_risk, figures.cvar
        tracking_error = figures.tracking_error
    else:
        if portfolio is None:
            portfolio = portfolio_returns(returns, weights)
        if spec.benchmark is not None:
            active = portfolio - portfolio_returns(returns, spec.benchmark)
        var, cvar = tail_values(portfolio, spec.beta)
        volatility = volatility_value(portfolio)
        mean = expected_return_value(portfolio)
        tracking_error = None if active is None else tracking_error_value(active)
    return Allocation(
        asset_ids=spec.asset_ids,
        weights=np.asarray(weights, dtype=np.float64),
        objective=spec.objective,
        objective_value=objective_value(spec, portfolio, weights, active, volatility, cvar),
        expected_return=mean - kappa,
        volatility=volatility,
        value_at_risk=var + kappa,
        cvar=cvar + kappa,
        beta=spec.beta,
        trading_cost=kappa,
        turnover=float(np.abs(weights - spec.current).sum()),
        tracking_error=tracking_error,
        status=status,
        solver=solver,
        fallback_used=fallback_used,
        n_scenarios=int(returns.shape[0]),
        periods_per_year=periods_per_year,
        iterations=iterations,
        notes=notes,
    )
