"""Monte Carlo standard errors of differences between two results, from their path samples.

For every statistic that is a function of per-path final wealth and drawdown
(``path_statistics``: percentiles, median and mean CAGR, probabilities, VaR, CVaR,
differences against the benchmark), the error of ``stat_B - stat_A`` is estimated by the
bootstrap on the ``m`` sampled paths and scaled to the run's ``N`` paths:

    SE_N = SE_m · sqrt(m / N)

(these statistics have errors proportional to 1/sqrt(paths); with N ≤ m the sample is the
whole run and nothing is scaled). Paired results (same seed and path count: path ``i`` of
both used the same random numbers) are resampled with the same path indices, so the shared
market noise cancels in the difference; unpaired results are resampled independently and
their errors add in quadrature. The resampling generator has a fixed seed, so ``compare``
prints the same errors every time.

Accuracy: ``R = 200`` resamples give the SE of a difference to about 1/sqrt(2R) ≈ 5%
(bootstrap noise), on top of the sample's own ≈ 1/sqrt(2m) ≈ 1.6% (m = 2,048).
"""

from __future__ import annotations

import math

import numpy as np

from allocator.metrics import FloatArray
from allocator.path_statistics import path_values, reduce_paths
from allocator.report.path_sample import PathSample

RESAMPLES = 200
RESAMPLING_SEED = 20_261_201


Series = tuple[str, str]
"""(kind, id): kind is 'portfolios', 'sweep' or 'assets'."""


def _resampled(
    sample: PathSample, series: Series, rows: np.ndarray
) -> dict[str, FloatArray] | None:
    """The statistics of each resample (a row of path indices ``rows``)."""
    found = sample.terminal_and_drawdown(*series)
    bench = sample.benchmark_terminal()
    if found is None or bench is None:
        return None
    values = path_values(found[0], bench, found[1], sample.context)  # per path, once
    return reduce_paths({k: v[rows] for k, v in values.items()}, sample.context)


def difference_errors(
    a: PathSample,
    a_series: Series,
    b: PathSample,
    b_series: Series,
    paths: tuple[int, int],
    paired: bool,
) -> dict[str, float]:
    """SE of ``stat(B) - stat(A)`` by statistic key, for series ``a_series`` of sample ``a``
    and ``b_series`` of ``b`` (two results, or two series of one result); empty when a sample
    lacks a series or its benchmark. ``paths``: each run's path count."""
    if paired and a.paths != b.paths:
        paired = False
    rng = np.random.default_rng(RESAMPLING_SEED)
    rows_a = rng.integers(0, a.paths, size=(RESAMPLES, a.paths))
    rows_b = rows_a if paired else rng.integers(0, b.paths, size=(RESAMPLES, b.paths))
    stats_a = _resampled(a, a_series, rows_a)
    stats_b = _resampled(b, b_series, rows_b)
    if stats_a is None or stats_b is None:
        return {}
    scale_a = math.sqrt(min(1.0, a.paths / paths[0]))
    scale_b = math.sqrt(min(1.0, b.paths / paths[1]))
    out = {}
    for key in sorted(stats_a.keys() & stats_b.keys()):
        if paired:
            se = float(np.std(stats_b[key] - stats_a[key], ddof=1)) * scale_a
        else:
            se = math.hypot(
                float(np.std(stats_a[key], ddof=1)) * scale_a,
                float(np.std(stats_b[key], ddof=1)) * scale_b,
            )
        out[key] = se
    return out
