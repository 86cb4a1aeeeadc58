"""The compiled assembly loop: log returns of a few paths at a time, then their expm1.

For path p, month t (row r = p·T + t − 1) in regime s = s_{p,t}, asset i:

    g[p, t, i] = det[t, i] + x[p, t−1] · level_loadings[0, i] + x[p, t] · level_loadings[1, i]
                 + ln(1 + x[p, t−1] · level_step) · level_loadings[2, i]
                 + drift[s, i] + Σ_j scale[r] · normals[j, r] · loadings[s, j, i]
                 + Σ_{hits h of p, month_h ≤ t} jump_kernels[kind_h, i, t − month_h]

(added in this order), and R[p, t, i] = expm1(g[p, t, i]); x is the level path (the policy
rate r, with level_step = Δ for the cash return ln(1 + r_{t−1} Δ)).

Paths are taken in groups of consecutive paths (about ``GROUP_ROWS`` rows, so that a group's
buffers stay in the L1/L2 cache); the group's rows are the vector dimension: every term above
is a pass over contiguous values of one asset (the normals, scale and regimes of consecutive
paths are contiguous; det and the level path are laid out the same way once per group). The
regime only changes which loadings multiply the shocks, so the rows are split into runs of
one regime (a chain stays in its regime for months: about seven runs per path in the baseline
scenario) and each run's pass uses that regime's loadings as scalars; no per-row gather or
per-regime product is needed. The asset-major block (n_assets, rows) is then written
path-major into the output and exponentiated there while it is in cache (``vector_math``),
unless the caller asked for the log returns g (the engine: ``series_pass`` exponentiates
them itself and reads an asset's log growth from them).
Compiled on first use and cached on disk; ``nogil`` lets the engine's threads run blocks in
parallel.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from allocator.market.vector_math import expm1_in_place, log1p_in_place

FloatArray = npt.NDArray[np.float64]
Int8Array = npt.NDArray[np.int8]
IntArray = npt.NDArray[np.intp]

#: (path, month) rows per group of paths: long vector loops, buffers in cache
GROUP_ROWS = 1024
#: shocks added in one pass over a run: fewer, longer loops (the runs are short)
_SHOCKS_PER_PASS = 4


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _scaled_shocks(
    normals: FloatArray, scale: FloatArray, first: int, n: int, z: FloatArray
) -> None:
    """z[j, :n] = normals[j, first:first + n] · scale[first:first + n] (no scale: copied)."""
    for j in range(normals.shape[0]):
        zj = z[j, :n]
        row = normals[j, first : first + n]
        if scale.shape[0] > 0:
            c = scale[first : first + n]
            for k in range(n):
                zj[k] = row[k] * c[k]
        else:
            zj[:] = row


@numba.njit(cache=True, nogil=True)
def _regime_runs(regimes: Int8Array, first: int, n: int, starts: IntArray, states: IntArray) -> int:
    """Split rows first..first + n − 1 into runs of one regime: run q covers rows
    starts[q]:starts[q + 1] (from ``first``) in regime states[q]. Returns the number of runs
    (no regimes: one run in regime 0)."""
    n_runs = 1
    starts[0] = 0
    states[0] = 0
    if regimes.shape[0] > 0:
        rows = regimes[first : first + n]
        states[0] = rows[0]
        for k in range(1, n):
            if rows[k] != rows[k - 1]:
                starts[n_runs] = k
                states[n_runs] = rows[k]
                n_runs += 1
    starts[n_runs] = n
    return n_runs


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _add_regime_terms(
    g: FloatArray,
    z: FloatArray,
    loadings: FloatArray,
    drift: FloatArray,
    asset: int,
    starts: IntArray,
    states: IntArray,
    n_runs: int,
) -> None:
    """g[k] += drift[s, asset] + Σ_j z[j, k] · loadings[s, j, asset] over each run."""
    n_shocks = z.shape[0]
    grouped = n_shocks - n_shocks % _SHOCKS_PER_PASS
    for q in range(n_runs):
        lo = starts[q]
        hi = starts[q + 1]
        s = states[q]
        run = g[lo:hi]
        d = drift[s, asset]
        for t in range(hi - lo):
            run[t] += d
        for j in range(0, grouped, _SHOCKS_PER_PASS):
            l0 = loadings[s, j, asset]
            l1 = loadings[s, j + 1, asset]
            l2 = loadings[s, j + 2, asset]
            l3 = loadings[s, j + 3, asset]
            z0 = z[j, lo:hi]
            z1 = z[j + 1, lo:hi]
            z2 = z[j + 2, lo:hi]
            z3 = z[j + 3, lo:hi]
            for t in range(hi - lo):
                run[t] = run[t] + z0[t] * l0 + z1[t] * l1 + z2[t] * l2 + z3[t] * l3
        for j in range(grouped, n_shocks):
            lj = loadings[s, j, asset]
            zj = z[j, lo:hi]
            for t in range(hi - lo):
                run[t] += zj[t] * lj


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def assemble_kernel(
    normals: FloatArray,
    scale: FloatArray,
    regimes: Int8Array,
    loadings: FloatArray,
    drift: FloatArray,
    det_t: FloatArray,
    level: FloatArray,
    level_loadings: FloatArray,
    level_step: float,
    jump_offsets: IntArray,
    jump_months: IntArray,
    jump_kinds: IntArray,
    jump_kernels: FloatArray,
    out: FloatArray,
    simple: bool = True,
) -> None:
    """Fill ``out`` (n_paths, T, n_assets) with R = expm1(g) (module docstring), or with
    the log returns g themselves when ``simple`` is False.

    Absent terms are empty arrays: ``scale`` (0,) = 1; ``regimes`` (0,) = regime 0;
    ``level`` with no rows; no hits. Shapes: ``normals`` (m, n_paths · T); ``scale``,
    ``regimes`` (n_paths · T,); ``loadings`` (K, m, n_assets); ``drift`` (K, n_assets);
    ``det_t`` (n_assets, T), asset-major; ``level`` (n_paths, T + 1); ``level_loadings``
    (3, n_assets); the hits of path p are entries
    ``jump_offsets[p]:jump_offsets[p + 1]`` of ``jump_months`` (1-based month of the hit)
    and ``jump_kinds`` (index into ``jump_kernels`` (E, n_assets, ≥ T), column u = lag u).
    """
    n_paths, n_months, n_assets = out.shape
    group = max(1, min(n_paths, GROUP_ROWS // n_months))
    size = group * n_months
    has_level = level.shape[0] > 0
    has_log = has_level and np.any(level_loadings[2] != 0.0)
    det_rows = np.empty((n_assets, size))
    for q in range(group):  # det laid out like a group's rows
        det_rows[:, q * n_months : (q + 1) * n_months] = det_t
    before = np.empty(size)
    after = np.empty(size)
    log_before = np.empty(size)
    z = np.empty((normals.shape[0], size))
    g = np.empty((n_assets, size))
    starts = np.empty(size + 1, dtype=np.intp)
    states = np.empty(size, dtype=np.intp)
    scratch = np.empty(size * n_assets)
    for p0 in range(0, n_paths, group):
        p1 = min(p0 + group, n_paths)
        first = p0 * n_months
        n = (p1 - p0) * n_months
        _scaled_shocks(normals, scale, first, n, z)
        n_runs = _regime_runs(regimes, first, n, starts, states)
        if has_level:
            for p in range(p0, p1):
                at = (p - p0) * n_months
                before[at : at + n_months] = level[p, :n_months]
                after[at : at + n_months] = level[p, 1:]
        if has_log:
            for k in range(n):
                log_before[k] = before[k] * level_step
            log1p_in_place(log_before[:n])
        for i in range(n_assets):
            gi = g[i, :n]
            det_i = det_rows[i, :n]
            if has_level:
                a = level_loadings[0, i]
                b = level_loadings[1, i]
                for k in range(n):
                    gi[k] = det_i[k] + before[k] * a + after[k] * b
            else:
                gi[:] = det_i
            if has_log:
                w = level_loadings[2, i]
                for k in range(n):
                    gi[k] += log_before[k] * w
            _add_regime_terms(gi, z, loadings, drift, i, starts, states, n_runs)
        for p in range(p0, p1):
            at = (p - p0) * n_months
            for h in range(jump_offsets[p], jump_offsets[p + 1]):
                hit = jump_months[h] - 1
                kernel = jump_kernels[jump_kinds[h]]
                for i in range(n_assets):
                    after_hit = g[i, at + hit : at + n_months]
                    jump = kernel[i]
                    for u in range(n_months - hit):
                        after_hit[u] += jump[u]
        block = out[p0:p1].reshape(n, n_assets)
        for k in range(n):  # asset-major → path-major
            for i in range(n_assets):
                block[k, i] = g[i, k]
        if simple:
            expm1_in_place(block.reshape(-1), scratch)
