"""Entry points: ``PortfolioOptimizer`` (reusable) and ``optimize_weights`` (one call).

Which engine solves what:

* ``min-cvar`` and ``mean-cvar`` without a tracking-error limit: the cutting plane
  (``cutting_plane``; seconds at 10^6 scenarios, where the full LP needs minutes), its answer
  polished to the full LP's vertex by the band LP (``band_lp``) when no CVaR limit is set. If
  it fails, the full LP in cvxpy is the explicit, reported fallback.
* ``max-growth`` and ``crra``: sequential QP on the exact scenario utility (``utility``), each QP
  the cvxpy problem of ``convex``; if it fails, the direct cone form is the reported fallback.
* everything else: the cvxpy problem (``convex``), CLARABEL first, SCS as reported fallback.

Problems are built once and cached: a cvxpy problem per request structure (per scenario matrix
too when the objective or a CVaR limit reads every scenario), a cutting-plane engine (with its
cuts) per scenario matrix. Re-solving with a changed request of the same structure, or a new
matrix of the same shape for ``mean``/``covariance`` objectives, only sets parameter values.
Infeasible requests raise ``InfeasibleError`` naming the conflicting constraints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Literal

import numpy as np

from allocator.errors import InfeasibleError, InputError, SolverFailedError
from allocator.optimize.allocation import Allocation, measure_allocation
from allocator.optimize.band_lp import POLISH_SHARE, BandLp, band_applies
from allocator.optimize.candidate_tail import solve_from_candidates
from allocator.optimize.convex import DEFAULT_SOLVERS, FEASIBILITY_TOLERANCE, ConvexProblem
from allocator.optimize.convex_parts import UTILITY_OBJECTIVES, Structure, structure_of
from allocator.optimize.cutting_plane import CutSolution, CvarCuttingPlane
from allocator.optimize.cvar_cuts import CAPACITY, MAX_ROUNDS, TOLERANCE, cut_rows, cvar_cut
from allocator.optimize.feasibility import describe_conflict, find_conflict
from allocator.optimize.linear_model import Goal, LinearModel, build_linear_model
from allocator.optimize.measures import (
    FloatArray,
    ScenarioMoments,
    portfolio_returns,
    scenario_moments,
)
from allocator.optimize.objectives import SCENARIO_OBJECTIVES
from allocator.optimize.spec import ProblemSpec, compile_spec
from allocator.optimize.utility import solve_utility
from allocator.optimize.violations import max_violation
from allocator.scenario.optimize_schema import Optimization

Method = Literal["auto", "cvxpy", "cutting-plane"]
CUT_OBJECTIVES = ("min-cvar", "mean-cvar")
#: How points solved by the band LP (``band_lp``) are reported.
BAND_SOLVER = "band LP (exact vertex)"


def check_returns(returns: FloatArray, n_assets: int) -> FloatArray:
    """``returns`` as a C-ordered float array ``(n_scenarios, n_assets)``, or ``InputError``."""
    matrix = np.ascontiguousarray(returns, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != n_assets or matrix.shape[0] < 2:
        raise InputError(
            f"returns: expected a matrix of at least 2 scenarios x {n_assets} assets, "
            f"found shape {matrix.shape}"
        )
    if not np.all(np.isfinite(matrix)):
        raise InputError("returns: found NaN or infinite values")
    return matrix


class PortfolioOptimizer:
    """Solve one request (or requests of the same structure) on scenario matrices of one
    asset universe, reusing built problems and cuts.

    Parameters
    ----------
    asset_ids : sequence of str
        Column order of every scenario matrix.
    request : Optimization
        Objective and constraints; figures per period unless ``periods_per_year`` is given.
    benchmark_weights : mapping or array, optional
        For ``min-tracking-error`` and tracking-error limits.
    periods_per_year : float, optional
        Rows of the matrix per year: the request's return target and tracking-error limit are
        then annual, and ``Allocation`` reports annualized figures too.
    risk_free : float
        Risk-free return per period (``max-sharpe``).
    method : {"auto", "cvxpy", "cutting-plane"}
        Force an engine for the CVaR objectives (``auto``: the cutting plane when it applies).
    solvers : sequence of str
        cvxpy solvers in fallback order.
    """

    def __init__(
        self,
        asset_ids: Sequence[str],
        request: Optimization,
        benchmark_weights: Mapping[str, float] | FloatArray | None = None,
        *,
        periods_per_year: float | None = None,
        risk_free: float = 0.0,
        method: Method = "auto",
        solvers: Sequence[str] = DEFAULT_SOLVERS,
    ) -> None:
        self.spec = compile_spec(
            request, tuple(asset_ids), benchmark_weights, periods_per_year, risk_free
        )
        self.periods_per_year = periods_per_year
        self.method = method
        self.solvers = tuple(solvers)
        self._convex: dict[tuple[Structure, int], ConvexProblem] = {}
        self._engine: CvarCuttingPlane | None = None
        self._moments: ScenarioMoments | None = None
        self._mean: FloatArray | None = None
        # the matrix last seen (caller's object and its checked copy) and its serial number:
        # caches hold on to the matrix itself, so a new matrix is never mistaken for it
        self._source: FloatArray | None = None
        self._matrix: FloatArray | None = None
        self._serial = 0

    # -- cached pieces -----------------------------------------------------------------
    def adopt(self, returns: FloatArray) -> FloatArray:
        """The checked matrix for ``returns``; a new matrix resets what depended on the old."""
        if returns is self._source or returns is self._matrix:
            assert self._matrix is not None
            return self._matrix
        self._matrix = check_returns(returns, self.spec.n_assets)
        self._source = returns
        self._serial += 1
        self._moments = None
        self._mean = None
        self._engine = None
        self._convex = {k: p for k, p in self._convex.items() if k[1] == 0}
        return self._matrix

    def moments(self, returns: FloatArray) -> ScenarioMoments:
        returns = self.adopt(returns)
        if self._moments is None:
            self._moments = scenario_moments(returns, self.mean(returns))
        return self._moments

    def mean(self, returns: FloatArray) -> FloatArray:
        """``returns.mean(axis=0)`` (a pass over the matrix, so kept while it is the same)."""
        returns = self.adopt(returns)
        if self._mean is None:
            self._mean = returns.mean(axis=0)
        return self._mean

    def engine(self, returns: FloatArray, spec: ProblemSpec) -> CvarCuttingPlane:
        """The cutting-plane engine of ``returns`` (cuts kept while the matrix is the same)."""
        returns = self.adopt(returns)
        if self._engine is None or self._engine.beta != spec.beta:
            self._engine = CvarCuttingPlane(returns, spec.beta, benchmark=spec.benchmark)
        if spec.tracking_error_limit is not None and self._engine.factor is None:
            self._engine.factor = self.moments(returns).factor
        return self._engine

    def convex_problem(
        self,
        spec: ProblemSpec,
        returns: FloatArray,
        utility_model: bool = True,
        cvar_cuts: int = 0,
    ) -> ConvexProblem:
        """The cvxpy problem of ``spec``'s structure (built on first use, then re-solved)."""
        returns = self.adopt(returns)
        structure = structure_of(spec, returns.shape[0], utility_model, cvar_cuts)
        key = (structure, self._serial if structure.needs_scenarios else 0)
        if key not in self._convex:
            data = returns if structure.needs_scenarios else None
            self._convex[key] = ConvexProblem(structure, data)
        return self._convex[key]

    def uses_cutting_plane(self, spec: ProblemSpec) -> bool:
        if self.method == "cvxpy" or spec.objective not in CUT_OBJECTIVES:
            return False
        return self.method == "cutting-plane" or spec.tracking_error_limit is None

    # -- solving -----------------------------------------------------------------------
    def solve(
        self,
        returns: FloatArray,
        spec: ProblemSpec | None = None,
        start: FloatArray | None = None,
    ) -> Allocation:
        """Optimal weights on ``returns`` ``(n_scenarios, n_assets)`` for ``spec`` (default:
        the request's); ``start`` (weights) warm-starts the cutting plane and the sequential QP
        of max-growth/crra."""
        spec = self.spec if spec is None else spec
        returns = self.adopt(returns)
        if self.uses_cutting_plane(spec):
            try:
                return self.solve_cuts(returns, spec, start=start)
            except SolverFailedError as exc:
                return self._solve_convex(returns, spec, f"cutting plane: {exc}")
        return self._solve_convex(returns, spec, start=start)

    def cut_model(self, returns: FloatArray, spec: ProblemSpec) -> LinearModel:
        """The cutting plane's LP for ``spec`` on ``returns``. Models made from it by
        ``with_min_return`` share its master LP (and its warm start)."""
        engine = self.engine(returns, spec)
        goal: Goal = "min-cvar" if spec.objective == "min-cvar" else "mean-cvar"
        return build_linear_model(spec, self.mean(returns), goal, engine.layout)

    def solve_cuts(
        self,
        returns: FloatArray,
        spec: ProblemSpec,
        model: LinearModel | None = None,
        start: FloatArray | None = None,
    ) -> Allocation:
        """Solve ``spec`` (a CVaR objective) by the cutting plane, with ``model`` if given."""
        return self.solve_cuts_near(returns, spec, model, start)[0]

    def solve_cuts_near(
        self,
        returns: FloatArray,
        spec: ProblemSpec,
        model: LinearModel | None = None,
        start: FloatArray | None = None,
        nearby: FloatArray | None = None,
        band: BandLp | None = None,
        predicted: FloatArray | None = None,
    ) -> tuple[Allocation, FloatArray]:
        """``solve_cuts``, with cuts made on the candidate tail of ``nearby`` = ``R w``
        ``(n_scenarios,)`` at a nearby solution (``candidate_tail``: verified on every
        scenario, so just as exact); returns the allocation and its ``R w*``. With ``band``
        and ``predicted`` = ``R w`` at a predicted solution, the band LP (``band_lp``,
        certified on every scenario) is tried first. A cutting-plane solution is polished
        by the band LP when it applies: the cutting plane stops within its gap of the
        optimum, on a flat optimum up to ~1e-4 away in weights; the band LP from there ends
        at the full LP's vertex."""
        engine = self.engine(returns, spec)
        model = self.cut_model(returns, spec) if model is None else model
        returns = self.adopt(returns)
        portfolio: FloatArray | None = None
        result: CutSolution | None = None
        solver = engine.solver_name
        polish = band_applies(model)
        if band is not None and predicted is not None and polish:
            exact = band.solve(model, predicted)
            if exact is not None:
                result = CutSolution(
                    exact.weights, exact.value, exact.lower_bound, exact.rounds, "optimal"
                )
                portfolio, solver = exact.portfolio, BAND_SOLVER
        if result is None:
            if nearby is None:
                result = engine.solve(model, start=start)
            else:
                result, portfolio = solve_from_candidates(engine, model, nearby, start)
            if polish and result.status == "optimal" and result.weights is not None:
                if portfolio is None:
                    portfolio = portfolio_returns(returns, result.weights)
                polisher = BandLp(engine.returns, engine.oracle.tail) if band is None else band
                exact = polisher.solve(model, portfolio, spread=POLISH_SHARE, learn=False)
                if exact is not None:
                    iterations = result.iterations + exact.rounds
                    result = CutSolution(
                        exact.weights, exact.value, exact.lower_bound, iterations, "optimal"
                    )
                    portfolio, solver = exact.portfolio, f"{solver} + {BAND_SOLVER}"
        if result.status == "infeasible" or result.weights is None:
            raise self.infeasible_error(spec, returns)
        if portfolio is None:
            portfolio = portfolio_returns(returns, result.weights)
        violation = max_violation(spec, returns, result.weights, portfolio)
        if violation > FEASIBILITY_TOLERANCE:
            raise SolverFailedError(
                f"{spec.objective}: cutting-plane solution violates a constraint by {violation:.1e}"
            )
        allocation = measure_allocation(
            spec,
            returns,
            result.weights,
            status=result.status,
            solver=solver,
            periods_per_year=self.periods_per_year,
            iterations=result.iterations,
            portfolio=portfolio,
        )
        return allocation, portfolio

    def _solve_convex(
        self,
        returns: FloatArray,
        spec: ProblemSpec,
        fallback_reason: str | None = None,
        start: FloatArray | None = None,
    ) -> Allocation:
        moments = self.moments(returns)
        last: dict[str, FloatArray] = {}

        def check(w: FloatArray) -> float:
            last["weights"], last["portfolio"] = w, portfolio_returns(returns, w)
            return max_violation(spec, returns, w, last["portfolio"])

        iterations = None
        if spec.objective in UTILITY_OBJECTIVES and fallback_reason is None:
            problem = self.convex_problem(spec, returns)
            problem.update(spec, moments)
            try:
                solution, iterations = solve_utility(
                    problem, spec, returns, check, self.solvers, start
                )
            except SolverFailedError as exc:
                return self._solve_convex(returns, spec, f"sequential QP: {exc}")
        else:
            if self._cvar_limit_by_cuts(spec, fallback_reason):
                found = self._solve_cvar_limit_by_cuts(returns, spec, moments)
                if found is not None:
                    return found
            problem = self.convex_problem(spec, returns, utility_model=False)
            problem.update(spec, moments)
            solution = problem.solve(check, self.solvers)
        if solution.weights is None:
            raise self.infeasible_error(spec, returns)
        notes = tuple(f"attempt failed: {a}" for a in solution.attempts)
        if fallback_reason is not None:
            notes = (f"{fallback_reason}; solved in the direct cvxpy form instead", *notes)
        return measure_allocation(
            spec,
            returns,
            solution.weights,
            status=solution.status,
            solver=solution.solver,
            fallback_used=solution.fallback_used or fallback_reason is not None,
            periods_per_year=self.periods_per_year,
            iterations=iterations,
            notes=notes,
            portfolio=last["portfolio"] if last.get("weights") is solution.weights else None,
        )

    def _cvar_limit_by_cuts(self, spec: ProblemSpec, fallback_reason: str | None) -> bool:
        """Whether a CVaR limit is met by cuts (``cvar_cuts``) rather than over every scenario:
        objectives that read only ``mu`` and ``Sigma``, unless ``method="cvxpy"``."""
        return (
            spec.cvar_limit is not None
            and spec.objective not in SCENARIO_OBJECTIVES
            and self.method != "cvxpy"
            and fallback_reason is None
        )

    def _solve_cvar_limit_by_cuts(
        self, returns: FloatArray, spec: ProblemSpec, moments: ScenarioMoments
    ) -> Allocation | None:
        """The request with its CVaR limit as cuts (``cvar_cuts``); None when the cuts have
        not met the limit within ``MAX_ROUNDS`` rounds (the caller solves the exact form)."""
        assert spec.cvar_limit is not None
        problem = self.convex_problem(spec, returns, utility_model=False, cvar_cuts=CAPACITY)
        problem.update(spec, moments)
        tail = spec.tail_size(returns.shape[0])
        relaxed = replace(spec, cvar_limit=None)  # what the relaxation itself must meet
        slopes = [cvar_cut(returns, np.full(spec.n_assets, 1.0 / spec.n_assets), tail)[1]]
        limit = spec.cvar_limit + TOLERANCE * max(1.0, abs(spec.cvar_limit))

        def check(w: FloatArray) -> float:
            return max_violation(relaxed, returns, w)

        for rounds in range(1, MAX_ROUNDS + 1):
            problem.parameters["cut_slope"].value = cut_rows(slopes)
            try:  # the first solver only: any point, even inaccurate, makes a valid cut
                solution = problem.solve(check, self.solvers[:1])
                cvar, slope = np.inf, np.zeros(0)
                if solution.weights is not None:
                    cvar, slope = cvar_cut(returns, solution.weights, tail)
                if solution.status != "optimal" and cvar <= limit and len(self.solvers) > 1:
                    # within the limit but not certified optimal: the fallback solvers decide
                    solution = problem.solve(check, self.solvers[1:])
                    if solution.weights is not None:
                        cvar, slope = cvar_cut(returns, solution.weights, tail)
            except SolverFailedError:
                return None
            if solution.weights is None:  # the relaxation is infeasible: so is the request
                raise self.infeasible_error(spec, returns)
            if cvar + spec.trading_cost(solution.weights) <= limit:
                if solution.status != "optimal":
                    return None  # within the limit, but its optimality is not certified
                return measure_allocation(
                    spec,
                    returns,
                    solution.weights,
                    status=solution.status,
                    solver=f"{solution.solver} + CVaR cuts",
                    fallback_used=solution.solver != self.solvers[0],
                    periods_per_year=self.periods_per_year,
                    iterations=rounds,
                )
            slopes.append(slope)
        return None

    def infeasible_error(self, spec: ProblemSpec, returns: FloatArray) -> InfeasibleError:
        """The error for an infeasible solve, naming the conflicting constraints."""
        engine = self.engine(returns, spec)
        conflict = find_conflict(spec, self.mean(returns), engine)
        if conflict:
            return InfeasibleError(describe_conflict(spec, conflict))
        if spec.objective == "max-sharpe":
            return InfeasibleError(
                f"infeasible: max-sharpe needs a portfolio whose expected return beats the "
                f"risk-free rate {spec.risk_free:.6g}; none within the constraints does"
            )
        if spec.objective in ("max-growth", "crra"):
            return InfeasibleError(
                f"infeasible: {spec.objective} needs 1 + return > 0 in every scenario; every "
                "portfolio within the constraints loses everything in some scenario"
            )
        return InfeasibleError(
            f"infeasible: the solver reported {spec.objective} infeasible, yet the constraints "
            "admit a portfolio (numerically borderline: loosen a limit slightly)"
        )


def optimize_weights(
    returns: FloatArray,
    asset_ids: Sequence[str],
    request: Optimization,
    benchmark_weights: Mapping[str, float] | FloatArray | None = None,
    *,
    periods_per_year: float | None = None,
    risk_free: float = 0.0,
    method: Method = "auto",
) -> Allocation:
    """Optimal weights for ``request`` on ``returns`` ``(n_scenarios, n_assets)`` (simple
    returns per period, equally likely rows, columns in ``asset_ids`` order).

    Raises ``InfeasibleError`` (naming the conflicting constraints), ``SolverFailedError``
    (every solver failed) or ``InputError`` (unknown asset names, bad matrix).
    """
    optimizer = PortfolioOptimizer(
        asset_ids,
        request,
        benchmark_weights,
        periods_per_year=periods_per_year,
        risk_free=risk_free,
        method=method,
    )
    return optimizer.solve(returns)
