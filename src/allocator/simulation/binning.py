"""Histogram binning, compiled: one definition of "which bin" for every histogram the engine
keeps (log wealth per month, the policy rate per month)."""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt


@numba.njit(cache=True, nogil=True, inline="always")
def bin_index(x: float, low: float, inv_width: float, bins: int) -> np.int32:
    """Histogram bin with under/overflow: 0 below ``low`` (and -inf, nan), ``bins + 1`` above.

    Branch-free (clamped into [0, bins + 1] before the conversion to int32), so that loops
    over it vectorize: AVX2 has a vector float64 → int32 conversion, none to int64.
    """
    top = bins + 1.0
    shifted = (x - low) * inv_width + 1.0
    shifted = shifted if shifted >= 1.0 else 0.0  # also nan
    shifted = top if shifted >= top else shifted
    index: np.int32 = np.int32(shifted)
    return index


@numba.njit(cache=True, nogil=True)
def bin_indices(
    values: npt.NDArray[np.float64],
    low: float,
    inv_width: float,
    bins: int,
    out: npt.NDArray[np.int32],
) -> None:
    """``out[k] = bin_index(values[k], ...)`` for contiguous 1-d arrays (vectorized)."""
    for k in range(values.shape[0]):
        out[k] = bin_index(values[k], low, inv_width, bins)


@numba.njit(cache=True, nogil=True)
def count_columns(
    values: npt.NDArray[np.float64],
    low: float,
    inv_width: float,
    bins: int,
    counts: npt.NDArray[np.int32],
) -> None:
    """Add each column of ``values`` (n_rows, n_columns) to its row of ``counts``
    (n_columns, bins + 2), row by row of ``values`` (read in order; the histogram rows one
    column touches stay few)."""
    n_rows, n_columns = values.shape
    for r in range(n_rows):
        for c in range(n_columns):
            counts[c, bin_index(values[r, c], low, inv_width, bins)] += 1


@numba.njit(cache=True, nogil=True)
def count_states(
    states: npt.NDArray[np.int8], n_states: int, counts: npt.NDArray[np.int32]
) -> None:
    """Add each column of ``states`` (n_rows, n_columns), values in [0, n_states), to its
    row of ``counts`` (n_columns, n_states), reading ``states`` in order."""
    n_rows, n_columns = states.shape
    for r in range(n_rows):
        for c in range(n_columns):
            counts[c, states[r, c]] += 1
