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

import numba
import numpy as np

from allocator.market.paths import FloatArray, Int8Array, IntArray
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


def _pick(u: FloatArray, cum: FloatArray) -> IntArray:
    """State index per path: Σ_k [u ≥ cum[k]]; ``cum`` (K-1,)."""
    out = np.zeros(u.shape, dtype=np.intp)
    for k in range(cum.shape[-1]):
        out += u >= cum[k]
    return out


@numba.njit(cache=True, nogil=True)
def _chain(
    start: IntArray,
    transitions: FloatArray,
    transition_cum: FloatArray,
    window_months: IntArray,
    window_states: IntArray,
    window_probs: FloatArray,
    window_rows: IntArray,
    window_uniforms: FloatArray,
    out: Int8Array,
) -> None:
    """Month by month over all paths (rows of uniforms are contiguous): s_t from s_{t-1}
    (no transitions when ``transitions`` has no rows), then each window in order.

    Window w covers months window_months[w, 0]..window_months[w, 1]; its month t uses row
    window_rows[w] + t − first of ``window_uniforms``, or forces the state when
    window_rows[w] < 0.
    """
    n_paths, n_months = out.shape
    n_cuts = transition_cum.shape[1]
    state = start.copy()
    for t in range(1, n_months + 1):
        if transitions.shape[0] > 0:
            u = transitions[t - 1]
            for p in range(n_paths):
                cuts = transition_cum[state[p]]
                picked = 0
                for k in range(n_cuts):
                    picked += 1 if u[p] >= cuts[k] else 0
                state[p] = picked
        for w in range(window_states.shape[0]):
            first = window_months[w, 0]
            if not first <= t <= window_months[w, 1]:
                continue
            forced = window_states[w]
            if window_rows[w] < 0:
                state[:] = forced
                continue
            uw = window_uniforms[window_rows[w] + t - first]
            chance = window_probs[w]
            for p in range(n_paths):
                if uw[p] < chance:
                    state[p] = forced
        for p in range(n_paths):
            out[p, t - 1] = state[p]


def regime_paths(spec: RegimeSpec, draws: RegimeDraws, n_paths: int) -> Int8Array:
    """Regime paths s, shape (n_paths, n_months), int8; column t-1 holds s_t.

    s_0 ~ initial; for t ≥ 1, s_t ~ P[s_{t-1}, ·], then for each window containing t (in
    order) s_t := window.state with the window's probability.
    """
    if draws.initial is not None:
        start = _pick(draws.initial, spec.initial_cum)
    else:
        start = np.full(n_paths, int(np.count_nonzero(spec.initial_cum < 1.0)), dtype=np.intp)
    rows: list[FloatArray] = []
    offsets: list[int] = []  # first row of each window's uniforms; -1: forced, none drawn
    n_rows = 0
    for uw in draws.windows:
        offsets.append(n_rows if uw is not None else -1)
        if uw is not None:
            rows.append(uw)
            n_rows += len(uw)
    out = np.empty((n_paths, spec.n_months), dtype=np.int8)
    _chain(
        start,
        draws.transitions if draws.transitions is not None else np.zeros((0, n_paths)),
        np.ascontiguousarray(spec.transition_cum),
        np.array([(w.first, w.last) for w in spec.windows], dtype=np.intp).reshape(-1, 2),
        np.array([w.state for w in spec.windows], dtype=np.intp),
        np.array([w.probability for w in spec.windows], dtype=np.float64),
        np.array(offsets, dtype=np.intp),
        np.concatenate(rows) if rows else np.zeros((0, n_paths)),
        out,
    )
    return out
