"""Shocks: standard normals made correlated per regime, optionally with a shared t tail.

Random numbers, in this order: ``z`` of shape (n_paths, n_months, m) standard normals, m the
number of *shocked* assets (non-cash assets with a positive volatility in some regime), then,
for ``student_t``, ``G`` of shape (n_paths, n_months) ~ Gamma(ν/2, 1), so that W = 2G ~ χ²_ν.
Nothing is drawn when m = 0.

Only shocked assets get a component of z: their correlation sub-matrix C_SS(s) is factored
A(s) A(s)ᵀ = C_SS(s); this gives ε the distribution of MODEL.md (unit variances, correlation
C(s)); assets with zero volatility everywhere would multiply their shocks by 0 anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.market.paths import FloatArray

CHOLESKY_TOLERANCE = 1e-12


def robust_cholesky(matrix: FloatArray) -> FloatArray:
    """Lower-triangular L with L Lᵀ = ``matrix`` for a positive semidefinite matrix.

    Uses LAPACK when the matrix is positive definite; otherwise an outer-product Cholesky that
    sets a column to zero when its pivot is below ``CHOLESKY_TOLERANCE`` × the largest diagonal
    entry (a linearly dependent row, e.g. a correlation of exactly 1).
    """
    m = np.asarray(matrix, dtype=np.float64)
    try:
        return np.linalg.cholesky(m).astype(np.float64, copy=False)
    except np.linalg.LinAlgError:
        pass
    n = m.shape[0]
    tol = CHOLESKY_TOLERANCE * max(float(np.max(np.diag(m), initial=0.0)), 1e-300)
    low = np.zeros_like(m)
    for j in range(n):
        pivot = m[j, j] - float(low[j, :j] @ low[j, :j])
        if pivot <= tol:
            continue
        low[j, j] = np.sqrt(pivot)
        low[j + 1 :, j] = (m[j + 1 :, j] - low[j + 1 :, :j] @ low[j, :j]) / low[j, j]
    return low


def shock_factors(vols: FloatArray, correlations: FloatArray) -> FloatArray:
    """Per-regime loading of the shocked components on the assets.

    Parameters
    ----------
    vols : ndarray, shape (K, n_assets)
        Standard deviation per month of each asset's shock in regime k (σ_i(k) √Δ; 0 = none).
    correlations : ndarray, shape (K, n_assets, n_assets)

    Returns
    -------
    factors : ndarray, shape (K, m, n_assets)
        F(k) = B(k)ᵀ with B(k)[S, :] = diag(vols[k, S]) A_k, zero rows elsewhere, S the
        shocked assets (any positive vol); so z @ F(k) has the covariance
        diag(vols) C(k) diag(vols) on S.
    """
    shocked = np.flatnonzero(np.any(vols > 0.0, axis=0))
    k_count, n_assets = vols.shape
    factors = np.zeros((k_count, len(shocked), n_assets))
    for k in range(k_count):
        sub = correlations[k][np.ix_(shocked, shocked)]
        low = robust_cholesky(sub)
        factors[k][:, shocked] = (vols[k, shocked, None] * low).T
    return factors


@dataclass(frozen=True, eq=False)
class ShockSpec:
    """Compiled shocks: ``factors`` (K, m, n_assets) and the Student-t ν (None = normal)."""

    factors: FloatArray
    dof: float | None

    @property
    def n_shocked(self) -> int:
        return int(self.factors.shape[1])


@dataclass(frozen=True, eq=False)
class ShockDraws:
    """A block's shocks.

    Attributes
    ----------
    normals : ndarray, shape (m, n_paths · n_months)
        Row j: the standard normals of shocked component j, column p · n_months + t - 1 for
        path p and month t.
    gammas : ndarray, shape (n_paths, n_months), or None
        G ~ Gamma(ν/2, 1) for the Student-t tail.
    """

    normals: FloatArray
    gammas: FloatArray | None


def draw_shocks(
    spec: ShockSpec, rng: np.random.Generator, n_paths: int, n_months: int
) -> ShockDraws:
    """Draw the normals (m, n_paths, n_months), then the gammas (n_paths, n_months) for a
    Student-t."""
    m = spec.n_shocked
    normals = np.empty((m, n_paths * n_months))
    gammas = None
    if m > 0:
        rng.standard_normal(out=normals)
        if spec.dof is not None:
            gammas = rng.standard_gamma(spec.dof / 2.0, (n_paths, n_months))
    return ShockDraws(normals, gammas)


def student_scale(gammas: FloatArray, dof: float) -> FloatArray:
    """√((ν − 2) / W) with W = 2G, computed in place in ``gammas`` (n_paths, n_months)."""
    np.divide((dof - 2.0) / 2.0, gammas, out=gammas)
    np.sqrt(gammas, out=gammas)
    return gammas
