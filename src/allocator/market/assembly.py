"""Assemble log returns from per-(path, month) factors and exponentiate: the hot loop shared
by the macro and parametric models.

The log return of path p, month t, asset i is linear in the factors:

    g[p, t, i] = Σ_j scale[p, t] · normals[j, p·T + t − 1] · loadings[s, j, i] + drift[s, i]
                 + det[t, i] + level terms + jumps,       s = s_{p,t}

The normals (m rows) and the drift are weighted per regime; ``scale`` multiplies the shocks
(Student-t tail × volatility multiplier). The rest does not depend on the regime: ``det``
the deterministic part, the level terms (the policy rate r, entering through r_{t−1}, r_t
and the cash return ln(1 + r_{t−1} Δ)) and the random-event jumps added from their hit
month on. R = expm1(g) is computed by ``assembly_kernel``, a few paths at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from allocator.market.assembly_kernel import assemble_kernel
from allocator.market.paths import FloatArray, Int8Array, IntArray


@dataclass(frozen=True, eq=False)
class LevelTerms:
    """A level path x per path (the policy rate) in the log returns of month t:
    x_{t−1} · loadings[0] + x_t · loadings[1] + ln(1 + x_{t−1} · step) · loadings[2].

    Attributes
    ----------
    path : ndarray, shape (n_paths, n_months + 1)
    loadings : ndarray, shape (3, n_assets)
    step : float
    """

    path: FloatArray
    loadings: FloatArray
    step: float


@dataclass(frozen=True, eq=False)
class Jumps:
    """Random-event hits sorted by path, in the layout of ``assemble_kernel``.

    Attributes
    ----------
    offsets : ndarray, shape (n_paths + 1,)
        Hits of path p: entries offsets[p]:offsets[p + 1] of ``months`` and ``kinds``.
    months : ndarray, shape (n_hits,)
        Month of each hit, 1-based.
    kinds : ndarray, shape (n_hits,)
        Index of the hit's log-return kernel in ``kernels``.
    kernels : ndarray, shape (n_kernels, n_assets, ≥ n_months)
        Column u: the log-return jump u months after the hit (asset-major, so that a hit
        adds contiguous rows).
    """

    offsets: IntArray
    months: IntArray
    kinds: IntArray
    kernels: FloatArray


def sorted_jumps(
    kernels: Sequence[FloatArray],
    hits: Sequence[Sequence[tuple[IntArray, IntArray]]],
    n_paths: int,
) -> Jumps | None:
    """``Jumps`` from kernels K_e (≥ n_months, n_assets), row u = lag u, and their hits (per
    kernel, a list of (paths, months)); None when there is no hit."""
    kinds = [np.full(len(p), e, dtype=np.intp) for e, hs in enumerate(hits) for p, _ in hs]
    if not kinds or not sum(len(k) for k in kinds):
        return None
    paths = np.concatenate([p for hs in hits for p, _ in hs])
    months = np.concatenate([m for hs in hits for _, m in hs])
    order = np.argsort(paths, kind="stable")
    return Jumps(
        offsets=np.searchsorted(paths[order], np.arange(n_paths + 1)).astype(np.intp),
        months=months[order].astype(np.intp),
        kinds=np.concatenate(kinds)[order],
        kernels=np.ascontiguousarray(np.stack(kernels).transpose(0, 2, 1)),
    )


def assemble_returns(
    normals: FloatArray,
    scale: FloatArray | None,
    loadings: FloatArray,
    drift: FloatArray,
    regimes: Int8Array | None,
    det: FloatArray,
    n_paths: int,
    level: LevelTerms | None = None,
    jumps: Jumps | None = None,
    log_returns: bool = False,
) -> FloatArray:
    """Simple returns R = expm1(g), shape (n_paths, n_months, n_assets); the log returns g
    instead when ``log_returns``.

    Parameters
    ----------
    normals : ndarray, shape (m, n_paths · n_months)
        Standard normals, column p · n_months + t − 1 for path p and month t (read only).
    scale : ndarray, shape (n_paths, n_months), or None
        Per-path-and-month multiplier of the shocks.
    loadings : ndarray, shape (K, m, n_assets)
    drift : ndarray, shape (K, n_assets)
        Log drift per month of each regime.
    regimes : int8 ndarray, shape (n_paths, n_months), or None when K = 1
    det : ndarray, shape (n_months, n_assets)
    level : LevelTerms, optional
    jumps : Jumps, optional
    """
    n_months, n_assets = det.shape
    k_count = loadings.shape[0]
    out = np.empty((n_paths, n_months, n_assets))
    none = np.zeros(0)
    if level is None:
        level = LevelTerms(np.zeros((0, n_months + 1)), np.zeros((3, n_assets)), 0.0)
    if jumps is None:
        no_hits = np.zeros(0, dtype=np.intp)
        jumps = Jumps(np.zeros(n_paths + 1, dtype=np.intp), no_hits, no_hits, none[None, None])
    assemble_kernel(
        np.ascontiguousarray(normals),
        none if scale is None else np.ascontiguousarray(scale).reshape(-1),
        (
            np.zeros(0, dtype=np.int8)
            if regimes is None or k_count == 1
            else np.ascontiguousarray(regimes).reshape(-1)
        ),
        np.ascontiguousarray(loadings),
        np.ascontiguousarray(drift),
        np.ascontiguousarray(det.T),
        np.ascontiguousarray(level.path),
        np.ascontiguousarray(level.loadings),
        float(level.step),
        jumps.offsets,
        jumps.months,
        jumps.kinds,
        jumps.kernels,
        out,
        not log_returns,
    )
    return out
