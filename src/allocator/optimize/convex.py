"""The cvxpy problem of a request: built once per structure and scenario matrix, re-solved by
setting ``cp.Parameter`` values (DPP).

Everything that can change between solves of the same universe is a parameter: ``mu``, ``F``,
bounds, group bounds, ``w0``, costs, limits, the return target, ``F b`` and the risk-free rate.
Risk aversion enters through scaled parameters (``mu / lambda``) so the objective stays DPP.
The scenario matrix ``R`` is a constant: a parameter of ``n x m`` entries makes cvxpy's
canonicalization grow with ``n m`` times the cone size (tens of seconds at n = 10,000).

``max-sharpe`` is solved in its exact homogenized form: with ``y = kappa_s w``, ``kappa_s >= 0``,

    min ||F y||^2  s.t.  mu^T y - r_f kappa_s - c^T t >= 1,  sum y = kappa_s,

and every constraint multiplied through by ``kappa_s`` (``lo kappa_s <= y <= hi kappa_s``, ...);
then ``w = y / kappa_s``. All other objectives use ``kappa_s = 1``.

``max-growth`` and ``crra`` are built in two forms. The default (``utility_model``) is the
quadratic model of the expected utility around a point, ``g^T z - 1/2 ||L (z - z0)||^2`` over
``z = (w, k)`` (``k >= kappa(w)`` the trading cost), with ``g``, ``L`` and ``L z0`` parameters:
``utility.py`` re-solves it in a sequential-QP (Newton) loop, reading ``R`` only in numpy, so
one problem serves every scenario matrix and every ``gamma``. The direct form (``log`` and
power cones over the ``n`` scenarios) is the fallback: CLARABEL stalls on it from about 10^4
scenarios (InsufficientProgress on the power cones) and SCS needs tens of seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cvxpy as _cvxpy
import numpy as np

from allocator.errors import SolverFailedError
from allocator.optimize.convex_parts import (
    Structure,
    make_parameters,
    objective_expression,
)
from allocator.optimize.measures import (
    FloatArray,
    ScenarioMoments,
    cvar_expr,
    expected_return_expr,
    tracking_error_expr,
    trading_cost_expr,
)
from allocator.optimize.spec import ProblemSpec

cp: Any = _cvxpy  # cvxpy's atoms are untyped

#: Solvers tried in order; a later one is a fallback, reported as such.
DEFAULT_SOLVERS = ("CLARABEL", "SCS")
SOLVER_OPTIONS: dict[str, dict[str, Any]] = {
    "CLARABEL": {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10},
    "SCS": {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000},
    "HIGHS": {},
    "OSQP": {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iter": 200_000},
}
#: Largest violation of a constraint (in weight or return units) a solution may show.
FEASIBILITY_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class ConvexSolution:
    """Weights ``(n_assets,)`` (None when infeasible), status and the solver that gave them."""

    weights: FloatArray | None
    status: str
    solver: str
    fallback_used: bool
    attempts: tuple[str, ...]


class ConvexProblem:
    """The cvxpy problem of one ``Structure`` on one scenario matrix (``None`` when the
    objective and constraints read only ``mu`` and ``Sigma``, so any matrix can reuse it)."""

    def __init__(self, structure: Structure, returns: FloatArray | None) -> None:
        self.structure = structure
        s = structure
        m = s.n_assets
        par = self.parameters = make_parameters(s)
        sharpe = s.objective == "max-sharpe"
        x = self.x = cp.Variable(m, name="weights")
        scale: Any = cp.Variable(nonneg=True, name="scale") if sharpe else 1.0
        self.scale = scale
        constraints: list[Any] = [cp.sum(x) == scale]
        constraints += [x >= par["lower"] * scale, x <= par["upper"] * scale]
        if s.groups:
            members = np.array(s.groups, dtype=np.float64)
            constraints += [
                members @ x >= par["group_lower"] * scale,
                members @ x <= par["group_upper"] * scale,
            ]
        cost: Any = 0.0
        trades = cp.Variable(m, nonneg=True, name="trades") if s.trades else None
        if trades is not None:
            traded = x - par["current"] * scale
            constraints += [trades >= traded, trades >= -traded]
            cost = trading_cost_expr(par["cost"], trades)
            if s.turnover:
                constraints.append(cp.sum(trades) <= par["turnover"] * scale)
        if s.leverage:
            constraints.append(cp.norm1(x) <= par["leverage"] * scale)
        if s.min_return:
            constraints.append(
                expected_return_expr(par["mu"], x) - cost >= par["min_return"] * scale
            )
        if s.tracking_error_limit:
            te = tracking_error_expr(par["factor"], x, par["factor_benchmark"] * scale)
            constraints.append(te <= par["te_limit"] * scale)
        if s.cvar_limit and s.cvar_cuts:
            # CVaR(w) >= g^T w for the subgradient g of every cut (``cvar_cuts``)
            cvar_bound = cp.Variable(name="cvar_bound")
            constraints.append(par["cut_slope"] @ x <= cvar_bound)
            constraints.append(cvar_bound + cost <= par["cvar_limit"] * scale)
        if s.needs_scenarios:
            if returns is None or s.tail is None:
                raise ValueError(f"objective {s.objective} needs the scenario matrix")
            if s.cvar_limit and not s.cvar_cuts:
                cvar = cvar_expr(returns, x, s.tail) + cost
                constraints.append(cvar <= par["cvar_limit"] * scale)
        if s.utility_model:
            objective = self._utility_model(par, x, cost, constraints)
        else:
            objective = objective_expression(s, par, x, trades, cost, returns)
        if sharpe:
            excess = expected_return_expr(par["mu"], x) - par["risk_free"] * scale - cost
            constraints.append(excess >= 1.0)
        self.problem = cp.Problem(objective, constraints)
        if not self.problem.is_dpp():  # a programming error, not a user's
            raise AssertionError(f"the {s.objective} problem is not DPP")

    def _utility_model(self, par: dict[str, Any], x: Any, cost: Any, constraints: list[Any]) -> Any:
        """``max g_w^T w + g_k k - 1/2 ||L_w w + l_k k - L z0||^2``, ``k >= c^T t``."""
        if not self.structure.trades:
            fitted = par["model_factor_w"] @ x - par["model_center"]
            return cp.Maximize(par["model_grad_w"] @ x - 0.5 * cp.sum_squares(fitted))
        level = self.cost_level = cp.Variable(name="cost_level")
        constraints.append(level >= cost)
        fitted = par["model_factor_w"] @ x + par["model_factor_k"] * level - par["model_center"]
        linear = par["model_grad_w"] @ x + par["model_grad_k"] * level
        return cp.Maximize(linear - 0.5 * cp.sum_squares(fitted))

    def set_model(self, gradient: FloatArray, factor: FloatArray, center: FloatArray) -> None:
        """Set the quadratic model ``g^T z - 1/2 ||F z - F z0||^2`` of ``z = (w[, k])``:
        ``gradient`` ``(d,)``, ``factor`` ``(d, d)``, ``center`` ``z0`` ``(d,)``."""
        par = self.parameters
        m = self.structure.n_assets
        par["model_grad_w"].value = gradient[:m]
        par["model_factor_w"].value = factor[:, :m]
        par["model_center"].value = factor @ center
        if self.structure.trades:
            par["model_grad_k"].value = float(gradient[m])
            par["model_factor_k"].value = factor[:, m]

    def update(self, spec: ProblemSpec, moments: ScenarioMoments) -> None:
        """Set every parameter from ``spec`` and ``moments`` (no rebuild)."""
        par = self.parameters
        lam = spec.risk_aversion
        values: dict[str, Any] = {
            "mu": moments.mean,
            "factor": moments.factor,
            "lower": spec.lower,
            "upper": spec.upper,
            "group_lower": np.array([g.lower for g in spec.groups]),
            "group_upper": np.array([g.upper for g in spec.groups]),
            "current": spec.current,
            "cost": spec.cost,
            "turnover": spec.turnover_limit,
            "leverage": spec.leverage_limit,
            "min_return": spec.min_return,
            "te_limit": spec.tracking_error_limit,
            "cvar_limit": spec.cvar_limit,
            "risk_free": spec.risk_free,
            "mu_scaled": moments.mean / lam,
            "cost_scaled": spec.cost
            * (1.0 / lam if spec.objective == "mean-variance" else 1.0 + 1.0 / lam),
        }
        if spec.benchmark is not None:
            values["factor_benchmark"] = moments.factor @ spec.benchmark
        for name, parameter in par.items():
            if name in values:
                value = values[name]
                # assigning validates the value: skip what has not changed (frontier sweeps)
                if parameter.value is None or not np.array_equal(parameter.value, value):
                    parameter.value = value

    def solve(
        self,
        check: Callable[[FloatArray], float],
        solvers: Sequence[str] = DEFAULT_SOLVERS,
    ) -> ConvexSolution:
        """Solve with ``solvers[0]``, falling back to the next one when a solver errs, returns
        an inaccurate or non-optimal status, or a solution whose largest constraint violation
        (``check(weights)``) exceeds ``FEASIBILITY_TOLERANCE``.

        Returns status ``infeasible`` when a solver proves infeasibility; raises
        ``SolverFailedError`` when no solver gives a usable answer.
        """
        attempts: list[str] = []
        inaccurate: ConvexSolution | None = None
        for index, solver in enumerate(solvers):
            try:
                self.problem.solve(solver=solver, **SOLVER_OPTIONS.get(solver, {}))
            except (cp.error.SolverError, ValueError, ZeroDivisionError) as exc:
                attempts.append(f"{solver}: {str(exc).splitlines()[0] if str(exc) else 'error'}")
                continue
            status = str(self.problem.status)
            if status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
                return ConvexSolution(None, "infeasible", solver, index > 0, tuple(attempts))
            weights = self._weights()
            if status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or weights is None:
                attempts.append(f"{solver}: status {status}")
                continue
            violation = check(weights)
            if violation > FEASIBILITY_TOLERANCE:
                attempts.append(f"{solver}: {status} but constraints violated by {violation:.1e}")
                continue
            solution = ConvexSolution(weights, status, solver, index > 0, tuple(attempts))
            if status == cp.OPTIMAL:
                return solution
            attempts.append(f"{solver}: status {status}")
            inaccurate = inaccurate or solution
        if inaccurate is not None:
            return inaccurate
        raise SolverFailedError(
            f"{self.structure.objective}: no solver succeeded ({'; '.join(attempts)}) "
            f"on {self.structure.n_assets} assets"
        )

    def _weights(self) -> FloatArray | None:
        if self.x.value is None:
            return None
        x = np.asarray(self.x.value, dtype=np.float64)
        if isinstance(self.scale, cp.Variable):
            scale = float(self.scale.value) if self.scale.value is not None else 0.0
            if scale <= 0.0:
                return None
            return x / scale
        return x
