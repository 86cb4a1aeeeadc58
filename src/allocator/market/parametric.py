"""The parametric model: i.i.d. months g_t = m + A ε_t − e Δ (MODEL.md, Parametric model).

m = mean / 12 and Σ = A Aᵀ = cov / 12 with ``frequency: annual`` (as given when monthly); Σ
from ``covariance`` or diag(vol) C diag(vol). ε is normal or Student-t with unit variance
(see ``innovations``, which also gives the random numbers drawn and their order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.market.assembly import assemble_returns
from allocator.market.innovations import (
    ShockDraws,
    ShockSpec,
    draw_shocks,
    shock_factors,
    student_scale,
)
from allocator.market.paths import DELTA, FloatArray, MarketPaths
from allocator.scenario.market_schema import ParametricModel
from allocator.scenario.schema import Asset


@dataclass(frozen=True, eq=False)
class ParametricSpec:
    """A compiled parametric model.

    Attributes
    ----------
    shocks : ShockSpec
        One regime: ``factors`` (1, m, n_assets) = Aᵀ on the assets with positive variance.
    det : ndarray, shape (n_months, n_assets)
        m − e Δ, the same every month.
    """

    shocks: ShockSpec
    det: FloatArray

    @property
    def n_months(self) -> int:
        return int(self.det.shape[0])


def monthly_covariance(model: ParametricModel, ids: tuple[str, ...]) -> FloatArray:
    """Σ per month, shape (n_assets, n_assets), rows and columns in ``ids`` order."""
    n = len(ids)
    per_month = DELTA if model.frequency == "annual" else 1.0
    if model.covariance is not None:
        idx = [ids.index(a) for a in model.covariance.assets]
        cov = np.zeros((n, n))
        cov[np.ix_(idx, idx)] = np.asarray(model.covariance.matrix, dtype=np.float64)
        return cov * per_month
    vol = np.array([(model.vol or {}).get(a, 0.0) for a in ids])
    corr = np.eye(n)
    if model.correlation is not None:
        idx = [ids.index(a) for a in model.correlation.assets]
        corr[np.ix_(idx, idx)] = np.asarray(model.correlation.matrix, dtype=np.float64)
    cov_from_vol: FloatArray = (vol[:, None] * corr * vol[None, :]) * per_month
    return cov_from_vol


def compile_parametric(
    model: ParametricModel, assets: dict[str, Asset], n_months: int
) -> ParametricSpec:
    ids = tuple(assets)
    per_month = DELTA if model.frequency == "annual" else 1.0
    mean = np.array([model.mean.get(a, 0.0) for a in ids]) * per_month
    fee = np.array([assets[a].expense_ratio for a in ids]) * DELTA
    cov = monthly_covariance(model, ids)
    sd = np.sqrt(np.maximum(np.diag(cov), 0.0))
    positive = sd > 0.0
    corr = np.eye(len(ids))
    corr[np.ix_(positive, positive)] = cov[np.ix_(positive, positive)] / np.outer(
        sd[positive], sd[positive]
    )
    shocks = ShockSpec(
        factors=shock_factors(sd[None, :], corr[None, :, :]),
        dof=model.innovations.dof if model.innovations.distribution == "student_t" else None,
    )
    det = np.repeat((mean - fee)[None, :], n_months, axis=0)
    return ParametricSpec(shocks=shocks, det=det)


def draw_parametric(spec: ParametricSpec, rng: np.random.Generator, n_paths: int) -> ShockDraws:
    return draw_shocks(spec.shocks, rng, n_paths, spec.n_months)


def sample_parametric(
    spec: ParametricSpec, draws: ShockDraws, n_paths: int, log_returns: bool = False
) -> MarketPaths:
    """Market paths from a block's draws (the gammas are overwritten): R = expm1(g),
    g = m − eΔ + A ε (g itself with ``log_returns``)."""
    scale = None
    if draws.gammas is not None and spec.shocks.dof is not None:
        scale = student_scale(draws.gammas, spec.shocks.dof)
    returns = assemble_returns(
        draws.normals,
        scale,
        spec.shocks.factors,
        np.zeros((1, spec.det.shape[1])),
        None,
        spec.det,
        n_paths,
        log_returns=log_returns,
    )
    return MarketPaths(returns, None, None, log_returns)
