"""The macro (story) model of MODEL.md: regimes, policy rate, events, themes, valuation.

Log return of a risky asset (equity or bond) in month t:

    g_{t,i} = [μ_i(s_t) + Θ_{t,i} + L_i (r_{t-1} − r_neutral) − e_i] Δ + C_i Δr_t + V_{t,i}
              + J_{t,i} + σ_i(s_t) M_t √Δ ε_{t,i} + bond_i [(r_{t-1} + spread_i) Δ − D_i Δr_t]

and of cash g_{t,i} = ln(1 + r_{t-1} Δ) − e_i Δ. The rate terms are linear,
a_i r_{t-1} + b_i r_t + c_i with b_i = C_i − bond_i D_i, a_i = (L_i + bond_i) Δ − b_i,
c_i = (bond_i spread_i − L_i r_neutral) Δ.

Assembly (see ``assembly``): the m normals (scaled by M_t √((ν−2)/W_t)) with per-regime
loadings and the regime's drift μ(s) Δ; with a random policy rate, the rate terms
a_i r_{t-1} + b_i r_t and the cash return ln(1 + r_{t-1} Δ), read from the rate paths; the
random-event jumps. Everything else is deterministic (``det``, shape (T, n_assets)): fees,
themes, valuation, dated events, c_i, and all rate terms when the rate path is deterministic.

Random numbers of a block, in this order: regimes (see ``regimes``), rate shocks (see
``rates``), random events (see ``events``), shocks (see ``innovations``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from allocator.market.assembly import Jumps, LevelTerms, assemble_returns, sorted_jumps
from allocator.market.events import (
    RandomEventSpec,
    compile_random_events,
    deterministic_adjustments,
    draw_event_uniforms,
    hit_months,
    lag_index,
)
from allocator.market.innovations import (
    ShockDraws,
    ShockSpec,
    draw_shocks,
    shock_factors,
    student_scale,
)
from allocator.market.paths import DELTA, FloatArray, IntArray, MarketPaths
from allocator.market.rates import RateSpec, compile_rates, draw_rate_normals, rate_paths
from allocator.market.regimes import (
    RegimeDraws,
    RegimeSpec,
    compile_regimes,
    draw_regime_uniforms,
    regime_paths,
)
from allocator.scenario.market_schema import MacroModel, RegimeState
from allocator.scenario.schema import Asset

Hits = list[list[tuple[IntArray, IntArray]]]


@dataclass(frozen=True, eq=False)
class MacroSpec:
    """A compiled macro model.

    Attributes
    ----------
    rate_loadings : ndarray, shape (3, n_assets), or None
        Weights a_i of r_{t-1}, b_i of r_t and of ln(1 + r_{t-1} Δ) (1 on cash); None when
        the rate is deterministic (its terms are in ``det``) or no asset depends on it.
    drift : ndarray, shape (K, n_assets)
        μ(k) Δ per regime.
    det : ndarray, shape (n_months, n_assets)
        Deterministic part of the log returns.
    vol : ndarray, shape (n_months,)
        Volatility multiplier M_t of the dated events.
    """

    regimes: RegimeSpec
    rates: RateSpec
    shocks: ShockSpec
    events: tuple[RandomEventSpec, ...]
    drift: FloatArray
    det: FloatArray
    rate_loadings: FloatArray | None
    vol: FloatArray

    @property
    def n_months(self) -> int:
        return int(self.det.shape[0])

    @property
    def n_assets(self) -> int:
        return int(self.det.shape[1])


@dataclass(frozen=True, eq=False)
class MacroDraws:
    regimes: RegimeDraws
    rates: FloatArray | None
    events: tuple[FloatArray, ...]
    shocks: ShockDraws


def _correlations(states: Sequence[RegimeState], ids: Sequence[str]) -> FloatArray:
    """C(s) per regime, shape (K, n_assets, n_assets); unlisted assets uncorrelated."""
    n = len(ids)
    corr = np.repeat(np.eye(n)[None], len(states), axis=0)
    for k, s in enumerate(states):
        if s.correlation is not None:
            idx = [list(ids).index(a) for a in s.correlation.assets]
            corr[k][np.ix_(idx, idx)] = np.asarray(s.correlation.matrix, dtype=np.float64)
    return corr


def compile_macro(model: MacroModel, assets: dict[str, Asset], n_months: int) -> MacroSpec:
    ids: Sequence[str] = tuple(assets)
    kinds = [assets[a].kind for a in ids]
    risky = np.array([k != "cash" for k in kinds], dtype=np.float64)
    bond = np.array([k == "bond" for k in kinds], dtype=np.float64)
    fee = np.array([assets[a].expense_ratio for a in ids])
    duration = np.array([assets[a].duration or 0.0 for a in ids])
    spread = np.array([assets[a].spread for a in ids]) * bond
    sens = model.rate_sensitivity
    level = np.array([sens[a].level if a in sens else 0.0 for a in ids]) * risky
    change = np.array([sens[a].change if a in sens else 0.0 for a in ids]) * risky

    regimes = compile_regimes(model.regimes, n_months)
    rates = compile_rates(model.rates, n_months)
    states = [model.regimes.states[name] for name in regimes.names]
    drift = np.array([[s.drift.get(a, 0.0) for a in ids] for s in states]) * risky * DELTA
    vols = np.array([[s.vol.get(a, 0.0) for a in ids] for s in states]) * risky
    factors = shock_factors(vols * np.sqrt(DELTA), _correlations(states, ids))
    dof = model.innovations.dof if model.innovations.distribution == "student_t" else None

    rate_next = change - bond * duration
    rate_level = (level + bond) * DELTA - rate_next
    adjust, vol = deterministic_adjustments(model, ids, risky, n_months)
    det = adjust + ((spread - level * rates.neutral) * DELTA - fee * DELTA)[None, :]
    cash = 1.0 - risky
    rate_weights = np.stack([rate_level, rate_next, cash])
    if not rates.random:
        r = np.maximum(rates.floor, rates.target)
        r[0] = rates.start
        det += r[:-1, None] * rate_level[None, :] + r[1:, None] * rate_next[None, :]
        det += np.log1p(r[:-1, None] * DELTA) * cash[None, :]
    return MacroSpec(
        regimes=regimes,
        rates=rates,
        shocks=ShockSpec(factors=factors, dof=dof),
        events=compile_random_events(model, ids, risky, n_months),
        drift=drift,
        det=det,
        rate_loadings=rate_weights if rates.random and rate_weights.any() else None,
        vol=vol,
    )


def draw_macro(spec: MacroSpec, rng: np.random.Generator, n_paths: int) -> MacroDraws:
    """Every random number of a block, in the documented order."""
    return MacroDraws(
        regimes=draw_regime_uniforms(spec.regimes, rng, n_paths),
        rates=draw_rate_normals(spec.rates, rng, n_paths),
        events=draw_event_uniforms(spec.events, rng, n_paths),
        shocks=draw_shocks(spec.shocks, rng, n_paths, spec.n_months),
    )


def _shock_scale(spec: MacroSpec, draws: MacroDraws, hits: Hits, n_paths: int) -> FloatArray | None:
    """M_t (dated and random events) × √((ν − 2) / W_t), shape (n_paths, n_months), or None
    when every entry would be 1."""
    n_months = spec.n_months
    scale = None
    if draws.shocks.gammas is not None and spec.shocks.dof is not None:
        scale = student_scale(draws.shocks.gammas, spec.shocks.dof)
    if np.any(spec.vol != 1.0):
        if scale is None:
            scale = np.repeat(spec.vol[None, :], n_paths, axis=0)
        else:
            scale *= spec.vol
    for event, event_hits in zip(spec.events, hits, strict=True):
        if event.vol_kernel is None:
            continue
        for paths, months in event_hits:
            if scale is None:
                scale = np.ones((n_paths, n_months))
            scale[paths] *= event.vol_kernel[lag_index(months, n_months)]
    return scale


def _jumps(spec: MacroSpec, hits: Hits, n_paths: int) -> Jumps | None:
    """The hits of the random events that move log returns, for ``assemble_returns``."""
    moving = [
        (event.kernel, event_hits)
        for event, event_hits in zip(spec.events, hits, strict=True)
        if event.kernel is not None
    ]
    return sorted_jumps([k for k, _ in moving], [h for _, h in moving], n_paths)


def sample_macro(
    spec: MacroSpec, draws: MacroDraws, n_paths: int, log_returns: bool = False
) -> MarketPaths:
    """Turn a block's draws into market paths (the Student-t gammas are overwritten); with
    ``log_returns``, their returns are the log returns g."""
    regimes = regime_paths(spec.regimes, draws.regimes, n_paths)
    rates = rate_paths(spec.rates, draws.rates, n_paths)
    hits = [hit_months(e, u) for e, u in zip(spec.events, draws.events, strict=True)]
    scale = _shock_scale(spec, draws, hits, n_paths) if spec.shocks.n_shocked else None
    level = None
    if spec.rate_loadings is not None:
        level = LevelTerms(rates, spec.rate_loadings, DELTA)
    returns = assemble_returns(
        draws.shocks.normals,
        scale,
        spec.shocks.factors,
        spec.drift,
        regimes,
        spec.det,
        n_paths,
        level=level,
        jumps=_jumps(spec, hits, n_paths),
        log_returns=log_returns,
    )
    return MarketPaths(returns, rates, regimes, log_returns)
