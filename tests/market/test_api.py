"""The public interface: spec attributes, pickling, the raw-draw yardstick, horizons."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from allocator.market import MarketSpec, compile_market, draw_raw_normals, sample_market
from allocator.market.vector_math import expm1_in_place
from allocator.scenario import Scenario
from tests.market.helpers import equity, scenario
from tests.market.test_macro import _rich_market


def _specs(tmp_path: Path) -> dict[str, MarketSpec]:
    assets, market = _rich_market()
    macro = scenario(assets, market, horizon=30)
    parametric = scenario(
        {"a": equity(), "b": equity()},
        {
            "model": "parametric",
            "mean": {"a": 0.05, "b": 0.03},
            "vol": {"a": 0.2, "b": 0.1},
            "innovations": {"distribution": "student_t", "dof": 5},
        },
        horizon=30,
    )
    csv = tmp_path / "r.csv"
    rng = np.random.default_rng(0)
    dates = np.array([f"{2000 + m // 12}-{m % 12 + 1:02d}-28" for m in range(48)])
    np.savetxt(
        csv,
        np.column_stack([dates, rng.normal(0, 0.04, (48, 2)).astype(str)]),
        fmt="%s",
        delimiter=",",
        header="date,a,b",
        comments="",
    )
    historical = scenario(
        {"a": equity(), "b": equity()}, {"model": "historical", "file": str(csv)}, horizon=30
    )
    return {s.market.model: compile_market(s) for s in (macro, parametric, historical)}


@pytest.mark.parametrize("model", ["macro", "parametric", "historical"])
def test_raw_draws_consume_exactly_what_sampling_consumes(tmp_path: Path, model: str) -> None:
    spec = _specs(tmp_path)[model]
    a, b = np.random.default_rng(99), np.random.default_rng(99)
    draw_raw_normals(spec, a, 777)
    sample_market(spec, b, 777)
    assert a.bit_generator.state == b.bit_generator.state
    assert a.random() == b.random()


@pytest.mark.parametrize("model", ["macro", "parametric", "historical"])
def test_spec_pickles_and_samples_the_same(tmp_path: Path, model: str) -> None:
    spec = _specs(tmp_path)[model]
    copy = pickle.loads(pickle.dumps(spec))
    x = sample_market(spec, np.random.default_rng(3), 50)
    y = sample_market(copy, np.random.default_rng(3), 50)
    assert np.array_equal(x.returns, y.returns)
    assert spec.model == model and spec.n_months == 30 and spec.n_assets == len(spec.asset_ids)


@pytest.mark.parametrize("model", ["macro", "parametric", "historical"])
def test_log_returns_are_the_logs_of_the_same_paths(tmp_path: Path, model: str) -> None:
    spec = _specs(tmp_path)[model]
    simple = sample_market(spec, np.random.default_rng(5), 300)
    logs = sample_market(spec, np.random.default_rng(5), 300, log_returns=True)
    assert logs.log_returns and not simple.log_returns
    if model == "historical":  # resampled simple returns: their logs are taken afterwards
        assert np.array_equal(logs.returns, np.log1p(simple.returns))
    else:  # the market's own log returns, before the expm1 the simple paths get
        exponentiated = logs.returns.copy()
        expm1_in_place(exponentiated.reshape(-1), np.empty(exponentiated.size))
        assert np.array_equal(exponentiated, simple.returns)
    for name in ("rates", "regimes"):
        a, b = getattr(simple, name), getattr(logs, name)
        assert (a is None and b is None) or np.array_equal(a, b)


def test_spec_attributes_and_horizon_override() -> None:
    assets, market = _rich_market()
    scn: Scenario = scenario(assets, market, horizon=30)
    spec = compile_market(scn)
    assert spec.asset_ids == ("eq", "bd", "cash")
    assert spec.regime_names == ("boom", "bust")
    assert spec.model == "macro" and spec.n_assets == 3 and spec.n_months == 30
    short = compile_market(scn, 7)
    paths = sample_market(short, np.random.default_rng(0), 3)
    assert paths.returns.shape == (3, 7, 3)
    assert paths.rates is not None and paths.rates.shape == (3, 8)


@pytest.mark.parametrize("n_paths", [1, 2, 70, 1000])
def test_any_number_of_paths(n_paths: int) -> None:
    assets, market = _rich_market()
    spec = compile_market(scenario(assets, market, horizon=120))
    paths = sample_market(spec, np.random.default_rng(0), n_paths)
    assert paths.returns.shape == (n_paths, 120, 3)
    assert np.all(np.isfinite(paths.returns))
