"""The typed result of a simulation run, derived from the merged per-path values.

Raw per-path arrays stay on the result (``per_path``) so that later comparisons can pair
portfolios path by path; every statistic is a documented function of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from allocator import metrics
from allocator.path_statistics import path_context, path_values, percentile_key, reduce_paths
from allocator.scenario import Scenario
from allocator.simulation.summary import (
    LOG_WEALTH_GRID,
    RATE_GRID,
    FloatArray,
    IntArray,
    PathArray,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class SeriesStats:
    """Statistics of one portfolio, or of one asset held alone, over all paths.

    Money figures are for ``initial_wealth`` invested at month 0; rates are annual decimals;
    VaR and CVaR are losses of the horizon return (positive numbers). ``*_se`` are Monte
    Carlo standard errors. Differences ``*_vs_benchmark`` are paired (same paths).
    """

    id: str
    name: str
    kind: str  # "portfolio", "sweep" or "asset"
    weights: dict[str, float]
    terminal_wealth: dict[str, float]
    cagr_median: float
    cagr_mean: float
    cagr_mean_se: float
    volatility: float
    """Mean over paths of the annualized volatility of monthly log returns."""
    sharpe: float
    """Pooled monthly excess return over cash, mean / std × sqrt(12)."""
    sortino: float
    """Pooled monthly excess return × 12 over the annualized downside deviation."""
    max_drawdown_mean: float
    max_drawdown: dict[str, float]
    months_under_water_mean: float
    prob_loss: float
    prob_loss_se: float
    prob_shortfall: float | None
    prob_beat_benchmark: float
    tracking_error: float
    """Mean over paths of the annualized std of monthly returns minus the benchmark's."""
    cagr_vs_benchmark: float
    cagr_vs_benchmark_se: float
    terminal_vs_benchmark: float
    terminal_vs_benchmark_se: float
    mean_horizon_return: float
    var: float
    cvar: float
    turnover_per_year: float
    """Mean one-way turnover per year, as a fraction of wealth."""
    costs_paid: float
    """Mean trading costs paid over the horizon, in currency."""
    rebalances: float
    """Mean number of rule-driven rebalances over the horizon."""
    prob_ruin: float
    bands: dict[str, list[float]]
    """Percentile bands of wealth by month (portfolios only; empty for single assets)."""
    sweep_weight: float | None = None


@dataclass(frozen=True)
class SimulationResult:
    scenario: Scenario
    scenario_hash: str
    seed: int
    paths: int
    horizon_months: int
    versions: dict[str, str]
    notes: tuple[str, ...]
    portfolios: tuple[SeriesStats, ...]
    sweep: tuple[SeriesStats, ...]
    assets: tuple[SeriesStats, ...]
    percentiles: tuple[float, ...]
    rate_bands: dict[str, list[float]] | None
    regime_share: dict[str, list[float]] | None
    distributions: dict[str, Any]
    """Histograms on shared edges across portfolios: ``terminal_wealth`` (currency) and
    ``max_drawdown`` (fraction), each ``{"edges": [...], "counts": {id: [...]}}``."""
    per_path: dict[str, PathArray] = field(repr=False, compare=False)

    def metrics(self) -> pd.DataFrame:
        """One row per portfolio and asset, one column per headline statistic."""
        import pandas as pd

        rows = []
        for s in (*self.portfolios, *self.sweep, *self.assets):
            rows.append(
                {
                    "id": s.id,
                    "kind": s.kind,
                    "name": s.name,
                    "median_terminal_wealth": s.terminal_wealth["p50"],
                    "cagr_median": s.cagr_median,
                    "cagr_mean": s.cagr_mean,
                    "volatility": s.volatility,
                    "sharpe": s.sharpe,
                    "prob_beat_benchmark": s.prob_beat_benchmark,
                    "max_drawdown_median": s.max_drawdown["p50"],
                    "prob_loss": s.prob_loss,
                    "var": s.var,
                    "cvar": s.cvar,
                }
            )
        frame: pd.DataFrame = pd.DataFrame(rows).set_index("id")
        return frame

    def wealth_bands(self, portfolio_id: str) -> pd.DataFrame:
        """Percentile bands of wealth by month (rows) for one portfolio."""
        import pandas as pd

        for s in (*self.portfolios, *self.sweep):
            if s.id == portfolio_id:
                bands: pd.DataFrame = pd.DataFrame(s.bands).rename_axis("month")
                return bands
        raise KeyError(portfolio_id)


def series_stats(
    sid: str,
    name: str,
    kind: str,
    weights: dict[str, float],
    per_path: dict[str, PathArray],
    totals: dict[str, float],
    benchmark_terminal: FloatArray,
    counts: IntArray | None,
    scenario: Scenario,
    horizon: int,
    percentiles: tuple[float, ...],
    sweep_weight: float | None = None,
    benchmark_growth: FloatArray | None = None,
) -> SeriesStats:
    """Statistics of one series from its per-path values, its block totals and its
    log-wealth histograms (``counts``: (months + 1, bins + 2), portfolios only).
    ``benchmark_growth``: the benchmark's per-path CAGR, if the caller has it."""
    w0 = scenario.initial_wealth
    terminal = np.asarray(per_path["terminal"], dtype=np.float64)
    n = terminal.shape[0]
    n_obs = n * horizon
    ctx = path_context(scenario, horizon, percentiles)
    values = path_values(
        terminal[None, :],
        benchmark_terminal[None, :],
        per_path["max_drawdown"][None, :],
        ctx,
        None if benchmark_growth is None else benchmark_growth[None, :],
    )
    on_paths = {key: float(v[0]) for key, v in reduce_paths(values, ctx).items()}
    bands: dict[str, list[float]] = {}
    if counts is not None:  # (months + 1, n_pct)
        probs = np.asarray(percentiles) / 100.0
        band_values = np.exp(LOG_WEALTH_GRID.quantiles(counts, probs)) * w0
        bands = {percentile_key(p): band_values[:, j].tolist() for j, p in enumerate(percentiles)}
    p_loss = on_paths["prob_loss"]
    return SeriesStats(
        id=sid,
        name=name,
        kind=kind,
        weights=weights,
        terminal_wealth=_nested(on_paths, "terminal_wealth", percentiles),
        cagr_median=on_paths["cagr_median"],
        cagr_mean=on_paths["cagr_mean"],
        cagr_mean_se=metrics.standard_error(values["growth"][0]),
        volatility=totals["volatility"] / n,
        sharpe=metrics.sharpe_ratio(totals["excess_sum"], totals["excess_sq"], n_obs),
        sortino=metrics.sortino_ratio(totals["excess_sum"], totals["downside_sq"], n_obs),
        max_drawdown_mean=on_paths["max_drawdown_mean"],
        max_drawdown=_nested(on_paths, "max_drawdown", percentiles),
        months_under_water_mean=totals["months_under_water"] / n,
        prob_loss=p_loss,
        prob_loss_se=float(np.sqrt(p_loss * (1 - p_loss) / n)),
        prob_shortfall=on_paths.get("prob_shortfall"),
        prob_beat_benchmark=on_paths["prob_beat_benchmark"],
        tracking_error=totals["tracking_error"] / n,
        cagr_vs_benchmark=on_paths["cagr_vs_benchmark"],
        cagr_vs_benchmark_se=metrics.standard_error(values["growth_vs_benchmark"][0]),
        terminal_vs_benchmark=on_paths["terminal_vs_benchmark"],
        terminal_vs_benchmark_se=metrics.standard_error(values["wealth_vs_benchmark"][0]),
        mean_horizon_return=on_paths["mean_horizon_return"],
        var=on_paths["var"],
        cvar=on_paths["cvar"],
        turnover_per_year=totals["turnover"] / n * 12 / horizon,
        costs_paid=totals["costs"] / n * w0,
        rebalances=totals["rebalances"] / n,
        prob_ruin=totals["ruined"] / n,
        bands=bands,
        sweep_weight=sweep_weight,
    )


def _nested(
    values: dict[str, float], field: str, percentiles: tuple[float, ...]
) -> dict[str, float]:
    return {percentile_key(p): values[f"{field}.{percentile_key(p)}"] for p in percentiles}


HISTOGRAM_BINS = 40


def distributions(
    ids: list[str], terminal: FloatArray, drawdown: PathArray, initial_wealth: float
) -> dict[str, Any]:
    """Histograms of final wealth and max drawdown for the series ``ids`` (rows of the
    per-path arrays), on edges shared by all so the charts compare like with like. Final
    wealth spans the pooled 0.5th to 99.5th percentiles (the tails beyond are counted in the
    first and last bins)."""
    lo, hi = np.quantile(terminal, [0.005, 0.995])
    if hi <= lo:
        hi = lo + 1e-9
    wealth_edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
    dd_edges = np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)
    wealth_counts = {}
    dd_counts = {}
    for row, sid in enumerate(ids):
        clipped = np.clip(terminal[row], lo, hi)
        wealth_counts[sid] = np.histogram(clipped, wealth_edges)[0].tolist()
        dd_counts[sid] = np.histogram(drawdown[row], dd_edges)[0].tolist()
    return {
        "terminal_wealth": {
            "edges": (wealth_edges * initial_wealth).tolist(),
            "counts": wealth_counts,
        },
        "max_drawdown": {"edges": dd_edges.tolist(), "counts": dd_counts},
    }


def rate_bands(counts: IntArray, percentiles: tuple[float, ...]) -> dict[str, list[float]]:
    values = RATE_GRID.quantiles(counts, np.asarray(percentiles) / 100.0)
    return {percentile_key(p): values[:, j].tolist() for j, p in enumerate(percentiles)}


def regime_share(counts: IntArray, names: tuple[str, ...]) -> dict[str, list[float]]:
    share = counts / counts.sum(axis=1, keepdims=True)
    return {name: share[:, k].tolist() for k, name in enumerate(names)}


def as_dict(result: SimulationResult) -> dict[str, Any]:
    """Plain JSON-ready view (no per-path arrays)."""
    return {
        "portfolios": [asdict(s) for s in result.portfolios],
        "sweep": [asdict(s) for s in result.sweep],
        "assets": [asdict(s) for s in result.assets],
        "rates": result.rate_bands,
        "regime_share": result.regime_share,
        "distributions": result.distributions,
    }
