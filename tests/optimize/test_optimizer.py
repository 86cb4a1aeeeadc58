"""The reusable optimizer: problems and cuts reused, new matrices never mistaken for old ones,
fallbacks explicit and reported, the screened CVaR oracle exact."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.errors import SolverFailedError
from allocator.optimize import PortfolioOptimizer, optimize_weights
from allocator.optimize import optimizer as optimizer_module
from allocator.optimize.cvar_oracle import CvarOracle
from tests.optimize.helpers import ASSETS, normal_returns, request


@pytest.mark.parametrize("objective", ["min-variance", "min-cvar", "crra"])
def test_new_matrices_of_the_same_shape_give_fresh_answers(objective: str) -> None:
    optimizer = PortfolioOptimizer(ASSETS, request(objective=objective, min_return=0.006))
    for seed in (61, 62, 63):
        returns = normal_returns(3_000, seed=seed)
        reused = optimizer.solve(returns)
        fresh = optimize_weights(returns, ASSETS, request(objective=objective, min_return=0.006))
        assert np.abs(reused.weights - fresh.weights).max() <= 1e-6
        del returns  # a new matrix may reuse the address: caches must not care


def test_moment_problems_are_built_once_across_matrices() -> None:
    optimizer = PortfolioOptimizer(ASSETS, request(objective="mean-variance"))
    for seed in (64, 65):
        optimizer.solve(normal_returns(1_000, seed=seed))
    assert len(optimizer._convex) == 1


def test_unavailable_solver_falls_back_and_says_so() -> None:
    returns = normal_returns(1_000, seed=66)
    optimizer = PortfolioOptimizer(
        ASSETS, request(objective="min-variance"), solvers=("NOT_A_SOLVER", "CLARABEL")
    )
    allocation = optimizer.solve(returns)
    assert allocation.fallback_used and allocation.solver == "CLARABEL"
    assert allocation.notes and "NOT_A_SOLVER" in allocation.notes[0]
    with pytest.raises(SolverFailedError, match="no solver succeeded"):
        PortfolioOptimizer(ASSETS, request(), solvers=("NOT_A_SOLVER",), method="cvxpy").solve(
            returns
        )


def test_failed_sequential_qp_falls_back_to_the_cone_form(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        raise SolverFailedError("forced")

    monkeypatch.setattr(optimizer_module, "solve_utility", failing)
    returns = normal_returns(1_000, seed=67)
    allocation = optimize_weights(returns, ASSETS, request(objective="crra"))
    assert allocation.fallback_used and allocation.solver == "CLARABEL"
    assert "sequential QP: forced" in allocation.notes[0]
    monkeypatch.undo()
    direct = optimize_weights(returns, ASSETS, request(objective="crra"))
    assert np.abs(direct.weights - allocation.weights).max() <= 1e-5


def test_failed_cutting_plane_falls_back_to_the_full_lp(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        raise SolverFailedError("forced")

    monkeypatch.setattr(PortfolioOptimizer, "solve_cuts", failing)
    allocation = optimize_weights(normal_returns(1_000, seed=68), ASSETS, request())
    assert allocation.fallback_used and allocation.solver == "CLARABEL"
    assert allocation.notes[0].startswith("cutting plane: forced")


def test_screened_oracle_answers_exactly_as_a_full_pass() -> None:
    returns = normal_returns(50_000, seed=69)
    screened = CvarOracle(returns, 0.95, blocks=32)
    rng = np.random.default_rng(70)
    w = np.array([0.3, 0.3, 0.4])
    for step in (0.05, 0.02, 0.01, 0.004, 0.001, 0.0005, 1e-4):
        w = w + step * (rng.dirichlet(np.ones(3)) - 1.0 / 3.0)
        alpha = float(np.quantile(-(returns @ w), 0.95)) + rng.normal(0.0, 1e-3)
        full = CvarOracle(returns, 0.95, blocks=32).evaluate(w, alpha)
        answer = screened.evaluate(w, alpha)
        assert answer.cvar == pytest.approx(full.cvar, abs=1e-15)
        assert np.array_equal(answer.blocks, full.blocks)
        assert np.array_equal(answer.counts, full.counts)
        assert np.allclose(answer.sums, full.sums, rtol=0.0, atol=1e-12)
    assert screened.screened_passes > 0  # the screen was used, not just built
