"""The metrics of a series (``SeriesStats`` in the JSON), once: label, format, definition and
where its Monte Carlo standard error comes from. Used by the report tables and by ``compare``.

Standard errors: ``*_se`` fields when the result has them; for a probability p estimated from
n paths, the binomial ``sqrt(p (1 - p) / n)``; none for medians, ratios and averages whose
error the result file does not carry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allocator.report.numbers import digits_for, money, num, pct, signed_money, signed_pp

Doc = dict[str, Any]


@dataclass(frozen=True)
class Metric:
    key: str
    """Field of the series, dotted for nested values ('terminal_wealth.p50')."""
    label: str
    kind: str
    """'pct' (fraction shown as %), 'money', 'ratio', 'count'."""
    hint: str
    se_key: str | None = None
    binomial: bool = False
    """A probability: its SE is sqrt(p (1 - p) / paths)."""
    relative: bool = False
    """Measured against the benchmark: meaningless for a series identical to it."""

    def value(self, series: Doc) -> float | None:
        if self.relative and same_as_benchmark(series):
            return None
        node: Any = series
        for part in self.key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None

    def se(self, series: Doc, paths: int) -> float | None:
        """Monte Carlo standard error of the value, or None when the file cannot tell."""
        if self.se_key is not None:
            raw = series.get(self.se_key)
            return float(raw) if isinstance(raw, int | float) and math.isfinite(raw) else None
        value = self.value(series)
        if self.binomial and value is not None and paths > 0:
            # never 0: with p = 0 or 1 the error is still about 1/n
            return max(math.sqrt(value * (1.0 - value) / paths), 1.0 / paths)
        return None

    def fmt(self, value: float | None, currency: str = "") -> str:
        if self.relative and self.key.endswith("_vs_benchmark"):
            return self.fmt_diff(value, currency)  # a difference: signed
        if self.kind == "pct":
            return pct(value)
        if self.kind == "money":
            return money(value, currency)
        if self.kind == "count":
            return num(value, 1)
        return num(value)

    def fmt_diff(self, diff: float | None, currency: str = "") -> str:
        if self.kind == "pct":
            return signed_pp(diff)
        if self.kind == "money":
            return signed_money(diff, currency)
        return "–" if diff is None else f"{diff:+.{1 if self.kind == 'count' else 2}f}"


def same_as_benchmark(series: Doc) -> bool:
    """The series is the benchmark itself, or holds exactly what it holds (no tracking error
    and no spread of the paired difference): comparing it with the benchmark means nothing."""
    return series.get("tracking_error") == 0 and series.get("cagr_vs_benchmark_se") == 0


def _m(key: str, label: str, kind: str, hint: str, **kw: Any) -> Metric:
    return Metric(key, label, kind, hint, **kw)


METRICS: tuple[Metric, ...] = (
    _m("terminal_wealth.p50", "Median final wealth", "money", "Half of the paths end above"),
    _m("terminal_wealth.p5", "Final wealth, 5th percentile", "money", "1 path in 20 ends below"),
    _m("terminal_wealth.p95", "Final wealth, 95th percentile", "money", "1 path in 20 ends above"),
    _m("cagr_median", "Median CAGR", "pct", "Compound annual growth rate of the median path"),
    _m("cagr_mean", "Mean CAGR", "pct", "Average over paths", se_key="cagr_mean_se"),
    _m("volatility", "Volatility", "pct", "Annualized std of monthly log returns, mean over paths"),
    _m("sharpe", "Sharpe ratio", "ratio", "Monthly excess return over cash: mean / std × √12"),
    _m("sortino", "Sortino ratio", "ratio", "Excess return × 12 / annualized downside deviation"),
    _m("max_drawdown.p50", "Median max drawdown", "pct", "Largest peak-to-trough fall, median"),
    _m("max_drawdown.p95", "Max drawdown, 95th pct", "pct", "1 path in 20 falls further"),
    _m("max_drawdown_mean", "Mean max drawdown", "pct", "Average over paths"),
    _m("months_under_water_mean", "Months under water", "count", "Months below a former peak"),
    _m(
        "prob_loss",
        "P(loss)",
        "pct",
        "Chance of ending below the money invested",
        se_key="prob_loss_se",
    ),
    _m(
        "prob_shortfall",
        "P(missing the goal)",
        "pct",
        "Chance of ending below the goal",
        binomial=True,
    ),
    _m("var", "VaR", "pct", "Loss of the horizon return exceeded by the worst paths"),
    _m("cvar", "CVaR", "pct", "Average loss of the worst paths (beyond the VaR)"),
    _m("mean_horizon_return", "Mean total return", "pct", "Average return over the horizon"),
    _m(
        "prob_beat_benchmark",
        "P(beat benchmark)",
        "pct",
        "Chance of ending with more than the benchmark on the same path",
        binomial=True,
        relative=True,
    ),
    _m("tracking_error", "Tracking error", "pct", "Annualized std of return minus benchmark's"),
    _m(
        "cagr_vs_benchmark",
        "CAGR vs benchmark",
        "pct",
        "Mean paired difference of CAGR against the benchmark",
        se_key="cagr_vs_benchmark_se",
        relative=True,
    ),
    _m(
        "terminal_vs_benchmark",
        "Final wealth vs benchmark",
        "money",
        "Mean paired difference of final wealth",
        se_key="terminal_vs_benchmark_se",
        relative=True,
    ),
    _m("turnover_per_year", "Turnover / yr", "pct", "One-way trading per year, share of wealth"),
    _m("rebalances", "Rebalances", "count", "Mean number of rule-driven rebalances"),
    _m("costs_paid", "Costs paid", "money", "Mean trading costs over the horizon"),
    _m("prob_ruin", "P(ruin)", "pct", "Chance that withdrawals exhaust the money", binomial=True),
)

BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


def diff_with_se(
    metric: Metric, diff: float | None, se: float | None, currency: str = "", bound: bool = False
) -> str:
    """A difference and its standard error with enough decimals to show two significant
    digits of the error: '+0.2712 ± 0.0042 pp'; ``bound``: '+0.27 pp (SE ≤ 0.02 pp)'."""
    if diff is None or se is None:
        return metric.fmt_diff(diff, currency)
    scale, unit = (100.0, " pp") if metric.kind == "pct" else (1.0, "")
    if metric.kind == "money":
        digits, unit = 0, f" {currency}".rstrip()
    else:
        digits = max(2, digits_for(scale * se))
    value = scale * diff
    if round(value, digits) == 0:
        value = 0.0
    if bound:
        return f"{value:+,.{digits}f}{unit} (SE ≤ {scale * se:,.{digits}f}{unit})"
    return f"{value:+,.{digits}f} ± {scale * se:,.{digits}f}{unit}"


def with_se(metric: Metric, series: Doc, paths: int, currency: str) -> str:
    """A paired difference field ('cagr_vs_benchmark') with its standard error."""
    return diff_with_se(metric, metric.value(series), metric.se(series, paths), currency)


def significant(diff: float | None, se: float | None, k: float = 2.0) -> bool:
    """|diff| larger than k standard errors (k = 2: about 95% two-sided)."""
    return diff is not None and se is not None and se > 0 and abs(diff) > k * se


def metric_getter(key: str) -> Callable[[Doc], float | None]:
    return BY_KEY[key].value
