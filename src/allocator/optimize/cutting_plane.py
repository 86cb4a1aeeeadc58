"""CVaR over many scenarios by cutting planes: the L-shaped method of Künzi-Bayer & Mayer on the
Rockafellar–Uryasev formulation, multi-cut, with a box trust region.

With ``k = tail_count(n, beta)``, ``L_i(w) = -R_i w`` and the scenarios split into ``J``
contiguous blocks ``B_j``,

    CVaR(w) = min_a  a + (1/k) sum_j phi_j(w, a),   phi_j(w, a) = sum_{i in B_j} (L_i(w) - a)_+

(the Rockafellar–Uryasev function with ``(1 - beta) n`` replaced by the integer ``k``, so the
minimum over ``a`` is exactly the mean of the ``k`` largest losses, ``metrics``' convention).
The master LP (``linear_model``) keeps one ``theta_j >= 0`` per block; at its solution
``(w^, a^)`` the tail ``T = {i : L_i(w^) > a^}`` gives for each block the cut

    theta_j >= sum_{i in T, i in B_j} (L_i(w) - a) = -(sum_{T_j} R_i)^T w - |T_j| a,

exact at ``(w^, a^)`` and below ``phi_j`` everywhere. The master's value is a lower bound on
the optimum; the true objective at ``w^`` (CVaR from a partial sort, ``np.partition``) is an
upper bound once ``w^`` meets the nonlinear limits; the loop stops when
``upper - lower <= tol * max(1, |upper|)``. Splitting into blocks (multi-cut) refines the model
``J`` pieces at a time: far fewer iterations than one aggregate cut for a larger LP.

A box ``|w - center| <= radius`` (a trust region: enlarged after good steps, shrunk after bad
ones, dropped to certify the bound) keeps the iterates from jumping between far vertices.
Tracking-error limits get gradient cuts ``tau >= grad TE(w^)^T (w - b)`` the same way. Cuts
depend only on the data, so they are kept between solves (frontier points, conflict checks) in
a pool (``cut_pool``); the oracle (``cvar_oracle``) screens out scenarios that cannot reach
the tail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from allocator.errors import SolverFailedError
from allocator.optimize.cut_pool import CutPool
from allocator.optimize.cvar_oracle import CvarOracle
from allocator.optimize.linear_model import CvarLayout, LinearModel
from allocator.optimize.lp_master import HAVE_HIGHSPY
from allocator.optimize.measures import FloatArray

#: Penalty per unit of violated nonlinear limit when judging a step (guides the trust region
#: only; optimality is certified by the bound gap).
PENALTY = 100.0
DEFAULT_BLOCKS = 32

Status = Literal["optimal", "optimal_inaccurate", "infeasible", "feasible"]


@dataclass(frozen=True, eq=False)
class CutSolution:
    """Result of one cutting-plane solve.

    ``weights`` ``(n_assets,)``: the best point meeting every limit (None if infeasible);
    ``value``: the true goal value there; ``lower_bound``: the master's certified bound.
    Feasibility models end ``feasible`` or ``infeasible``.
    """

    weights: FloatArray | None
    value: float
    lower_bound: float
    iterations: int
    status: Status


class CvarCuttingPlane:
    """Cuts and master loop for one scenario matrix ``returns`` ``(n, n_assets)``.

    ``factor`` ``F`` ``(n_assets, n_assets)`` and ``benchmark`` ``b`` are needed only for
    tracking-error limits. ``use_highspy`` picks the master backend (default: if installed).
    """

    def __init__(
        self,
        returns: FloatArray,
        beta: float,
        factor: FloatArray | None = None,
        benchmark: FloatArray | None = None,
        blocks: int = DEFAULT_BLOCKS,
        use_highspy: bool | None = None,
    ) -> None:
        self.oracle = CvarOracle(returns, beta, blocks)
        self.returns = self.oracle.returns
        n, m = self.returns.shape
        self.beta = beta
        self.factor = factor
        self.benchmark = benchmark
        self.block_size = self.oracle.block_size
        bound = float(np.max(self.oracle.row_bound)) if n else 0.0
        self.layout = CvarLayout(
            tail=self.oracle.tail,
            blocks=self.oracle.n_blocks,
            alpha_bound=(bound + 1.0) * 10.0 * m,
        )
        self.solver_name = "cutting-plane/HiGHS" + (
            "" if self._highspy(use_highspy) else "-linprog"
        )
        self.use_highspy = self._highspy(use_highspy)
        self.pool = CutPool(m, benchmark, self.use_highspy, 4 * self.layout.blocks)
        self.evaluations = 0

    @staticmethod
    def _highspy(use_highspy: bool | None) -> bool:
        return HAVE_HIGHSPY if use_highspy is None else use_highspy

    def cvar(
        self, w: FloatArray, alpha: float | None = None, oracle: CvarOracle | None = None
    ) -> float:
        """``CVaR(w)`` (mean of the ``k`` largest losses; of the candidates, with a restricted
        ``oracle``); adds the block cuts at ``(w, alpha)`` to the pool, ``alpha`` defaulting
        to ``VaR(w)``."""
        self.evaluations += 1
        cut = (self.oracle if oracle is None else oracle).evaluate(w, alpha)
        self.pool.add_cvar(cut.blocks, cut.sums, cut.counts)
        return cut.cvar

    def tracking_error(self, w: FloatArray) -> float:
        """``TE(w) = ||F (w - b)||``; adds the gradient cut (none where ``TE = 0``)."""
        assert self.factor is not None and self.benchmark is not None
        active = self.factor @ (w - self.benchmark)
        te = float(np.linalg.norm(active))
        if te > 0.0:
            self.pool.add_te(self.factor.T @ active / te)
        return te

    def _evaluate(
        self,
        model: LinearModel,
        w: FloatArray,
        alpha: float | None,
        oracle: CvarOracle | None = None,
    ) -> tuple[float, float]:
        """True goal value and largest violation of the nonlinear limits at ``w`` (with a
        restricted ``oracle``, of the candidates' CVaR); adds cuts."""
        spec = model.spec
        kappa = spec.trading_cost(w)
        cvar = self.cvar(w, alpha, oracle) if model.cvar is not None else 0.0
        te = self.tracking_error(w) if model.tau is not None else 0.0
        violation = 0.0
        if model.cvar_limit is not None:
            violation = max(violation, cvar + kappa - model.cvar_limit)
        if model.te_limit is not None:
            violation = max(violation, te - model.te_limit)
        lam = spec.risk_aversion
        mean = float(model.mean @ w)
        if model.goal == "min-cvar":
            return cvar + kappa, violation
        if model.goal == "mean-cvar":
            return -mean + (1.0 + lam) * kappa + lam * cvar, violation
        if model.goal == "max-return":
            return -mean + kappa, violation
        return violation, 0.0

    def _solve_master(
        self, model: LinearModel, center: FloatArray | None, radius: float
    ) -> tuple[FloatArray | None, float, bool]:
        """Solve the master (inside ``|w - center| <= radius`` if a center is given).

        Returns ``(x, value, box_binds)``; ``x`` is None when the LP is infeasible.
        """
        m = model.n_assets
        lower, upper = model.lower[:m], model.upper[:m]
        if center is not None:
            lower = np.maximum(lower, center - radius)
            upper = np.minimum(upper, center + radius)
            if np.any(lower > upper):
                return None, np.inf, True
        status, x, value = self.pool.solve_master(model, lower, upper)
        if status == "infeasible":
            return None, np.inf, center is not None
        if status != "optimal" or x is None:
            raise SolverFailedError(
                f"cutting plane: HiGHS could not solve the master LP ({self.pool.message}); "
                f"{m} assets, {self.returns.shape[0]} scenarios"
            )
        binds = False
        if center is not None:
            w = x[:m]
            at_edge = np.abs(w - center) >= radius * (1.0 - 1e-9)
            inside = (w > model.lower[:m] + 1e-12) & (w < model.upper[:m] - 1e-12)
            binds = bool(np.any(at_edge & inside))
        return x, value, binds

    def solve(
        self,
        model: LinearModel,
        start: FloatArray | None = None,
        tolerance: float = 1e-9,
        max_iterations: int = 1000,
        radius: float = 0.1,
        oracle: CvarOracle | None = None,
    ) -> CutSolution:
        """Minimize ``model``'s goal; ``start`` (e.g. the previous frontier point) centers the
        first trust region. A ``feasibility`` model stops as soon as a point within
        ``tolerance`` of every limit is found or the lower bound proves none exists.

        With a restricted ``oracle`` (``CvarOracle.restricted``) the upper bounds are the
        candidates' CVaR: the result is optimal for the full problem only once the caller has
        checked that the ``k`` largest losses at its weights are all candidates
        (``candidate_tail``); the lower bound stays valid for the full problem."""
        m = model.n_assets
        center = np.full(m, 1.0 / m) if start is None else np.asarray(start, dtype=np.float64)
        self.pool.begin_solve()
        self._evaluate(model, center, None, oracle)  # seed cuts so the master is informed
        merit_center = np.inf  # the start need not meet the linear constraints
        upper_bound, lower_bound = np.inf, -np.inf
        best: FloatArray | None = None
        use_box = True
        feasibility = model.goal == "feasibility"
        for iteration in range(1, max_iterations + 1):
            x, value, binds = self._solve_master(model, center if use_box else None, radius)
            if x is None:
                if use_box:
                    use_box = False
                    continue
                return CutSolution(None, np.inf, np.inf, iteration, "infeasible")
            if not binds:
                lower_bound = max(lower_bound, value)
            w = x[:m].copy()
            alpha = float(x[model.cvar.start]) if model.cvar is not None else None
            goal_value, violation = self._evaluate(model, w, alpha, oracle)
            if violation <= tolerance and goal_value < upper_bound:
                upper_bound, best = goal_value, w
            if feasibility:
                if upper_bound <= tolerance:
                    return CutSolution(best, upper_bound, lower_bound, iteration, "feasible")
                if lower_bound > tolerance:
                    return CutSolution(None, upper_bound, lower_bound, iteration, "infeasible")
            elif best is not None and _converged(upper_bound, lower_bound, tolerance):
                return CutSolution(best, upper_bound, lower_bound, iteration, "optimal")
            merit = goal_value + PENALTY * violation
            predicted = merit_center - value
            if not np.isfinite(merit_center) or merit <= merit_center - 0.1 * predicted:
                center, merit_center = w, merit
                if binds:
                    radius = min(2.0 * radius, 2.0 * self.layout.alpha_bound)
            elif merit > merit_center:
                radius = max(0.5 * radius, 1e-7)
            # No progress predicted inside the box: solve without it for a certified bound.
            use_box = not (binds and predicted <= tolerance * max(1.0, abs(merit_center)))
        if best is not None and not feasibility:
            return CutSolution(best, upper_bound, lower_bound, max_iterations, "optimal_inaccurate")
        raise SolverFailedError(
            f"cutting plane: no convergence in {max_iterations} iterations "
            f"(bounds {lower_bound:.6g} .. {upper_bound:.6g}); {m} assets, "
            f"{self.returns.shape[0]} scenarios"
        )


def _converged(upper_bound: float, lower_bound: float, tolerance: float) -> bool:
    """``upper - lower <= tolerance * max(1, |upper|)`` with both bounds finite."""
    if not (np.isfinite(upper_bound) and np.isfinite(lower_bound)):
        return False
    return upper_bound - lower_bound <= tolerance * max(1.0, abs(upper_bound))
