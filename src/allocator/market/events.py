"""Events, themes and valuation: the deterministic adjustments and the random event hits.

Deterministic (shape (n_months, n_assets), row t-1 is month t):

- themes  Θ_{t,i} Δ, Θ_{t,i} = Σ_themes premium_i · 2^{-(t-1)/h};
- valuation V_{t,i} = y_t - y_{t-1}, y_t = ln(pe / long_run_pe) · 2^{-t/h};
- dated events J_{t,i} = K_i(t - m) for t ≥ m, and their volatility multiplier M_t.

An event's log-return kernel at lag u = t - m ≥ 0 is K_i(0) = a_i = ln(1 + impact_i),
K_i(u) = f · (-a_i) · (2^{-(u-1)/h_i} - 2^{-u/h_i}) for u ≥ 1 (zero without a recovery
half-life); its volatility kernel is 1 + (vol_multiplier - 1) · 2^{-u / vol_half_life}.
Cash assets follow their own equation and are left out of every adjustment.

Random events: ``(n_paths, last - first + 1)`` uniforms per event, in the scenario's order
(an event with probability 0 or a window beyond the horizon draws nothing); month t of the
window is a hit when u < probability_per_month and fewer than ``max_occurrences`` hits came
before it on that path (so the hits are the first ``max_occurrences`` months with u < p).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from allocator.market.paths import DELTA, FloatArray, IntArray
from allocator.scenario.market_schema import Event, MacroModel


@dataclass(frozen=True, eq=False)
class RandomEventSpec:
    """A compiled random event.

    Attributes
    ----------
    first, last : int
        Months of the window inside the horizon.
    probability : float
        Chance of a hit per month.
    max_occurrences : int
    kernel : ndarray, shape (n_months + 1, n_assets), or None
        Log-return kernel K(u) for lags u = 0..n_months-1; the last row is zeros (used for
        months before the hit). None when every impact is 0.
    vol_kernel : ndarray, shape (n_months + 1,), or None
        Volatility kernel for lags 0..n_months-1, last entry 1; None when the multiplier is 1.
    """

    first: int
    last: int
    probability: float
    max_occurrences: int
    kernel: FloatArray | None
    vol_kernel: FloatArray | None

    @property
    def n_window(self) -> int:
        return self.last - self.first + 1


def event_kernel(
    event: Event, asset_ids: Sequence[str], risky: FloatArray, n_months: int
) -> FloatArray:
    """Log-return kernel K(u), shape (n_months, n_assets), lags u = 0..n_months-1."""
    lags = np.arange(n_months, dtype=np.float64)
    kernel = np.zeros((n_months, len(asset_ids)))
    for i, asset in enumerate(asset_ids):
        if asset not in event.impact or not risky[i]:
            continue
        a = float(np.log1p(event.impact[asset]))
        kernel[0, i] = a
        half_life = event.recovery_half_life_months
        h = half_life.get(asset) if isinstance(half_life, dict) else half_life
        if h is not None and n_months > 1:
            u = lags[1:]
            kernel[1:, i] = (
                event.recovery_fraction * (-a) * (2.0 ** (-(u - 1) / h) - 2.0 ** (-u / h))
            )
    return kernel


def vol_kernel(event: Event, n_months: int) -> FloatArray:
    """Volatility multiplier kernel 1 + (vm - 1) 2^{-u/h_v}, shape (n_months,), u = 0.."""
    u = np.arange(n_months, dtype=np.float64)
    return 1.0 + (event.vol_multiplier - 1.0) * 2.0 ** (-u / event.vol_half_life_months)


def deterministic_adjustments(
    model: MacroModel, asset_ids: Sequence[str], risky: FloatArray, n_months: int
) -> tuple[FloatArray, FloatArray]:
    """Themes, valuation and dated events.

    Returns
    -------
    adjust : ndarray, shape (n_months, n_assets)
        Θ_{t,i} Δ + V_{t,i} + J_{t,i} (dated events) for month t in row t-1.
    vol : ndarray, shape (n_months,)
        M_t of the dated events (product of their kernels since each hit).
    """
    n_assets = len(asset_ids)
    t = np.arange(1, n_months + 1, dtype=np.float64)
    adjust = np.zeros((n_months, n_assets))
    vol = np.ones(n_months)
    for theme in model.themes.values():
        decay = 2.0 ** (-(t - 1.0) / theme.half_life_months)
        for i, asset in enumerate(asset_ids):
            if asset in theme.premium and risky[i]:
                adjust[:, i] += theme.premium[asset] * DELTA * decay
    for asset, val in model.valuation.items():
        i = list(asset_ids).index(asset)
        if not risky[i]:
            continue
        gap = np.log(val.pe / val.long_run_pe) * 2.0 ** (
            -np.arange(n_months + 1) / val.half_life_months
        )
        adjust[:, i] += np.diff(gap)
    for event in model.events.values():
        if event.month is None or event.month > n_months:
            continue
        span = n_months - event.month + 1
        adjust[event.month - 1 :] += event_kernel(event, asset_ids, risky, n_months)[:span]
        vol[event.month - 1 :] *= vol_kernel(event, n_months)[:span]
    return adjust, vol


def compile_random_events(
    model: MacroModel, asset_ids: Sequence[str], risky: FloatArray, n_months: int
) -> tuple[RandomEventSpec, ...]:
    out = []
    for event in model.events.values():
        if event.probability_per_month is None or event.probability_per_month == 0.0:
            continue
        first, last = event.window if event.window is not None else (1, n_months)
        last = min(last, n_months)
        if first > last:
            continue
        kernel = event_kernel(event, asset_ids, risky, n_months)
        vk = vol_kernel(event, n_months) if event.vol_multiplier != 1.0 else None
        out.append(
            RandomEventSpec(
                first=first,
                last=last,
                probability=event.probability_per_month,
                max_occurrences=event.max_occurrences,
                kernel=np.vstack([kernel, np.zeros((1, len(asset_ids)))]) if kernel.any() else None,
                vol_kernel=np.append(vk, 1.0) if vk is not None else None,
            )
        )
    return tuple(out)


def draw_event_uniforms(
    events: Sequence[RandomEventSpec], rng: np.random.Generator, n_paths: int
) -> tuple[FloatArray, ...]:
    return tuple(rng.random((n_paths, e.n_window)) for e in events)


def hit_months(event: RandomEventSpec, uniforms: FloatArray) -> list[tuple[IntArray, IntArray]]:
    """The k-th hit of each path, k = 1, 2, ...: (paths with a k-th hit, its month)."""
    hits = uniforms < event.probability
    count = np.cumsum(hits, axis=1, dtype=np.int32)
    total = count[:, -1]
    out = []
    for k in range(1, min(event.max_occurrences, int(total.max(initial=0))) + 1):
        paths = np.flatnonzero(total >= k)
        month = np.argmax(count[paths] >= k, axis=1) + event.first
        out.append((paths, month.astype(np.intp)))
    return out


def lag_index(months: IntArray, n_months: int) -> IntArray:
    """Lag t - m of months t = 1..n_months after hits at ``months``, (n_hits, n_months);
    months before the hit map to n_months (the kernels' neutral last row)."""
    lags: IntArray = np.arange(1, n_months + 1)[None, :] - months[:, None]
    lags[lags < 0] = n_months
    return lags
