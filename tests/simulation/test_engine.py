"""The engine: bit-identical whatever the chunking or the workers; exact where there is no
randomness; every path accounted for."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from allocator.scenario import Scenario
from allocator.simulation import simulate
from allocator.simulation.seeding import BLOCK_PATHS


def _scenario(**market: Any) -> Scenario:
    base: dict[str, Any] = {
        "name": "engine test",
        "horizon_months": 24,
        "paths": 3 * BLOCK_PATHS + 123,  # a short last block
        "seed": 42,
        "assets": {
            "small": {"name": "Small", "kind": "equity"},
            "large": {"name": "Large", "kind": "equity"},
        },
        "market": {
            "model": "parametric",
            "frequency": "annual",
            "mean": {"small": 0.08, "large": 0.07},
            "vol": {"small": 0.2, "large": 0.16},
            "correlation": {"assets": ["small", "large"], "matrix": [[1, 0.8], [0.8, 1]]},
            "innovations": {"distribution": "student_t", "dof": 5},
            **market,
        },
        "portfolios": {
            "large_only": {"weights": {"large": 1.0}},
            "tilt": {
                "weights": {"large": 0.7, "small": 0.3},
                "rebalance": {"policy": "calendar", "every": "quarterly"},
            },
        },
    }
    return Scenario.model_validate(base)


def _fingerprint(result: Any) -> list[Any]:
    return [
        {k: v.tobytes() for k, v in result.per_path.items()},
        [s.bands for s in result.portfolios],
        [(s.cagr_mean, s.cvar, s.var) for s in (*result.portfolios, *result.assets)],
    ]


def test_results_do_not_depend_on_chunk_size_or_workers() -> None:
    scenario = _scenario()
    reference = _fingerprint(simulate(scenario, chunk_size=BLOCK_PATHS, workers=1))
    for chunk, workers in [(2 * BLOCK_PATHS, 2), (10 * BLOCK_PATHS, 2), (BLOCK_PATHS, 3)]:
        assert _fingerprint(simulate(scenario, chunk_size=chunk, workers=workers)) == reference


def test_a_different_seed_gives_different_paths() -> None:
    scenario = _scenario()
    a = simulate(scenario, paths=BLOCK_PATHS, seed=1)
    b = simulate(scenario, paths=BLOCK_PATHS, seed=2)
    assert not np.array_equal(a.per_path["terminal"], b.per_path["terminal"])


def test_prefix_of_paths_is_stable_when_more_paths_are_asked() -> None:
    # block b always draws from the same stream: the first blocks do not change
    scenario = _scenario()
    small = simulate(scenario, paths=2 * BLOCK_PATHS)
    large = simulate(scenario, paths=5 * BLOCK_PATHS)
    n = 2 * BLOCK_PATHS
    assert np.array_equal(small.per_path["terminal"], large.per_path["terminal"][:, :n])


def test_zero_volatility_compounds_exactly() -> None:
    scenario = _scenario(
        vol={"small": 0.0, "large": 0.0}, innovations={"distribution": "normal"}, correlation=None
    )
    result = simulate(scenario, paths=100, horizon=24)
    # log drift 8%/yr and 7%/yr for 2 years, no fees
    small = np.exp(0.08 * 2)
    large = np.exp(0.07 * 2)
    by_id = {s.id: s for s in (*result.portfolios, *result.assets)}
    assert by_id["small"].terminal_wealth["p50"] == pytest.approx(100_000 * small, rel=1e-12)
    assert by_id["large_only"].terminal_wealth["p5"] == pytest.approx(100_000 * large, rel=1e-12)
    # quarterly-rebalanced 70/30 mix of two deterministic growths
    q_small, q_large = np.exp(0.08 / 4), np.exp(0.07 / 4)
    tilt = (0.7 * q_large + 0.3 * q_small) ** 8
    assert by_id["tilt"].terminal_wealth["p95"] == pytest.approx(100_000 * tilt, rel=1e-12)
    assert by_id["tilt"].prob_loss == 0.0
    assert by_id["tilt"].max_drawdown["p50"] == 0.0


def test_every_path_is_counted_in_the_bands() -> None:
    scenario = _scenario()
    result = simulate(scenario, paths=BLOCK_PATHS + 7)
    assert result.per_path["terminal"].shape == (4, BLOCK_PATHS + 7)
    bands = result.portfolios[0].bands
    assert len(bands["p50"]) == scenario.horizon_months + 1
    assert bands["p50"][0] == pytest.approx(100_000, rel=0.005)  # month 0, within one bin
    # percentile bands are ordered at every month
    for lo, hi in zip(("p5", "p25", "p50", "p75"), ("p25", "p50", "p75", "p95"), strict=True):
        assert all(a <= b for a, b in zip(bands[lo], bands[hi], strict=True))


def test_metrics_frame_has_a_row_per_portfolio_and_asset() -> None:
    result = simulate(_scenario(), paths=500)
    frame = result.metrics()
    assert list(frame.index) == ["large_only", "tilt", "small", "large"]  # benchmark first
    assert {"cagr_median", "volatility", "cvar", "prob_loss"} <= set(frame.columns)


def _with_sweep() -> Scenario:
    data = _scenario().model_dump()
    data["sweep"] = {"asset": "small", "funded_from": "large", "stop": 0.4, "step": 0.1}
    data["benchmark"] = "large_only"
    return Scenario.model_validate(data)


def test_sweep_runs_on_the_same_paths_as_the_candidates() -> None:
    result = simulate(_with_sweep(), paths=2000)
    weights = [s.sweep_weight for s in result.sweep]
    assert weights == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert all(s.weights.get("small", 0.0) == pytest.approx(s.sweep_weight) for s in result.sweep)
    assert all(sum(s.weights.values()) == pytest.approx(1.0) for s in result.sweep)
    # the 0% point is the benchmark itself, path by path: paired difference exactly zero
    zero = result.sweep[0]
    assert zero.terminal_vs_benchmark == 0.0 and zero.cagr_vs_benchmark_se == 0.0
    assert zero.prob_beat_benchmark == 0.0 and zero.tracking_error == 0.0


def test_paired_differences_carry_their_standard_error() -> None:
    result = simulate(_with_sweep(), paths=4000)
    tilt = next(s for s in result.portfolios if s.id == "tilt")
    terminal = result.per_path["terminal"].astype(float)
    diff = (terminal[1] - terminal[0]) * 100_000  # tilt minus the benchmark (row 0)
    assert tilt.terminal_vs_benchmark == pytest.approx(diff.mean())
    assert tilt.terminal_vs_benchmark_se == pytest.approx(diff.std(ddof=1) / np.sqrt(diff.size))
    # pairing removes the common market noise: far below the unpaired error
    unpaired = np.sqrt(terminal[1].var() + terminal[0].var()) * 100_000 / np.sqrt(diff.size)
    assert tilt.terminal_vs_benchmark_se < 0.5 * unpaired


def test_benchmark_is_first_and_has_no_active_risk() -> None:
    result = simulate(_with_sweep(), paths=1000)
    bench = result.portfolios[0]
    assert bench.id == "large_only"
    assert bench.tracking_error == 0.0 and bench.prob_beat_benchmark == 0.0
