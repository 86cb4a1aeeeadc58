"""What decides a cvxpy problem's shape (``Structure``), its parameters and its objective.

Objectives (values in ``objectives``), minimized or maximized over ``x`` (``w``, or ``y`` of the
homogenized ``max-sharpe``) with ``cost = c^T t``, ``t >= |x - w0|``:

* ``min-variance``: ``||F x||^2`` (no costs; the same minimizer as ``sigma``, and CLARABEL
  solves the quadratic form to 1e-8) or ``||F x||_2 + cost`` (costs and risk in return units);
* ``mean-variance``: ``min 1/2 ||F x||^2 - (mu/lambda)^T x + (c/lambda)^T t``;
* ``max-sharpe``: ``min ||F y||^2`` (the normalization is a constraint, see ``convex``);
* ``min-cvar``: ``sum_largest(-R x, k) / k + cost``; ``mean-cvar``:
  ``CVaR - (mu/lambda)^T x + (1 + 1/lambda) c^T t`` (divided by ``lambda``: same minimizer);
* ``max-growth`` / ``crra`` direct form: ``log`` and power cones over the scenarios;
* ``min-tracking-error``: ``||F x - F b||^2`` (no costs) or ``||F x - F b||_2 + cost``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cvxpy as _cvxpy
import numpy as np

from allocator.optimize.measures import (
    FloatArray,
    crra_expr,
    cvar_expr,
    expected_return_expr,
    log_growth_expr,
    tracking_error_expr,
    trading_cost_expr,
    variance_expr,
    volatility_expr,
)
from allocator.optimize.objectives import SCENARIO_OBJECTIVES
from allocator.optimize.spec import ProblemSpec

cp: Any = _cvxpy  # cvxpy's atoms are untyped

UTILITY_OBJECTIVES = ("max-growth", "crra")


@dataclass(frozen=True)
class Structure:
    """What decides the shape of the cvxpy problem; equal structures share one problem."""

    objective: str
    n_assets: int
    groups: tuple[tuple[bool, ...], ...]
    trades: bool
    costs: bool
    turnover: bool
    leverage: bool
    min_return: bool
    tracking_error_limit: bool
    cvar_limit: bool
    tail: int | None
    gamma: float | None
    utility_model: bool = False
    #: rows of CVaR cuts (``cvar_cuts``) standing in for the CVaR limit; 0: the exact form
    cvar_cuts: int = 0

    @property
    def needs_scenarios(self) -> bool:
        direct = self.objective in SCENARIO_OBJECTIVES and not self.utility_model
        return direct or (self.cvar_limit and not self.cvar_cuts)


def structure_of(
    spec: ProblemSpec, n_scenarios: int, utility_model: bool = True, cvar_cuts: int = 0
) -> Structure:
    """The structure of ``spec``'s problem; ``utility_model`` picks the quadratic-model form
    of ``max-growth``/``crra`` (else the direct cone form); ``cvar_cuts`` rows of cuts stand
    in for a CVaR limit (``cvar_cuts``; 0: the limit over every scenario)."""
    model = utility_model and spec.objective in UTILITY_OBJECTIVES
    cuts = cvar_cuts if spec.cvar_limit is not None else 0
    scenario_based = (spec.objective in SCENARIO_OBJECTIVES and not model) or (
        spec.cvar_limit is not None and not cuts
    )
    return Structure(
        objective=spec.objective,
        n_assets=spec.n_assets,
        groups=tuple(tuple(bool(x) for x in g.members) for g in spec.groups),
        trades=spec.has_trades,
        costs=bool(np.any(spec.cost > 0.0)),
        turnover=spec.turnover_limit is not None,
        leverage=spec.allows_shorting,
        min_return=spec.min_return is not None,
        tracking_error_limit=spec.tracking_error_limit is not None,
        cvar_limit=spec.cvar_limit is not None,
        tail=spec.tail_size(n_scenarios) if scenario_based else None,
        gamma=spec.risk_aversion if spec.objective == "crra" and not model else None,
        utility_model=model,
        cvar_cuts=cuts,
    )


def make_parameters(s: Structure) -> dict[str, Any]:
    m = s.n_assets
    par: dict[str, Any] = {
        "mu": cp.Parameter(m, name="mu"),
        "factor": cp.Parameter((m, m), name="factor"),
        "lower": cp.Parameter(m, name="lower"),
        "upper": cp.Parameter(m, name="upper"),
    }
    if s.groups:
        par["group_lower"] = cp.Parameter(len(s.groups), name="group_lower")
        par["group_upper"] = cp.Parameter(len(s.groups), name="group_upper")
    if s.trades:
        par["current"] = cp.Parameter(m, name="current")
        par["cost"] = cp.Parameter(m, nonneg=True, name="cost")
    if s.turnover:
        par["turnover"] = cp.Parameter(nonneg=True, name="turnover")
    if s.leverage:
        par["leverage"] = cp.Parameter(nonneg=True, name="leverage")
    if s.min_return:
        par["min_return"] = cp.Parameter(name="min_return")
    if s.tracking_error_limit or s.objective == "min-tracking-error":
        par["factor_benchmark"] = cp.Parameter(m, name="factor_benchmark")
    if s.tracking_error_limit:
        par["te_limit"] = cp.Parameter(nonneg=True, name="te_limit")
    if s.cvar_limit:
        par["cvar_limit"] = cp.Parameter(name="cvar_limit")
    if s.cvar_cuts:
        par["cut_slope"] = cp.Parameter((s.cvar_cuts, m), name="cvar_cut_slope")
    if s.objective == "max-sharpe":
        par["risk_free"] = cp.Parameter(name="risk_free")
    if s.utility_model:
        d = m + 1 if s.trades else m
        par["model_grad_w"] = cp.Parameter(m, name="model_grad_w")
        par["model_factor_w"] = cp.Parameter((d, m), name="model_factor_w")
        par["model_center"] = cp.Parameter(d, name="model_center")
        if s.trades:
            par["model_grad_k"] = cp.Parameter(name="model_grad_k")
            par["model_factor_k"] = cp.Parameter(d, name="model_factor_k")
    if s.objective in ("mean-variance", "mean-cvar"):
        par["mu_scaled"] = cp.Parameter(m, name="mu_over_lambda")
        if s.trades:
            par["cost_scaled"] = cp.Parameter(m, nonneg=True, name="cost_scaled")
    return par


def objective_expression(
    s: Structure,
    par: dict[str, Any],
    x: Any,
    trades: Any,
    cost: Any,
    returns: FloatArray | None,
) -> Any:
    """The cvxpy objective (see ``objectives`` for the values; mean-variance and mean-cvar are
    divided by ``lambda`` so that ``lambda`` is a parameter, same minimizer)."""
    name = s.objective
    scaled_cost = trading_cost_expr(par["cost_scaled"], trades) if "cost_scaled" in par else 0.0
    if name == "min-variance":
        if not s.costs:  # same minimizer; CLARABEL solves the quadratic form more precisely
            return cp.Minimize(variance_expr(par["factor"], x))
        return cp.Minimize(volatility_expr(par["factor"], x) + cost)
    if name == "mean-variance":
        # max mu'w - kappa - lambda/2 w'Sigma w  <=>  min 1/2 ||F w||^2 - (mu'w - kappa)/lambda
        mean = expected_return_expr(par["mu_scaled"], x)
        return cp.Minimize(0.5 * variance_expr(par["factor"], x) - mean + scaled_cost)
    if name == "max-sharpe":
        return cp.Minimize(variance_expr(par["factor"], x))
    if name == "min-tracking-error":
        if not s.costs:  # TE^2 = ||F w - F b||^2: same minimizer, quadratic form
            return cp.Minimize(cp.sum_squares(par["factor"] @ x - par["factor_benchmark"]))
        return cp.Minimize(tracking_error_expr(par["factor"], x, par["factor_benchmark"]) + cost)
    assert returns is not None and s.tail is not None
    if name == "min-cvar":
        return cp.Minimize(cvar_expr(returns, x, s.tail) + cost)
    if name == "mean-cvar":
        # max mu'w - kappa - lambda (CVaR + kappa)
        #   <=>  min CVaR - mu'w / lambda + (1 + 1/lambda) kappa
        mean = expected_return_expr(par["mu_scaled"], x)
        return cp.Minimize(cvar_expr(returns, x, s.tail) - mean + scaled_cost)
    if name == "max-growth":
        return cp.Maximize(log_growth_expr(returns, x, cost))
    if name == "crra":
        assert s.gamma is not None
        utility = crra_expr(returns, x, cost, s.gamma)
        return cp.Maximize(utility)
    raise ValueError(f"unknown objective '{name}'")
