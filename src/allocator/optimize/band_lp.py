"""Min-CVaR near a predicted point by one small exact LP (the "band LP"), certified on every
scenario: a frontier point in one or two LP solves instead of a cutting-plane run.

With ``L_i(w) = -R_i w``, ``k`` the tail size and ``c_t > 0`` the cost of the master's
``theta_j`` (``linear_model``: ``1/k`` for ``min-cvar``), the goal is
``G(x) = c'^T x + c_t sum_i (L_i(w) - a)_+`` over the master's columns ``x`` without the
``theta_j`` (``x`` holds ``w`` and ``a``). Split the scenarios at a predicted point into
``sure`` (largest losses), ``band`` (losses near the VaR) and the rest. Replacing ``(.)_+`` by
its minorant ``L_i - a`` on ``sure`` and by ``0`` on the rest gives

    g(x) = c'^T x + c_t [ -S^T w - |sure| a + sum_{i in band} (L_i(w) - a)_+ ] <= G(x)

for every ``x`` and every split (``S = sum_{sure} R_i``). Its minimum ``g*``, an LP with one
row per band scenario, is a lower bound on the optimum; at its solution ``x^`` one pass over
every scenario gives ``G(x^)``, an upper bound on the goal at ``w^`` (``a^`` need not be the
VaR). ``G(x^) - g*`` is the certified gap; it is zero (up to the LP's tolerances) when no
``sure`` scenario loses less than ``a^`` and no scenario outside ``sure`` and ``band`` more:
``w^`` is then a vertex of the full Rockafellar–Uryasev LP, the weights the full LP gives.
Otherwise the offenders (and the scenarios near ``a^``) join the band and the LP is solved
again; after ``MAX_ROUNDS`` the caller's cutting plane decides. Whatever the split, the
certificate is the same as the cutting plane's, ``G(x^) - g* <= tol * max(1, |G(x^)|)``.

The LP is solved from the previous solve's vertex by a dense primal walk (``band_walk``), or in
its dual by HiGHS (``band_dual``), a handful of rows whatever the band's size.

The band: losses at the predicted point within a reach ``d`` of its VaR. ``d`` follows the
frontier: twice the reach the previous point turned out to need (the largest distance from the
VaR, at its predicted point, of a scenario that changed sides at its solution), at least
``MIN_REACH_SHARE`` and at most all of the reach of ``FIRST_BAND_SHARE * k`` ranks. When the
offenders would make the band larger than ``BAND_CAP_SHARE * k``, the widest band at the
prediction is tried once, then the cutting plane decides. Polishing a cutting-plane answer
(within its gap of the optimum) starts from a narrower band (``POLISH_SHARE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.optimize.band_dual import BandDual, BoolArray
from allocator.optimize.cvar_oracle import IntArray
from allocator.optimize.linear_model import LinearModel
from allocator.optimize.lp_master import highspy
from allocator.optimize.measures import FloatArray, portfolio_returns

#: LP solves per point before the caller's cutting plane takes over.
MAX_ROUNDS = 6
#: The band reaches this many times the distance the previous point needed.
REACH_FACTOR = 2.0
#: At most (and without a previous point): this share of ``k`` ranks on either side of the VaR.
FIRST_BAND_SHARE = 0.05
#: The band's least reach, as a share of the first band's (``FIRST_BAND_SHARE``).
MIN_REACH_SHARE = 0.05
#: No LP with more band scenarios than this share of ``k`` (or MIN_BAND_CAP): its cost would
#: pass a cutting-plane solve's.
BAND_CAP_SHARE = 0.4
MIN_BAND_CAP = 1_000
#: Polishing a cutting-plane solution (within its gap of the optimum): a narrower band.
POLISH_SHARE = 0.01
#: The VaR and band levels of the predicted point are read from every SAMPLE_STRIDE-th loss.
SAMPLE_STRIDE = 8


@dataclass(frozen=True, eq=False)
class BandSolution:
    """``weights`` ``(m,)`` with ``value`` ``G(x^)`` (an upper bound on the goal there) and
    ``lower_bound`` ``g*``; ``rounds`` LP solves; ``portfolio`` ``R w^`` ``(n,)``."""

    weights: FloatArray
    value: float
    lower_bound: float
    rounds: int
    portfolio: FloatArray


def band_applies(model: LinearModel) -> bool:
    """Whether ``model``'s only nonlinear part is a CVaR in its goal: ``theta_j`` priced alike
    and in no row (no CVaR or tracking-error limit, no feasibility slack)."""
    if model.cvar is None or model.tau is not None or model.slack is not None:
        return False
    if model.cvar_limit is not None or highspy is None:
        return False
    theta = model.c[model.cvar.start + 1 : model.cvar.stop]
    if theta.size == 0 or theta[0] <= 0.0 or np.any(theta != theta[0]):
        return False
    return not np.any(model.rows[:, model.cvar.start + 1 : model.cvar.stop])


class BandLp:
    """The band LP on ``returns`` ``(n, m)`` with tail size ``tail``; remembers the reach the
    last solve needed."""

    def __init__(self, returns: FloatArray, tail: int) -> None:
        self.returns = returns
        self.tail = tail
        self.reach: float | None = None
        self._dual: BandDual | None = None

    def solve(
        self,
        model: LinearModel,
        predicted: FloatArray,
        tolerance: float = 1e-9,
        spread: float = FIRST_BAND_SHARE,
        learn: bool = True,
    ) -> BandSolution | None:
        """``model`` solved from the split at ``predicted`` = ``R w_p`` ``(n,)``; None when no
        round certifies ``G(x^) - g* <= tolerance * max(1, |G(x^)|)``. The band reaches at
        most ``spread * k`` ranks from the predicted VaR (less when the last solve with
        ``learn`` needed less)."""
        assert model.cvar is not None and band_applies(model)
        top, losses, var, floor = self._top(predicted, spread)
        reach = floor  # rounds widen it when the prediction was worse than usual
        if self.reach is not None and learn:
            reach = min(floor, max(REACH_FACTOR * self.reach, MIN_REACH_SHARE * floor))
        sure, band = _split(predicted, top, losses, var, reach)
        if self._dual is None or not self._dual.fits(model):
            self._dual = BandDual(model)
        dual = self._dual
        if learn:
            self.reach = None  # unless this point succeeds: next time, the widest band
        widened = reach >= floor
        n = predicted.shape[0]
        cap = max(MIN_BAND_CAP, int(BAND_CAP_SHARE * self.tail))
        for rounds in range(1, MAX_ROUNDS + 1):
            solved = dual.solve(model, self.returns, sure, band)
            if solved is None:
                return None
            x, lower, sure, band = solved
            w = x[: model.n_assets]
            alpha = float(x[dual.alpha])
            portfolio = portfolio_returns(self.returns, w)
            tail = np.flatnonzero(portfolio < -alpha)  # losses above a^
            excess = float(np.sum(-portfolio[tail])) - alpha * tail.size
            upper = float(dual.cost @ x) + dual.theta_cost * excess
            in_tail = np.zeros(n, dtype=bool)
            in_tail[tail] = True
            if upper - lower <= tolerance * max(1.0, abs(upper)):
                if learn:
                    self._learn(top, losses, var, predicted, tail, in_tail)
                return BandSolution(w.copy(), upper, lower, rounds, portfolio)
            split = np.zeros(n, dtype=bool)
            split[sure] = True
            split[band] = True
            offenders = np.union1d(sure[~in_tail[sure]], tail[~split[tail]])
            if offenders.size == 0:
                return None  # the gap is the LP's own: nothing left to refine
            # the offenders, and a wider band around the new solution's level
            reach *= 2.0
            near = np.flatnonzero(np.abs(portfolio + alpha) <= reach)
            grown = np.union1d(band, np.union1d(offenders, near))
            if grown.size <= cap:
                band = grown
                sure = np.setdiff1d(sure, band, assume_unique=True)
            elif not widened:  # a poor prediction: the widest band at it, once
                widened = True
                fresh_sure, fresh_band = _split(predicted, top, losses, var, floor)
                band = np.union1d(band, fresh_band)  # keeps what the last rounds learned
                sure = np.setdiff1d(fresh_sure, band, assume_unique=True)
            else:
                return None  # the cutting plane does better
        return None

    def _top(
        self, predicted: FloatArray, share: float
    ) -> tuple[IntArray, FloatArray, float, float]:
        """The scenarios losing most at the predicted point (a few ``share * k`` beyond the
        ``k`` largest) and their losses; the predicted VaR (the ``k``-th largest loss); the
        reach of ``share * k`` ranks around it."""
        k = self.tail
        spread = max(1, int(share * k))
        # a loss level below the VaR from a sample, then exact ranks among the losses above it
        sample = -predicted[::SAMPLE_STRIDE]
        # margin below: the band reaches as far as spread ranks above the VaR, in losses
        rank = min(sample.shape[0] - 1, (k + 4 * spread) // SAMPLE_STRIDE + 1)
        level = float(np.partition(sample, sample.shape[0] - 1 - rank)[-1 - rank])
        top, losses = _above(predicted, level)
        if top.size <= k + spread:
            top, losses = _above(predicted, -np.inf)
        size = top.size
        ranks = [max(0, size - k - spread), size - k, min(size - 1, size - k + spread)]
        low, var, high = (float(v) for v in np.partition(losses, ranks)[ranks])
        return top, losses, var, max(high - var, var - low)

    def _learn(
        self,
        top: IntArray,
        losses: FloatArray,
        var: float,
        predicted: FloatArray,
        tail: IntArray,
        in_tail: BoolArray,
    ) -> None:
        """Remember how far beyond the predicted VaR the band had to reach: the largest
        distance, on the wrong side of it, of a scenario on the other side of ``a^``
        (``tail``, ``in_tail``: the scenarios losing more than ``a^``)."""
        reach = 0.0
        if tail.size:
            reach = max(reach, var + float(np.max(predicted[tail])))
        outside = losses[~in_tail[top]]  # every loss above the VaR is in ``top``
        if outside.size:
            reach = max(reach, float(np.max(outside)) - var)
        self.reach = reach


def _split(
    predicted: FloatArray, top: IntArray, losses: FloatArray, var: float, reach: float
) -> tuple[IntArray, IntArray]:
    """``(sure, band)``: losses beyond ``var + reach`` and within ``reach`` of ``var`` (``top``
    and ``losses`` from ``_top``, widened when the band reaches below them)."""
    if var - reach < float(losses.min()) and top.size < predicted.shape[0]:
        top, losses = _above(predicted, var - reach)
    return top[losses > var + reach], top[np.abs(losses - var) <= reach]


def _above(predicted: FloatArray, level: float) -> tuple[IntArray, FloatArray]:
    """The scenarios losing at least ``level`` at the predicted point, and their losses."""
    top = np.flatnonzero(predicted <= -level)
    return top, -predicted[top]
