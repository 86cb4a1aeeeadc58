"""Assemble log returns from a table of per-(path, month) factors, chunk by chunk, and
exponentiate: the hot loop shared by the macro and parametric models.

The log return of path p, month t, asset i is linear in a table of factors:

    g[p, t, i] = Σ_j table[j, p·T + t - 1] · loadings[s, j, i] + drift[s, i] + det[t, i]
                 + extra[p, t, i],       s = s_{p,t}

Table rows: the scaled normals (m rows), then model rows (e.g. the policy rate). Only the
normals' loadings and the drift depend on the regime. ``det`` is the deterministic part,
``extra`` the path-specific additions (random events).

Work is done on chunks of ``chunk_paths`` paths so that a chunk stays in the CPU cache and
each matrix product stays below the size where OpenBLAS starts threads (slow for these tall,
thin products). The regime most frequent in the block, c, is applied to every row with one
matrix product (asset-major, (n_assets, rows)); the other regimes add, in one more product,

    Σ_{k≠c} [ (loadings[k] − loadings[c])ᵀ (normals · w_k) + (drift[k] − drift[c]) w_k ]

with w_k = 1 where s = k, else 0. Then ``det`` and the path-specific terms are added and
R = expm1(g) is written path-major into the output.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from allocator.market.paths import FloatArray, Int8Array

#: (path, month) rows per chunk.
CHUNK_ROWS = 8192

#: Hook adding path-specific log-return terms to paths [a, b) of an asset-major chunk
#: g_chunk (n_assets, b - a, T).
Extra = Callable[[int, int, FloatArray], None]


def chunk_paths(n_months: int) -> int:
    """Paths per chunk (at least 1)."""
    return max(1, CHUNK_ROWS // n_months)


def _corrections(
    loadings: FloatArray, drift: FloatArray, n_normals: int, common: int
) -> FloatArray | None:
    """Stacked (loadings[k][:m] − loadings[c][:m]; drift[k] − drift[c]) for k ≠ c, transposed:
    (n_assets, (K − 1)(m + 1)); None when no regime differs from c."""
    k_count = loadings.shape[0]
    parts = [
        np.vstack(
            [loadings[k, :n_normals] - loadings[common, :n_normals], drift[k] - drift[common]]
        )
        for k in range(k_count)
        if k != common
    ]
    if not parts or not any(p.any() for p in parts):
        return None
    return np.ascontiguousarray(np.vstack(parts).T)


def assemble_returns(
    table: FloatArray,
    scale: FloatArray | None,
    n_normals: int,
    loadings: FloatArray,
    drift: FloatArray,
    regimes: Int8Array | None,
    det: FloatArray,
    n_paths: int,
    extra: Extra | None = None,
) -> FloatArray:
    """Simple returns R = expm1(g), shape (n_paths, n_months, n_assets).

    Parameters
    ----------
    table : ndarray, shape (q, n_paths · n_months)
        Factor rows; rows 0..n_normals-1 (the normals) are multiplied in place by ``scale``.
    scale : ndarray, shape (n_paths, n_months), or None
        Per-path-and-month multiplier of the shocks (Student-t tail × volatility multiplier).
    n_normals : int
        Number of leading table rows that are shocks (m).
    loadings : ndarray, shape (K, q, n_assets)
    drift : ndarray, shape (K, n_assets)
        Log drift per month of each regime.
    regimes : int8 ndarray, shape (n_paths, n_months), or None when K = 1
    det : ndarray, shape (n_months, n_assets)
    extra : callable, optional
        Called as ``extra(a, b, g_chunk)`` before the exponential, g_chunk the log returns of
        paths [a, b) as an asset-major (n_assets, b - a, n_months) array.
    """
    n_months, n_assets = det.shape
    k_count, q, _ = loadings.shape
    m = n_normals
    step = min(chunk_paths(n_months), n_paths)
    rows_max = step * n_months
    out = np.empty((n_paths, n_months, n_assets))
    flat_scale = None if scale is None or m == 0 else scale.reshape(-1)
    flat_s = None if regimes is None or k_count == 1 else regimes.reshape(-1)
    common = 0
    if flat_s is not None:
        common = int(np.argmax([np.count_nonzero(flat_s == k) for k in range(k_count)]))
    common_t = np.ascontiguousarray(loadings[common].T)
    corr = _corrections(loadings, drift, m, common) if flat_s is not None else None
    others = [k for k in range(k_count) if k != common]
    det_t = np.ascontiguousarray(np.tile(det + drift[common], (step, 1)).T)
    g_t = np.empty((n_assets, rows_max))
    if corr is not None:
        hot = np.empty((corr.shape[1], rows_max))
        diff = np.empty((n_assets, rows_max))
    for a in range(0, n_paths, step):
        b = min(a + step, n_paths)
        lo, hi = a * n_months, b * n_months
        rows = hi - lo
        gt = g_t[:, :rows]
        t_c = table[:, lo:hi]
        if flat_scale is not None:
            t_c[:m] *= flat_scale[lo:hi]
        if q:
            np.matmul(common_t, t_c, out=gt)
        else:
            gt[...] = 0.0
        if corr is not None and flat_s is not None:
            s_c = flat_s[lo:hi]
            for j, k in enumerate(others):
                block = hot[j * (m + 1) : (j + 1) * (m + 1), :rows]
                np.equal(s_c, k, out=block[m], casting="unsafe")
                np.multiply(t_c[:m], block[m], out=block[:m])
            dt = diff[:, :rows]
            np.matmul(corr, hot[:, :rows], out=dt)
            gt += dt
        gt += det_t[:, :rows]
        if extra is not None:
            extra(a, b, gt.reshape(n_assets, b - a, n_months))
        np.expm1(gt, out=out[a:b].reshape(rows, n_assets).T)
    return out
