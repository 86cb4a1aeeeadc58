"""``simulate``: scenario in, ``SimulationResult`` out (the Python entry point and the CLI's)."""

from __future__ import annotations

import os
import platform
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from allocator import __version__, metrics
from allocator.market import compile_market
from allocator.scenario import Scenario, scenario_hash
from allocator.simulation.engine import DEFAULT_CHUNK_PATHS, Progress, RunPlan, run
from allocator.simulation.executors import Executor
from allocator.simulation.portfolio import compile_portfolios
from allocator.simulation.results import (
    SeriesStats,
    SimulationResult,
    distributions,
    rate_bands,
    regime_share,
    series_stats,
)

_REPORTED_PACKAGES = (
    "numpy",
    "numba",
    "scipy",
    "pandas",
    "pydantic",
    "cvxpy",
    "click",
    "PyYAML",
    "Jinja2",
)


def package_versions() -> dict[str, str]:
    """Versions of Python, allocator and the packages a result depends on."""
    found = {"python": platform.python_version(), "allocator": __version__}
    for name in _REPORTED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def with_overrides(
    scenario: Scenario, paths: int | None, seed: int | None, horizon: int | None
) -> Scenario:
    """The scenario as actually run: command-line overrides replace the file's values, so the
    recorded scenario and its hash describe the run."""
    update: dict[str, int] = {}
    if paths is not None:
        update["paths"] = paths
    if seed is not None:
        update["seed"] = seed
    if horizon is not None:
        update["horizon_months"] = horizon
    return scenario.model_copy(update=update) if update else scenario


def simulate(
    scenario: Scenario,
    paths: int | None = None,
    seed: int | None = None,
    horizon: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_PATHS,
    workers: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> SimulationResult:
    """Simulate ``scenario``'s market and candidate portfolios.

    ``paths``, ``seed`` and ``horizon`` (months) override the scenario's values.
    ``chunk_size`` (paths per task), ``workers`` (threads) and ``executor`` (where chunks run,
    e.g. ``DaskExecutor(scheduler="tcp://host:8786")``; the caller closes it) change speed
    and memory, never the numbers.
    """
    scenario = with_overrides(scenario, paths, seed, horizon)
    n_months = scenario.horizon_months
    market = compile_market(scenario, n_months)
    plans = compile_portfolios(scenario, n_months)
    ids = scenario.asset_ids
    cash = [i for i, a in enumerate(ids) if scenario.assets[a].kind == "cash"]
    plan = RunPlan(
        market=market,
        portfolios=plans,
        seed=scenario.seed,
        n_paths=scenario.paths,
        cash_index=cash[0] if cash else None,
    )
    acc = run(plan, chunk_paths=chunk_size, workers=workers, progress=progress, executor=executor)
    assert acc.complete and acc.wealth_counts is not None
    wealth_counts = acc.wealth_counts
    totals = acc.totals()
    percentiles = tuple(scenario.report.percentiles)
    benchmark_terminal = np.asarray(acc.per_path["terminal"][0], dtype=np.float64)
    benchmark_growth = metrics.cagr(benchmark_terminal, n_months)

    def identity(index: int) -> dict[str, Any]:
        """What names series ``index``: its id, name, kind, weights and sweep weight."""
        if index >= len(plans):
            sid = ids[index - len(plans)]
            asset = {"name": scenario.assets[sid].name, "kind": "asset", "weights": {sid: 1.0}}
            return {"id": sid, **asset, "sweep_weight": None}
        p = plans[index]
        return {
            "id": p.id,
            "name": p.name,
            "kind": "sweep" if p.sweep_weight is not None else "portfolio",
            "weights": {a: float(x) for a, x in zip(ids, p.weights, strict=True) if x != 0.0},
            "sweep_weight": p.sweep_weight,
        }

    def one_series(index: int) -> SeriesStats:
        named = identity(index)
        return series_stats(
            named["id"],
            named["name"],
            named["kind"],
            named["weights"],
            {k: v[index] for k, v in acc.per_path.items()},
            {k: float(v[index]) for k, v in totals.items()},
            benchmark_terminal,
            wealth_counts[index] if index < len(plans) else None,
            scenario,
            n_months,
            percentiles,
            named["sweep_weight"],
            benchmark_growth,
        )

    # a repeated portfolio (computed once, RunPlan.series_source) has its first row's numbers
    distinct = [*plan.computed_portfolios.tolist(), *range(len(plans), plan.n_series)]
    # each series' quantiles and tails are independent NumPy work that releases the GIL
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        # the charts' pooled quantile is the longest task: started first, beside the series
        charts = pool.submit(
            distributions,
            [p.id for p in plans],
            np.asarray(acc.per_path["terminal"][: len(plans)], dtype=np.float64),
            acc.per_path["max_drawdown"][: len(plans)],
            scenario.initial_wealth,
        )
        computed = dict(zip(distinct, pool.map(one_series, distinct), strict=True))
    stats = [
        computed[index]
        if index in computed
        else replace(computed[distinct[source]], **identity(index))
        for index, source in enumerate(plan.series_source.tolist())
    ]
    return SimulationResult(
        scenario=scenario,
        scenario_hash=scenario_hash(scenario),
        seed=scenario.seed,
        paths=scenario.paths,
        horizon_months=n_months,
        versions=package_versions(),
        notes=(),
        portfolios=tuple(s for s in stats if s.kind == "portfolio"),
        sweep=tuple(s for s in stats if s.kind == "sweep"),
        assets=tuple(s for s in stats if s.kind == "asset"),
        percentiles=percentiles,
        rate_bands=rate_bands(acc.rate_counts, percentiles)
        if acc.rate_counts is not None
        else None,
        regime_share=(
            regime_share(acc.regime_counts, market.regime_names)
            if acc.regime_counts is not None
            else None
        ),
        distributions=charts.result(),
        per_path=acc.per_path,
    )
