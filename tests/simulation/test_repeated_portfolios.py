"""Portfolios the accounting cannot tell apart are computed once and copied to every row that
names them; results are those of computing each."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from allocator.scenario import Scenario
from allocator.simulation import simulate
from allocator.simulation.plan import RunPlan
from allocator.simulation.run import compile_market, compile_portfolios
from allocator.simulation.seeding import BLOCK_PATHS
from allocator.simulation.summary import BLOCK_SUM_FIELDS, ChunkSummary, SummaryAccumulator
from tests.simulation.test_engine import _scenario as engine_scenario

TILT = {
    "weights": {"large": 0.7, "small": 0.3},
    "rebalance": {"policy": "calendar", "every": "quarterly"},
}


def _scenario(twin: bool) -> Scenario:
    portfolios: dict[str, Any] = {"large_only": {"weights": {"large": 1.0}}, "tilt": TILT}
    if twin:
        portfolios["twin"] = {**TILT, "name": "Same weights, other name"}
    data = engine_scenario().model_dump()
    data.update(portfolios=portfolios, benchmark="large_only")
    data["sweep"] = {"asset": "small", "funded_from": "large", "stop": 0.3, "step": 0.3}
    return Scenario.model_validate(data)


def _numbers(stats: Any) -> dict[str, Any]:
    values = asdict(stats)
    for key in ("id", "name", "kind", "sweep_weight"):
        values.pop(key)
    return values


def test_repeats_are_computed_once() -> None:
    scenario = _scenario(twin=True)
    n_months = scenario.horizon_months
    portfolios = compile_portfolios(scenario, n_months)
    plan = RunPlan(compile_market(scenario, n_months), portfolios, seed=42, n_paths=10)
    ids = [p.id for p in portfolios]
    # the twin repeats the tilt; the sweep's 0% point repeats the all-large benchmark
    assert ids[:3] == ["large_only", "tilt", "twin"] and len(ids) == 5
    assert plan.computed_portfolios.tolist() == [0, 1, 4]
    assert plan.series_source.tolist() == [0, 1, 1, 0, 2, 3, 4]


def test_a_repeat_reports_what_computing_it_gives() -> None:
    with_twin = simulate(_scenario(twin=True), chunk_size=BLOCK_PATHS, workers=2)
    alone = simulate(_scenario(twin=False), workers=1)
    tilt, twin = with_twin.portfolios[1], with_twin.portfolios[2]
    assert (tilt.id, twin.id) == ("tilt", "twin")
    assert _numbers(twin) == _numbers(tilt) == _numbers(alone.portfolios[1])
    # the 0% sweep point is the benchmark's paths: same numbers as the benchmark itself
    assert _numbers(with_twin.sweep[0]) == _numbers(with_twin.portfolios[0])
    assert _numbers(with_twin.sweep[1]) == _numbers(alone.sweep[1])
    for name, rows in with_twin.per_path.items():
        alone_rows = alone.per_path[name]
        np.testing.assert_array_equal(rows[[0, 1, 2, 3, 4]], alone_rows[[0, 1, 1, 2, 3]])
        np.testing.assert_array_equal(rows[5:], alone_rows[4:])  # the assets


def test_accumulator_places_rows_and_copies_repeats_in_any_order() -> None:
    source = np.array([0, 1, 0, 2, 1, 3])  # 6 rows from 4 computed series (the last an asset)
    n_paths = 2 * BLOCK_PATHS
    rng = np.random.default_rng(0)
    chunks = []
    for block in (1, 0):  # the second block first
        terminal = rng.normal(size=(4, BLOCK_PATHS))
        chunks.append(
            ChunkSummary(
                first_block=block,
                per_path={"terminal": terminal, "max_drawdown": terminal.astype(np.float32)},
                block_sums={n: rng.normal(size=(1, 4)) for n in BLOCK_SUM_FIELDS},
                wealth_counts=rng.integers(0, 9, size=(3, 2, 4)).astype(np.int64),
                rate_counts=None,
                regime_counts=None,
            )
        )
    acc = SummaryAccumulator(6, n_paths, source=source)
    for chunk in chunks:
        acc.add(chunk)
    acc.copy_repeats()
    in_order = chunks[::-1]
    for row, computed in enumerate(source):
        for name in ("terminal", "max_drawdown"):
            expected = np.concatenate([c.per_path[name][computed] for c in in_order])
            np.testing.assert_array_equal(acc.per_path[name][row], expected)
        for name in BLOCK_SUM_FIELDS:
            expected = np.array([c.block_sums[name][0, computed] for c in in_order])
            np.testing.assert_array_equal(acc.block_sums[name][:, row], expected)
    assert acc.wealth_counts is not None
    counts = sum(c.wealth_counts for c in chunks if c.wealth_counts is not None)
    # 6 series, 4 computed of which 1 asset: 3 computed portfolios, 5 portfolio rows
    np.testing.assert_array_equal(acc.wealth_counts, counts[source[:5]])
