"""The vectorized expm1 and log1p agree with NumPy's (glibc): expm1 to 2 ulp, including tiny
and huge inputs; log1p to 1 ulp on the series range, libm beyond."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.market.vector_math import LOG1P_LIMIT, expm1_in_place, log1p_in_place


def _expm1(x: np.ndarray) -> np.ndarray:
    y = np.array(x, dtype=np.float64)
    expm1_in_place(y, np.empty_like(y))
    return y


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got - want) / np.spacing(np.abs(want))


@pytest.mark.parametrize(
    ("low", "high"),
    [(-3.0, 3.0), (-0.4, 0.4), (-1e-3, 1e-3), (-40.0, 40.0), (-700.0, 700.0)],
)
def test_within_2_ulp_of_numpy_on_uniform_inputs(low: float, high: float) -> None:
    x = np.random.default_rng(1).uniform(low, high, 200_001)  # odd: a vector remainder
    want = np.expm1(x)
    got = _expm1(x)
    assert _ulps(got, want).max() <= 2.0
    assert np.max(np.abs(got - want) / np.abs(want)) <= 1e-15


def test_tiny_inputs_keep_full_relative_accuracy() -> None:
    # expm1(x) ≈ x here, where exp(x) − 1 would lose every digit
    rng = np.random.default_rng(2)
    magnitude = 10.0 ** rng.uniform(-300, -4, 100_000)
    x = magnitude * rng.choice([-1.0, 1.0], magnitude.shape)
    assert _ulps(_expm1(x), np.expm1(x)).max() <= 1.0


@pytest.mark.parametrize(
    "x",
    [0.0, 1e-300, -1e-300, 5e-324, 1e-10, -1e-10, 0.5, -0.5, 3.0, -3.0, 20.0, -20.0,
     0.34657359027997264, -0.34657359027997264, 709.7, -745.0, -1e308],
)  # fmt: skip
def test_edge_values(x: float) -> None:
    want = np.expm1(np.float64(x))
    got = _expm1(np.array([x]))[0]
    assert got == want or abs(got - want) <= 2.0 * np.spacing(abs(want))


def test_large_negative_gives_minus_one_and_specials_propagate() -> None:
    with np.errstate(over="ignore"):
        x = np.array([-40.0, -100.0, -800.0, -np.inf, np.inf, 710.0, np.nan])
        want = np.expm1(x)
    got = _expm1(x)
    assert np.array_equal(got[:4], [-1.0, -1.0, -1.0, -1.0])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 7, 8, 9, 17])
def test_any_length(n: int) -> None:
    x = np.linspace(-2.0, 2.0, n)
    assert _ulps(_expm1(x), np.expm1(x)).max(initial=0.0) <= 2.0


def _log1p(x: np.ndarray) -> np.ndarray:
    y = np.array(x, dtype=np.float64)
    log1p_in_place(y)
    return y


@pytest.mark.parametrize("width", [LOG1P_LIMIT, 0.01, 1e-6])
def test_log1p_within_1_ulp_of_numpy_on_the_series_range(width: float) -> None:
    x = np.random.default_rng(3).uniform(-width, width, 100_001)
    assert _ulps(_log1p(x), np.log1p(x)).max() <= 1.0


def test_log1p_tiny_and_outside_inputs() -> None:
    tiny = np.array([0.0, 1e-300, -1e-300, 5e-324, 1e-12, -1e-12])
    np.testing.assert_array_equal(_log1p(tiny), np.log1p(tiny))
    wide = np.array([0.003, 0.5, -0.9, 3.0, 1e300, -1.0, np.nan])  # falls back to libm
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(_log1p(wide), np.log1p(wide))
