"""What a sampler hands back: simple returns per path, month and asset, plus the state paths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Int8Array = npt.NDArray[np.int8]

#: Length of one simulated step in years (Δ of MODEL.md).
DELTA = 1.0 / 12.0


@dataclass(frozen=True, eq=False)
class MarketPaths:
    """Simulated market of one block of paths.

    Attributes
    ----------
    returns : ndarray, shape (n_paths, n_months, n_assets), float64
        Simple returns net of fees, ``R[p, t-1, i] = exp(g[p, t, i]) - 1`` for month t,
        assets in the order of ``scenario.assets``; the log returns g themselves when
        ``log_returns``.
    rates : ndarray, shape (n_paths, n_months + 1), float64, or None
        Policy rate (annual decimal); column 0 is the rate now. None for parametric and
        historical models.
    regimes : ndarray, shape (n_paths, n_months), int8, or None
        Regime index (into ``MarketSpec.regime_names``) of month t in column t-1; None when
        the model has no regime chain.
    log_returns : bool
        Whether ``returns`` holds log returns (``sample_market(..., log_returns=True)``).
    """

    returns: FloatArray
    rates: FloatArray | None
    regimes: Int8Array | None
    log_returns: bool = False
