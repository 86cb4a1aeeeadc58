"""Risk and return measures as pure functions of per-path values.

Conventions: ``wealth`` is ``(n_paths, n_months + 1)`` with column 0 the initial wealth;
a horizon return is ``H = W_T / W_0 - 1``; losses are reported as positive numbers.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
MONTHS_PER_YEAR = 12


def cagr(terminal_ratio: FloatArray, n_months: int) -> FloatArray:
    """Compound annual growth rate per path: ``(W_T / W_0) ** (12 / T) - 1``; ruin gives -1."""
    return np.power(np.maximum(terminal_ratio, 0.0), MONTHS_PER_YEAR / n_months) - 1.0


def max_drawdown(wealth: FloatArray) -> FloatArray:
    """Largest peak-to-trough fall per path: ``max_t (1 - W_t / max_{s<=t} W_s)``, in [0, 1].

    ``wealth``: ``(n_paths, n_points)``; returns ``(n_paths,)``.
    """
    peaks = np.maximum.accumulate(wealth, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        drawdowns = np.where(peaks > 0, 1.0 - wealth / peaks, 1.0)
    return np.asarray(drawdowns.max(axis=1), dtype=np.float64)


def months_under_water(wealth: FloatArray) -> FloatArray:
    """Number of months per path spent below the previous peak (``W_t < max_{s<t} W_s``)."""
    peaks = np.maximum.accumulate(wealth, axis=1)
    return np.asarray((wealth < peaks).sum(axis=1), dtype=np.float64)


def annualized_volatility(wealth: FloatArray) -> FloatArray:
    """Per-path standard deviation of monthly log returns times sqrt(12) (ddof = 1).

    Paths that hit zero are measured up to ruin only.
    """
    if wealth.shape[1] < 3:
        return np.zeros(wealth.shape[0])
    if np.all(wealth > 0):  # the usual case: no ruin, plain and fast
        vol = np.std(np.diff(np.log(wealth), axis=1), axis=1, ddof=1)
        return np.asarray(vol * np.sqrt(MONTHS_PER_YEAR), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_returns = np.diff(np.log(wealth), axis=1)
        log_returns[~np.isfinite(log_returns)] = np.nan
        counts = np.sum(np.isfinite(log_returns), axis=1)
        vol = np.where(counts > 1, np.nanstd(log_returns, axis=1, ddof=1), 0.0)
    return np.asarray(vol * np.sqrt(MONTHS_PER_YEAR), dtype=np.float64)


def tail_count(n: int, level: float) -> int:
    """Number of outcomes in the ``1 - level`` tail of ``n``: ``ceil(n (1 - level))``, at least 1
    (the small slack keeps 100 × 5% at 5 despite binary rounding of 1 - 0.95)."""
    return max(1, int(np.ceil(n * (1.0 - level) - 1e-9)))


def tail_losses(horizon_returns: FloatArray, level: float) -> tuple[FloatArray, FloatArray]:
    """VaR and CVaR at ``level`` as positive losses, per row of ``(n_samples, n_paths)``.

    VaR: minus the k-th worst horizon return, ``k = tail_count(n_paths, level)`` (the lower
    empirical ``1 - level`` quantile). CVaR (expected shortfall): minus the mean of the ``k``
    worst (Rockafellar–Uryasev on the sample).
    """
    k = tail_count(horizon_returns.shape[-1], level)
    ordered = np.partition(horizon_returns, k - 1, axis=-1)
    var = -ordered[..., k - 1]
    cvar = -np.mean(ordered[..., :k], axis=-1)
    return np.asarray(var, dtype=np.float64), np.asarray(cvar, dtype=np.float64)


def value_at_risk(horizon_returns: FloatArray, level: float) -> float:
    """VaR of one sample of horizon returns (see ``tail_losses``)."""
    return float(tail_losses(horizon_returns[None, :], level)[0][0])


def conditional_value_at_risk(horizon_returns: FloatArray, level: float) -> float:
    """CVaR of one sample of horizon returns (see ``tail_losses``)."""
    return float(tail_losses(horizon_returns[None, :], level)[1][0])


def probability_below(values: FloatArray, threshold: float) -> FloatArray:
    """Share of paths with ``value < threshold`` (e.g. probability of loss: H < 0), per row
    (last axis: paths)."""
    return np.asarray(np.mean(values < threshold, axis=-1), dtype=np.float64)


def sharpe_ratio(excess_sum: float, excess_sq: float, n_obs: int) -> float:
    """Annualized Sharpe ratio of pooled monthly excess returns ``x = r - r_cash``:
    ``mean(x) / std(x) * sqrt(12)`` from ``sum(x)``, ``sum(x²)`` and the count (0 if flat)."""
    mean = excess_sum / n_obs
    variance = max(excess_sq / n_obs - mean * mean, 0.0)
    return float(mean / np.sqrt(variance) * np.sqrt(MONTHS_PER_YEAR)) if variance > 0 else 0.0


def sortino_ratio(excess_sum: float, downside_sq: float, n_obs: int) -> float:
    """Annualized Sortino ratio: ``12 mean(x) / (sqrt(mean(min(x, 0)²)) sqrt(12))`` for pooled
    monthly excess returns ``x`` (0 when there is no downside)."""
    downside = np.sqrt(downside_sq / n_obs)
    if downside == 0:
        return 0.0
    return float(excess_sum / n_obs * MONTHS_PER_YEAR / (downside * np.sqrt(MONTHS_PER_YEAR)))


def tracking_error(active_returns: FloatArray) -> FloatArray:
    """Per-path annualized tracking error: ``std(r - r_benchmark) * sqrt(12)`` (ddof = 1) of
    monthly active returns ``(n_paths, n_months)``."""
    if active_returns.shape[1] < 2:
        return np.zeros(active_returns.shape[0])
    vol = np.std(active_returns, axis=1, ddof=1) * np.sqrt(MONTHS_PER_YEAR)
    return np.asarray(vol, dtype=np.float64)


def probability_beat(terminal: FloatArray, benchmark_terminal: FloatArray) -> FloatArray:
    """Share of paths whose final wealth exceeds the benchmark's on the same path, per row
    (last axis: paths)."""
    return np.asarray(np.mean(terminal > benchmark_terminal, axis=-1), dtype=np.float64)


def standard_error(values: FloatArray) -> float:
    """Monte Carlo standard error of the mean of per-path values: ``std(x, ddof=1) / sqrt(n)``
    (NaN for fewer than 2 paths). Of a per-path difference, it is the paired error: common
    random numbers, so the market's shared noise cancels."""
    n = values.shape[0]
    return float(np.std(values, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
