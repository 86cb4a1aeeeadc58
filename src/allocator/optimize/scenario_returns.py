"""A scenario's simulated market as the optimizer's input: pooled decision-period returns.

The market is simulated block by block exactly as ``simulate`` does (block ``b`` draws from
``block_generator(seed, b)``), so the matrix for ``n`` paths is reproducible and its first rows
do not depend on ``n``. Each path's monthly simple returns ``(n_months, n_assets)`` are
compounded over non-overlapping decision periods of ``p`` months,
``1 + r_period = prod_{t in period} (1 + r_t)``, months left after the last whole period being
dropped; the periods of all paths are pooled into ``(n_paths * n_periods, n_assets)`` rows
(path-major: row ``q * n_periods + t`` is period t of path q), each equally likely.
Chunks of blocks run on the executor (threads here, or a Dask cluster) and are put back in
block order, so the matrix is the same bits on any executor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.errors import InputError
from allocator.market import MarketSpec, compile_market, sample_market
from allocator.metrics import MONTHS_PER_YEAR
from allocator.optimize.measures import FloatArray
from allocator.scenario.schema import Scenario
from allocator.simulation.executors import Executor, LocalExecutor, active_executor
from allocator.simulation.seeding import BLOCK_PATHS, block_generator, block_size, chunk_ranges

DecisionPeriod = str  # "month" | "year" | "horizon"


@dataclass(frozen=True, eq=False)
class PeriodReturns:
    """Simple returns per decision period, ``returns`` ``(n_scenarios, n_assets)``.

    ``months_per_period`` is the period's length; ``periods_per_year = 12 / months``.
    ``risk_free`` is the mean period return of the scenario's cash asset (0 without one).
    """

    returns: FloatArray
    asset_ids: tuple[str, ...]
    period: DecisionPeriod
    months_per_period: int
    n_paths: int
    seed: int
    risk_free: float
    notes: tuple[str, ...] = ()

    @property
    def periods_per_year(self) -> float:
        return MONTHS_PER_YEAR / self.months_per_period

    @property
    def period_label(self) -> str:
        if self.period == "horizon":
            return f"per {self.months_per_period}-month horizon"
        return f"per {self.period}"


def months_per_period(period: DecisionPeriod, horizon_months: int) -> int:
    """``month`` 1, ``year`` 12, ``horizon`` every simulated month."""
    if period == "month":
        return 1
    if period == "year":
        return MONTHS_PER_YEAR
    if period == "horizon":
        return horizon_months
    raise InputError(f"decision_period: expected month, year or horizon, found '{period}'")


def compound_periods(monthly: FloatArray, months: int) -> FloatArray:
    """Compound ``monthly`` ``(n_paths, n_months, n_assets)`` into whole periods of ``months``:
    ``(n_paths, n_months // months, n_assets)``, trailing months dropped."""
    n_paths, n_months, n_assets = monthly.shape
    n_periods = n_months // months
    whole = monthly[:, : n_periods * months, :].reshape(n_paths, n_periods, months, n_assets)
    return np.asarray(np.expm1(np.log1p(whole).sum(axis=2)), dtype=np.float64)


@dataclass(frozen=True)
class SamplingPlan:
    """What a chunk of market blocks needs (picklable: it is shipped to workers)."""

    market: MarketSpec
    seed: int
    n_paths: int
    months_per_period: int


def period_returns_chunk(plan: SamplingPlan, blocks: range) -> FloatArray:
    """Pooled period returns of consecutive ``blocks``: ``(chunk_paths * n_periods, n_assets)``."""
    parts = []
    for block in blocks:
        rng = block_generator(plan.seed, block)
        sampled = sample_market(plan.market, rng, block_size(plan.n_paths, block))
        periods = compound_periods(sampled.returns, plan.months_per_period)
        parts.append(periods.reshape(-1, len(plan.market.asset_ids)))
    return np.concatenate(parts, axis=0)


#: paths per task: one block (a block's period returns are a few MB; a task's overhead on a
#: cluster is milliseconds against the block's tenths of a second)
CHUNK_PATHS = BLOCK_PATHS


def scenario_returns(
    scenario: Scenario,
    n_paths: int | None = None,
    period: DecisionPeriod | None = None,
    executor: Executor | None = None,
) -> PeriodReturns:
    """Simulate ``scenario`` (``n_paths`` paths, default the scenario's) and pool its
    decision-period returns (``period``, default ``scenario.optimization.decision_period``).

    ``executor``: where the chunks run (default: the enclosing ``executor_scope``'s, else
    threads here); it changes speed, never the numbers.
    """
    period = scenario.optimization.decision_period if period is None else period
    paths = scenario.paths if n_paths is None else int(n_paths)
    if paths < 1:
        raise InputError(f"paths: expected at least 1, found {paths}")
    horizon = scenario.horizon_months
    months = months_per_period(period, horizon)
    if months > horizon:
        raise InputError(
            f"decision_period: a {period} ({months} months) is longer than the horizon "
            f"({horizon} months)"
        )
    plan = SamplingPlan(compile_market(scenario, horizon), scenario.seed, paths, months)
    chunks = chunk_ranges(paths, CHUNK_PATHS)
    parts: list[FloatArray | None] = [None] * len(chunks)

    def place(index: int, part: FloatArray) -> None:
        parts[index] = part

    chosen = executor or active_executor() or LocalExecutor()
    chosen.map_chunks(period_returns_chunk, plan, chunks, place)
    returns = np.concatenate([p for p in parts if p is not None], axis=0)
    notes = []
    if horizon % months:
        notes.append(
            f"the last {horizon % months} month(s) of the {horizon}-month horizon do not fill a "
            f"{period} and are left out"
        )
    cash = [a for a, asset in scenario.assets.items() if asset.kind == "cash"]
    risk_free = float(returns[:, scenario.asset_ids.index(cash[0])].mean()) if cash else 0.0
    return PeriodReturns(
        returns=returns,
        asset_ids=scenario.asset_ids,
        period=period,
        months_per_period=months,
        n_paths=paths,
        seed=scenario.seed,
        risk_free=risk_free,
        notes=tuple(notes),
    )
