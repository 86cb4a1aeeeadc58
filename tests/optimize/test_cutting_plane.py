"""The cutting plane against the full Rockafellar–Uryasev LP (cvxpy, one variable per
scenario) on problems small enough for both: weights agree to 1e-4 (the cutting plane stops at
a relative bound gap of 1e-9; the LP optimum of continuous data is a unique vertex, so weights
are as precise as the solvers, ~1e-8)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from allocator.optimize import PortfolioOptimizer, optimize_weights
from allocator.optimize.cutting_plane import CvarCuttingPlane
from allocator.optimize.linear_model import build_linear_model
from allocator.optimize.lp_master import HAVE_HIGHSPY
from allocator.optimize.spec import compile_spec
from tests.optimize.helpers import ASSETS, normal_returns, request

RETURNS = normal_returns(2_000, seed=31)
WEIGHT_TOLERANCE = 1e-4

CASES: dict[str, dict[str, Any]] = {
    "min-cvar": {"objective": "min-cvar"},
    "min-cvar at a target": {"objective": "min-cvar", "min_return": 0.008, "beta": 0.9},
    "mean-cvar": {"objective": "mean-cvar", "risk_aversion": 0.5},
    "mean-cvar with a cvar limit": {
        "objective": "mean-cvar",
        "risk_aversion": 0.05,
        "cvar_limit": 0.06,
    },
    "costs, turnover and groups": {
        "objective": "min-cvar",
        "current_weights": {"small": 0.5, "large": 0.5},
        "turnover_limit": 0.9,
        "transaction_cost_bps": {"default": 25.0},
        "groups": {"equity": {"assets": ["small", "large"], "min": 0.3, "max": 0.6}},
    },
    "shorting with leverage": {
        "objective": "mean-cvar",
        "risk_aversion": 1.0,
        "bounds": {"small": [-0.5, 1.5], "large": [-0.5, 1.5], "bonds": [-0.5, 1.5]},
        "leverage_limit": 1.6,
    },
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cutting_plane_agrees_with_the_full_lp(case: str) -> None:
    req = request(**CASES[case])
    cuts = optimize_weights(RETURNS, ASSETS, req, method="cutting-plane")
    full = optimize_weights(RETURNS, ASSETS, req, method="cvxpy")
    assert cuts.solver.startswith("cutting-plane") and full.solver == "CLARABEL"
    assert np.abs(cuts.weights - full.weights).max() <= WEIGHT_TOLERANCE
    assert cuts.objective_value == pytest.approx(full.objective_value, abs=1e-8)


@pytest.mark.skipif(not HAVE_HIGHSPY, reason="highspy not installed")
def test_linprog_master_gives_the_same_answer_as_highspy() -> None:
    spec = compile_spec(request(objective="min-cvar", min_return=0.008), ASSETS)
    answers = []
    for use_highspy in (True, False):
        engine = CvarCuttingPlane(RETURNS, spec.beta, use_highspy=use_highspy)
        model = build_linear_model(spec, RETURNS.mean(axis=0), "min-cvar", engine.layout)
        answers.append(engine.solve(model))
    assert answers[0].weights is not None and answers[1].weights is not None
    assert np.abs(answers[0].weights - answers[1].weights).max() <= WEIGHT_TOLERANCE
    assert answers[0].value == pytest.approx(answers[1].value, abs=1e-9)


@pytest.mark.parametrize("blocks", [1, 7, 2_000])
def test_any_number_of_cut_blocks_reaches_the_same_optimum(blocks: int) -> None:
    spec = compile_spec(request(objective="min-cvar"), ASSETS)
    engine = CvarCuttingPlane(RETURNS, spec.beta, blocks=blocks)
    model = build_linear_model(spec, RETURNS.mean(axis=0), "min-cvar", engine.layout)
    result = engine.solve(model)
    reference = optimize_weights(RETURNS, ASSETS, request(objective="min-cvar"), method="cvxpy")
    assert result.status == "optimal" and result.weights is not None
    assert np.abs(result.weights - reference.weights).max() <= WEIGHT_TOLERANCE


def test_cuts_are_kept_and_never_cut_off_the_optimum() -> None:
    optimizer = PortfolioOptimizer(ASSETS, request(objective="min-cvar", min_return=0.007))
    first = optimizer.solve(RETURNS)
    engine = optimizer.engine(RETURNS, optimizer.spec)
    cuts_after_first = engine.pool.cut_sums.shape[0]
    again = optimizer.solve(RETURNS, start=first.weights)
    assert engine.pool.cut_sums.shape[0] >= cuts_after_first  # same engine, cuts kept
    assert again.iterations is not None and first.iterations is not None
    assert again.iterations <= first.iterations
    assert np.abs(again.weights - first.weights).max() <= WEIGHT_TOLERANCE
    # every cut is a lower bound of the tail excess at the optimum: a + (1/k) sum theta_j
    w = first.weights
    losses = -(RETURNS @ w)
    k = engine.layout.tail
    alpha = np.sort(losses)[-k]
    excess = np.maximum(losses - alpha, 0.0)
    block_excess = np.add.reduceat(excess, np.arange(0, RETURNS.shape[0], engine.block_size))
    cut_values = -(engine.pool.cut_sums @ w) - engine.pool.cut_counts * alpha
    assert np.all(cut_values <= block_excess[engine.pool.cut_blocks] + 1e-12)


def test_infeasible_master_is_reported() -> None:
    spec = compile_spec(request(objective="min-cvar", min_return=0.5), ASSETS)
    engine = CvarCuttingPlane(RETURNS, spec.beta)
    model = build_linear_model(spec, RETURNS.mean(axis=0), "min-cvar", engine.layout)
    assert engine.solve(model).status == "infeasible"
