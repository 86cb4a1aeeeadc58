"""``max-growth`` and ``crra`` by sequential quadratic programming on the exact scenario utility.

Expected utility of the net return, over ``z = (w, k)`` with ``k`` the trading cost:

    U(w, k) = (1/n) sum_i u(W_i),  W_i = 1 + R_i w - k,
    u(W) = log W (gamma = 1),  W^(1 - gamma) / (1 - gamma) otherwise,

``u'(W) = W^-gamma``, ``u''(W) = -gamma W^(-gamma - 1)``; with ``a_i = (R_i, -1)``,

    grad U = (1/n) sum_i u'(W_i) a_i,
    -hess U = (1/n) sum_i gamma W_i^(-gamma-1) a_i a_i^T = F^T F.

Each step maximizes the quadratic model ``g^T z - 1/2 ||F (z - z0)||^2`` under every constraint
of the request (the cvxpy problem of ``convex`` in its ``utility_model`` form, built once and
re-solved with new ``g``, ``F``, ``F z0``), then searches along ``z* - z0`` for an Armijo
increase of the exact ``U(w, kappa(w))`` with every ``W_i > 0``. The feasible set is convex and
``z0`` feasible, so every trial point is feasible; ``U`` is concave, so the model's predicted
increase bounds the distance to the optimum. The loop stops when it falls below
``tolerance * max(1, |U|)``. Near the optimum the steps are Newton steps (quadratic
convergence, typically under ten QPs); each costs ``O(n m^2)`` numpy work, whatever ``n``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from allocator.errors import SolverFailedError
from allocator.optimize.convex import ConvexProblem, ConvexSolution
from allocator.optimize.measures import FloatArray, crra_value, portfolio_returns
from allocator.optimize.spec import ProblemSpec


def utility_gamma(spec: ProblemSpec) -> float:
    """``gamma``: 1 for ``max-growth``, the request's risk aversion for ``crra``."""
    return 1.0 if spec.objective == "max-growth" else spec.risk_aversion


def utility_derivatives(
    returns: FloatArray, w: FloatArray, kappa: float, gamma: float, with_cost: bool
) -> tuple[float, FloatArray, FloatArray] | None:
    """``(U, grad U, F)`` at ``(w, kappa)`` with ``F^T F = -hess U`` (``d = m + 1`` entries
    with the cost coordinate, ``m`` without); None outside the domain (some ``W_i <= 0``)."""
    portfolio = portfolio_returns(returns, w)
    wealth = 1.0 + portfolio - kappa
    if np.any(wealth <= 0.0):
        return None
    n = returns.shape[0]
    value = crra_value(portfolio, kappa, gamma)
    slope = np.power(wealth, -gamma)
    curvature = gamma * slope / wealth
    grad_w = returns.T @ slope / n
    weighted = returns * curvature[:, None]
    hess_ww = weighted.T @ returns / n
    if with_cost:
        cross = -weighted.sum(axis=0) / n
        gradient = np.append(grad_w, -slope.mean())
        neg_hessian = np.block(
            [[hess_ww, cross[:, None]], [cross[None, :], np.array([[curvature.mean()]])]]
        )
    else:
        gradient, neg_hessian = grad_w, hess_ww
    neg_hessian = 0.5 * (neg_hessian + neg_hessian.T)
    eigenvalues, vectors = np.linalg.eigh(neg_hessian)
    factor = np.sqrt(np.maximum(eigenvalues, 0.0))[:, None] * vectors.T
    return value, gradient, factor


def solve_utility(
    problem: ConvexProblem,
    spec: ProblemSpec,
    returns: FloatArray,
    check: Callable[[FloatArray], float],
    solvers: tuple[str, ...],
    start: FloatArray | None = None,
    tolerance: float = 1e-12,
    max_iterations: int = 100,
) -> tuple[ConvexSolution, int]:
    """Maximize the expected utility of ``spec`` on ``returns`` (``problem`` must be the
    ``utility_model`` form, its parameters already set by ``update``).

    Returns the solution and the number of QPs solved; raises ``SolverFailedError`` when no
    feasible point has ``1 + R_i w - kappa > 0`` in every scenario or the loop stalls.
    """
    m = spec.n_assets
    gamma = utility_gamma(spec)
    trades = problem.structure.trades
    d = m + 1 if trades else m
    z0 = np.full(m, 1.0 / m) if start is None else np.asarray(start, dtype=np.float64)
    if trades:
        z0 = np.append(z0, spec.trading_cost(z0))
    # First QP: the nearest feasible point to the start (gradient 0, F = I).
    problem.set_model(np.zeros(d), np.eye(d), z0)
    first = problem.solve(check, solvers)
    if first.weights is None:
        return first, 1
    w = first.weights
    attempts = list(first.attempts)
    fallback = first.fallback_used
    solver = first.solver
    iterations = 1
    converged = False
    while iterations <= max_iterations:
        iterations += 1
        kappa = spec.trading_cost(w)
        terms = utility_derivatives(returns, w, kappa, gamma, trades)
        if terms is None:
            raise SolverFailedError(
                f"{spec.objective}: the start {np.round(w, 4).tolist()} loses everything in "
                "some scenario (1 + return <= 0)"
            )
        value, gradient, factor = terms
        center = np.append(w, kappa) if trades else w
        problem.set_model(gradient, factor, center)
        step = problem.solve(check, solvers)
        attempts += step.attempts
        fallback = fallback or step.fallback_used
        solver = step.solver
        if step.weights is None:
            raise SolverFailedError(f"{spec.objective}: a QP step was reported infeasible")
        target = step.weights
        if trades:
            level = problem.cost_level.value
            target = np.append(target, float(level) if level is not None else kappa)
        direction = target - center
        slope = float(gradient @ direction)
        predicted = slope - 0.5 * float(np.sum((factor @ direction) ** 2))
        if predicted <= tolerance * max(1.0, abs(value)):
            converged = True
            break
        accepted = _line_search(returns, spec, gamma, w, direction[:m], value, slope)
        if accepted is None:  # no further increase at working precision
            converged = True
            break
        w = accepted
    status = "optimal" if converged else "optimal_inaccurate"
    return ConvexSolution(w, status, solver, fallback, tuple(attempts)), iterations


def _line_search(
    returns: FloatArray,
    spec: ProblemSpec,
    gamma: float,
    w: FloatArray,
    direction: FloatArray,
    value: float,
    slope: float,
) -> FloatArray | None:
    """First ``t`` in 1, 1/2, 1/4, ... with ``U(w + t d) >= U(w) + 1e-4 t slope``."""
    t = 1.0
    for _ in range(50):
        trial = w + t * direction
        trial_value = crra_value(portfolio_returns(returns, trial), spec.trading_cost(trial), gamma)
        if np.isfinite(trial_value) and trial_value >= value + 1e-4 * t * slope:
            return trial
        t *= 0.5
    return None
