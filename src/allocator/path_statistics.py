"""The statistics of a series that are functions of its per-path final wealth and maximum
drawdown (and the benchmark's final wealth on the same paths), for many samples at once.

One definition, used twice: by the run on all paths (one row) and by ``compare`` on bootstrap
resamples of the per-path sample a result file keeps (one row per resample), so the paired
standard errors there are errors of exactly the numbers the run reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from allocator import metrics
from allocator.metrics import FloatArray

if TYPE_CHECKING:
    from allocator.scenario import Scenario

#: per-path arrays: float64, or float32 (drawdown)
PathValues = dict[str, npt.NDArray[Any]]


def percentile_key(p: float) -> str:
    """'p5', 'p50', 'p97.5': the key of a percentile in the result's dictionaries."""
    return f"p{p:g}"


@dataclass(frozen=True)
class PathContext:
    """What the statistics need besides the per-path values."""

    horizon_months: int
    initial_wealth: float
    var_level: float
    percentiles: tuple[float, ...]
    goal_multiple: float | None
    """Final wealth / initial wealth that counts as reaching the goal (None: no goal)."""


def path_context(scenario: Scenario, horizon: int, percentiles: tuple[float, ...]) -> PathContext:
    """The scenario's settings the per-path statistics depend on."""
    goal = None
    if scenario.goal is not None:
        if scenario.goal.terminal_wealth is not None:
            goal = scenario.goal.terminal_wealth / scenario.initial_wealth
        else:
            goal = (1.0 + (scenario.goal.annual_return or 0.0)) ** (horizon / 12)
    return PathContext(
        horizon_months=horizon,
        initial_wealth=scenario.initial_wealth,
        var_level=scenario.report.var_level,
        percentiles=percentiles,
        goal_multiple=goal,
    )


def path_values(
    terminal: FloatArray,
    benchmark: FloatArray,
    drawdown: npt.NDArray[Any],
    ctx: PathContext,
    benchmark_growth: FloatArray | None = None,
) -> PathValues:
    """The per-path quantities the statistics reduce, each shaped like the inputs: final
    wealth / initial wealth (``terminal``, ``benchmark`` on the same paths) and maximum drawdown
    (a fraction). Formulas: ``metrics.cagr``; differences against the benchmark per path
    (paired on the same paths). ``benchmark_growth``: ``metrics.cagr`` of ``benchmark`` when
    the caller has it (the same for every series of a run)."""
    w0 = ctx.initial_wealth
    growth = metrics.cagr(terminal, ctx.horizon_months)
    if benchmark_growth is None:
        benchmark_growth = metrics.cagr(benchmark, ctx.horizon_months)
    return {
        "terminal": terminal,
        "drawdown": drawdown,
        "growth": growth,
        "growth_vs_benchmark": growth - benchmark_growth,
        "wealth_vs_benchmark": terminal * w0 - benchmark * w0,
        "horizon_return": terminal - 1.0,
        "benchmark": benchmark,
    }


def reduce_paths(values: PathValues, ctx: PathContext) -> dict[str, FloatArray]:
    """Statistics per row of ``path_values`` arrays shaped ``(n_samples, n_paths)``.

    Keys are the result's field names, dotted for nested ones ('terminal_wealth.p50'); each
    value has one entry per row. Quantiles are NumPy's linear ones; VaR and CVaR are
    ``metrics.tail_losses``; the rest are means over paths.
    """
    probs = np.asarray(ctx.percentiles) / 100.0
    terminal, horizon_return = values["terminal"], values["horizon_return"]
    out: dict[str, FloatArray] = {}
    wealth_q = np.quantile(terminal, probs, axis=-1)  # (n_percentiles, n_samples)
    drawdown_q = np.quantile(values["drawdown"], probs, axis=-1)
    for j, p in enumerate(ctx.percentiles):
        out[f"terminal_wealth.{percentile_key(p)}"] = wealth_q[j] * ctx.initial_wealth
        out[f"max_drawdown.{percentile_key(p)}"] = np.asarray(drawdown_q[j], dtype=np.float64)
    out["cagr_median"] = np.median(values["growth"], axis=-1)
    out["cagr_mean"] = np.mean(values["growth"], axis=-1)
    out["max_drawdown_mean"] = np.mean(values["drawdown"], axis=-1, dtype=np.float64)
    out["prob_loss"] = metrics.probability_below(horizon_return, 0.0)
    if ctx.goal_multiple is not None:
        out["prob_shortfall"] = metrics.probability_below(terminal, ctx.goal_multiple)
    out["prob_beat_benchmark"] = metrics.probability_beat(terminal, values["benchmark"])
    out["cagr_vs_benchmark"] = np.mean(values["growth_vs_benchmark"], axis=-1)
    out["terminal_vs_benchmark"] = np.mean(values["wealth_vs_benchmark"], axis=-1)
    out["mean_horizon_return"] = np.mean(horizon_return, axis=-1)
    out["var"], out["cvar"] = metrics.tail_losses(horizon_return, ctx.var_level)
    return out
