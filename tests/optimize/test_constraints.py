"""Weights respect every constraint to 1e-6, for generated bounds and groups; infeasible
requests name the constraints that conflict."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from allocator.errors import InfeasibleError, InputError
from allocator.optimize import optimize_weights
from tests.optimize.helpers import ASSETS, normal_returns, request

RETURNS = normal_returns(3_000, seed=41)
MEAN = RETURNS.mean(axis=0)
TOLERANCE = 1e-6


def _linear_feasible(
    lower: np.ndarray, upper: np.ndarray, group: Any, leverage: float, min_return: float | None
) -> bool:
    """Independent check with scipy's LP: x = (w, s), s >= |w|."""
    m = 3
    a_ub, b_ub = [], []
    for i in range(m):
        for sign in (1.0, -1.0):
            row = np.zeros(2 * m)
            row[i], row[m + i] = sign, -1.0
            a_ub.append(row)
            b_ub.append(0.0)
    row = np.zeros(2 * m)
    row[m:] = 1.0
    a_ub.append(row)
    b_ub.append(leverage)
    members, lo, hi = group
    row = np.zeros(2 * m)
    row[:m] = members
    a_ub += [row, -row]
    b_ub += [hi, -lo]
    if min_return is not None:
        row = np.zeros(2 * m)
        row[:m] = -MEAN
        a_ub.append(row)
        b_ub.append(-min_return)
    result = linprog(
        np.zeros(2 * m),
        A_ub=np.array(a_ub),
        b_ub=b_ub,
        A_eq=np.r_[np.ones(m), np.zeros(m)][None, :],
        b_eq=[1.0],
        bounds=[(lo_, hi_) for lo_, hi_ in zip(lower, upper, strict=True)] + [(0, None)] * m,
        method="highs",
    )
    return bool(result.status == 0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    objective=st.sampled_from(["min-variance", "min-cvar", "mean-variance", "max-growth"]),
    lower=st.lists(st.floats(-0.3, 0.5), min_size=3, max_size=3),
    width=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    members=st.sampled_from([(0, 1), (1, 2), (0, 2)]),
    group_lower=st.floats(0.0, 1.0),
    group_width=st.floats(0.0, 0.6),
    leverage=st.floats(1.0, 2.5),
    min_return=st.one_of(st.none(), st.floats(0.003, 0.011)),
)
def test_weights_respect_every_constraint(
    objective: str,
    lower: list[float],
    width: list[float],
    members: tuple[int, int],
    group_lower: float,
    group_width: float,
    leverage: float,
    min_return: float | None,
) -> None:
    lo = np.array(lower)
    hi = lo + np.array(width)
    mask = np.zeros(3, dtype=bool)
    mask[list(members)] = True
    group = (mask.astype(float), group_lower, group_lower + group_width)
    req = request(
        objective=objective,
        bounds={a: [lo[i], hi[i]] for i, a in enumerate(ASSETS)},
        groups={"g": {"assets": [ASSETS[i] for i in members], "min": group[1], "max": group[2]}},
        leverage_limit=leverage,
        min_return=min_return,
    )
    try:
        allocation = optimize_weights(RETURNS, ASSETS, req)
    except InfeasibleError as exc:
        assert str(exc).startswith("infeasible: ")
        assert not _linear_feasible(lo, hi, group, leverage, min_return)
        return
    w = allocation.weights
    assert abs(w.sum() - 1.0) <= TOLERANCE
    assert np.all(w >= lo - TOLERANCE) and np.all(w <= hi + TOLERANCE)
    assert group[1] - TOLERANCE <= w[mask].sum() <= group[2] + TOLERANCE
    assert np.abs(w).sum() <= leverage + TOLERANCE
    if min_return is not None:
        assert (RETURNS @ w).mean() >= min_return - TOLERANCE


def test_turnover_costs_tracking_and_cvar_limits_hold() -> None:
    current = {"small": 0.1, "large": 0.6, "bonds": 0.3}
    w0 = np.array([0.1, 0.6, 0.3])
    benchmark = {"large": 0.6, "bonds": 0.4}
    for objective in ("mean-variance", "mean-cvar", "max-growth", "max-sharpe"):
        req = request(
            objective=objective,
            risk_aversion=1.0,
            current_weights=current,
            turnover_limit=0.3,
            transaction_cost_bps={"default": 10.0},
            tracking_error_limit=0.006,
            cvar_limit=0.055,
        )
        allocation = optimize_weights(RETURNS, ASSETS, req, benchmark, risk_free=0.002)
        w = allocation.weights
        assert np.abs(w - w0).sum() <= 0.3 + TOLERANCE, objective
        assert allocation.tracking_error is not None
        assert allocation.tracking_error <= 0.006 + TOLERANCE, objective
        assert allocation.cvar <= 0.055 + TOLERANCE, objective
        assert allocation.trading_cost == pytest.approx(0.001 * np.abs(w - w0).sum())


def _two_assets(n: int = 1_000) -> np.ndarray:
    rng = np.random.default_rng(5)
    return np.column_stack([rng.normal(0.30, 0.01, n), rng.normal(0.20, 0.01, n)])


def test_infeasible_return_target_names_the_binding_bounds() -> None:
    returns = _two_assets()
    req = request(
        objective="min-variance",
        min_return=0.25,
        bounds={"small": [0, 0.4], "large": [0, 0.6]},
    )
    with pytest.raises(InfeasibleError) as caught:
        optimize_weights(returns, ("small", "large"), req)
    # bounds.large is implied by the budget and bounds.small: not part of the conflict
    assert str(caught.value) == "infeasible: min_return 0.25 conflicts with bounds.small [0, 0.4]"


def test_infeasible_group_names_the_group_and_its_bounds() -> None:
    req = request(
        objective="min-cvar",
        bounds={"small": [0, 0.3], "large": [0, 0.5]},
        groups={"equity": {"assets": ["small", "large"], "min": 0.9, "max": 1.0}},
    )
    with pytest.raises(InfeasibleError) as caught:
        optimize_weights(RETURNS, ASSETS, req)
    assert str(caught.value) == (
        "infeasible: groups.equity [0.9, 1] conflicts with bounds.small [0, 0.3], "
        "bounds.large [0, 0.5]"
    )


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        (
            {"objective": "min-variance", "min_return": 0.0095, "cvar_limit": 0.04},
            ["min_return 0.0095", "cvar_limit 0.04"],
        ),
        (
            {
                "objective": "min-cvar",
                "current_weights": {"small": 0.5, "large": 0.5},
                "turnover_limit": 0.6,
                "groups": {"equity": {"assets": ["small", "large"], "min": 0.3, "max": 0.6}},
            },
            ["turnover_limit 0.6", "groups.equity [0.3, 0.6]"],
        ),
        (
            {"objective": "mean-variance", "min_return": 0.0095, "tracking_error_limit": 0.001},
            ["min_return 0.0095", "tracking_error_limit 0.001"],
        ),
    ],
)
def test_infeasible_limits_are_named(fields: dict[str, Any], names: list[str]) -> None:
    with pytest.raises(InfeasibleError) as caught:
        optimize_weights(RETURNS, ASSETS, request(**fields), {"large": 0.6, "bonds": 0.4})
    message = str(caught.value)
    assert message.startswith("infeasible: ") and "\n" not in message
    for name in names:
        assert name in message


def test_unknown_assets_and_missing_inputs_are_input_errors() -> None:
    with pytest.raises(InputError, match="bounds: unknown asset 'mid'"):
        optimize_weights(RETURNS, ASSETS, request(bounds={"mid": [0, 1]}))
    with pytest.raises(InputError, match="needs benchmark weights"):
        optimize_weights(RETURNS, ASSETS, request(objective="min-tracking-error"))
    with pytest.raises(InputError, match="turnover_limit needs current_weights"):
        optimize_weights(RETURNS, ASSETS, request(turnover_limit=0.5))
    with pytest.raises(InputError, match="expected a matrix"):
        optimize_weights(RETURNS[:, :2], ASSETS, request())
