"""The compiled assembly equals the straightforward NumPy formula of ``assembly``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from allocator.market.assembly import Jumps, LevelTerms, assemble_returns, sorted_jumps

N_PATHS, N_MONTHS, N_ASSETS = 37, 23, 5


@dataclass
class Inputs:
    normals: np.ndarray
    scale: np.ndarray | None
    loadings: np.ndarray
    drift: np.ndarray
    regimes: np.ndarray | None
    det: np.ndarray
    level: LevelTerms | None
    kernels: list[np.ndarray]
    hits: list[list[tuple[np.ndarray, np.ndarray]]]


def _inputs(
    seed: int, n_regimes: int, n_shocks: int, scale: bool, level: bool, jumps: bool
) -> Inputs:
    rng = np.random.default_rng(seed)
    n, t, a = N_PATHS, N_MONTHS, N_ASSETS
    regimes = None
    if n_regimes > 1:  # sticky chains, some paths switching every month
        switch = rng.random((n, t)) < np.where(np.arange(n) % 5 == 0, 1.0, 0.15)[:, None]
        regimes = (np.cumsum(switch, axis=1) % n_regimes).astype(np.int8)
    kernels, hits = [], []
    if jumps:
        for _ in range(2):
            kernels.append(np.vstack([rng.normal(0, 0.05, (t, a)), np.zeros((1, a))]))
            first = np.sort(rng.choice(n, 9, replace=False))
            second = np.sort(rng.choice(first, 4, replace=False))
            hits.append(
                [
                    (first.astype(np.intp), rng.integers(1, t + 1, len(first)).astype(np.intp)),
                    (second.astype(np.intp), np.full(len(second), t, dtype=np.intp)),
                ]
            )
    return Inputs(
        normals=rng.standard_normal((n_shocks, n * t)),
        scale=rng.uniform(0.5, 2.0, (n, t)) if scale else None,
        loadings=rng.normal(0, 0.05, (n_regimes, n_shocks, a)),
        drift=rng.normal(0, 0.01, (n_regimes, a)),
        regimes=regimes,
        det=rng.normal(0, 0.01, (t, a)),
        level=(
            LevelTerms(rng.uniform(-0.01, 0.08, (n, t + 1)), rng.normal(0, 2.0, (3, a)), 1 / 12)
            if level
            else None
        ),
        kernels=kernels,
        hits=hits,
    )


def _numpy_returns(x: Inputs) -> np.ndarray:
    n, t = N_PATHS, N_MONTHS
    s = np.zeros((n, t), dtype=np.intp) if x.regimes is None else x.regimes.astype(np.intp)
    shocks = x.normals.reshape(-1, n, t) * (1.0 if x.scale is None else x.scale)
    g = np.einsum("jpt,ptji->pti", shocks, x.loadings[s]) + x.drift[s] + x.det[None]
    if x.level is not None:
        path, w = x.level.path, x.level.loadings
        g += path[:, :-1, None] * w[0] + path[:, 1:, None] * w[1]
        g += np.log1p(path[:, :-1, None] * x.level.step) * w[2]
    for kernel, event_hits in zip(x.kernels, x.hits, strict=True):
        for paths, months in event_hits:
            for p, m in zip(paths, months, strict=True):
                g[p, m - 1 :] += kernel[: t - m + 1]
    return np.expm1(g)


def _compiled_returns(x: Inputs, first: int = 0, last: int = N_PATHS) -> np.ndarray:
    """The kernel's returns of paths [first, last) (inputs sliced to those paths)."""
    t = N_MONTHS
    span = slice(first * t, last * t)
    hits = [
        [
            (p[(p >= first) & (p < last)] - first, m[(p >= first) & (p < last)])
            for p, m in event_hits
        ]
        for event_hits in x.hits
    ]
    return assemble_returns(
        x.normals[:, span],
        None if x.scale is None else x.scale[first:last],
        x.loadings,
        x.drift,
        None if x.regimes is None else x.regimes[first:last],
        x.det,
        last - first,
        level=(
            None
            if x.level is None
            else LevelTerms(x.level.path[first:last], x.level.loadings, x.level.step)
        ),
        jumps=sorted_jumps(x.kernels, hits, last - first) if x.kernels else None,
    )


@pytest.mark.parametrize("n_regimes", [1, 3])
@pytest.mark.parametrize("n_shocks", [0, 3, 4, 6, 9])
@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize("level", [False, True])
@pytest.mark.parametrize("jumps", [False, True])
def test_kernel_matches_the_numpy_formula(
    n_regimes: int, n_shocks: int, scale: bool, level: bool, jumps: bool
) -> None:
    x = _inputs(n_shocks + 10 * n_regimes, n_regimes, n_shocks, scale, level, jumps)
    want = _numpy_returns(x)
    got = _compiled_returns(x)
    assert got.shape == (N_PATHS, N_MONTHS, N_ASSETS)
    # relative to the growth factor 1 + R: only the summation order differs
    assert np.max(np.abs(got - want) / (1.0 + want)) <= 1e-15


def test_a_path_does_not_depend_on_the_other_paths_of_its_block() -> None:
    x = _inputs(3, 3, 4, scale=True, level=True, jumps=True)
    whole = _compiled_returns(x)
    for first, last in [(0, 1), (5, 6), (3, 20), (20, N_PATHS)]:
        np.testing.assert_array_equal(_compiled_returns(x, first, last), whole[first:last])


def test_no_hits_means_no_jumps() -> None:
    empty = (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))
    assert sorted_jumps([np.ones((4, 2))], [[empty]], 3) is None
    assert sorted_jumps([], [], 3) is None


def test_jumps_are_sorted_by_path() -> None:
    kernel = np.arange(10.0).reshape(5, 2)
    hits = [[(np.array([2, 0]), np.array([3, 1])), (np.array([2]), np.array([4]))]]
    jumps = sorted_jumps([kernel], hits, 4)
    assert isinstance(jumps, Jumps)
    assert jumps.offsets.tolist() == [0, 1, 1, 3, 3]
    assert jumps.months.tolist() == [1, 3, 4]
    assert jumps.kinds.tolist() == [0, 0, 0]
    assert jumps.kernels.shape == (1, 2, 5)
