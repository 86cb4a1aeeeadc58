"""``simulate``: scenario in, ``SimulationResult`` out (the Python entry point and the CLI's)."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from allocator import __version__
from allocator.market import compile_market
from allocator.scenario import Scenario, scenario_hash
from allocator.simulation.engine import DEFAULT_CHUNK_PATHS, Progress, RunPlan, run
from allocator.simulation.portfolio import compile_portfolios
from allocator.simulation.results import (
    SeriesStats,
    SimulationResult,
    rate_bands,
    regime_share,
    series_stats,
)

_REPORTED_PACKAGES = ("numpy", "scipy", "pandas", "pydantic", "cvxpy", "click", "PyYAML")


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
) -> SimulationResult:
    """Simulate ``scenario``'s market and candidate portfolios.

    ``paths``, ``seed`` and ``horizon`` (months) override the scenario's values.
    ``chunk_size`` (paths per task) and ``workers`` change speed and memory, never the numbers.
    """
    scenario = with_overrides(scenario, paths, seed, horizon)
    market = compile_market(scenario, scenario.horizon_months)
    plans, notes = compile_portfolios(scenario)
    plan = RunPlan(market=market, portfolios=plans, seed=scenario.seed, n_paths=scenario.paths)
    acc = run(plan, chunk_paths=chunk_size, workers=workers, progress=progress)
    assert acc.complete and acc.wealth_counts is not None
    percentiles = tuple(scenario.report.percentiles)
    stats: list[SeriesStats] = []
    names = [(p.id, p.name, "portfolio") for p in plans] + [
        (a, scenario.assets[a].name, "asset") for a in scenario.asset_ids
    ]
    for index, (sid, name, kind) in enumerate(names):
        per_path = {k: v[index] for k, v in acc.per_path.items()}
        stats.append(
            series_stats(
                sid,
                name,
                kind,
                per_path,
                acc.wealth_counts[index] if index < len(plans) else None,
                scenario,
                scenario.horizon_months,
                percentiles,
            )
        )
    n_portfolios = len(plans)
    return SimulationResult(
        scenario=scenario,
        scenario_hash=scenario_hash(scenario),
        seed=scenario.seed,
        paths=scenario.paths,
        horizon_months=scenario.horizon_months,
        versions=package_versions(),
        notes=notes,
        portfolios=tuple(stats[:n_portfolios]),
        assets=tuple(stats[n_portfolios:]),
        percentiles=percentiles,
        rate_bands=rate_bands(acc.rate_counts, percentiles)
        if acc.rate_counts is not None
        else None,
        regime_share=(
            regime_share(acc.regime_counts, market.regime_names)
            if acc.regime_counts is not None
            else None
        ),
        per_path=acc.per_path,
    )
