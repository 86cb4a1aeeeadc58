"""The regime chain: a monthly Markov chain over named regimes, with forcing windows.

Random numbers, in this order (MODEL.md, section Regimes):

1. ``u0`` (n_paths,) uniforms for s_0, only when ``initial`` gives two or more regimes a
   positive probability;
2. ``(n_months, n_paths)`` uniforms for the transitions (row t-1 is month t), only when
   there are two or more regimes;
3. for each window with 0 < probability < 1, in the scenario's order,
   ``(last - first + 1, n_paths)`` uniforms for its months inside the horizon.

A uniform u picks state k when cum[k-1] ≤ u < cum[k] (inverse CDF over the regimes' order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.market.paths import FloatArray, Int8Array
from allocator.scenario.market_schema import RegimeChain

MAX_REGIMES = 127  # regime paths are int8


@dataclass(frozen=True, eq=False)
class WindowSpec:
    """Months [first, last] (inside the horizon) where s_t := state with ``probability``."""

    state: int
    first: int
    last: int
    probability: float

    @property
    def random(self) -> bool:
        return 0.0 < self.probability < 1.0


@dataclass(frozen=True, eq=False)
class RegimeSpec:
    """A compiled regime chain.

    Attributes
    ----------
    names : tuple of str
        Regime names; index k of a regime path refers to ``names[k]``.
    initial_cum : ndarray, shape (K - 1,)
        Cumulative probabilities of s_0 (the last, 1, left out).
    transition_cum : ndarray, shape (K, K - 1)
        Row j: cumulative probabilities of moving from regime j (the last, 1, left out).
    windows : tuple of WindowSpec
    n_months : int
    """

    names: tuple[str, ...]
    initial_cum: FloatArray
    transition_cum: FloatArray
    windows: tuple[WindowSpec, ...]
    n_months: int

    @property
    def n_regimes(self) -> int:
        return len(self.names)

    @property
    def random_initial(self) -> bool:
        return bool(np.any((self.initial_cum > 0.0) & (self.initial_cum < 1.0)))


@dataclass(frozen=True, eq=False)
class RegimeDraws:
    initial: FloatArray | None
    transitions: FloatArray | None
    windows: tuple[FloatArray | None, ...]


def _cumulative(probs: FloatArray) -> FloatArray:
    """Cumulative probabilities without the last entry; exactly 1 where no mass remains."""
    probs = probs / probs.sum(axis=-1, keepdims=True)
    cum = np.cumsum(probs, axis=-1)[..., :-1]
    remaining = np.cumsum(probs[..., ::-1], axis=-1)[..., ::-1][..., 1:]
    cum[remaining == 0.0] = 1.0
    return np.minimum(cum, 1.0)


def compile_regimes(chain: RegimeChain, n_months: int) -> RegimeSpec:
    names = tuple(chain.states)
    if len(names) > MAX_REGIMES:
        raise ValueError(f"expected at most {MAX_REGIMES} regimes, found {len(names)}")
    index = {name: k for k, name in enumerate(names)}
    k_count = len(names)
    initial = np.zeros(k_count)
    if isinstance(chain.initial, str):
        initial[index[chain.initial]] = 1.0
    else:
        for name, p in chain.initial.items():
            initial[index[name]] = p
    transition = np.zeros((k_count, k_count))
    for src, row in chain.transition.items():
        for dst, p in row.items():
            transition[index[src], index[dst]] = p
    windows = tuple(
        WindowSpec(index[w.state], w.start_month, min(w.end_month, n_months), w.probability)
        for w in chain.windows
        if w.start_month <= n_months and w.probability > 0.0
    )
    return RegimeSpec(
        names=names,
        initial_cum=_cumulative(initial),
        transition_cum=_cumulative(transition),
        windows=windows,
        n_months=n_months,
    )


def draw_regime_uniforms(spec: RegimeSpec, rng: np.random.Generator, n_paths: int) -> RegimeDraws:
    initial = rng.random(n_paths) if spec.random_initial else None
    transitions = rng.random((spec.n_months, n_paths)) if spec.n_regimes > 1 else None
    windows = tuple(
        rng.random((w.last - w.first + 1, n_paths)) if w.random else None for w in spec.windows
    )
    return RegimeDraws(initial, transitions, windows)


def _pick(u: FloatArray, cum: FloatArray) -> np.ndarray:
    """State index per path: Σ_k [u ≥ cum[..., k]]; ``cum`` (K-1,) or (n_paths, K-1)."""
    out = np.zeros(u.shape, dtype=np.intp)
    for k in range(cum.shape[-1]):
        out += u >= cum[..., k]
    return out


def regime_paths(spec: RegimeSpec, draws: RegimeDraws, n_paths: int) -> Int8Array:
    """Regime paths s, shape (n_paths, n_months), int8; column t-1 holds s_t.

    s_0 ~ initial; for t ≥ 1, s_t ~ P[s_{t-1}, ·], then for each window containing t (in
    order) s_t := window.state with the window's probability.
    """
    n_months = spec.n_months
    if draws.initial is not None:
        prev = _pick(draws.initial, spec.initial_cum)
    else:
        prev = np.full(n_paths, int(np.count_nonzero(spec.initial_cum < 1.0)), dtype=np.intp)
    out = np.empty((n_paths, n_months), dtype=np.int8)
    columns = [spec.transition_cum[:, k].copy() for k in range(spec.n_regimes - 1)]
    for t in range(1, n_months + 1):
        if draws.transitions is not None:
            u = draws.transitions[t - 1]
            state = np.zeros(n_paths, dtype=np.intp)
            for col in columns:
                state += u >= col[prev]
        else:
            state = prev.copy()
        for w, uw in zip(spec.windows, draws.windows, strict=True):
            if w.first <= t <= w.last:
                if uw is None:
                    state[...] = w.state
                else:
                    state[uw[t - w.first] < w.probability] = w.state
        out[:, t - 1] = state
        prev = state
    return out
