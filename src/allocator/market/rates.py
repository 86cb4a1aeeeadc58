"""The policy rate: a target path plus an Ornstein-Uhlenbeck deviation, floored (MODEL.md).

Random numbers: ``(n_months, n_paths)`` standard normals ``z^r`` (row t-1 is month t), drawn
only when ``noise_vol > 0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from allocator.market.paths import FloatArray
from allocator.scenario.market_schema import PolicyRate


@dataclass(frozen=True, eq=False)
class RateSpec:
    """A compiled policy-rate model.

    Attributes
    ----------
    start, neutral, floor : float
        Annual decimals: r_0, the neutral rate, the lowest rate allowed.
    target : ndarray, shape (n_months + 1,)
        Target path τ_t, t = 0..T.
    phi : float
        Monthly autoregression of the deviation, φ = e^{-κ}, κ = ln 2 / half-life.
    step_sd : float
        Standard deviation of the deviation's monthly innovation, σ_m √((1 − φ²) / (2κ)),
        σ_m = noise_vol / √12. Zero means a deterministic rate path.
    """

    start: float
    neutral: float
    floor: float
    target: FloatArray
    phi: float
    step_sd: float

    @property
    def n_months(self) -> int:
        return len(self.target) - 1

    @property
    def random(self) -> bool:
        return self.step_sd > 0.0


def target_path(policy: PolicyRate, n_months: int) -> FloatArray:
    """Target τ_t for t = 0..n_months, shape (n_months + 1,).

    Knots: linear interpolation in months, implicit knot (0, start) unless one is given at
    month 0, flat after the last. Moves: τ_t = start + Σ changes of moves with month ≤ t.
    Neither: τ_t = start.
    """
    months = np.arange(n_months + 1, dtype=np.float64)
    if policy.target is not None:
        knots = [(k.month, k.rate) for k in policy.target]
        if knots[0][0] != 0:
            knots.insert(0, (0, policy.start))
        xs = np.array([m for m, _ in knots], dtype=np.float64)
        ys = np.array([r for _, r in knots], dtype=np.float64)
        return np.interp(months, xs, ys)
    tau = np.full(n_months + 1, policy.start)
    if policy.moves is not None:
        changes = np.zeros(n_months + 1)
        for move in policy.moves:
            if move.month <= n_months:
                changes[move.month] += move.change
        tau += np.cumsum(changes)
    return tau


def compile_rates(policy: PolicyRate, n_months: int) -> RateSpec:
    kappa = math.log(2.0) / policy.reversion_half_life_months
    phi = math.exp(-kappa)
    sigma_m = policy.noise_vol / math.sqrt(12.0)
    step_sd = sigma_m * math.sqrt((1.0 - phi * phi) / (2.0 * kappa))
    return RateSpec(
        start=policy.start,
        neutral=policy.neutral,
        floor=policy.floor,
        target=target_path(policy, n_months),
        phi=phi,
        step_sd=step_sd,
    )


def draw_rate_normals(spec: RateSpec, rng: np.random.Generator, n_paths: int) -> FloatArray | None:
    """The rate shocks z^r, shape (n_months, n_paths), or None when the path is deterministic."""
    if not spec.random:
        return None
    return rng.standard_normal((spec.n_months, n_paths))


@numba.njit(cache=True, nogil=True)
def _random_rate_paths(
    normals: FloatArray,
    step_sd: float,
    phi: float,
    target: FloatArray,
    floor: float,
    out: FloatArray,
) -> None:
    """out[p, t] = max(floor, τ_t + x_t) for t = 1..T, x_t = φ x_{t-1} + step_sd · z^r_t.

    Month by month over all paths (each month's normals are a contiguous row); no FMA
    contraction, so every value rounds as in the NumPy form x_t = step_sd·z_t + φ·x_{t-1}.
    """
    n_months, n_paths = normals.shape
    x = np.empty(n_paths)
    for t in range(n_months):
        z = normals[t]
        tau = target[t + 1]
        for p in range(n_paths):
            step = z[p] * step_sd
            value = step + x[p] * phi if t > 0 else step
            x[p] = value
            rate = value + tau
            out[p, t + 1] = rate if rate >= floor else floor


def rate_paths(spec: RateSpec, normals: FloatArray | None, n_paths: int) -> FloatArray:
    """Policy rate paths r, shape (n_paths, n_months + 1).

    x_0 = 0, x_t = φ x_{t-1} + step_sd · z^r_t; r_0 = start, r_t = max(floor, τ_t + x_t).
    ``normals`` (n_months, n_paths) is read only.
    """
    n_months = spec.n_months
    out = np.empty((n_paths, n_months + 1))
    if normals is None:
        out[:, 1:] = np.maximum(spec.floor, spec.target[1:])
    else:
        _random_rate_paths(normals, spec.step_sd, spec.phi, spec.target, spec.floor, out)
    out[:, 0] = spec.start
    return out
