"""The compiled regime chain and policy-rate recursion equal their NumPy forms bit for bit
(sequential recursions: same operations, same order, same rounding)."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.market.rates import RateSpec, rate_paths
from allocator.market.regimes import (
    RegimeDraws,
    RegimeSpec,
    WindowSpec,
    draw_regime_uniforms,
    regime_paths,
)

N_PATHS, N_MONTHS = 301, 40


def _numpy_rates(spec: RateSpec, normals: np.ndarray, n_paths: int) -> np.ndarray:
    out = np.empty((n_paths, spec.n_months + 1))
    x = normals * spec.step_sd
    for t in range(1, spec.n_months):
        x[t] += x[t - 1] * spec.phi
    x += spec.target[1:, None]
    np.maximum(x, spec.floor, out=x)
    out[:, 1:] = x.T
    out[:, 0] = spec.start
    return out


@pytest.mark.parametrize("floor", [-1.0, 0.0, 0.02])
def test_rate_paths_equal_the_numpy_recursion(floor: float) -> None:
    rng = np.random.default_rng(7)
    spec = RateSpec(
        start=0.03,
        neutral=0.025,
        floor=floor,
        target=np.linspace(0.03, 0.01, N_MONTHS + 1),
        phi=0.891,
        step_sd=0.004,
    )
    normals = rng.standard_normal((N_MONTHS, N_PATHS)) * 3.0
    want = _numpy_rates(spec, normals, N_PATHS)
    got = rate_paths(spec, normals.copy(), N_PATHS)
    assert got.tobytes() == want.tobytes()
    assert (got == floor).any() == (floor > -1.0)


def _numpy_regimes(spec: RegimeSpec, draws: RegimeDraws, n_paths: int) -> np.ndarray:
    if draws.initial is not None:
        prev = (draws.initial[:, None] >= spec.initial_cum[None, :]).sum(axis=1)
    else:
        prev = np.full(n_paths, int(np.count_nonzero(spec.initial_cum < 1.0)))
    out = np.empty((n_paths, spec.n_months), dtype=np.int8)
    for t in range(1, spec.n_months + 1):
        state = prev.copy()
        if draws.transitions is not None:
            u = draws.transitions[t - 1]
            state = (u[:, None] >= spec.transition_cum[prev]).sum(axis=1)
        for w, uw in zip(spec.windows, draws.windows, strict=True):
            if w.first <= t <= w.last:
                if uw is None:
                    state[...] = w.state
                else:
                    state[uw[t - w.first] < w.probability] = w.state
        out[:, t - 1] = state
        prev = state
    return out


def _cumulative(rows: np.ndarray) -> np.ndarray:
    return np.minimum(np.cumsum(rows / rows.sum(axis=-1, keepdims=True), axis=-1)[..., :-1], 1.0)


@pytest.mark.parametrize("n_regimes", [1, 2, 4])
@pytest.mark.parametrize("random_initial", [False, True])
def test_regime_paths_equal_the_numpy_chain(n_regimes: int, random_initial: bool) -> None:
    rng = np.random.default_rng(n_regimes)
    transition = rng.random((n_regimes, n_regimes)) + np.eye(n_regimes) * 3.0
    transition[0, 1:] = 0.0  # an absorbing regime: cumulative probabilities of exactly 1
    initial = np.zeros(n_regimes)
    initial[-1] = 1.0
    if random_initial:
        initial = rng.random(n_regimes)
    windows = (
        WindowSpec(state=n_regimes - 1, first=3, last=9, probability=0.3),
        WindowSpec(state=0, first=5, last=5, probability=1.0),
        WindowSpec(state=n_regimes // 2, first=8, last=N_MONTHS, probability=0.05),
    )
    spec = RegimeSpec(
        names=tuple(f"r{k}" for k in range(n_regimes)),
        initial_cum=_cumulative(initial),
        transition_cum=_cumulative(transition),
        windows=windows,
        n_months=N_MONTHS,
    )
    draws = draw_regime_uniforms(spec, rng, N_PATHS)
    assert (draws.initial is not None) == (random_initial and n_regimes > 1)
    got = regime_paths(spec, draws, N_PATHS)
    assert got.dtype == np.int8
    np.testing.assert_array_equal(got, _numpy_regimes(spec, draws, N_PATHS))
    assert len(np.unique(got)) == n_regimes
